"""Events produced by the credit service: KUR pre-qualification and the loan application trail.

Amounts are whole rupiah (``int``); rates are percent per annum as ``float`` (6.0 = 6% p.a.,
effective/annuity as KUR defines it). Pre-qualification is advice for a human and a bank, never
an automated refusal (UU PDP), so it has no "rejected" result.
"""

from __future__ import annotations

from datetime import date
from typing import Any, ClassVar, Literal

from pydantic import ConfigDict, Field

from ..base import IntegrationEvent
from .common import EventPart, Id, Rupiah, Timestamp

KurScheme = Literal["super_mikro", "mikro", "kecil"]
PrequalificationResult = Literal["prequalified", "needs_review"]
LoanPurpose = Literal["modal_kerja", "investasi"]
QuotaStatus = Literal["reserved", "waitlisted"]

_PARTICIPANT_ID = "0191f0a4-5d2e-7c3b-9a41-2f6b1c8d9e01"
_APPLICATION_ID = "0191f1c2-3d4e-7f5a-9b6c-7d8e9f0a1b03"


def _application_example(**extra: Any) -> dict[str, Any]:
    return {
        "application_id": _APPLICATION_ID,
        "participant_id": _PARTICIPANT_ID,
        "amount": 25_000_000,
        "tenor_months": 24,
        "bank": "BRI",
        **extra,
    }


class MaxTenor(EventPart):
    """Longest tenor the scheme allows, per loan purpose."""

    working_capital: int = Field(ge=1, description="Months, for working capital (modal kerja)")
    investment: int = Field(ge=1, description="Months, for investment (investasi)")


class CreditPrequalified(IntegrationEvent):
    """A participant was assessed against the KUR rules after a training.

    Emitted by the credit service when it assesses a graduate (typically on SessionCompleted).
    ``prequalified`` means the rules found a scheme with its limits; ``needs_review`` means a
    credit officer must look (``reasons`` says why). Either way it is advice: a human and the
    bank decide. Limits and rates come from configuration (``rules_version``).
    """

    name: ClassVar[str] = "credit-prequalified"
    producer: ClassVar[str] = "credit"
    subject_field: ClassVar[str] = "prequalification_id"
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "prequalification_id": "0191f1b0-2c3d-7e4f-8a5b-6c7d8e9f0a02",
                    "participant_id": _PARTICIPANT_ID,
                    "session_id": "0191f0b7-1a2b-7c3d-8e4f-5a6b7c8d9e02",
                    "result": "prequalified",
                    "scheme": "mikro",
                    "max_plafond": 100_000_000,
                    "interest_rate": 6.0,
                    "max_tenor_months": {"working_capital": 36, "investment": 60},
                    "valid_until": "2024-11-15",
                    "reasons": ["lulus pelatihan dengan kehadiran 100%", "pinjaman KUR pertama"],
                    "business_sector": "kerajinan tas tenun",
                    "rules_version": "kur-2024.1",
                    "assessed_at": "2024-08-15T09:05:00Z",
                }
            ]
        }
    )

    prequalification_id: Id = Field(description="Pre-qualification id")
    participant_id: Id = Field(description="Participant assessed")
    session_id: Id = Field(description="Completed training session the assessment follows")
    result: PrequalificationResult = Field(
        description="prequalified: within the rules; needs_review: a credit officer must decide"
    )
    scheme: KurScheme = Field(description="KUR scheme the participant fits")
    max_plafond: Rupiah = Field(description="Highest loan amount (plafond), whole rupiah")
    interest_rate: float = Field(
        ge=0.0, le=100.0, description="Effective interest rate, percent per annum (6.0 = 6%)"
    )
    max_tenor_months: MaxTenor = Field(description="Longest tenor per loan purpose, in months")
    valid_until: date = Field(description="Last day an application can rely on this assessment")
    reasons: tuple[str, ...] = Field(
        description="Why this result, in Bahasa Indonesia, for the participant and the officer"
    )
    business_sector: str = Field(
        min_length=1, max_length=200, description="The productive business the credit would fund"
    )
    rules_version: str = Field(
        min_length=1, max_length=64, description="Version of the KUR rules configuration applied"
    )
    assessed_at: Timestamp = Field(description="When the assessment was made (UTC)")


class LoanApplicationEvent(IntegrationEvent):
    """Fields shared by the events of one KUR loan application (not an event itself)."""

    producer: ClassVar[str] = "credit"
    subject_field: ClassVar[str] = "application_id"

    application_id: Id = Field(description="Loan application id")
    participant_id: Id = Field(description="Participant applying")
    amount: Rupiah = Field(description="Amount applied for, whole rupiah")
    tenor_months: int = Field(ge=1, description="Tenor in months")
    bank: str = Field(
        min_length=1, max_length=32, description="Code of the KUR bank, e.g. BRI, BNI, MANDIRI, BSI"
    )


class CreditApplicationSubmitted(LoanApplicationEvent):
    """A participant's KUR application was submitted to a bank.

    Emitted by the credit service when a credit officer submits an application. ``reserved``
    means its amount is held against the ministry's KUR quota (pagu), which is never
    over-committed; ``waitlisted`` means the quota is exhausted and it waits for released funds.
    """

    name: ClassVar[str] = "credit-application-submitted"
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                _application_example(
                    purpose="modal_kerja", status="reserved", submitted_at="2024-09-01T02:00:00Z"
                )
            ]
        }
    )

    purpose: LoanPurpose = Field(description="modal_kerja (working capital) or investasi")
    status: QuotaStatus = Field(
        description="reserved: amount held against the ministry quota; waitlisted: quota full"
    )
    submitted_at: Timestamp = Field(description="When the application was submitted (UTC)")


class CreditApproved(LoanApplicationEvent):
    """The bank approved a KUR application, possibly for less than was applied for.

    Emitted by the credit service when a bank (or a credit officer on its behalf) records the
    approval. ``tenor_months`` is the approved tenor.
    """

    name: ClassVar[str] = "credit-approved"
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                _application_example(approved_amount=20_000_000, approved_at="2024-09-10T04:00:00Z")
            ]
        }
    )

    approved_amount: Rupiah = Field(description="Amount approved by the bank, whole rupiah")
    approved_at: Timestamp = Field(description="When the approval was recorded (UTC)")


class CreditRejected(LoanApplicationEvent):
    """The bank rejected a KUR application.

    Emitted by the credit service when a bank records a rejection (a human decision, e.g. after
    a SLIK OJK check). Any quota reserved for it is released.
    """

    name: ClassVar[str] = "credit-rejected"
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                _application_example(
                    reason="usaha belum memenuhi syarat", rejected_at="2024-09-10T04:00:00Z"
                )
            ]
        }
    )

    reason: str = Field(
        min_length=1,
        max_length=500,
        description="The bank's reason, shown to the participant (no personal details)",
    )
    rejected_at: Timestamp = Field(description="When the rejection was recorded (UTC)")


class LoanDisbursed(LoanApplicationEvent):
    """An approved KUR loan was paid out to the participant.

    Emitted by the credit service when the bank confirms disbursement. ``amount`` is the amount
    paid out (normally the approved amount).
    """

    name: ClassVar[str] = "loan-disbursed"
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                _application_example(amount=20_000_000, disbursed_at="2024-09-20T03:00:00Z")
            ]
        }
    )

    amount: Rupiah = Field(description="Amount disbursed, whole rupiah")
    disbursed_at: Timestamp = Field(description="When the loan was disbursed (UTC)")
