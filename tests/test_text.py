"""Wording helpers of the templates."""

from analysis.text import counted


def test_counted_agrees_in_number():
    assert counted(1, "document") == "1 document"
    assert counted(0, "document") == "0 documents"
    assert counted(2, "category", "categories") == "2 categories"
    assert counted(1, "category", "categories") == "1 category"
