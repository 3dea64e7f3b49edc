"""Indonesian area codes (BPS/Kemendagri) the registration rules need, kept in one place."""

from __future__ import annotations

#: Province codes that can appear in a NIK or an address. 91-96 include the Papua provinces
#: created in 2022 (92 Papua Barat Daya, 93 Papua Selatan, 95 Papua Tengah, 96 Papua
#: Pegunungan); older NIKs keep the code of the province that issued them.
PROVINCE_CODES: frozenset[str] = frozenset(
    {
        *("11", "12", "13", "14", "15", "16", "17", "18", "19"),
        "21",
        *("31", "32", "33", "34", "35", "36"),
        *("51", "52", "53"),
        *("61", "62", "63", "64", "65"),
        *("71", "72", "73", "74", "75", "76"),
        *("81", "82"),
        *("91", "92", "93", "94", "95", "96"),
    }
)

NTB_PROVINCE_CODE = "52"

#: Nusa Tenggara Barat's regencies (kabupaten) and cities (kota)
NTB_REGENCIES: dict[str, str] = {
    "5201": "Lombok Barat",
    "5202": "Lombok Tengah",
    "5203": "Lombok Timur",
    "5204": "Sumbawa",
    "5205": "Dompu",
    "5206": "Bima",
    "5207": "Sumbawa Barat",
    "5208": "Lombok Utara",
    "5271": "Kota Mataram",
    "5272": "Kota Bima",
}

#: Provinces whose full regency list is known here; elsewhere only the code's shape is checked
KNOWN_REGENCIES: dict[str, dict[str, str]] = {NTB_PROVINCE_CODE: NTB_REGENCIES}


def regency_error(province_code: str, regency_code: str) -> str | None:
    """Why ``regency_code`` is not a regency of ``province_code``, or None when it is."""
    if len(regency_code) != 4 or not regency_code.isdigit():
        return "must be 4 digits, e.g. 5201"
    if not regency_code.startswith(province_code):
        return f"{regency_code} is not in province {province_code} (it must start with it)"
    if regency_code.endswith("00"):
        return f"{regency_code} is not a regency code (the last two digits are 00)"
    known = KNOWN_REGENCIES.get(province_code)
    if known is not None and regency_code not in known:
        return f"{regency_code} is not a regency of province {province_code}"
    return None


def province_error(province_code: str) -> str | None:
    """Why ``province_code`` is not an Indonesian province code, or None when it is."""
    if len(province_code) != 2 or not province_code.isdigit():
        return "must be 2 digits, e.g. 52"
    if province_code not in PROVINCE_CODES:
        return f"{province_code} is not an Indonesian province code"
    return None
