"""The campaign funnel a head of office reads: registered, enrolled, completed, pre-qualified,
applied, approved, disbursed (business running at 6 months comes with the follow-up service).

The figures are the services' own: this module only arranges what their reports answered."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

TRAINING_STAGES: tuple[str, ...] = ("registered", "enrolled", "completed", "prequalified")
#: KUR stages from the credit service's pipeline report, in order; an application counts in
#: "applied" whatever became of it, in "approved" once approved (or disbursed)
APPLIED_FROM = ("waitlisted", "reserved", "approved", "disbursed", "rejected", "expired")
APPROVED_FROM = ("approved", "disbursed")


@dataclass
class VillageFunnel:
    """One village session's figures; None where the service did not answer or refused."""

    village: str
    regency_code: str
    programme_code: str
    session_id: str
    registered: int | None = None
    enrolled: int | None = None
    completed: int | None = None
    prequalified: int | None = None
    office: str = ""

    @property
    def province_code(self) -> str:
        """The province: the first two digits of the regency code (52: NTB)."""
        return self.regency_code[:2]

    def value(self, stage: str) -> int | None:
        result: int | None = getattr(self, stage)
        return result


@dataclass
class KurFunnel:
    applied: int = 0
    approved: int = 0
    disbursed: int = 0
    amount_approved: int = 0
    amount_disbursed: int = 0


def kur_funnel(stages: Iterable[dict[str, object]]) -> KurFunnel:
    """Applied/approved/disbursed from the pipeline report's stage totals."""
    counts = {str(s["stage"]): int(str(s["count"])) for s in stages}
    amounts = {str(s["stage"]): int(str(s["amount"])) for s in stages}
    return KurFunnel(
        applied=sum(counts.get(s, 0) for s in APPLIED_FROM),
        approved=sum(counts.get(s, 0) for s in APPROVED_FROM),
        disbursed=counts.get("disbursed", 0),
        amount_approved=sum(amounts.get(s, 0) for s in APPROVED_FROM),
        amount_disbursed=amounts.get("disbursed", 0),
    )


@dataclass
class Totals:
    values: dict[str, int | None] = field(default_factory=dict)


def totals(rows: Sequence[VillageFunnel]) -> dict[str, int | None]:
    """Sum per stage; None when any row lacks the stage (a partial sum would mislead)."""
    result: dict[str, int | None] = {}
    for stage in TRAINING_STAGES:
        values = [row.value(stage) for row in rows]
        result[stage] = None if any(v is None for v in values) else sum(v or 0 for v in values)
    return result


#: what the dashboard groups by, and the columns each grouping keeps
GROUPINGS: dict[str, tuple[str, ...]] = {
    "village": ("village", "regency_code", "programme_code"),
    "regency_code": ("regency_code",),
    "province_code": ("province_code",),
    "office": ("office",),
    "programme_code": ("programme_code",),
}


def group(rows: Sequence[VillageFunnel], by: str) -> list[VillageFunnel]:
    """Rows summed by one of :data:`GROUPINGS` (a village row is one session's)."""
    kept = GROUPINGS[by]
    merged: dict[str, VillageFunnel] = {}
    for row in rows:
        key = str(getattr(row, by)) if by != "village" else row.session_id
        into = merged.get(key)
        if into is None:
            # a province row keeps the province's two digits as its regency code
            regency = row.regency_code if by in ("village", "regency_code", "province_code") else ""
            if by == "province_code":
                regency = row.province_code
            merged[key] = VillageFunnel(
                village=row.village if "village" in kept else "",
                regency_code=regency,
                programme_code=row.programme_code if "programme_code" in kept else "",
                office=row.office if "office" in kept else "",
                session_id=row.session_id,
                registered=row.registered,
                enrolled=row.enrolled,
                completed=row.completed,
                prequalified=row.prequalified,
            )
            continue
        for stage in TRAINING_STAGES:
            a, b = into.value(stage), row.value(stage)
            setattr(into, stage, None if a is None or b is None else a + b)
    return list(merged.values())


def bar_width(value: int | None, largest: int) -> int:
    """Percent width of a bar (0-100) for ``value`` against the largest figure shown."""
    if not value or largest <= 0:
        return 0
    return max(1, round(100 * value / largest))


CSV_NAMES = {
    "village": "desa",
    "regency_code": "kabupaten_kota",
    "province_code": "provinsi",
    "office": "kantor",
    "programme_code": "program",
}


def to_csv(rows: Sequence[VillageFunnel], by: str = "village") -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    kept = GROUPINGS[by]
    writer.writerow([CSV_NAMES[k] for k in kept] + list(TRAINING_STAGES))
    for row in rows:
        cells = [row.value(stage) for stage in TRAINING_STAGES]
        keys = [neutralise(str(getattr(row, k))) for k in kept]
        writer.writerow([*keys, *("" if c is None else c for c in cells)])
    return out.getvalue()


def neutralise(text: str) -> str:
    # A cell starting with = + - @ is a formula in a spreadsheet: neutralise it.
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
