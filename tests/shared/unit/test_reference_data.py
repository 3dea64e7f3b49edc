"""Reference data for all of Indonesia: counts pinned against the Kepmendagri 2025 list, time
zones per province, the 2022 Papua split's retired codes, and the seeded BP3MI offices."""

from __future__ import annotations

import re
from collections import Counter
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import pytest

from purna_shared import reference
from purna_shared.reference import Zone

pytestmark = pytest.mark.unit

REPO = Path(__file__).resolve().parents[3]


def test_counts_match_kepmendagri_2025() -> None:
    # Kepmendagri 300.2.2-2430/2025: 38 provinces, 416 kabupaten + 98 kota, 7,285 kecamatan
    assert len(reference.provinces()) == 38
    regencies = reference.regencies()
    assert len(regencies) == 514
    assert sum(r.is_city for r in regencies) == 98
    assert len(reference.districts()) == 7285


@pytest.mark.parametrize(
    ("province", "kabupaten", "kota"),
    [("35", 29, 9), ("33", 29, 6), ("32", 18, 9), ("52", 8, 2), ("53", 21, 1), ("96", 5, 1)],
)
def test_regencies_per_province_match_the_published_table(
    province: str, kabupaten: int, kota: int
) -> None:
    found = reference.regencies(province)
    assert (sum(not r.is_city for r in found), sum(r.is_city for r in found)) == (kabupaten, kota)


def test_well_known_codes() -> None:
    assert reference.province("52").name == "Nusa Tenggara Barat"  # type: ignore[union-attr]
    assert reference.regency("3578").name == "Kota Surabaya"  # type: ignore[union-attr]
    assert reference.regency("5201").name == "Kabupaten Lombok Barat"  # type: ignore[union-attr]
    assert reference.district("520202").name == "Jonggat"  # type: ignore[union-attr]
    assert reference.regency("9101") is None  # retired


def test_every_code_is_well_formed_and_nested() -> None:
    provinces = {p.code for p in reference.provinces()}
    for r in reference.regencies():
        assert re.fullmatch(r"\d{4}", r.code) and r.province_code in provinces
    regencies = {r.code for r in reference.regencies()}
    for d in reference.districts():
        assert re.fullmatch(r"\d{6}", d.code) and d.code[:4] in regencies


def test_zones_per_province_follow_the_law() -> None:
    zones = {p.code: p.zone for p in reference.provinces()}
    assert Counter(zones.values()) == {Zone.WIB: 18, Zone.WITA: 12, Zone.WIT: 8}
    assert zones["35"] is Zone.WIB and zones["61"] is Zone.WIB and zones["62"] is Zone.WIB
    assert zones["52"] is Zone.WITA and zones["51"] is Zone.WITA and zones["63"] is Zone.WITA
    assert all(zones[p] is Zone.WIT for p in ("81", "82", "91", "92", "93", "94", "95", "96"))


def test_zones_are_fixed_offsets_with_no_daylight_saving() -> None:
    for zone, hours in ((Zone.WIB, 7), (Zone.WITA, 8), (Zone.WIT, 9)):
        for month in (1, 7):
            assert datetime(2026, month, 1, tzinfo=zone.tz).utcoffset() == timedelta(hours=hours)
        assert zone.utc_offset() == timedelta(hours=hours)
    moment = datetime(2024, 8, 15, 16, 30, tzinfo=UTC)  # 23:30 WIB, 00:30 WITA the next day
    assert Zone.WIB.local_date(moment).day == 15 and Zone.WITA.local_date(moment).day == 16
    assert Zone.WIT.at(moment.date(), time(7)).astimezone(UTC).hour == 22


def test_papua_split_codes_are_retired_and_point_to_their_new_province() -> None:
    retired = {r.code: r for r in reference.retired_regencies()}
    assert len(retired) == 26  # 20 regencies to 93/94/95, 6 to 96
    assert retired["9101"].now_code == "9301" and "14/2022" in retired["9101"].retired_by
    assert retired["9271"].now_code == "9671"  # Kota Sorong, Papua Barat Daya
    for old in retired.values():
        assert reference.regency(old.now_code) is not None
        assert old.now_code[:2] in {"93", "94", "95", "96"}
        assert reference.regency_of_nik_code(old.code) == reference.regency(old.now_code)
    assert reference.regency_zone("9101") is Zone.WIT


