"""Test data shared by the registration tests: valid NIKs and registration bodies."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest


def make_nik(birth_date: date, gender: str, *, area: str = "520206", serial: int = 1) -> str:
    """A structurally valid NIK: area (province, regency, district), birth date with the
    women's day + 40, serial."""
    day = birth_date.day + (40 if gender == "P" else 0)
    return f"{area}{day:02d}{birth_date.month:02d}{birth_date.year % 100:02d}{serial:04d}"


def participant_body(serial: int = 1, **overrides: Any) -> dict[str, Any]:
    """A valid POST /participants body (a woman returned from Malaysia, Lombok Tengah)."""
    born = date(1990, 7, 1)
    body: dict[str, Any] = {
        "nik": make_nik(born, "P", serial=serial),
        "full_name": "Baiq Nurul Aini",
        "gender": "P",
        "birth_date": born.isoformat(),
        "marital_status": "kawin",
        "phone": "081234567890",
        "email": None,
        "address": {
            "province_code": "52",
            "regency_code": "5202",
            "district": "Jonggat",
            "village": "Bonjeruk",
        },
        "category": "pmi_purna",
        "pmi": {
            "destination_country": "MY",
            "sector": "perkebunan",
            "years_abroad": 6,
            "returned_on": "2023-11-20",
        },
        "consent": {"granted": True, "channels": ["sms", "whatsapp"]},
    }
    body.update(overrides)
    return body


@pytest.fixture
def nik_for():
    return make_nik


@pytest.fixture
def body_for():
    return participant_body
