"""KUR pre-qualification of a training graduate: advice for a credit officer and a bank.

The result is ``prequalified`` or ``needs_review``, never a refusal: under UU PDP (No. 27/2022)
a person may object to purely automated decisions, so whenever a condition is not met the
assessment goes to a credit officer, who decides (see :func:`review`).

Conditions (bank criteria for a KUR debtor, as far as Purna knows them): consent to processing
is in force; age at least 21 at the assessment, or married; no active KUR known to Purna; and
no more KUR loans than the scheme allows.

Scheme for a training graduate (the documented rule):

* **PMI purna** (a returned migrant worker) -> **KUR Mikro** up to Rp100,000,000, at the rate of
  their KUR loan number (6% for the first). This is the ministry's announced purna track: KUR
  for PMI purna up to Rp100 million at 6%, from a special allocation.
* **Keluarga PMI** (a family member) -> **KUR Super Mikro** up to Rp10,000,000 at 3%. A family
  member graduating from a village training usually has no business history; Super Mikro is
  the natural first loan, and it waives the 6-month business age for people in mentoring
  (*pendampingan*), which a training graduate is.

The scheme of an application follows from its amount (KUR schemes are bands of plafond), so a
purna graduate asking for Rp8,000,000 borrows under Super Mikro at 3%; see ``application``.
Reasons are in Bahasa Indonesia, the language of the credit officers and banks who read them,
each with a stable English ``code`` for machines.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum

from .money import format_rate, format_rupiah
from .rules import SCHEME_LABELS, KurRules, ParticipantCategory, Scheme, Tenors


class Result(StrEnum):
    PREQUALIFIED = "prequalified"
    NEEDS_REVIEW = "needs_review"


class ReviewDecision(StrEnum):
    """A credit officer's decision on an assessment."""

    PREQUALIFIED = "prequalified"  # the officer confirms the graduate may apply
    DECLINED = "declined"  # a human, not the system, decided against it


@dataclass(frozen=True, slots=True)
class ParticipantFacts:
    """What the credit service knows about a participant (its read model)."""

    category: ParticipantCategory
    birth_date: date
    marital_status: str
    consent: bool
    #: a KUR approved or disbursed through Purna and not yet matured
    has_active_kur: bool = False
    #: KUR loans disbursed through Purna so far (sets the rate tier)
    previous_kur_loans: int = 0


@dataclass(frozen=True, slots=True)
class TrainingOutcome:
    """A participant's completion of a training session."""

    programme_code: str
    programme_name: str
    programme_category: str | None
    certificate_no: str | None


@dataclass(frozen=True, slots=True)
class Reason:
    code: str
    message: str
    #: a reason that sends the assessment to a credit officer
    needs_review: bool = False

    def as_dict(self) -> dict[str, str | bool]:
        return {"code": self.code, "message": self.message, "needs_review": self.needs_review}


@dataclass(frozen=True, slots=True)
class Assessment:
    result: Result
    scheme: Scheme
    max_plafond: int
    interest_rate: Decimal  # effective, percent per annum
    max_tenor: Tenors
    loan_number: int
    business_sector: str
    age: int
    assessed_on: date
    valid_until: date
    reasons: tuple[Reason, ...]
    rules_version: str


def age_on(birth_date: date, day: date) -> int:
    """Completed years of age on ``day`` (someone born on 29 February ages on 1 March)."""
    years = day.year - birth_date.year
    if (day.month, day.day) < (birth_date.month, birth_date.day):
        years -= 1
    return years


