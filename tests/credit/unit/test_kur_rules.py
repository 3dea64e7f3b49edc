"""The KUR rule set: figures from the 2023-2025 rules, sector mapping, consistency checks."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

import pytest

from purna_credit.domain.money import format_rate, format_rupiah
from purna_credit.domain.rules import (
    DEFAULT_RULES,
    KERAJINAN,
    PENGOLAHAN_PERIKANAN,
    PENGOLAHAN_PERTANIAN,
    UMUM,
    Purpose,
    Scheme,
)

pytestmark = pytest.mark.unit

rules = DEFAULT_RULES


def test_version_is_recorded() -> None:
    assert rules.version == "kur-2025.1"


def test_super_mikro_figures() -> None:
    terms = rules.terms(Scheme.SUPER_MIKRO)
    assert terms.plafond_max == 10_000_000
    assert terms.rate_for_loan(1) == Decimal("3")
    assert terms.max_tenor.for_purpose(Purpose.MODAL_KERJA) == 36
    assert terms.max_tenor.for_purpose(Purpose.INVESTASI) == 60


def test_mikro_rate_tiers_and_tenors() -> None:
    terms = rules.terms(Scheme.MIKRO)
    assert (terms.plafond_over, terms.plafond_max) == (10_000_000, 100_000_000)
    assert [terms.rate_for_loan(n) for n in (1, 2, 3, 4)] == [Decimal(x) for x in "6789"]
    assert terms.rate_for_loan(9) == Decimal("9")
    assert terms.max_loans == 4
    assert (terms.max_tenor.modal_kerja, terms.max_tenor.investasi) == (36, 60)
    assert terms.extended_tenor is not None
    assert (terms.extended_tenor.modal_kerja, terms.extended_tenor.investasi) == (48, 84)


@pytest.mark.parametrize(
    ("amount", "scheme"),
    [
        (1, Scheme.SUPER_MIKRO),
        (10_000_000, Scheme.SUPER_MIKRO),
        (10_000_001, Scheme.MIKRO),
        (100_000_000, Scheme.MIKRO),
        (100_000_001, Scheme.KECIL),
        (500_000_000, Scheme.KECIL),
        (500_000_001, None),
        (0, None),
    ],
)
def test_scheme_bands_by_amount(amount: int, scheme: Scheme | None) -> None:
    terms = rules.scheme_for_amount(amount)
    assert (terms.scheme if terms else None) == scheme


def test_no_placement_scheme_for_purna() -> None:
    assert {t.scheme.value for t in rules.schemes} == {"super_mikro", "mikro", "kecil"}


@pytest.mark.parametrize(
    ("code", "category", "sector"),
    [
        ("GULA-SEMUT-AREN", "agricultural_processing", PENGOLAHAN_PERTANIAN),
        ("GARAM", "fisheries_processing", PENGOLAHAN_PERIKANAN),
        ("TERASI-01", None, PENGOLAHAN_PERIKANAN),
        ("TENUN-TAS", "crafts", KERAJINAN),
        ("KERAJINAN-TAS", None, KERAJINAN),
        ("PRODUKTIVITAS", "productivity", UMUM),
        ("ANYAMAN-BAMBU", "crafts", KERAJINAN),  # no known word: the category decides
        ("XYZ", None, UMUM),
        ("aren", None, PENGOLAHAN_PERTANIAN),
    ],
)
def test_sector_from_programme(code: str, category: str | None, sector: str) -> None:
    assert rules.sector_for(code, category) == sector


def test_inconsistent_rules_are_refused() -> None:
    with pytest.raises(ValueError, match="without a label"):
        dataclasses.replace(rules, default_sector="perdagangan")
    with pytest.raises(ValueError, match="validity_days"):
        dataclasses.replace(rules, validity_days=0)
    with pytest.raises(ValueError, match="once"):
        dataclasses.replace(rules, schemes=(*rules.schemes, rules.schemes[0]))


def test_round_trip_to_plain_data() -> None:
    data = rules.to_dict()
    assert data["schemes"]["mikro"]["rates"] == ["6", "7", "8", "9"]
    assert data["starting_scheme"] == {"pmi_purna": "mikro", "keluarga_pmi": "super_mikro"}


def test_rupiah_and_rate_formatting() -> None:
    assert format_rupiah(10_000_000) == "Rp10.000.000"
    assert format_rupiah(1_521_097) == "Rp1.521.097"
    assert format_rupiah(0) == "Rp0"
    assert format_rate(Decimal("6")) == "6%"
    assert format_rate(Decimal("6.50")) == "6,5%"


def test_every_rule_of_kur_2025_names_its_legal_source() -> None:
    from purna_credit.domain.rules import KUR_2025_1, RULES_BY_VERSION

    assert set(RULES_BY_VERSION) == {"kur-2024.1", "kur-2025.1"}
    assert all(t.legal_source for t in KUR_2025_1.schemes)
    assert all(a.legal_source for a in KUR_2025_1.access_limits)
    assert {"starting_scheme", "min_age", "married_statuses", "validity_days"} <= set(
        KUR_2025_1.legal_sources
    )


@pytest.mark.parametrize(
    ("sector", "limit"),
    [
        ("industri_pengolahan_hasil_pertanian", 4),
        ("industri_pengolahan_hasil_perikanan", 4),
        ("industri_kerajinan", 2),
        ("umum", 2),
    ],
)
def test_kur_mikro_access_limits_by_sector(sector: str, limit: int) -> None:
    from purna_credit.domain.rules import KUR_2024_1, KUR_2025_1

    assert KUR_2025_1.max_loans(Scheme.MIKRO, sector) == limit
    assert KUR_2024_1.max_loans(Scheme.MIKRO, sector) == 4  # the 2024 rules: one per rate tier
    assert KUR_2025_1.max_loans(Scheme.KECIL, sector) == 4  # no sector limit on Kecil


def test_an_access_limit_must_name_known_schemes_and_sectors() -> None:
    import dataclasses

    from purna_credit.domain.rules import KUR_2025_1, AccessLimit

    bad = AccessLimit(Scheme.MIKRO, frozenset({"perdagangan"}), 2, Scheme.KECIL, "Permenko 1/2023")
    with pytest.raises(ValueError, match="unknown sectors: perdagangan"):
        dataclasses.replace(KUR_2025_1, access_limits=(bad,))
    twice = (*KUR_2025_1.access_limits, KUR_2025_1.access_limits[0])
    with pytest.raises(ValueError, match="two access limits"):
        dataclasses.replace(KUR_2025_1, access_limits=twice)
    with pytest.raises(ValueError, match="legal source"):
        AccessLimit(Scheme.MIKRO, frozenset({"umum"}), 2, None, "")
