"""SMS text in GSM-7 and its segment count, checked by hand against GSM 03.38 / 03.40."""

from __future__ import annotations

import pytest

from purna_notification.domain.gsm7 import SmsText, is_gsm7, segments, septets, to_gsm7

pytestmark = pytest.mark.unit


def test_plain_indonesian_text_is_already_gsm7() -> None:
    text = "BP3MI NTB: Yth. Ibu Baiq, pelatihan dimulai Senin, 12 Agustus 2024."
    assert is_gsm7(text)
    assert to_gsm7(text) == text


@pytest.mark.parametrize(
    ("raw", "gsm"),
    [
        ("Jum’at", "Jum'at"),  # typographic apostrophe
        ("“Tenun”", '"Tenun"'),
        ("12–15 Agustus", "12-15 Agustus"),  # en dash
        ("tunggu…", "tunggu..."),
        ("Rp10.000\u00a0ribu", "Rp10.000 ribu"),  # no-break space
        ("Lalu Āḥmad", "Lalu Ahmad"),  # accents the alphabet lacks: base letter
        ("café crème", "café crème"),  # é and è are GSM-7: kept
        ("façade", "facade"),  # GSM-7 has Ç but not ç
        ("Selamat 🎉!", "Selamat !"),  # emoji dropped
        ("a\r\nb", "a\nb"),
    ],
)
def test_transliteration(raw: str, gsm: str) -> None:
    assert to_gsm7(raw) == gsm
    assert is_gsm7(to_gsm7(raw))


def test_extension_characters_cost_two_septets() -> None:
    assert septets("abc") == 3
    assert septets("€") == 2
    assert septets("[x]") == 5
    assert septets("^{}\\[~]|€") == 18


def test_non_gsm_text_is_refused_by_the_counter() -> None:
    with pytest.raises(ValueError, match="not in the GSM-7 alphabet"):
        septets("ā")


@pytest.mark.parametrize(
    ("text", "parts"),
    [
        ("", 1),
        ("a" * 160, 1),
        ("a" * 161, 2),  # 153 + 8
        ("a" * 306, 2),  # 153 + 153
        ("a" * 307, 3),
        ("a" * 459, 3),
        ("a" * 460, 4),
        ("€" * 80, 1),  # 160 septets exactly
        ("€" * 81, 2),  # 162 septets: 76 pairs (152) + 5 pairs (10)
        ("a" * 158 + "€", 1),  # 160 septets
        ("a" * 159 + "€", 2),  # 161 septets
    ],
)
def test_segments(text: str, parts: int) -> None:
    assert segments(text) == parts


def test_an_escape_pair_never_straddles_two_parts() -> None:
    # 152 plain + € (2) = 154 > 153: the € starts part two; 300 septets would fit in two
    # parts of 153 if it could be split, but it cannot: 152 | 2 + 145 = 147 -> still two.
    assert segments("a" * 152 + "€" + "a" * 145) == 2
    # 152 + € + 152 = 306 septets: fits in 2 x 153 only by splitting the pair, so three parts
    assert septets("a" * 152 + "€" + "a" * 152) == 306
    assert segments("a" * 152 + "€" + "a" * 152) == 3


def test_sms_text_of_transliterates_then_counts() -> None:
    sms = SmsText.of("Jum’at – " + "x" * 160)
    assert sms.text.startswith("Jum'at - ")
    assert sms.septets == len(sms.text) == 169
    assert sms.segments == 2
