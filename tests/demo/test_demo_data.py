"""The demo campaign's villages are real places of the reference data, run by the office that
serves them, across Indonesia's three zones."""

from __future__ import annotations

import random

import pytest

from purna.demo import TRAININGS, generate_participants
from purna_shared import reference

pytestmark = pytest.mark.unit


def test_every_demo_village_is_in_the_reference_data_and_its_offices_province() -> None:
    for t in TRAININGS:
        regency = reference.regency(t.kabupaten_code)
        assert regency is not None, t.desa
        district = reference.district(t.kabupaten_code + t.district_code)
        assert district is not None and district.name == t.kecamatan, t.desa
        office = reference.seed_office(t.office)
        assert office is not None and regency.province_code in office.provinces, t.desa


def test_the_demo_spans_three_zones_and_keeps_ntbs_2024_campaign_last() -> None:
    assert {t.zone for t in TRAININGS} == {"WIB", "WITA", "WIT"}
    assert [t.desa for t in TRAININGS[-2:]] == ["Pringgasela", "Bonjeruk"]
    assert sum(t.office == "NTB" for t in TRAININGS) == 6


def test_demo_participants_live_in_their_villages_province_and_office() -> None:
    jatim = next(t for t in TRAININGS if t.office == "JATIM")
    people = generate_participants(jatim, random.Random(1), 0)
    assert {p["address"]["province_code"] for p in people} == {"35"}
    assert {p["office"] for p in people} == {"JATIM"}
    assert all(p["nik"].startswith(jatim.kabupaten_code + jatim.district_code) for p in people)
