"""Pre-qualification as a property: an assessment needs a credit officer's review exactly when a
condition is not met (consent withdrawn, under 21 and never married, an active KUR, the scheme's
loan limit reached), each unmet condition names itself, and nothing else sends it to review."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from purna_credit.domain.prequalification import (
    ParticipantFacts,
    Reason,
    Result,
    ReviewDecision,
    TrainingOutcome,
    age_on,
    prequalify,
)
from purna_credit.domain.rules import DEFAULT_RULES, ParticipantCategory, Scheme

pytestmark = pytest.mark.unit

TODAY = date(2026, 11, 27)
PURNA = ParticipantFacts(
    category=ParticipantCategory.PMI_PURNA,
    birth_date=date(1990, 4, 17),
    marital_status="kawin",
    consent=True,
)
TENUN = TrainingOutcome(
    programme_code="TENUN-TAS",
    programme_name="Menjahit bahan tenun dan kerajinan tas",
    programme_category="crafts",
    certificate_no="NTB/2024/TENUN-TAS/0007",
)
STATUSES = ["kawin", "belum_kawin", "cerai_hidup", "cerai_mati"]
CONDITIONS = {"consent_missing", "under_age_unmarried", "active_kur", "kur_loan_limit"}


def review_codes(reasons: tuple[Reason, ...]) -> set[str]:
    return {r.code for r in reasons if r.needs_review}


@given(
    category=st.sampled_from(list(ParticipantCategory)),
    birth=st.dates(min_value=date(1940, 1, 1), max_value=date(2010, 12, 31)),
    status=st.sampled_from(STATUSES),
    consent=st.booleans(),
    active=st.booleans(),
    previous=st.integers(min_value=0, max_value=6),
)
def test_review_exactly_when_a_condition_is_not_met(
    category: ParticipantCategory,
    birth: date,
    status: str,
    consent: bool,
    active: bool,
    previous: int,
) -> None:
    facts = ParticipantFacts(category, birth, status, consent, active, previous)
    a = prequalify(facts, TENUN, DEFAULT_RULES, TODAY)
    terms = DEFAULT_RULES.terms(a.scheme)
    unmet = {
        code
        for code, unmet in {
            "consent_missing": not consent,
            "under_age_unmarried": age_on(birth, TODAY) < 21 and status == "belum_kawin",
            "active_kur": active,
            "kur_loan_limit": previous + 1 > terms.max_loans,
        }.items()
        if unmet
    }
    assert review_codes(a.reasons) & CONDITIONS == unmet
    assert a.result is (Result.NEEDS_REVIEW if unmet else Result.PREQUALIFIED)
    # never a refusal: the officer always sees the offer, and a human decides
    assert ("human_decision" in review_codes(a.reasons)) is bool(unmet)
    assert [r.code for r in a.reasons if not r.needs_review][:2] == [
        "training_completed",
        "business_sector",
    ]
    assert a.loan_number == previous + 1
    assert a.age == age_on(birth, TODAY)
    assert a.valid_until == TODAY + timedelta(days=90)


def test_withdrawn_consent_alone_sends_to_review() -> None:
    a = prequalify(dataclasses.replace(PURNA, consent=False), TENUN, DEFAULT_RULES, TODAY)
    assert a.result is Result.NEEDS_REVIEW
    assert review_codes(a.reasons) == {"consent_missing", "human_decision"}


def test_an_active_kur_alone_sends_to_review() -> None:
    a = prequalify(dataclasses.replace(PURNA, has_active_kur=True), TENUN, DEFAULT_RULES, TODAY)
    assert a.result is Result.NEEDS_REVIEW
    assert review_codes(a.reasons) == {"active_kur", "human_decision"}


@pytest.mark.parametrize("status", ["kawin", "cerai_hidup", "cerai_mati"])
def test_someone_under_21_who_has_married_is_adult(status: str) -> None:
    young = dataclasses.replace(PURNA, birth_date=date(2007, 1, 1), marital_status=status)
    assert prequalify(young, TENUN, DEFAULT_RULES, TODAY).result is Result.PREQUALIFIED


@pytest.mark.parametrize("birth", [date(2005, 11, 27), date(1990, 1, 1), date(1960, 6, 30)])
def test_an_unmarried_adult_of_21_or_over_is_prequalified(birth: date) -> None:
    adult = dataclasses.replace(PURNA, birth_date=birth, marital_status="belum_kawin")
    assert prequalify(adult, TENUN, DEFAULT_RULES, TODAY).result is Result.PREQUALIFIED


def test_the_loan_limit_is_reached_after_the_last_rate_tier() -> None:
    tiers = DEFAULT_RULES.terms(Scheme.MIKRO).max_loans
    last = dataclasses.replace(PURNA, previous_kur_loans=tiers - 1)
    over = dataclasses.replace(PURNA, previous_kur_loans=tiers)
    assert prequalify(last, TENUN, DEFAULT_RULES, TODAY).result is Result.PREQUALIFIED
    a = prequalify(over, TENUN, DEFAULT_RULES, TODAY)
    assert review_codes(a.reasons) == {"kur_loan_limit", "human_decision"}
    limit = next(r for r in a.reasons if r.code == "kur_loan_limit")
    assert limit.message == f"Sudah menerima {tiers} kali KUR; KUR Mikro paling banyak {tiers} kali"


def test_reasons_serialise_with_their_review_flag() -> None:
    a = prequalify(dataclasses.replace(PURNA, consent=False), TENUN, DEFAULT_RULES, TODAY)
    consent = next(r for r in a.reasons if r.code == "consent_missing")
    assert consent.as_dict() == {
        "code": "consent_missing",
        "message": "Persetujuan pemrosesan data tidak berlaku (dicabut)",
        "needs_review": True,
    }
    assert a.reasons[0].as_dict()["needs_review"] is False


def test_the_scheme_reason_names_the_offer() -> None:
    a = prequalify(PURNA, TENUN, DEFAULT_RULES, TODAY)
    (scheme,) = [r for r in a.reasons if r.code == "scheme_pmi_purna"]
    assert scheme.message == (
        "PMI purna, jalur KUR purna P2MI: KUR Mikro plafon sampai Rp100.000.000, "
        "bunga 6% efektif per tahun (KUR ke-1)"
    )
    keluarga = dataclasses.replace(PURNA, category=ParticipantCategory.KELUARGA_PMI)
    codes = [r.code for r in prequalify(keluarga, TENUN, DEFAULT_RULES, TODAY).reasons]
    assert "scheme_keluarga_pmi" in codes
    assert "scheme_pmi_purna" not in codes


def test_results_and_review_decisions_keep_their_published_values() -> None:
    # stored, sent in events and shown to banks: renaming one is a breaking change
    assert [r.value for r in Result] == ["prequalified", "needs_review"]
    assert [d.value for d in ReviewDecision] == ["prequalified", "declined"]


def test_the_training_reason_names_the_certificate_only_when_there_is_one() -> None:
    with_cert = prequalify(PURNA, TENUN, DEFAULT_RULES, TODAY).reasons[0]
    assert with_cert.message == (
        "Lulus pelatihan Menjahit bahan tenun dan kerajinan tas (TENUN-TAS), "
        "sertifikat NTB/2024/TENUN-TAS/0007"
    )
    without = dataclasses.replace(TENUN, certificate_no=None)
    assert prequalify(PURNA, without, DEFAULT_RULES, TODAY).reasons[0].message == (
        "Lulus pelatihan Menjahit bahan tenun dan kerajinan tas (TENUN-TAS)"
    )
