"""Indonesian area codes as registration checks them: the reference data for all of Indonesia
(``purna_shared.reference``, Kemendagri 2025 codes) seen through registration's rules."""

from __future__ import annotations

from purna_shared import reference


def province_error(province_code: str) -> str | None:
    """Why ``province_code`` is not one of the 38 provinces, or None when it is."""
    return reference.province_error(province_code)


def regency_error(province_code: str, regency_code: str) -> str | None:
    """Why ``regency_code`` is not a current regency/city of ``province_code``, or None.

    An address is where someone lives now, so it takes today's codes; a retired code gets an
    answer naming its new one."""
    return reference.regency_error(province_code, regency_code)


def nik_region_error(nik_digits: str) -> str | None:
    """Why a NIK's province and regency of issue (digits 1-4) are unknown, or None. Any
    province is accepted (the NIK says where it was issued, not where the person lives), and
    a regency code retired when its regency moved to a new province stays valid."""
    return reference.nik_region_error(nik_digits)