def prequalify(
    participant: ParticipantFacts,
    training: TrainingOutcome,
    rules: KurRules,
    assessed_on: date,
) -> Assessment:
    """Assess a participant who completed a training (non-completers are not assessed)."""
    scheme = rules.starting_scheme[participant.category]
    terms = rules.terms(scheme)
    loan_number = participant.previous_kur_loans + 1
    rate = terms.rate_for_loan(loan_number)
    sector = rules.sector_for(training.programme_code, training.programme_category)
    age = age_on(participant.birth_date, assessed_on)
    tenor = terms.max_tenor

    certificate = f", sertifikat {training.certificate_no}" if training.certificate_no else ""
    reasons = [
        Reason(
            "training_completed",
            f"Lulus pelatihan {training.programme_name} ({training.programme_code}){certificate}",
        ),
        Reason(
            "business_sector",
            f"Sektor usaha: {rules.sector_labels[sector]} (dari pelatihan "
            f"{training.programme_code})",
        ),
    ]
    offer = (
        f"{SCHEME_LABELS[scheme]} plafon sampai {format_rupiah(terms.plafond_max)}, "
        f"bunga {format_rate(rate)} efektif per tahun (KUR ke-{loan_number})"
    )
    if participant.category is ParticipantCategory.PMI_PURNA:
        reasons.append(Reason("scheme_pmi_purna", f"PMI purna, jalur KUR purna P2MI: {offer}"))
    else:
        reasons.append(
            Reason(
                "scheme_keluarga_pmi",
                f"Keluarga PMI, pinjaman usaha pertama: {offer}; syarat lama usaha 6 bulan "
                "dikecualikan karena peserta dalam pendampingan (lulusan pelatihan)",
            )
        )
    reasons.append(
        Reason(
            "max_tenor",
            f"Jangka waktu paling lama: modal kerja {tenor.modal_kerja} bulan, "
            f"investasi {tenor.investasi} bulan",
        )
    )

    if not participant.consent:
        reasons.append(
            Reason(
                "consent_missing",
                "Persetujuan pemrosesan data tidak berlaku (dicabut)",
                needs_review=True,
            )
        )
    married = participant.marital_status in rules.married_statuses
    if age < rules.min_age and not married:
        reasons.append(
            Reason(
                "under_age_unmarried",
                f"Usia {age} tahun, kurang dari {rules.min_age} tahun, dan belum kawin",
                needs_review=True,
            )
        )
    if participant.has_active_kur:
        reasons.append(
            Reason("active_kur", "Tercatat memiliki KUR yang masih berjalan", needs_review=True)
        )
    limit = rules.access_limit(scheme, sector)
    max_loans = rules.max_loans(scheme, sector)
    if limit is not None:
        after = f"; sesudahnya {SCHEME_LABELS[limit.then]}" if limit.then else ""
        reasons.append(
            Reason(
                "sector_access_limit",
                f"Sektor {rules.sector_labels[sector]}: {SCHEME_LABELS[scheme]} paling banyak "
                f"{limit.max_loans} kali{after} ({limit.legal_source})",
            )
        )
    if loan_number > max_loans:
        sector_note = f" untuk sektor {rules.sector_labels[sector]}" if limit else ""
        after = (
            f"; akses berikutnya melalui {SCHEME_LABELS[limit.then]}"
            if limit and limit.then
            else ""
        )
        reasons.append(
            Reason(
                "kur_loan_limit",
                f"Sudah menerima {participant.previous_kur_loans} kali KUR; "
                f"{SCHEME_LABELS[scheme]} paling banyak {max_loans} kali{sector_note}{after}",
                needs_review=True,
            )
        )

    result = Result.NEEDS_REVIEW if any(r.needs_review for r in reasons) else Result.PREQUALIFIED
    if result is Result.NEEDS_REVIEW:
        reasons.append(
            Reason(
                "human_decision",
                "Bukan penolakan: petugas kredit meninjau dan memutuskan",
                needs_review=True,
            )
        )
    return Assessment(
        result=result,
        scheme=scheme,
        max_plafond=terms.plafond_max,
        interest_rate=rate,
        max_tenor=tenor,
        loan_number=loan_number,
        business_sector=sector,
        age=age,
        assessed_on=assessed_on,
        valid_until=assessed_on + timedelta(days=rules.validity_days),
        reasons=tuple(reasons),
        rules_version=rules.version,
    )


class ReviewNotAllowedError(Exception):
    """The assessment cannot be reviewed (already reviewed, or nothing to review)."""


def review(result: Result, current: ReviewDecision | None) -> None:
    """Check a credit officer may review an assessment: only a ``needs_review`` one, once."""
    if result is not Result.NEEDS_REVIEW:
        raise ReviewNotAllowedError("only a needs_review assessment is reviewed")
    if current is not None:
        raise ReviewNotAllowedError(f"already reviewed: {current.value}")


def may_apply(result: Result, review_decision: ReviewDecision | None) -> bool:
    """An application needs a pre-qualification, or a credit officer's review confirming one."""
    if review_decision is not None:
        return review_decision is ReviewDecision.PREQUALIFIED
    return result is Result.PREQUALIFIED
