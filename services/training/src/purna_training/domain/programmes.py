"""Training programmes: what is taught, and what it takes to complete it."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

from .errors import InvalidProgrammeError
from .rules import (
    DEFAULT_CAPACITY,
    DEFAULT_MIN_ATTENDANCE_SHARE,
    DEFAULT_SESSION_DAYS,
    MAX_CAPACITY,
    MAX_SESSION_DAYS,
)

#: short, readable, and safe inside a certificate number (``NTB/2024/TENUN/0001``)
PROGRAMME_CODE = re.compile(r"^[A-Z][A-Z0-9-]{1,31}$")


class ProgrammeCategory(StrEnum):
    """Focus areas of BP3MI NTB's trainings."""

    AGRICULTURAL_PROCESSING = "agricultural_processing"
    FISHERIES_PROCESSING = "fisheries_processing"
    CRAFTS = "crafts"
    PRODUCTIVITY = "productivity"


@dataclass(frozen=True, slots=True)
class CompletionRule:
    """Who completes: present on at least ``min_attendance_share`` of the session days and,
    when the programme has one, passed its assessment."""

    min_attendance_share: Decimal = DEFAULT_MIN_ATTENDANCE_SHARE
    assessment_required: bool = False

    def __post_init__(self) -> None:
        if not Decimal(0) < self.min_attendance_share <= Decimal(1):
            raise InvalidProgrammeError(
                f"minimum attendance share must be above 0 and at most 1, "
                f"not {self.min_attendance_share}"
            )


@dataclass(frozen=True, slots=True)
class Programme:
    code: str
    name: str
    category: ProgrammeCategory
    description: str
    default_days: int = DEFAULT_SESSION_DAYS
    default_capacity: int = DEFAULT_CAPACITY
    completion_rule: CompletionRule = field(default_factory=CompletionRule)

    def __post_init__(self) -> None:
        if not PROGRAMME_CODE.fullmatch(self.code):
            raise InvalidProgrammeError(
                f"programme code {self.code!r} must be 2-32 capital letters, digits or '-'"
            )
        if not 1 <= self.default_days <= MAX_SESSION_DAYS:
            raise InvalidProgrammeError(f"default length must be 1-{MAX_SESSION_DAYS} days")
        if not 1 <= self.default_capacity <= MAX_CAPACITY:
            raise InvalidProgrammeError(f"default capacity must be 1-{MAX_CAPACITY}")


#: The programmes BP3MI NTB ran in 2024 (../shared/domain.md), seeded by the first migration.
NTB_2024_PROGRAMMES: tuple[Programme, ...] = (
    Programme(
        code="AREN",
        name="Pengolahan Gula Semut Aren",
        category=ProgrammeCategory.AGRICULTURAL_PROCESSING,
        description=(
            "Mengolah nira aren menjadi gula semut: penyadapan, pemasakan, pengkristalan, "
            "pengemasan dan pemasaran."
        ),
    ),
    Programme(
        code="TAS",
        name="Kerajinan Tas",
        category=ProgrammeCategory.CRAFTS,
        description="Membuat tas dari kain tenun dan bahan lokal, dari pola sampai penjualan.",
    ),
    Programme(
        code="TERASI",
        name="Pengolahan Terasi",
        category=ProgrammeCategory.FISHERIES_PROCESSING,
        description=(
            "Mengolah udang rebon menjadi terasi yang higienis, tahan lama dan layak jual."
        ),
    ),
    Programme(
        code="GARAM",
        name="Pengolahan Garam",
        category=ProgrammeCategory.FISHERIES_PROCESSING,
        description="Meningkatkan mutu garam rakyat: pencucian, pengeringan, yodisasi, kemasan.",
    ),
    Programme(
        code="TENUN",
        name="Menjahit Bahan Tenun",
        category=ProgrammeCategory.CRAFTS,
        description=(
            "Menjahit kain tenun Lombok menjadi pakaian dan produk jadi yang siap dipasarkan."
        ),
    ),
    Programme(
        code="PRODUKTIVITAS",
        name="Peningkatan Produktivitas",
        category=ProgrammeCategory.PRODUCTIVITY,
        description=(
            "Pengelolaan usaha kecil: pencatatan keuangan, perhitungan harga pokok, pemasaran "
            "dan akses permodalan (KUR)."
        ),
    ),
)
