"""What each role finds in the console's menu. The menu only guides: every page still asks the
service, with the user's token, and the service decides."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class MenuItem:
    label: str
    href: str
    roles: frozenset[str]


def _item(label: str, href: str, *roles: str) -> MenuItem:
    return MenuItem(label, href, frozenset(roles) | {"admin"})


MENU: tuple[MenuItem, ...] = (
    _item("Dasbor", "/dasbor", "operator", "credit_officer", "auditor"),
    _item("Peserta", "/peserta", "operator", "auditor"),
    _item("Kampanye", "/kampanye", "operator", "auditor"),
    _item("Impor", "/impor", "operator"),
    _item("Sesi pelatihan", "/sesi", "operator", "trainer", "auditor"),
    _item("Prakualifikasi KUR", "/prakualifikasi", "credit_officer", "bank", "auditor"),
    _item("Pengajuan KUR", "/pengajuan", "credit_officer", "bank", "auditor"),
    _item("Alokasi KUR", "/alokasi", "credit_officer", "auditor"),
    _item("Program pelatihan", "/program", "operator", "trainer", "auditor"),
    _item("Log audit", "/audit", "auditor"),
)

#: the page a role lands on after signing in
HOME: dict[str, str] = {
    "admin": "/dasbor",
    "operator": "/peserta",
    "trainer": "/sesi",
    "credit_officer": "/prakualifikasi",
    "bank": "/pengajuan",
    "auditor": "/audit",
}

ROLE_LABELS: dict[str, str] = {
    "admin": "Admin",
    "operator": "Petugas BP3MI",
    "trainer": "Pelatih",
    "credit_officer": "Petugas kredit",
    "bank": "Petugas bank",
    "auditor": "Auditor",
}


def menu_for(roles: Iterable[str]) -> list[MenuItem]:
    held = frozenset(roles)
    return [item for item in MENU if item.roles & held]


def home_for(roles: Iterable[str]) -> str:
    held = set(roles)
    for role in ("admin", "operator", "trainer", "credit_officer", "bank", "auditor"):
        if role in held:
            return HOME[role]
    return "/akun"
