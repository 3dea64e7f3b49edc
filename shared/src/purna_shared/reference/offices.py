"""BP3MI offices as data: the seed list in ``data/offices.toml``.

Registration keeps the managed list (admins add and correct offices through its API); this
seed is what every service knows without asking, and what a fresh installation starts with.
An office's zone is that of the province its city lies in.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from importlib.resources import files

from .regions import province_zone, regency
from .zones import Zone


@dataclass(frozen=True, slots=True)
class Office:
    """A BP3MI: code (``JATIM``), name, the city where it sits and signs, the provinces it
    serves, and how its head signs certificates."""

    code: str
    name: str
    city: str
    city_regency: str
    provinces: tuple[str, ...]
    head_title: str
    #: how messages are signed, e.g. ``BP3MI Jatim`` (an SMS has little room)
    short_name: str = ""

    @property
    def sender(self) -> str:
        return self.short_name or self.name

    @property
    def province_code(self) -> str:
        return self.city_regency[:2]

    @property
    def zone(self) -> Zone:
        zone = province_zone(self.province_code)
        if zone is None:  # pragma: no cover - the seed is checked by a test
            raise ValueError(f"office {self.code}: unknown province {self.province_code}")
        return zone


def office_error(office: Office) -> str | None:
    """Why an office's data is inconsistent with the reference data, or None."""
    if regency(office.city_regency) is None:
        return f"city_regency {office.city_regency} is not a regency or city"
    if not office.provinces:
        return "an office serves at least one province"
    for code in office.provinces:
        if province_zone(code) is None:
            return f"province {code} is not an Indonesian province"
    if office.province_code not in office.provinces:
        return f"its city's province {office.province_code} must be among the provinces it serves"
    return None


@cache
def seed_offices() -> dict[str, Office]:
    raw = tomllib.loads(files(__package__).joinpath("data", "offices.toml").read_text("utf-8"))
    return {
        entry["code"]: Office(
            code=entry["code"],
            name=entry["name"],
            city=entry["city"],
            city_regency=entry["city_regency"],
            provinces=tuple(entry["provinces"]),
            head_title=entry["head_title"],
            short_name=entry.get("short_name", ""),
        )
        for entry in raw["office"]
    }


def seed_office(code: str) -> Office | None:
    return seed_offices().get(code)


def office_for_province(province_code: str) -> Office | None:
    """The seeded office serving a province (the first listed if several do)."""
    return next((o for o in seed_offices().values() if province_code in o.provinces), None)


def office_sender(code: str) -> str:
    """How messages from an office are signed: ``BP3MI Jatim``; ``BP3MI <code>`` if unknown."""
    found = seed_office(code)
    return found.sender if found else f"BP3MI {code}"


def office_zone(code: str, default: Zone | None = None) -> Zone:
    """The zone an office works in; ``default`` (or an error) for an office not in the seed."""
    found = seed_office(code)
    if found is not None:
        return found.zone
    if default is not None:
        return default
    raise KeyError(f"unknown BP3MI office {code!r}")
