"""Typography of the chapter's text: numbers, dates, lists, labels and foreign terms in each language."""

from __future__ import annotations

import pytest

from analysis import text, wording


@pytest.mark.parametrize(("value", "language", "expected"), [
    (0.98, "id", "0,98"), (0.98, "en", "0.98"), (-0.014, "id", "-0,01"), (3, "id", "3"),
    (12500.5, "id", "12.500,50"), (12500.5, "en", "12,500.50"), (float("nan"), "id", "—"),
    (0.5, "id", "0,50"),
])
def test_numbers_take_the_decimal_mark_of_the_language(value, language, expected):
    assert wording.number(value, language) == expected


def test_numbers_in_a_finished_text_get_the_decimal_comma_but_section_numbers_do_not():
    assert wording.localise_numbers("kappa 0.86, versi 1.2.3", "id") == "kappa 0,86, versi 1.2.3"
    assert wording.localise_numbers("kappa 0.86", "en") == "kappa 0.86"


@pytest.mark.parametrize(("iso", "precision", "language", "expected"), [
    ("2016-05-31", "day", "id", "31 Mei 2016"), ("2017-05", "month", "id", "Mei 2017"),
    ("2016-05-31", "year", "id", "2016"), ("2025-06-12", "", "en", "12 June 2025"), ("2013", "", "id", "2013"),
])
def test_dates_are_written_out(iso, precision, language, expected):
    assert wording.date(iso, language, precision) == expected


@pytest.mark.parametrize(("items", "language", "expected"), [
    (["a"], "id", "a"), (["a", "b"], "id", "a dan b"), (["a", "b", "c"], "id", "a, b, dan c"),
    # an item that holds "dan" itself: the last one is joined with "serta", never a second "dan"
    (["anggaran", "bahasa dan budaya", "media"], "id", "anggaran, bahasa dan budaya, serta media"),
    (["bahasa dan budaya", "media"], "id", "bahasa dan budaya serta media"),
    (["a", "b", "c"], "en", "a, b, and c"), (["a", "b"], "en", "a and b"),
])
def test_lists_are_joined_once(items, language, expected):
    assert wording.join(items, language) == expected
    assert text.join(items, language) == expected


def test_category_labels_in_running_text_are_lower_case_unless_names():
    terms = ("Letter of Intent",)
    assert wording.running_label("Dasar hukum nasional", terms) == "dasar hukum nasional"
    assert wording.running_label("Persetujuan DPRD", terms) == "persetujuan DPRD"
    assert wording.running_label("DPRD approval", terms) == "DPRD approval"
    assert wording.running_label("MoU ditandatangani", terms) == "MoU ditandatangani"
    assert wording.running_label("Letter of Intent (LOI)", terms) == "Letter of Intent (LOI)"


def test_foreign_terms_are_italicised_once_and_never_inside_placeholders_or_links():
    terms = ["sister city", "Plan of Action", "Action"]
    out = wording.italicise("Kerja sama Sister City dan rencana aksi (Plan of Action) [[tab:sister city]] "
                            "`sister city` [x](http://a/sister city) *sister city*", terms)
    assert out.startswith("Kerja sama *Sister City* dan rencana aksi (*Plan of Action*)")
    assert "[[tab:sister city]]" in out and "`sister city`" in out and "(http://a/sister city)" in out
    assert "**sister city**" not in out and "*Action*" not in out


def test_all_of_words_a_whole_count():
    numbers = text.labels("id")["numbers"]
    assert wording.all_of(3, "id", numbers) == "ketiga"
    assert wording.all_of(2, "en", text.labels("en")["numbers"]) == "both"
    assert wording.all_of(1, "id", numbers) == "satu"


def test_section_titles_come_from_the_case_and_never_repeat_the_chapter_title():
    words = text.labels("id")
    case = {"language": "id", "chapter": {"title": "KESIMPULAN DAN SARAN"}}
    assert wording.section_titles(case, words)["conclusion"] == "Kesimpulan"
    repeated = {"language": "id", "chapter": {"title": "KESIMPULAN"}}
    assert wording.section_titles(repeated, words)["conclusion"] == words["sections"]["summary"]
    own = {**case, "sections": {"recommendations": {"id": "Rekomendasi", "en": "Advice"}}}
    assert wording.section_titles(own, words)["recommendations"] == "Rekomendasi"


def test_short_title_falls_back_to_the_title_in_running_form():
    assert wording.short_title({"title": {"id": "Kerja sama kota kembar"}}, "id") == "kerja sama kota kembar"
    assert wording.short_title({"short_title": {"en": "the twinning"}, "title": {"en": "X"}}, "en") == "the twinning"
