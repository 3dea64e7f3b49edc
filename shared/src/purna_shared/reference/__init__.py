"""Reference data for all of Indonesia: provinces, regencies/cities, districts (Kemendagri
codes), their time zones, the regency codes retired by the 2022 Papua split, and the BP3MI
offices. Pure data and lookups: every service uses it instead of naming a zone or a region."""

from .offices import (
    Office,
    office_error,
    office_for_province,
    office_zone,
    seed_office,
    seed_offices,
)
from .regions import (
    District,
    Province,
    Regency,
    RetiredRegency,
    district,
    districts,
    nik_region_error,
    province,
    province_error,
    province_zone,
    provinces,
    regencies,
    regency,
    regency_error,
    regency_of_nik_code,
    regency_zone,
    retired_regencies,
    retired_regency,
)
from .zones import Zone

__all__ = [
    "District",
    "Office",
    "Province",
    "Regency",
    "RetiredRegency",
    "Zone",
    "district",
    "districts",
    "nik_region_error",
    "office_error",
    "office_for_province",
    "office_zone",
    "province",
    "province_error",
    "province_zone",
    "provinces",
    "regencies",
    "regency",
    "regency_error",
    "regency_of_nik_code",
    "regency_zone",
    "retired_regencies",
    "retired_regency",
    "seed_office",
    "seed_offices",
]