def test_nik_region_checks() -> None:
    assert reference.nik_region_error("5202") is None
    assert reference.nik_region_error("9101") is None  # Merauke before the split
    # the reasons reach responses and import reports: they name the digits' place, not them
    assert "is not a regency" in (regency := reference.nik_region_error("5299") or "")
    assert "5299" not in regency
    assert "is not an Indonesian province" in (province := reference.nik_region_error("2001") or "")
    assert "20" not in province


def test_address_regency_must_be_current() -> None:
    assert reference.regency_error("35", "3578") is None
    assert "not in province 35" in (reference.regency_error("35", "5201") or "")
    assert "not a regency of province 35" in (reference.regency_error("35", "3599") or "")
    why = reference.regency_error("91", "9101") or ""
    assert "former code" in why and "9301" in why


REQUIRED_OFFICES = {
    "NTB": "52",
    "NTT": "53",
    "JATIM": "35",
    "JATENG": "33",
    "JABAR": "32",
    "LAMPUNG": "18",
    "BALI": "51",
    "SUMUT": "12",
    "SULSEL": "73",
    "KALBAR": "61",
}


def test_seeded_offices_are_consistent_with_the_regions() -> None:
    offices = reference.seed_offices()
    for code, province in REQUIRED_OFFICES.items():
        assert province in offices[code].provinces
    assert any(o.zone is Zone.WIT for o in offices.values())
    for office in offices.values():
        assert reference.office_error(office) is None, office.code
        assert re.fullmatch(r"[A-Z]{2,16}", office.code)
        assert office.head_title.startswith("Kepala BP3MI ")
    assert offices["JATIM"].zone is Zone.WIB and offices["JATIM"].city == "Surabaya"
    assert offices["NTB"].zone is Zone.WITA and offices["PAPUA"].zone is Zone.WIT


def test_office_lookups() -> None:
    assert reference.office_for_province("35").code == "JATIM"  # type: ignore[union-attr]
    assert reference.office_zone("JATIM") is Zone.WIB
    assert reference.office_zone("NOPE", default=Zone.WIT) is Zone.WIT
    with pytest.raises(KeyError):
        reference.office_zone("NOPE")


#: an IANA name, an abbreviation, or a fixed offset (``+08:00`` alone or after a time with
#: seconds, ``UTC+8``); a range of wall-clock times such as 21:00-07:00 is not an offset
ZONE_LITERAL = re.compile(
    r"Asia/(Jakarta|Makassar|Jayapura)|\bWI(B|TA|T)\b"
    r"|(?<![\d:])[+-]0[789]:00|\d{2}:\d{2}:\d{2}(\.\d+)?[+-]0[789]:00|\b(UTC|GMT) ?[+-]0?[789]\b"
)


@pytest.mark.parametrize(
    ("line", "found"),
    [
        ('ZoneInfo("Asia/Makassar")', True),
        ("09.00 WITA", True),
        ('"2024-08-15T10:00:00+08:00"', True),
        ('offset = "+07:00"', True),
        ("UTC+9 in Papua", True),
        ("quiet hours 21:00-07:00", False),
        ("WITAN is a name", False),
    ],
)
def test_the_zone_literal_pattern(line: str, found: bool) -> None:
    assert bool(ZONE_LITERAL.search(line)) is found


def test_no_service_names_a_zone_outside_the_reference_data() -> None:
    """Every module of every service takes its zone from the reference data (the session's,
    the recipient's, the office's), never from a literal."""
    roots = [REPO / "services", REPO / "purna", REPO / "shared" / "src"]
    allowed = REPO / "shared" / "src" / "purna_shared" / "reference"
    offenders = []
    for root in roots:
        for path in root.rglob("*"):
            if path.suffix not in {".py", ".j2"} or allowed in path.parents:
                continue
            if "migrations" in path.parts and "versions" in path.parts:
                continue  # history: an old migration's column comment is not code that runs
            for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if ZONE_LITERAL.search(line):
                    offenders.append(f"{path.relative_to(REPO)}:{n}: {line.strip()}")
    assert offenders == []
