"""Provinces, regencies/cities and districts of Indonesia with their Kemendagri codes.

Codes: province ``PP`` (2 digits), regency/city ``PPRR`` (``RR`` 01-69 a kabupaten, 71-99 a
kota), district (kecamatan) ``PPRRSS``. Loaded once from the CSV files in ``data/`` (see
``data/SOURCE.md``); everything here is plain lookups, no I/O after the first load.

A NIK keeps the regency code of the place that issued it, so codes retired when regencies moved
to a new province (the 2022 Papua split) stay valid for NIKs: :func:`regency_of_nik_code`
follows them to where they went.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from io import StringIO

from .zones import Zone


@dataclass(frozen=True, slots=True)
class Province:
    code: str
    name: str
    zone: Zone


@dataclass(frozen=True, slots=True)
class Regency:
    """A kabupaten (regency) or kota (city)."""

    code: str
    name: str

    @property
    def province_code(self) -> str:
        return self.code[:2]

    @property
    def is_city(self) -> bool:
        return int(self.code[2:]) >= 71


@dataclass(frozen=True, slots=True)
class RetiredRegency:
    """A regency code no longer in use; NIKs issued under it keep it."""

    code: str
    name: str
    now_code: str
    retired_by: str


@dataclass(frozen=True, slots=True)
class District:
    """A kecamatan."""

    code: str
    name: str


def _rows(name: str) -> list[dict[str, str]]:
    text = files(__package__).joinpath("data", name).read_text(encoding="utf-8")
    return list(csv.DictReader(StringIO(text)))


@dataclass(frozen=True, slots=True)
class _Tables:
    provinces: dict[str, Province]
    regencies: dict[str, Regency]
    retired: dict[str, RetiredRegency]
    districts: dict[str, District]


@cache
def _tables() -> _Tables:
    provinces = {
        r["code"]: Province(r["code"], r["name"], Zone(r["zone"])) for r in _rows("provinces.csv")
    }
    regencies = {r["code"]: Regency(r["code"], r["name"]) for r in _rows("regencies.csv")}
    retired = {
        r["code"]: RetiredRegency(r["code"], r["name"], r["now_code"], r["retired_by"])
        for r in _rows("retired_regencies.csv")
    }
    districts = {r["code"]: District(r["code"], r["name"]) for r in _rows("districts.csv")}
    return _Tables(provinces, regencies, retired, districts)


def provinces() -> list[Province]:
    return list(_tables().provinces.values())


def regencies(province_code: str | None = None) -> list[Regency]:
    every = _tables().regencies.values()
    return [r for r in every if province_code is None or r.province_code == province_code]


def retired_regencies() -> list[RetiredRegency]:
    return list(_tables().retired.values())


def districts(regency_code: str | None = None) -> list[District]:
    every = _tables().districts.values()
    return [d for d in every if regency_code is None or d.code[:4] == regency_code]


def province(code: str) -> Province | None:
    return _tables().provinces.get(code)


def regency(code: str) -> Regency | None:
    """A current regency/city; None for an unknown or retired code."""
    return _tables().regencies.get(code)


def district(code: str) -> District | None:
    return _tables().districts.get(code)


def retired_regency(code: str) -> RetiredRegency | None:
    return _tables().retired.get(code)


def regency_of_nik_code(code: str) -> Regency | None:
    """The regency a NIK's digits 1-4 name today: the current one, or where a retired code went
    (``9101`` Merauke, Papua before 2022 -> ``9301`` Merauke, Papua Selatan). None if unknown."""
    tables = _tables()
    if (current := tables.regencies.get(code)) is not None:
        return current
    if (old := tables.retired.get(code)) is not None:
        return tables.regencies.get(old.now_code)
    return None


def province_zone(province_code: str) -> Zone | None:
    found = province(province_code)
    return found.zone if found else None


def regency_zone(regency_code: str) -> Zone | None:
    """The zone of a regency (current or retired code), by its province today."""
    found = regency_of_nik_code(regency_code)
    return province_zone(found.province_code) if found else None


def province_error(code: str) -> str | None:
    """Why ``code`` is not a province code, or None when it is one of the 38."""
    if len(code) != 2 or not code.isdigit():
        return "must be 2 digits, e.g. 52"
    if code not in _tables().provinces:
        return f"{code} is not an Indonesian province code"
    return None


def regency_error(province_code: str, regency_code: str) -> str | None:
    """Why ``regency_code`` is not a current regency/city of ``province_code`` (an address), or
    None when it is."""
    if len(regency_code) != 4 or not regency_code.isdigit():
        return "must be 4 digits, e.g. 5201"
    if not regency_code.startswith(province_code):
        return f"{regency_code} is not in province {province_code} (it must start with it)"
    if regency_code.endswith("00"):
        return f"{regency_code} is not a regency code (the last two digits are 00)"
    if regency_code not in _tables().regencies:
        if (old := _tables().retired.get(regency_code)) is not None:
            return (
                f"{regency_code} is a former code of {old.name}; since {old.retired_by} "
                f"it is {old.now_code}"
            )
        return f"{regency_code} is not a regency of province {province_code}"
    return None


def nik_region_error(nik_digits: str) -> str | None:
    """Why the province and regency of issue in a NIK's digits 1-4 are not Indonesian ones, or
    None; the reason never repeats the digits (it reaches responses and import reports). A
    retired code (a regency moved to a new province) is accepted: the NIK keeps it."""
    prov, reg = nik_digits[:2], nik_digits[:4]
    if prov not in _tables().provinces:  # no province code was retired, only regency codes
        return "province code (digits 1-2) is not an Indonesian province"
    if reg.endswith("00"):
        return "regency code (digits 3-4) must not be 00"
    if regency_of_nik_code(reg) is None:
        return "regency code (digits 3-4) is not a regency of the province in digits 1-2"
    return None
