"""KUR (Kredit Usaha Rakyat) rules: every rate, limit, tenor and mapping the credit service uses.

This is the ONE place those numbers live. They come from the KUR rules of 2023-2025
(Permenko 1/2023 and its amendments) as summarised in ``shared/domain.md``; the 2025/2026
amendments and the legal text of the ministry's purna track were not available, so a deployment
can override any of them from a file (``CREDIT_KUR_RULES_FILE``, see
:mod:`purna_credit.adapters.rules_file`). Every assessment and application records
:attr:`KurRules.version`, so a later change of rules never rewrites what was decided before.

Deliberately absent: **KUR Penempatan PMI**. It finances a *departing* worker's placement costs;
Purna serves returned workers (PMI purna) and their families, who borrow for a business.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from types import MappingProxyType
from typing import Any


class Scheme(StrEnum):
    """KUR schemes open to Purna participants."""

    SUPER_MIKRO = "super_mikro"
    MIKRO = "mikro"
    KECIL = "kecil"


class Purpose(StrEnum):
    """What a loan finances; the maximum tenor depends on it."""

    MODAL_KERJA = "modal_kerja"  # working capital
    INVESTASI = "investasi"  # investment (equipment, premises)


class ParticipantCategory(StrEnum):
    PMI_PURNA = "pmi_purna"  # a returned migrant worker
    KELUARGA_PMI = "keluarga_pmi"  # a member of a migrant worker's family


SCHEME_LABELS: Mapping[Scheme, str] = MappingProxyType(
    {
        Scheme.SUPER_MIKRO: "KUR Super Mikro",
        Scheme.MIKRO: "KUR Mikro",
        Scheme.KECIL: "KUR Kecil",
    }
)


@dataclass(frozen=True, slots=True)
class Tenors:
    """Maximum tenor in months per loan purpose."""

    modal_kerja: int
    investasi: int

    def for_purpose(self, purpose: Purpose) -> int:
        return self.modal_kerja if purpose is Purpose.MODAL_KERJA else self.investasi

    def as_dict(self) -> dict[str, int]:
        return {
            Purpose.MODAL_KERJA.value: self.modal_kerja,
            Purpose.INVESTASI.value: self.investasi,
        }


@dataclass(frozen=True, slots=True)
class SchemeTerms:
    """One scheme's plafond band, interest tiers and tenors."""

    scheme: Scheme
    plafond_over: int  # the band starts strictly above this amount (rupiah)
    plafond_max: int  # ... and ends at this amount, inclusive
    #: effective annual rate in percent, by loan number: [0] first KUR loan, [1] second, ...
    rates: tuple[Decimal, ...]
    max_tenor: Tenors
    #: longer tenors a bank may grant on extension/restructuring; recorded, never offered up front
    extended_tenor: Tenors | None = None

    @property
    def max_loans(self) -> int:
        """How many KUR loans of this scheme a debtor may receive (one rate tier each)."""
        return len(self.rates)

    def covers(self, amount: int) -> bool:
        return self.plafond_over < amount <= self.plafond_max

    def rate_for_loan(self, loan_number: int) -> Decimal:
        """Rate of the ``loan_number``-th KUR loan (1-based); beyond the tiers, the last tier."""
        if loan_number < 1:
            raise ValueError("loan_number is 1-based")
        return self.rates[min(loan_number, len(self.rates)) - 1]


@dataclass(frozen=True, slots=True)
class KurRules:
    """The versioned rule set. Build variants with :func:`dataclasses.replace` or from a file."""

    version: str
    schemes: tuple[SchemeTerms, ...]
    #: the scheme a training graduate starts with, by participant category (see prequalification)
    starting_scheme: Mapping[ParticipantCategory, Scheme]
    #: bank criterion: at least this age at assessment, or married
    min_age: int
    #: marital statuses (e-KTP values) that count as married: someone divorced has been married
    #: and stays legally adult (dewasa), so cerai hidup/mati count too
    married_statuses: frozenset[str]
    #: how long a pre-qualification stays valid, in days from the assessment
    validity_days: int
    #: business sector code -> label in Bahasa Indonesia
    sector_labels: Mapping[str, str]
    #: a word of the training programme code (split on non-letters) -> sector code
    sector_by_programme_word: Mapping[str, str]
    #: programme category (training event) -> sector code, when no word of the code matched
    sector_by_programme_category: Mapping[str, str]
    default_sector: str
    notes: tuple[str, ...] = field(default=())

    def __post_init__(self) -> None:
        schemes = [t.scheme for t in self.schemes]
        if len(set(schemes)) != len(schemes):
            raise ValueError("each scheme may appear once")
        for terms in self.schemes:
            if not terms.rates:
                raise ValueError(f"{terms.scheme}: at least one rate tier is required")
            if not 0 <= terms.plafond_over < terms.plafond_max:
                raise ValueError(f"{terms.scheme}: plafond band is empty")
        for category, scheme in self.starting_scheme.items():
            if scheme not in schemes:
                raise ValueError(f"starting scheme for {category} is not defined: {scheme}")
        sectors = {
            self.default_sector,
            *self.sector_by_programme_word.values(),
            *self.sector_by_programme_category.values(),
        }
        if unknown := sectors - set(self.sector_labels):
            raise ValueError(f"sectors without a label: {', '.join(sorted(unknown))}")
        if self.validity_days < 1:
            raise ValueError("validity_days must be at least 1")

    def terms(self, scheme: Scheme) -> SchemeTerms:
        for terms in self.schemes:
            if terms.scheme is scheme:
                return terms
        raise KeyError(f"scheme {scheme} is not in rules {self.version}")

    def scheme_for_amount(self, amount: int) -> SchemeTerms | None:
        """The scheme whose plafond band holds ``amount`` (KUR schemes are defined by amount)."""
        for terms in self.schemes:
            if terms.covers(amount):
                return terms
        return None

    def sector_for(self, programme_code: str, programme_category: str | None) -> str:
        """Business sector of a training: a known word in its code, else its category."""
        for word in re.split(r"[^A-Z]+", programme_code.upper()):
            if word and word in self.sector_by_programme_word:
                return self.sector_by_programme_word[word]
        if programme_category and programme_category in self.sector_by_programme_category:
            return self.sector_by_programme_category[programme_category]
        return self.default_sector

    def to_dict(self) -> dict[str, Any]:
        """Plain-data form (the shape a rules file overrides); rates as strings."""
        return {
            "version": self.version,
            "schemes": {
                t.scheme.value: {
                    "plafond_over": t.plafond_over,
                    "plafond_max": t.plafond_max,
                    "rates": [str(r) for r in t.rates],
                    "max_tenor": t.max_tenor.as_dict(),
                    "extended_tenor": t.extended_tenor.as_dict() if t.extended_tenor else None,
                }
                for t in self.schemes
            },
            "starting_scheme": {c.value: s.value for c, s in self.starting_scheme.items()},
            "min_age": self.min_age,
            "married_statuses": sorted(self.married_statuses),
            "validity_days": self.validity_days,
            "sector_labels": dict(self.sector_labels),
            "sector_by_programme_word": dict(self.sector_by_programme_word),
            "sector_by_programme_category": dict(self.sector_by_programme_category),
            "default_sector": self.default_sector,
            "notes": list(self.notes),
        }


