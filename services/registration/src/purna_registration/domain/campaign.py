"""Registration campaigns: a BP3MI office's drive to register people, often in one village
(the 2024 NTB trainings drew about 20 participants per village)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

from purna_shared.text import text_problem

from .errors import FieldError, ValidationFailed
from .participant import CATEGORIES, MAX_PLACE_LENGTH, tidy_text
from .regions import regency_error

MAX_CAMPAIGN_NAME = 200
#: a campaign is a drive, not a standing register: a year at most
MAX_CAMPAIGN_DAYS = 366


@dataclass(frozen=True, slots=True)
class CampaignForm:
    name: str
    office: str
    regency_code: str
    village: str | None
    starts_on: date
    ends_on: date


@dataclass(frozen=True, slots=True)
class Campaign:
    id: str
    office: str
    name: str
    regency_code: str
    village: str | None
    starts_on: date
    ends_on: date
    created_at: datetime


def validate_campaign(form: CampaignForm) -> CampaignForm:
    """Check and tidy a new campaign; raise :class:`ValidationFailed` naming each bad field."""
    errors: list[FieldError] = []
    name = tidy_text(form.name)
    if why := text_problem(form.name):
        errors.append(FieldError("name", why))
    elif not name:
        errors.append(FieldError("name", "must not be empty"))
    elif len(name) > MAX_CAMPAIGN_NAME:
        errors.append(FieldError("name", f"must be at most {MAX_CAMPAIGN_NAME} characters"))
    regency = form.regency_code.strip()
    if why := regency_error(regency[:2], regency):
        errors.append(FieldError("regency_code", why))
    village = tidy_text(form.village) if form.village else None
    if form.village and (why := text_problem(form.village)):
        errors.append(FieldError("village", why))
    elif village is not None and len(village) > MAX_PLACE_LENGTH:
        errors.append(FieldError("village", f"must be at most {MAX_PLACE_LENGTH} characters"))
    if form.ends_on < form.starts_on:
        errors.append(FieldError("ends_on", "must not be before starts_on"))
    elif (form.ends_on - form.starts_on).days > MAX_CAMPAIGN_DAYS:
        errors.append(FieldError("ends_on", f"a campaign lasts at most {MAX_CAMPAIGN_DAYS} days"))
    if errors:
        raise ValidationFailed(errors)
    return CampaignForm(name, form.office, regency, village, form.starts_on, form.ends_on)


@dataclass(frozen=True, slots=True)
class VillageTally:
    regency_code: str
    district: str
    village: str
    by_category: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.by_category.values())


@dataclass(frozen=True, slots=True)
class CampaignTally:
    """Registered participants of a campaign, by village and category."""

    by_category: dict[str, int]
    by_village: list[VillageTally] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(self.by_category.values())


def tally(counts: Iterable[tuple[str, str, str, str, int]]) -> CampaignTally:
    """Fold ``(regency_code, district, village, category, n)`` groups into a tally, villages in
    (regency, district, village) order, every category present even when zero."""
    villages: dict[tuple[str, str, str], dict[str, int]] = {}
    by_category = dict.fromkeys(CATEGORIES, 0)
    for regency, district, village, category, n in counts:
        place = villages.setdefault((regency, district, village), dict.fromkeys(CATEGORIES, 0))
        place[category] = place.get(category, 0) + n
        by_category[category] = by_category.get(category, 0) + n
    return CampaignTally(
        by_category=by_category,
        by_village=[
            VillageTally(regency, district, village, categories)
            for (regency, district, village), categories in sorted(villages.items())
        ],
    )
