"""Pre-qualification of training graduates: the scheme rule, the conditions, never a refusal."""

from __future__ import annotations

import dataclasses
from datetime import date
from decimal import Decimal

import pytest

from purna_credit.domain.prequalification import (
    ParticipantFacts,
    Result,
    ReviewDecision,
    ReviewNotAllowedError,
    TrainingOutcome,
    age_on,
    may_apply,
    prequalify,
    review,
)
from purna_credit.domain.rules import (
    DEFAULT_RULES,
    KERAJINAN,
    KUR_2024_1,
    PENGOLAHAN_PERTANIAN,
    ParticipantCategory,
    Scheme,
)

pytestmark = pytest.mark.unit

TODAY = date(2026, 11, 27)
PURNA = ParticipantFacts(
    category=ParticipantCategory.PMI_PURNA,
    birth_date=date(1990, 4, 17),
    marital_status="kawin",
    consent=True,
)
KELUARGA = dataclasses.replace(PURNA, category=ParticipantCategory.KELUARGA_PMI)
TENUN = TrainingOutcome(
    programme_code="TENUN-TAS",
    programme_name="Menjahit bahan tenun dan kerajinan tas",
    programme_category="crafts",
    certificate_no="NTB/2024/TENUN-TAS/0007",
)


def codes(assessment) -> list[str]:  # type: ignore[no-untyped-def]
    return [r.code for r in assessment.reasons]


def test_pmi_purna_gets_mikro_up_to_100m_at_6_percent() -> None:
    a = prequalify(PURNA, TENUN, DEFAULT_RULES, TODAY)
    assert a.result is Result.PREQUALIFIED
    assert (a.scheme, a.max_plafond, a.interest_rate) == (Scheme.MIKRO, 100_000_000, Decimal(6))
    assert (a.max_tenor.modal_kerja, a.max_tenor.investasi) == (36, 60)
    assert a.valid_until == date(2027, 2, 25)  # 90 days
    assert a.rules_version == "kur-2025.1"
    assert a.business_sector == KERAJINAN
    assert a.age == 36
    assert codes(a) == [
        "training_completed",
        "business_sector",
        "scheme_pmi_purna",
        "max_tenor",
        "sector_access_limit",
    ]
    assert "Rp100.000.000" in a.reasons[2].message and "6%" in a.reasons[2].message
    assert "Industri kerajinan" in a.reasons[1].message


def test_keluarga_pmi_starts_with_super_mikro_at_3_percent() -> None:
    a = prequalify(KELUARGA, TENUN, DEFAULT_RULES, TODAY)
    assert a.result is Result.PREQUALIFIED
    assert (a.scheme, a.max_plafond, a.interest_rate) == (
        Scheme.SUPER_MIKRO,
        10_000_000,
        Decimal(3),
    )
    assert "pendampingan" in a.reasons[2].message


def test_second_kur_loan_is_at_7_percent() -> None:
    a = prequalify(dataclasses.replace(PURNA, previous_kur_loans=1), TENUN, DEFAULT_RULES, TODAY)
    assert (a.result, a.interest_rate, a.loan_number) == (Result.PREQUALIFIED, Decimal(7), 2)


def test_fifth_mikro_loan_goes_to_review() -> None:
    a = prequalify(dataclasses.replace(PURNA, previous_kur_loans=4), TENUN, DEFAULT_RULES, TODAY)
    assert a.result is Result.NEEDS_REVIEW
    assert "kur_loan_limit" in codes(a)


AREN = dataclasses.replace(
    TENUN,
    programme_code="GULA-SEMUT-AREN",
    programme_name="Pengolahan gula semut aren",
    programme_category="agricultural_processing",
)


def reason(assessment, code: str) -> str:  # type: ignore[no-untyped-def]
    return next(r.message for r in assessment.reasons if r.code == code)


def test_a_crafts_graduate_is_told_at_most_2_kur_mikro_accesses() -> None:
    """Permenko 1/2023: outside agriculture, plantation, livestock and fisheries production,
    KUR Mikro twice, then KUR Kecil; the reason names the sector, the limit and the source."""
    a = prequalify(PURNA, TENUN, DEFAULT_RULES, TODAY)
    why = reason(a, "sector_access_limit")
    assert "Industri kerajinan" in why and "KUR Mikro paling banyak 2 kali" in why
    assert "KUR Kecil" in why and "Permenko" in why and "1 Tahun 2023" in why
    second = prequalify(
        dataclasses.replace(PURNA, previous_kur_loans=1), TENUN, DEFAULT_RULES, TODAY
    )
    assert second.result is Result.PREQUALIFIED
    third = prequalify(
        dataclasses.replace(PURNA, previous_kur_loans=2), TENUN, DEFAULT_RULES, TODAY
    )
    assert third.result is Result.NEEDS_REVIEW
    limit = reason(third, "kur_loan_limit")
    assert "paling banyak 2 kali untuk sektor Industri kerajinan" in limit
    assert "akses berikutnya melalui KUR Kecil" in limit


