"""NIK structure (PP RR SS DDMMYY NNNN) and its agreement with birth date and gender."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from purna_registration.domain.nik import (
    NikError,
    birth_date_disagreement,
    gender_disagreement,
    mask_nik,
    parse_nik,
)

pytestmark = pytest.mark.unit

# Hand-built: Lombok Tengah (5202), Jonggat (520206); a woman born 1 July 1990 -> day 01+40=41.
WOMAN = "5202064107900003"
# A man born 17 April 1985 in Kota Mataram (5271), Ampenan (527101).
MAN = "5271011704850012"


def test_a_womans_nik_carries_the_day_plus_40() -> None:
    nik = parse_nik(WOMAN)
    assert nik.encoded_day == 41
    assert (nik.birth_day, nik.birth_month, nik.birth_year_2d) == (1, 7, 90)
    assert nik.gender == "P"
    assert (nik.province_code, nik.regency_code, nik.district_code) == ("52", "5202", "520206")
    assert nik.serial == "0003"


def test_a_mans_nik_carries_the_day_itself() -> None:
    nik = parse_nik(MAN)
    assert (nik.birth_day, nik.birth_month, nik.birth_year_2d, nik.gender) == (17, 4, 85, "L")


def test_spaces_and_dots_typed_for_readability_are_ignored() -> None:
    assert parse_nik(" 5202 0641 0790 0003 ").value == WOMAN
    assert parse_nik("5202.0641.0790.0003").value == WOMAN


@pytest.mark.parametrize(
    ("raw", "why"),
    [
        ("520206410790003", "must be exactly 16 digits, got 15"),
        ("52020641079000031", "must be exactly 16 digits, got 17"),
        ("5202O64107900003", "must contain digits only"),  # letter O for zero
        ("52020641079000A3", "must contain digits only"),
        ("", "must contain digits only"),
        ("５２０２０６４１０７９００００３", "must contain digits only"),  # full-width digits
        ("5202064107900000", "serial number (digits 13-16) must not be 0000"),
        ("9902064107900003", "province code (digits 1-2) is not an Indonesian province"),
        ("5200064107900003", "regency code (digits 3-4) must not be 00"),
        ("5202004107900003", "district code (digits 5-6) must not be 00"),
        ("5202063207900003", "birth day (digits 7-8) must be 01-31, or 41-71 for a woman"),
        ("5202067207900003", "birth day (digits 7-8) must be 01-31, or 41-71 for a woman"),
        ("5202060007900003", "birth day (digits 7-8) must be 01-31, or 41-71 for a woman"),
        ("5202064113900003", "birth month (digits 9-10) must be 01-12"),
        ("5202067102900003", "birth date (digits 7-12) is not a date: the month has no such day"),
    ],
)
def test_malformed_niks_are_refused_saying_why(raw: str, why: str) -> None:
    with pytest.raises(NikError) as caught:
        parse_nik(raw)
    assert str(caught.value) == why


def test_29_february_is_accepted_when_either_century_is_leap() -> None:
    # 29 Feb with year 00: 1900 was not leap but 2000 was, so the NIK itself can't be refused.
    assert parse_nik("5202062902000003").birth_day == 29
    with pytest.raises(NikError, match="the month has no such day"):
        parse_nik("5202062902010003")  # neither 1901 nor 2001 was leap


def test_the_stated_birth_date_resolves_the_two_digit_year() -> None:
    nik = parse_nik("5202061704050012")  # 17-04-05
    assert birth_date_disagreement(nik, date(2005, 4, 17)) is None
    assert birth_date_disagreement(nik, date(1905, 4, 17)) is None  # the century is not in it


@pytest.mark.parametrize(
    "stated",
    [date(1990, 7, 2), date(1990, 8, 1), date(1991, 7, 1), date(1980, 7, 1)],
)
def test_a_birth_date_that_disagrees_with_the_nik_is_named(stated: date) -> None:
    why = birth_date_disagreement(parse_nik(WOMAN), stated)
    assert why == "does not agree with the birth date in the NIK (digits 7-12: day, month, year)"
    # neither date is repeated (issue 15, item 4: messages go into import reports)
    assert stated.isoformat() not in why
    assert "07" not in why


def test_gender_must_agree_with_the_nik() -> None:
    assert gender_disagreement(parse_nik(WOMAN), "P") is None
    assert gender_disagreement(parse_nik(MAN), "L") is None
    assert gender_disagreement(parse_nik(WOMAN), "L") == (
        "is L but the NIK's birth day is over 40, which marks a woman (P)"
    )
    assert gender_disagreement(parse_nik(MAN), "P") == (
        "is P but the NIK's birth day is not over 40: a woman's NIK adds 40 to the day"
    )


def test_a_nik_issued_outside_ntb_is_a_valid_nik() -> None:
    # Issued in Surabaya (3578): the NIK says where it was issued, not where one lives.
    assert parse_nik("3578011704850012").province_code == "35"


def test_masking_keeps_the_regency_and_the_serial_only() -> None:
    assert mask_nik(WOMAN) == "5202********0003"
    assert mask_nik("123") == "***"


def test_a_nik_never_shows_in_its_repr() -> None:
    nik = parse_nik(WOMAN)
    assert WOMAN not in repr(nik)
    assert WOMAN not in str(nik)
    assert WOMAN not in f"{nik}"


@given(
    born=st.dates(min_value=date(1900, 1, 1), max_value=date(2026, 11, 27)),
    gender=st.sampled_from(["L", "P"]),
    area=st.sampled_from(["520101", "520206", "527102", "357801", "110101"]),
    serial=st.integers(min_value=1, max_value=9999),
)
def test_any_nik_built_by_the_rules_parses_and_agrees(
    born: date, gender: str, area: str, serial: int
) -> None:
    day = born.day + (40 if gender == "P" else 0)
    raw = f"{area}{day:02d}{born.month:02d}{born.year % 100:02d}{serial:04d}"
    nik = parse_nik(raw)
    assert nik.gender == gender
    assert birth_date_disagreement(nik, born) is None
    assert gender_disagreement(nik, gender) is None  # type: ignore[arg-type]
    assert mask_nik(raw)[4:12] == "********"


def test_a_nik_from_any_province_is_accepted() -> None:
    # Kota Surabaya (3578), Jawa Timur: a man born 2 March 1988
    assert parse_nik("3578010203880001").regency_code == "3578"


def test_a_nik_with_an_unknown_regency_is_refused() -> None:
    with pytest.raises(NikError, match=r"regency code \(digits 3-4\) is not a regency") as refused:
        parse_nik("3599010203880001")
    assert "3599" not in str(refused.value)  # errors never repeat a NIK's digits (issue 15.4)


def test_a_nik_issued_before_the_2022_papua_split_keeps_its_old_code() -> None:
    # 9101 was Merauke in Papua; since UU 14/2022 it is 9301 in Papua Selatan
    assert parse_nik("9101010203880001").regency_code == "9101"
    assert parse_nik("9301010203880001").regency_code == "9301"
