"""Request and response bodies of the credit API. Amounts are whole rupiah (integers)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from purna_shared.http.pagination import Page
from purna_shared.text import InputModel

from ..adapters.orm import Application, Prequalification
from ..domain.allocation import Pool
from ..domain.application import ApplicationStatus, Decision
from ..domain.prequalification import Result, ReviewDecision, may_apply
from ..domain.rules import KurRules, Purpose, Scheme
from ..domain.schedule import Installment, monthly_payment
from ..service_layer.allocations import AllocationView
from ..service_layer.reports import Pipeline

#: an opaque id (UUID today): plain visible characters only, so it is safe in SQL text and logs
ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$"
Id = Annotated[str, StringConstraints(pattern=ID_PATTERN)]
#: free text typed by people: no control characters (PostgreSQL refuses NUL in text)
TEXT_PATTERN = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$"


LongText = Annotated[str, StringConstraints(min_length=1, max_length=2000, pattern=TEXT_PATTERN)]
ShortText = Annotated[str, StringConstraints(min_length=1, max_length=500, pattern=TEXT_PATTERN)]


BANK_PATTERN = r"^[A-Za-z][A-Za-z0-9_-]{1,31}$"
BankCode = Annotated[
    str,
    StringConstraints(pattern=BANK_PATTERN),
    Field(description="KUR bank code, e.g. BRI, BNI, MANDIRI, BSI"),
]
ProvinceCode = Annotated[str, StringConstraints(pattern=r"^[0-9]{2}$")]
Rupiah = Annotated[int, Field(ge=0, le=10**15, description="whole rupiah")]


class _In(InputModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


# -- pre-qualifications ---------------------------------------------------------------------------


class MaxTenorOut(BaseModel):
    working_capital: int = Field(description="months, for modal kerja")
    investment: int = Field(description="months, for investasi")


class ReviewOut(BaseModel):
    decision: ReviewDecision
    note: str
    reviewed_by: str
    reviewed_at: datetime


class PrequalificationOut(BaseModel):
    id: str
    participant_id: str
    session_id: str
    result: Result = Field(description="the automated advice; never a refusal")
    scheme: Scheme
    max_plafond: int
    interest_rate: float = Field(description="effective, percent per annum")
    max_tenor_months: MaxTenorOut
    valid_until: date
    reasons: list[str] = Field(description="in Bahasa Indonesia")
    reason_codes: list[str] = Field(description="stable codes of the reasons, same order")
    business_sector: str
    business_sector_label: str
    rules_version: str
    assessed_at: datetime
    regency_code: str
    programme_code: str
    programme_name: str
    certificate_no: str | None
    review: ReviewOut | None = Field(description="a credit officer's decision, when reviewed")
    may_apply: bool = Field(description="an application may be submitted on it")

    @classmethod
    def of(cls, row: Prequalification, rules: KurRules) -> PrequalificationOut:
        review = None
        if row.review_decision is not None:
            review = ReviewOut(
                decision=ReviewDecision(row.review_decision),
                note=row.review_note or "",
                reviewed_by=row.reviewed_by or "",
                reviewed_at=row.reviewed_at or row.assessed_at,
            )
        result = Result(row.result)
        return cls(
            id=row.id,
            participant_id=row.participant_id,
            session_id=row.session_id,
            result=result,
            scheme=Scheme(row.scheme),
            max_plafond=row.max_plafond,
            interest_rate=float(row.interest_rate),
            max_tenor_months=MaxTenorOut(
                working_capital=row.max_tenor_modal_kerja, investment=row.max_tenor_investasi
            ),
            valid_until=row.valid_until,
            reasons=[r["message"] for r in row.reasons],
            reason_codes=[r["code"] for r in row.reasons],
            business_sector=row.business_sector,
            business_sector_label=rules.sector_labels.get(row.business_sector, row.business_sector),
            rules_version=row.rules_version,
            assessed_at=row.assessed_at,
            regency_code=row.regency_code,
            programme_code=row.programme_code,
            programme_name=row.programme_name,
            certificate_no=row.certificate_no,
            review=review,
            may_apply=may_apply(result, review.decision if review else None),
        )


class PrequalificationPage(Page[PrequalificationOut]):
    pass


class ReviewIn(_In):
    decision: ReviewDecision = Field(
        description="prequalified: the graduate may apply; declined: a human decided against"
    )
    note: LongText = Field(description="why, for the record (no NIK or other identifiers)")


# -- applications ---------------------------------------------------------------------------------


class ApplicationIn(_In):
    participant_id: Id
    prequalification_id: Id
    amount: int = Field(gt=0, le=500_000_000, description="amount applied for, whole rupiah")
    tenor_months: int = Field(ge=1, le=120)
    purpose: Purpose = Field(description="modal_kerja (working capital) or investasi")
    bank: BankCode
    business_description: LongText


class ApplicationOut(BaseModel):
    id: str
    status: ApplicationStatus
    status_reason: str | None = Field(description="why waitlisted, rejected or expired")
    participant_id: str
    prequalification_id: str
    amount: int
    tenor_months: int
    purpose: Purpose
    bank: str
    business_description: str
    scheme: Scheme
    interest_rate: float = Field(description="effective, percent per annum")
    monthly_payment: int = Field(description="annuity installment of the (approved) amount")
    rules_version: str
    allocation_year: int
    approved_amount: int | None
    submitted_at: datetime
    decided_at: datetime | None
    disbursed_on: date | None
    regency_code: str
    programme_code: str
    valid_until: date

    @classmethod
    def of(cls, row: Application) -> ApplicationOut:
        return cls(
            id=row.id,
            status=ApplicationStatus(row.status),
            status_reason=row.status_reason,
            participant_id=row.participant_id,
            prequalification_id=row.prequalification_id,
            amount=row.amount,
            tenor_months=row.tenor_months,
            purpose=Purpose(row.purpose),
            bank=row.bank,
            business_description=row.business_description,
            scheme=Scheme(row.scheme),
            interest_rate=float(row.interest_rate),
            monthly_payment=monthly_payment(
                row.approved_amount or row.amount, row.interest_rate, row.tenor_months
            ),
            rules_version=row.rules_version,
            allocation_year=row.allocation_year,
            approved_amount=row.approved_amount,
            submitted_at=row.submitted_at,
            decided_at=row.decided_at,
            disbursed_on=row.disbursed_on,
            regency_code=row.regency_code,
            programme_code=row.programme_code,
            valid_until=row.valid_until,
        )


class ApplicationPage(Page[ApplicationOut]):
    pass


class DecisionIn(_In):
    decision: Decision
    amount: int | None = Field(
        None, gt=0, description="approve: the final amount (at most the requested); default all"
    )
    reason: ShortText | None = Field(
        None, description="reject: the bank's reason, shown to the participant (required)"
    )

    @model_validator(mode="after")
    def _consistent(self) -> DecisionIn:
        if self.decision is Decision.REJECT and not self.reason:
            raise ValueError("reason is required to reject")
        if self.decision is Decision.REJECT and self.amount is not None:
            raise ValueError("amount is only for an approval")
        return self


class DisbursementIn(_In):
    disbursed_on: date | None = Field(
        None, description="date in the assessing office's zone; default today"
    )


class InstallmentOut(BaseModel):
    n: int
    due_date: date
    payment: int
    principal: int
    interest: int
    balance: int = Field(description="outstanding principal after this installment")

    @classmethod
    def of(cls, item: Installment) -> InstallmentOut:
        return cls(
            n=item.n,
            due_date=item.due_date,
            payment=item.payment,
            principal=item.principal,
            interest=item.interest,
            balance=item.balance,
        )


class ScheduleOut(BaseModel):
    application_id: str
    amount: int
    interest_rate: float
    tenor_months: int
    start_date: date = Field(description="disbursement date, or the date asked for")
    monthly_payment: int
    total_interest: int
    total_payment: int
    installments: list[InstallmentOut]


# -- allocations ----------------------------------------------------------------------------------


#: bounds of an allocation's sub-limits (a request stays small whatever a client sends)
MAX_PROVINCE_LIMITS = 38
MAX_BANK_LIMITS = 100


class AllocationIn(_In):
    total: Rupiah = Field(description="the year's KUR allocation for P2MI, whole rupiah")
    provinces: dict[ProvinceCode, Rupiah] = Field(
        default_factory=dict,
        max_length=MAX_PROVINCE_LIMITS,
        description="optional sub-limits by province code (e.g. 52); Indonesia has 38",
    )
    banks: dict[BankCode, Rupiah] = Field(
        default_factory=dict,
        max_length=MAX_BANK_LIMITS,
        description=f"optional sub-limits by bank code, at most {MAX_BANK_LIMITS}",
    )

    @model_validator(mode="after")
    def _within_total(self) -> AllocationIn:
        over = [k for k, v in {**self.provinces, **self.banks}.items() if v > self.total]
        if over:
            raise ValueError(f"sub-limits above the total: {', '.join(sorted(over))}")
        self.banks = {k.upper(): v for k, v in self.banks.items()}
        return self


class PoolOut(BaseModel):
    code: str
    total: int
    reserved: int
    committed: int
    available: int

    @classmethod
    def of(cls, pool: Pool) -> PoolOut:
        return cls(
            code=pool.key,
            total=pool.total,
            reserved=pool.reserved,
            committed=pool.committed,
            available=pool.available,
        )


class AllocationOut(BaseModel):
    year: int
    total: int
    reserved: int
    committed: int
    available: int
    provinces: list[PoolOut]
    banks: list[PoolOut]

    @classmethod
    def of(cls, view: AllocationView) -> AllocationOut:
        t = view.total
        return cls(
            year=t.year,
            total=t.total,
            reserved=t.reserved,
            committed=t.committed,
            available=t.available,
            provinces=[PoolOut.of(p) for p in view.provinces],
            banks=[PoolOut.of(p) for p in view.banks],
        )


# -- reports --------------------------------------------------------------------------------------


class StageOut(BaseModel):
    stage: str
    count: int
    amount: int


class PipelineRowOut(BaseModel):
    regency_code: str
    programme_code: str
    stage: str
    count: int
    amount: int


class PipelineOut(BaseModel):
    year: int | None
    stages: list[StageOut] = Field(
        description="totals per stage, in pipeline order. Pre-qualification stages sum the "
        "maximum plafond; application stages the amount applied for, or approved once approved"
    )
    rows: list[PipelineRowOut] = Field(description="per regency, programme and stage")

    @classmethod
    def of(cls, report: Pipeline) -> PipelineOut:
        return cls(
            year=report.year,
            stages=[StageOut(stage=s.stage, count=s.count, amount=s.amount) for s in report.stages],
            rows=[
                PipelineRowOut(
                    regency_code=r.regency_code,
                    programme_code=r.programme_code,
                    stage=r.stage,
                    count=r.count,
                    amount=r.amount,
                )
                for r in report.rows
            ],
        )
