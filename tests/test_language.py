import pytest

from analysis.language import detect


@pytest.mark.parametrize("text, lang", [
    ("Jadi kami sudah ada rencana aksi, tapi belum jalan karena anggaran.", "id"),
    ("We signed the plan of action in Vung Tau, but the training was not held.", "en"),
    ("Chúng tôi đã ký kết biên bản ghi nhớ với thành phố Padang trong năm 2016.", "vi"),
])
def test_three_languages(text, lang):
    assert detect(text) == lang


def test_too_little_evidence_gives_the_fallback():
    assert detect("MoU 2016.", fallback="id") == "id"
    assert detect("", fallback="en") == "en"