PENGOLAHAN_PERTANIAN = "industri_pengolahan_hasil_pertanian"
PENGOLAHAN_PERIKANAN = "industri_pengolahan_hasil_perikanan"
KERAJINAN = "industri_kerajinan"
UMUM = "umum"

#: The rules in force: KUR 2023-2025 as published, with the ministry's purna track.
KUR_2024_1 = KurRules(
    version="kur-2024.1",
    schemes=(
        SchemeTerms(
            scheme=Scheme.SUPER_MIKRO,
            plafond_over=0,
            plafond_max=10_000_000,
            rates=(Decimal("3"),),
            max_tenor=Tenors(modal_kerja=36, investasi=60),
        ),
        SchemeTerms(
            scheme=Scheme.MIKRO,
            plafond_over=10_000_000,
            plafond_max=100_000_000,
            rates=(Decimal("6"), Decimal("7"), Decimal("8"), Decimal("9")),
            max_tenor=Tenors(modal_kerja=36, investasi=60),
            extended_tenor=Tenors(modal_kerja=48, investasi=84),
        ),
        SchemeTerms(
            scheme=Scheme.KECIL,
            plafond_over=100_000_000,
            plafond_max=500_000_000,
            rates=(Decimal("6"), Decimal("7"), Decimal("8"), Decimal("9")),
            max_tenor=Tenors(modal_kerja=48, investasi=60),
        ),
    ),
    starting_scheme=MappingProxyType(
        {
            ParticipantCategory.PMI_PURNA: Scheme.MIKRO,
            ParticipantCategory.KELUARGA_PMI: Scheme.SUPER_MIKRO,
        }
    ),
    min_age=21,
    married_statuses=frozenset({"kawin", "cerai_hidup", "cerai_mati"}),
    validity_days=90,
    sector_labels=MappingProxyType(
        {
            PENGOLAHAN_PERTANIAN: "Industri pengolahan hasil pertanian",
            PENGOLAHAN_PERIKANAN: "Industri pengolahan hasil perikanan",
            KERAJINAN: "Industri kerajinan",
            UMUM: "Usaha produktif umum",
        }
    ),
    sector_by_programme_word=MappingProxyType(
        {
            "AREN": PENGOLAHAN_PERTANIAN,  # gula semut aren (palm sugar)
            "GULA": PENGOLAHAN_PERTANIAN,
            "GARAM": PENGOLAHAN_PERIKANAN,  # salt from sea water: a coastal/fisheries product
            "TERASI": PENGOLAHAN_PERIKANAN,  # shrimp paste
            "TENUN": KERAJINAN,  # woven fabric
            "TAS": KERAJINAN,  # bags
            "JAHIT": KERAJINAN,
            "PRODUKTIVITAS": UMUM,  # productivity improvement: no one sector
        }
    ),
    sector_by_programme_category=MappingProxyType(
        {
            "agricultural_processing": PENGOLAHAN_PERTANIAN,
            "fisheries_processing": PENGOLAHAN_PERIKANAN,
            "crafts": KERAJINAN,
            "productivity": UMUM,
        }
    ),
    default_sector=UMUM,
    notes=(
        "KUR Penempatan PMI is not offered: it finances departing workers' placement costs.",
        "Mikro extension tenors (48/84 months) are recorded, not offered at pre-qualification.",
    ),
)

DEFAULT_RULES = KUR_2024_1
