"""From the console's HTML forms to the services' request bodies, and the quick checks made as
the operator types. The services hold the rules (the NIK's region, birth date and gender, the
phone's operator); these checks only catch typing slips early, and the service's 422 is shown
beside the field when it disagrees."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

_DIGITS = re.compile(r"\D")
_PHONE = re.compile(r"^(\+?62|0)8[0-9]{7,12}$")


def _text(form: Mapping[str, Any], name: str) -> str:
    value = form.get(name)
    return str(value).strip() if value is not None else ""


def nik_hint(raw: str) -> str | None:
    """Why a typed NIK can't be right yet (None when it may be)."""
    nik = raw.strip()
    if not nik:
        return "NIK wajib diisi."
    if _DIGITS.search(nik):
        return "NIK hanya berisi angka."
    if len(nik) != 16:
        return f"NIK harus 16 angka (sekarang {len(nik)})."
    return None


def phone_hint(raw: str) -> str | None:
    phone = raw.strip().replace(" ", "").replace("-", "")
    if not phone:
        return "Nomor HP wajib diisi."
    if not _PHONE.match(phone):
        return "Nomor HP seluler diawali 08, 628 atau +628, 10-15 angka."
    return None


def address_hint(province: str, regency: str) -> str | None:
    if province and regency and not regency.startswith(province):
        return f"Kode kabupaten/kota {regency} bukan di provinsi {province}."
    if regency and not re.fullmatch(r"[0-9]{4}", regency):
        return "Kode kabupaten/kota terdiri dari 4 angka, mis. 5202."
    return None


def registration_body(form: Mapping[str, Any], channels: list[str]) -> dict[str, Any]:
    """The registration API's RegisterParticipant body from the form's fields."""
    category = _text(form, "category")
    body: dict[str, Any] = {
        "nik": _text(form, "nik"),
        "full_name": _text(form, "full_name"),
        "gender": _text(form, "gender"),
        "birth_date": _text(form, "birth_date") or None,
        "marital_status": _text(form, "marital_status"),
        "phone": _text(form, "phone"),
        "email": _text(form, "email") or None,
        "address": {
            "province_code": _text(form, "province_code"),
            "regency_code": _text(form, "regency_code"),
            "district": _text(form, "district"),
            "village": _text(form, "village"),
        },
        "category": category,
        "consent": {"granted": _text(form, "consent") == "ya", "channels": channels},
    }
    if campaign := _text(form, "campaign_id"):
        body["campaign_id"] = campaign
    if category == "pmi_purna":
        years = _text(form, "years_abroad")
        body["pmi"] = {
            "destination_country": _text(form, "destination_country").upper(),
            "sector": _text(form, "sector"),
            "years_abroad": int(years) if years.isdigit() else years,
            "returned_on": _text(form, "returned_on") or None,
        }
    elif category == "keluarga_pmi":
        body["family"] = {
            "relation": _text(form, "relation"),
            "worker_name": _text(form, "worker_name"),
            "worker_abroad": _text(form, "worker_abroad") == "ya",
        }
    return body


def form_field(api_field: str) -> str:
    """The form input an API field path belongs to (``address.village`` -> ``village``,
    ``pmi.sector`` -> ``sector``)."""
    if not api_field:
        return ""
    return api_field.rsplit(".", 1)[-1]