def test_an_aren_graduate_may_access_kur_mikro_4_times() -> None:
    a = prequalify(PURNA, AREN, DEFAULT_RULES, TODAY)
    assert "KUR Mikro paling banyak 4 kali" in reason(a, "sector_access_limit")
    fourth = prequalify(
        dataclasses.replace(PURNA, previous_kur_loans=3), AREN, DEFAULT_RULES, TODAY
    )
    assert (fourth.result, fourth.interest_rate) == (Result.PREQUALIFIED, Decimal(9))
    fifth = prequalify(dataclasses.replace(PURNA, previous_kur_loans=4), AREN, DEFAULT_RULES, TODAY)
    assert fifth.result is Result.NEEDS_REVIEW


def test_the_2024_rules_keep_their_answer_for_assessments_made_under_them() -> None:
    third = prequalify(dataclasses.replace(PURNA, previous_kur_loans=2), TENUN, KUR_2024_1, TODAY)
    assert third.result is Result.PREQUALIFIED and third.rules_version == "kur-2024.1"
    assert "sector_access_limit" not in codes(third)


@pytest.mark.parametrize(
    ("birth", "status", "result"),
    [
        (date(2005, 11, 28), "belum_kawin", Result.NEEDS_REVIEW),  # 20, one day short of 21
        (date(2005, 11, 27), "belum_kawin", Result.PREQUALIFIED),  # 21 today
        (date(2007, 1, 1), "kawin", Result.PREQUALIFIED),  # 19 but married
        (date(2007, 1, 1), "cerai_hidup", Result.PREQUALIFIED),  # divorced: has been married
        (date(2007, 1, 1), "cerai_mati", Result.PREQUALIFIED),
    ],
)
def test_age_21_or_married(birth: date, status: str, result: Result) -> None:
    facts = dataclasses.replace(PURNA, birth_date=birth, marital_status=status)
    a = prequalify(facts, TENUN, DEFAULT_RULES, TODAY)
    assert a.result is result
    if result is Result.NEEDS_REVIEW:
        assert "under_age_unmarried" in codes(a)
        assert "Usia 20 tahun" in next(r.message for r in a.reasons if r.needs_review)


def test_missing_consent_and_active_kur_need_review_never_refusal() -> None:
    facts = dataclasses.replace(PURNA, consent=False, has_active_kur=True)
    a = prequalify(facts, TENUN, DEFAULT_RULES, TODAY)
    assert a.result is Result.NEEDS_REVIEW
    assert {"consent_missing", "active_kur", "human_decision"} <= set(codes(a))
    # still tells the officer what the scheme would be
    assert (a.scheme, a.max_plafond) == (Scheme.MIKRO, 100_000_000)
    assert "Bukan penolakan" in a.reasons[-1].message


def test_sector_comes_from_programme() -> None:
    aren = dataclasses.replace(
        TENUN,
        programme_code="GULA-SEMUT-AREN",
        programme_category="agricultural_processing",
        certificate_no=None,
    )
    a = prequalify(PURNA, aren, DEFAULT_RULES, TODAY)
    assert a.business_sector == PENGOLAHAN_PERTANIAN
    assert "sertifikat" not in a.reasons[0].message


def test_rules_override_changes_version_and_figures() -> None:
    rules = dataclasses.replace(DEFAULT_RULES, version="kur-2026.1", validity_days=30)
    a = prequalify(PURNA, TENUN, rules, TODAY)
    assert (a.rules_version, a.valid_until) == ("kur-2026.1", date(2026, 12, 27))


def test_age_on_birthdays() -> None:
    assert age_on(date(2000, 2, 29), date(2021, 2, 28)) == 20
    assert age_on(date(2000, 2, 29), date(2021, 3, 1)) == 21
    assert age_on(date(1990, 12, 31), date(2026, 12, 31)) == 36


def test_review_only_needs_review_and_once() -> None:
    review(Result.NEEDS_REVIEW, None)
    with pytest.raises(ReviewNotAllowedError, match="only a needs_review"):
        review(Result.PREQUALIFIED, None)
    with pytest.raises(ReviewNotAllowedError, match="already reviewed"):
        review(Result.NEEDS_REVIEW, ReviewDecision.DECLINED)


def test_who_may_apply() -> None:
    assert may_apply(Result.PREQUALIFIED, None)
    assert not may_apply(Result.NEEDS_REVIEW, None)
    assert may_apply(Result.NEEDS_REVIEW, ReviewDecision.PREQUALIFIED)
    assert not may_apply(Result.NEEDS_REVIEW, ReviewDecision.DECLINED)
