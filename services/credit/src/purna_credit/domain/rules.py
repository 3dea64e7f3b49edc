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
from dataclasses import dataclass, field, replace
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
    #: the regulation these terms come from
    legal_source: str = ""

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
class AccessLimit:
    """How many times a debtor in ``sectors`` may take ``scheme``, and where they go after.

    Permenko 1/2023 limits KUR Mikro by sector: non-production businesses and production outside
    agriculture, plantation, livestock and fisheries may access it twice, those sectors four
    times. The engine is generic: any scheme, any set of sectors, any number."""

    scheme: Scheme
    sectors: frozenset[str]
    max_loans: int
    #: the scheme a debtor moves to beyond the limit (None: no further KUR of this kind)
    then: Scheme | None
    legal_source: str

    def __post_init__(self) -> None:
        if self.max_loans < 1:
            raise ValueError(f"{self.scheme}: an access limit allows at least one loan")
        if not self.legal_source:
            raise ValueError(f"{self.scheme}: an access limit names its legal source")


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
    #: sector-dependent limits on the number of loans per scheme (see :class:`AccessLimit`)
    access_limits: tuple[AccessLimit, ...] = field(default=())
    #: rule name -> the regulation it comes from (min_age, married_statuses, validity_days, ...)
    legal_sources: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))

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
        seen: set[tuple[Scheme, str]] = set()
        for limit in self.access_limits:
            if limit.scheme not in schemes or (limit.then and limit.then not in schemes):
                raise ValueError(f"access limit for {limit.scheme}: scheme is not defined")
            if strays := limit.sectors - set(self.sector_labels):
                raise ValueError(f"access limit for unknown sectors: {', '.join(sorted(strays))}")
            for sector in limit.sectors:
                if (limit.scheme, sector) in seen:
                    raise ValueError(f"two access limits for {limit.scheme} in sector {sector}")
                seen.add((limit.scheme, sector))

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

    def access_limit(self, scheme: Scheme, sector: str) -> AccessLimit | None:
        """The limit on ``scheme`` loans for ``sector``, if the rules set one."""
        return next(
            (a for a in self.access_limits if a.scheme is scheme and sector in a.sectors), None
        )

    def max_loans(self, scheme: Scheme, sector: str) -> int:
        """How many ``scheme`` loans a debtor in ``sector`` may take: the sector's access limit,
        else one per rate tier of the scheme."""
        limit = self.access_limit(scheme, sector)
        return limit.max_loans if limit else self.terms(scheme).max_loans

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
                    "legal_source": t.legal_source,
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
            "access_limits": [
                {
                    "scheme": a.scheme.value,
                    "sectors": sorted(a.sectors),
                    "max_loans": a.max_loans,
                    "then": a.then.value if a.then else None,
                    "legal_source": a.legal_source,
                }
                for a in self.access_limits
            ],
            "legal_sources": dict(self.legal_sources),
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

PERMENKO_1_2023 = (
    "Permenko Perekonomian No. 1 Tahun 2023 tentang Pedoman Pelaksanaan KUR (dan perubahannya)"
)
PERMENKO_1_2023_SECTOR = (
    f"{PERMENKO_1_2023}: akses KUR Mikro paling banyak 4 kali untuk sektor produksi pertanian, "
    "perkebunan, peternakan dan perikanan, 2 kali untuk sektor lain; selanjutnya KUR Kecil"
)
PURNA_TRACK = (
    "Kebijakan KP2MI: KUR bagi PMI purna sampai Rp100 juta, bunga 6% (naskah hukum belum "
    "diterbitkan; lihat shared/domain.md)"
)

#: The rules in force from 2025: KUR 2024 plus Permenko 1/2023's access limits by sector, each
#: rule with its legal source. Assessments made under ``kur-2024.1`` keep that version.
KUR_2025_1 = replace(
    KUR_2024_1,
    version="kur-2025.1",
    schemes=tuple(
        replace(
            terms,
            legal_source=f"{PERMENKO_1_2023} (plafon, suku bunga efektif, jangka waktu)",
        )
        for terms in KUR_2024_1.schemes
    ),
    access_limits=(
        AccessLimit(
            scheme=Scheme.MIKRO,
            sectors=frozenset({PENGOLAHAN_PERTANIAN, PENGOLAHAN_PERIKANAN}),
            max_loans=4,
            then=Scheme.KECIL,
            legal_source=PERMENKO_1_2023_SECTOR,
        ),
        AccessLimit(
            scheme=Scheme.MIKRO,
            sectors=frozenset({KERAJINAN, UMUM}),
            max_loans=2,
            then=Scheme.KECIL,
            legal_source=PERMENKO_1_2023_SECTOR,
        ),
    ),
    legal_sources=MappingProxyType(
        {
            "starting_scheme": PURNA_TRACK,
            "min_age": f"{PERMENKO_1_2023}: debitur berusia 21 tahun atau sudah menikah",
            "married_statuses": f"{PERMENKO_1_2023}: sudah menikah (termasuk cerai hidup/mati)",
            "validity_days": "Kebijakan Purna: pra-kualifikasi berlaku 90 hari (bukan aturan KUR)",
            "sector_by_programme_word": (
                f"{PERMENKO_1_2023}: pengolahan hasil pertanian/perikanan termasuk sektor produksi"
            ),
        }
    ),
    notes=(
        *KUR_2024_1.notes,
        "kur-2025.1: KUR Mikro access limits by sector (Permenko 1/2023); kur-2024.1 allowed 4 "
        "for every sector and stays the version of the assessments made under it.",
    ),
)

#: every rule set an assessment may name, by version
RULES_BY_VERSION: Mapping[str, KurRules] = MappingProxyType(
    {rules.version: rules for rules in (KUR_2024_1, KUR_2025_1)}
)

DEFAULT_RULES = KUR_2025_1
