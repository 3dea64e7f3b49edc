"""NIK parsing as properties: every real date of birth of either century the two-digit year can
mean round-trips, for men (day 01-31) and women (day 41-71); dates no calendar has are refused
with the date's own reason, and each digit group is refused for its own reason."""

from __future__ import annotations

import calendar
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

AREA = "520206"  # Lombok Tengah, Jonggat


def nik_for(day: int, month: int, yy: int, serial: int = 3, area: str = AREA) -> str:
    return f"{area}{day:02d}{month:02d}{yy:02d}{serial:04d}"


@given(
    born=st.dates(min_value=date(1900, 1, 1), max_value=date(2099, 12, 31)),
    gender=st.sampled_from(["L", "P"]),
    serial=st.integers(min_value=1, max_value=9999),
)
def test_every_real_birth_date_of_either_century_round_trips(
    born: date, gender: str, serial: int
) -> None:
    encoded = born.day + (40 if gender == "P" else 0)
    nik = parse_nik(nik_for(encoded, born.month, born.year % 100, serial))
    assert (nik.birth_day, nik.birth_month, nik.birth_year_2d) == (
        born.day,
        born.month,
        born.year % 100,
    )
    assert nik.encoded_day == encoded
    assert nik.gender == gender
    assert nik.serial == f"{serial:04d}"
    assert birth_date_disagreement(nik, born) is None
    assert gender_disagreement(nik, gender) is None  # type: ignore[arg-type]


@given(
    month=st.integers(min_value=1, max_value=12),
    day=st.integers(min_value=1, max_value=31),
    yy=st.integers(min_value=0, max_value=99),
    woman=st.booleans(),
)
def test_a_date_is_refused_exactly_when_neither_century_has_it(
    month: int, day: int, yy: int, woman: bool
) -> None:
    exists = any(day <= calendar.monthrange(century + yy, month)[1] for century in (1900, 2000))
    raw = nik_for(day + (40 if woman else 0), month, yy)
    if exists:
        assert parse_nik(raw).birth_day == day
    else:
        with pytest.raises(NikError) as caught:
            parse_nik(raw)
        assert str(caught.value) == (
            f"birth date (digits 7-12) has no day {day} in month {month:02d}"
        )


@pytest.mark.parametrize("yy", [96, 4, 0, 24, 48])
@pytest.mark.parametrize("day", [29, 69])  # a man and a woman born on 29 February
def test_29_february_of_a_leap_year(day: int, yy: int) -> None:
    nik = parse_nik(nik_for(day, 2, yy))
    assert (nik.birth_day, nik.birth_month, nik.birth_year_2d) == (29, 2, yy)
    assert birth_date_disagreement(nik, date(1900 + yy if yy > 26 else 2000 + yy, 2, 29)) is None


@pytest.mark.parametrize("serial", [1, 1234, 5678, 9999])
def test_the_serial_never_counts_as_part_of_the_birth_year(serial: int) -> None:
    # 29 February 1996 exists whatever the serial that follows the year digits
    assert parse_nik(nik_for(69, 2, 96, serial=serial)).birth_day == 29
    with pytest.raises(NikError, match="has no day 29 in month 02"):
        parse_nik(nik_for(69, 2, 97, serial=serial))


@pytest.mark.parametrize("yy", [97, 1, 99, 23])
def test_29_february_of_a_common_year_is_refused(yy: int) -> None:
    with pytest.raises(NikError, match="has no day 29 in month 02"):
        parse_nik(nik_for(69, 2, yy))


@pytest.mark.parametrize(
    ("day", "gender", "birth_day"), [(1, "L", 1), (31, "L", 31), (41, "P", 1), (71, "P", 31)]
)
def test_the_day_ranges_of_men_and_women_are_inclusive(
    day: int, gender: str, birth_day: int
) -> None:
    nik = parse_nik(nik_for(day, 1, 90))
    assert (nik.birth_day, nik.gender) == (birth_day, gender)


@pytest.mark.parametrize("day", [0, 32, 39, 40, 72, 99])
def test_a_day_outside_both_ranges_is_refused_as_a_day(day: int) -> None:
    with pytest.raises(NikError) as caught:
        parse_nik(nik_for(day, 1, 90))
    assert str(caught.value) == (
        f"birth day {day:02d} (digits 7-8) must be 01-31, or 41-71 for a woman"
    )


@pytest.mark.parametrize("month", [0, 13, 99])
def test_a_month_outside_01_12_is_refused_as_a_month(month: int) -> None:
    with pytest.raises(NikError) as caught:
        parse_nik(nik_for(1, month, 90))
    assert str(caught.value) == f"birth month {month:02d} (digits 9-10) must be 01-12"


def test_months_01_and_12_are_months() -> None:
    assert parse_nik(nik_for(31, 1, 90)).birth_month == 1
    assert parse_nik(nik_for(31, 12, 90)).birth_month == 12


def test_serials_0001_and_9999_are_valid() -> None:
    assert parse_nik(nik_for(1, 1, 90, serial=1)).serial == "0001"
    assert parse_nik(nik_for(1, 1, 90, serial=9999)).serial == "9999"


def test_only_spaces_and_dots_are_ignored() -> None:
    for raw in ("5202-0641-0790-0003", "5202_06410790_0003", "5202,0641,0790,0003"):
        with pytest.raises(NikError, match="must contain digits only"):
            parse_nik(raw)
    assert parse_nik("\t5202064107900003\n").value == "5202064107900003"


def test_a_birth_date_disagreeing_by_day_month_or_year_is_a_disagreement() -> None:
    nik = parse_nik(nik_for(41, 7, 90))  # a woman born 1 July 1990
    assert birth_date_disagreement(nik, date(1990, 7, 1)) is None
    assert birth_date_disagreement(nik, date(1990, 7, 11)) is not None
    assert birth_date_disagreement(nik, date(1990, 1, 7)) is not None
    assert birth_date_disagreement(nik, date(2090, 7, 1)) is None  # the NIK has no century
    assert birth_date_disagreement(nik, date(1991, 7, 1)) is not None


@given(st.integers(min_value=0, max_value=10**16 - 1))
def test_masking_hides_the_district_and_the_birth_date(number: int) -> None:
    raw = f"{number:016d}"
    masked = mask_nik(raw)
    assert masked == raw[:4] + "********" + raw[12:]


@pytest.mark.parametrize("length", [0, 15, 17])
def test_masking_something_not_nik_sized_hides_all_of_it(length: int) -> None:
    assert mask_nik("7" * length) == "*" * length
