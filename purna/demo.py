"""``purna demo``: BP3MI NTB's 2024 village trainings, driven through the real HTTP APIs.

Six village sessions (``../shared/domain.md``), 20 generated participants each (Sasak and
Indonesian names, valid NIKs of the right kabupaten, a deterministic seed): registration,
enrollment, attendance with some absences, completion; then it waits for the credit service's
KUR pre-qualifications and the notification service's messages and prints a table per village.
Running it again changes nothing: every request is idempotent or de-duplicated.
"""

from __future__ import annotations

import random
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import httpx
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from purna_shared import reference
from purna_shared.http.auth import Role, mint_token
from purna_shared.settings import PurnaSettings

# A table of nine columns needs more than a pipe's default 80 characters.
console = Console(width=None if Console().is_terminal else 150)
OFFICE = "NTB"


@dataclass(frozen=True)
class VillageTraining:
    desa: str  # village
    kecamatan: str  # district
    kabupaten_code: str  # regency code
    district_code: str  # the two NIK digits of the kecamatan
    programme_code: str
    start: date
    days: int = 4
    venue: str = ""
    office: str = OFFICE  # the BP3MI running it: its certificates, its messages

    @property
    def zone(self) -> str:
        """The zone the session keeps (the place's), as written after a time."""
        zone = reference.regency_zone(self.kabupaten_code)
        return zone.abbreviation if zone else "?"


#: Sessions of other offices, in other zones: BP3MI Jawa Timur (western time) in Sidoarjo and
#: Surabaya, BP3MI Papua (eastern time) in Jayapura. Listed first so that the NTB campaign keeps
#: its place at the end of TRAININGS.
OTHER_OFFICES = (
    VillageTraining("Kedungrejo", "Waru", "3515", "18", "TENUN", date(2024, 9, 9), office="JATIM"),
    VillageTraining(
        "Jemur Wonosari", "Wonocolo", "3578", "02", "AREN", date(2024, 9, 16), office="JATIM"
    ),
    VillageTraining(
        "Sentani Kota", "Sentani", "9103", "01", "AREN", date(2024, 9, 23), office="PAPUA"
    ),
)

TRAININGS = (
    *OTHER_OFFICES,
    VillageTraining("Persiapan Longseran", "Lingsar", "5201", "12", "AREN", date(2024, 7, 8)),
    VillageTraining("Dasan Tapen", "Gerung", "5201", "01", "TAS", date(2024, 7, 22)),
    VillageTraining("Jerowaru", "Jerowaru", "5203", "20", "TERASI", date(2024, 8, 5)),
    VillageTraining("Pemongkong", "Jerowaru", "5203", "20", "GARAM", date(2024, 8, 19)),
    VillageTraining("Pringgasela", "Pringgasela", "5203", "12", "TENUN", date(2024, 9, 2)),
    VillageTraining("Bonjeruk", "Jonggat", "5202", "02", "TENUN", date(2024, 8, 12)),
)

MEN = ["Lalu", "Muhammad", "Ahmad", "Zainal", "Hairul", "Saepul", "Rusdi", "Junaidi", "Sahnan"]
WOMEN = ["Baiq", "Siti", "Nurhayati", "Sri", "Rohani", "Sumiati", "Masniah", "Rabiatul", "Maemunah"]
FAMILY = [
    "Hadi",
    "Fauzi",
    "Aini",
    "Rahayu",
    "Wahyuni",
    "Anwar",
    "Abidin",
    "Hasanah",
    "Jayadi",
    "Ramdani",
    "Safitri",
    "Kurniawan",
    "Hidayat",
    "Sukardi",
    "Mardiah",
    "Apriani",
]
COUNTRIES = ["MY", "SA", "TW", "HK", "SG", "KR"]  # ISO 3166-1 alpha-2
SECTORS = ["perkebunan", "pekerja_rumah_tangga", "konstruksi", "manufaktur", "perikanan"]
MOBILE_PREFIXES = ["12", "13", "19", "23", "52", "53", "77", "78"]  # after the leading 08
RELATIONS = ["suami_istri", "anak", "orang_tua", "saudara_kandung"]


def _nik(
    rng: random.Random, training: VillageTraining, born: date, gender: str, serial: int
) -> str:
    day = born.day + (40 if gender == "P" else 0)
    return f"{training.kabupaten_code}{training.district_code}{day:02d}{born:%m%y}{serial:04d}"


def generate_participants(
    training: VillageTraining, rng: random.Random, index: int
) -> list[dict[str, Any]]:
    people = []
    for i in range(20):
        gender = rng.choice("LP")
        first = rng.choice(MEN if gender == "L" else WOMEN)
        name = f"{first} {rng.choice(FAMILY)}"
        born = date(rng.randint(1972, 2002), rng.randint(1, 12), rng.randint(1, 28))
        person: dict[str, Any] = {
            "nik": _nik(rng, training, born, gender, 100 * index + i + 1),
            "full_name": name,
            "gender": gender,
            "birth_date": born.isoformat(),
            "marital_status": rng.choice(
                ["kawin", "kawin", "belum_kawin", "cerai_hidup", "cerai_mati"]
            ),
            "phone": f"08{rng.choice(MOBILE_PREFIXES)}{rng.randint(10_000_000, 99_999_999)}",
            "email": None,
            "address": {
                "province_code": training.kabupaten_code[:2],
                "regency_code": training.kabupaten_code,
                "district": training.kecamatan,
                "village": training.desa,
            },
            "office": training.office,
        }
        channels = list(rng.choice([("sms", "whatsapp"), ("whatsapp",), ("sms",)]))
        if rng.random() < 0.3:
            person["email"] = f"{name.lower().replace(' ', '.')}{i}@contoh.id"
            channels.append("email")
        person["consent"] = {"granted": True, "channels": channels}
        if rng.random() < 0.6:
            returned = date(2024, 1, 1) - timedelta(days=rng.randint(30, 1500))
            person["category"] = "pmi_purna"
            person["pmi"] = {
                "destination_country": rng.choice(COUNTRIES),
                "sector": rng.choice(SECTORS),
                "years_abroad": rng.randint(1, 12),
                "returned_on": returned.isoformat(),
            }
        else:
            person["category"] = "keluarga_pmi"
            person["family"] = {
                "relation": rng.choice(RELATIONS),
                "worker_name": f"{rng.choice(MEN + WOMEN)} {rng.choice(FAMILY)}",
                "worker_abroad": rng.random() < 0.7,
            }
        people.append(person)
    return people


@dataclass
class VillageResult:
    training: VillageTraining
    session_id: str = ""
    participant_ids: list[str] = field(default_factory=list)
    people: list[dict[str, Any]] = field(default_factory=list)  # as registered, by participant
    absences: dict[str, int] = field(default_factory=dict)  # days missed, by participant id
    enrolled: int = 0
    completed: int = 0
    prequalified: int = 0
    plafond: int = 0
    messages_sent: int = 0
    messages_scheduled: int = 0


class Api:
    """The services' HTTP APIs with development tokens."""

    def __init__(self, ports: dict[str, int]) -> None:
        settings = PurnaSettings()
        self.client = httpx.Client(timeout=30)
        self.ports = ports
        self.patience_seconds = 120.0
        #: status code -> answers received, 503s included (the fault tests count them)
        self.statuses: Counter[int] = Counter()
        self.tokens = {
            **{
                f"operator:{office}": mint_token(
                    settings, role=Role.OPERATOR, office=office, subject=f"demo-operator-{office}"
                )
                for office in {t.office for t in TRAININGS}
            },
            "admin": mint_token(settings, role=Role.ADMIN, subject="demo-admin"),
            "credit_officer": mint_token(settings, role=Role.CREDIT_OFFICER, subject="demo-kredit"),
        }

    def call(
        self,
        method: str,
        service: str,
        path: str,
        *,
        role: str = "operator",
        office: str = OFFICE,
        key: str | None = None,
        **kwargs: Any,
    ) -> httpx.Response:
        token = self.tokens[f"operator:{office}" if role == "operator" else role]
        headers = {"Authorization": f"Bearer {token}"}
        if key:
            headers["Idempotency-Key"] = key
        # As any client should: a 503 (a database or Redis briefly unavailable) is retried after
        # its Retry-After, with the same Idempotency-Key, so the effect still happens once.
        deadline = time.monotonic() + self.patience_seconds
        while True:
            response = self.client.request(
                method, f"http://127.0.0.1:{self.ports[service]}{path}", headers=headers, **kwargs
            )
            self.statuses[response.status_code] += 1
            if response.status_code != 503 or time.monotonic() > deadline:
                return response
            time.sleep(min(float(response.headers.get("retry-after", "1") or 1), 5.0))


def _expect(response: httpx.Response, *ok: int) -> dict[str, Any]:
    if response.status_code not in ok:
        raise RuntimeError(
            f"{response.request.method} {response.request.url.path}: "
            f"{response.status_code} {response.text[:500]}"
        )
    body: dict[str, Any] = response.json()
    return body


def _until(check: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.25)
    raise RuntimeError(f"timed out after {timeout:.0f}s waiting for {what}")


def run_demo(
    *,
    seed: int = 2024,
    ports: dict[str, int] | None = None,
    trainings: tuple[VillageTraining, ...] = TRAININGS,
    api: Api | None = None,
) -> list[VillageResult]:
    """Drive the campaign through the APIs on ``ports`` (service name to port; default
    8001-8004), or through ``api``, and print the table; returns the figures per village."""
    rng = random.Random(seed)
    api = api or Api(
        ports or {"registration": 8001, "training": 8002, "credit": 8003, "notification": 8004}
    )
    results = [VillageResult(t) for t in trainings]
    with Progress(console=console) as progress:
        reg = progress.add_task("registering participants", total=20 * len(trainings))
        for index, result in enumerate(results):
            t = result.training
            # One registration campaign per village, in the two weeks before its training.
            campaign = _expect(
                api.call(
                    "POST",
                    "registration",
                    "/campaigns",
                    office=t.office,
                    key=f"demo-{seed}-campaign-{index}",
                    json={
                        "name": f"Pendaftaran Desa {t.desa} {t.start.year}",
                        "office": t.office,
                        "regency_code": t.kabupaten_code,
                        "village": t.desa,
                        "starts_on": (t.start - timedelta(days=14)).isoformat(),
                        "ends_on": (t.start - timedelta(days=1)).isoformat(),
                    },
                ),
                200,
                201,
            )
            for person in generate_participants(t, rng, index):
                person["campaign_id"] = campaign["id"]
                r = api.call(
                    "POST",
                    "registration",
                    "/participants",
                    office=t.office,
                    key=f"demo-{seed}-{person['nik'][-8:]}-{index}",
                    json=person,
                )
                if r.status_code == 409:
                    result.participant_ids.append(str(r.json()["participant_id"]))
                else:
                    result.participant_ids.append(str(_expect(r, 200, 201)["id"]))
                result.people.append(person)
                progress.advance(reg)

        sched = progress.add_task("scheduling village sessions", total=len(results))
        for index, result in enumerate(results):
            t = result.training
            body = _expect(
                api.call(
                    "POST",
                    "training",
                    "/sessions",
                    office=t.office,
                    key=f"demo-{seed}-session-{index}",
                    json={
                        "programme_code": t.programme_code,
                        "office": t.office,
                        "village": t.desa,
                        "district": t.kecamatan,
                        "regency_code": t.kabupaten_code,
                        "venue": f"Balai Desa {t.desa}",
                        "start_date": t.start.isoformat(),
                        "end_date": (t.start + timedelta(days=t.days - 1)).isoformat(),
                        "capacity": 20,
                        "trainer": "demo-trainer",
                    },
                ),
                200,
                201,
            )
            result.session_id = str(body["id"])
            progress.advance(sched)

        enrol = progress.add_task(
            "enrolling (waits for registrations to reach training)", total=20 * len(results)
        )
        for result in results:
            for pid in result.participant_ids:

                def enrolled(pid: str = pid, result: VillageResult = result) -> bool:
                    r = api.call(
                        "POST",
                        "training",
                        f"/sessions/{result.session_id}/enrollments",
                        office=result.training.office,
                        key=f"demo-{seed}-enrol-{result.session_id}-{pid}",
                        json={"participant_id": pid},
                    )
                    if r.status_code in (200, 201):
                        return True
                    if r.status_code in (404, 409, 422, 425) and "not known" in r.text.lower():
                        return False  # the ParticipantRegistered event is still on its way
                    _expect(r, 200, 201)
                    return False

                _until(enrolled, 60, "the training service to learn of a participant")
                result.enrolled += 1
                progress.advance(enrol)

        attend = progress.add_task("recording attendance", total=len(results))
        for result in results:
            t = result.training
            # Some participants miss days: about one in six misses two of four (below 75%).
            absences = {
                pid: (2 if rng.random() < 0.17 else (1 if rng.random() < 0.2 else 0))
                for pid in result.participant_ids
            }
            result.absences = absences
            for day in range(t.days):
                present = [pid for pid, missed in absences.items() if day >= missed]
                _expect(
                    api.call(
                        "PUT",
                        "training",
                        f"/sessions/{result.session_id}/attendance/"
                        f"{(t.start + timedelta(days=day)).isoformat()}",
                        office=t.office,
                        json={"present": present},
                    ),
                    200,
                    204,
                )
            outcome = _expect(
                api.call(
                    "POST", "training", f"/sessions/{result.session_id}/complete", office=t.office
                ),
                200,
                201,
            )
            result.completed = sum(1 for o in outcome["outcomes"] if o["completed"])
            progress.advance(attend)

        prequal = progress.add_task(
            "waiting for KUR pre-qualifications", total=sum(r.completed for r in results)
        )
        for result in results:

            def assessed(result: VillageResult = result) -> bool:
                body = _expect(
                    api.call(
                        "GET",
                        "credit",
                        "/prequalifications",
                        role="credit_officer",
                        params={"session_id": result.session_id, "limit": 100},
                    ),
                    200,
                )
                items = body["items"]
                result.prequalified = sum(1 for p in items if p["result"] == "prequalified")
                result.plafond = sum(
                    int(p["max_plafond"]) for p in items if p["result"] == "prequalified"
                )
                return len(items) >= result.completed

            _until(assessed, 90, f"pre-qualifications in {result.training.desa}")
            progress.advance(prequal, result.completed)

        notes = progress.add_task("counting messages", total=20 * len(results))
        time.sleep(2)  # let the notification worker dispatch what is due
        for result in results:
            for pid in result.participant_ids:
                body = _expect(
                    api.call(
                        "GET",
                        "notification",
                        "/notifications",
                        role="admin",
                        params={"participant_id": pid, "limit": 100},
                    ),
                    200,
                )
                result.messages_sent += sum(1 for n in body["items"] if n["status"] == "sent")
                result.messages_scheduled += sum(
                    1 for n in body["items"] if n["status"] == "scheduled"
                )
                progress.advance(notes)

    print_table(results)
    return results


def rupiah(amount: int) -> str:
    return "Rp" + f"{amount:,}".replace(",", ".")


def print_table(results: list[VillageResult]) -> None:
    offices = ", ".join(dict.fromkeys(r.training.office for r in results))
    table = Table(title=f"Village trainings 2024 (demo campaign): BP3MI {offices}")
    for column in (
        "desa",
        "office",
        "zone",
        "training",
        "registered",
        "enrolled",
        "completed",
        "pre-qualified",
        "messages sent",
        "held to 07:00 local",
        "pre-qualified plafond",
    ):
        left = ("desa", "office", "zone", "training")
        table.add_column(column, justify="left" if column in left else "right")
    for r in results:
        table.add_row(
            r.training.desa,
            r.training.office,
            r.training.zone,
            r.training.programme_code,
            str(len(r.participant_ids)),
            str(r.enrolled),
            str(r.completed),
            str(r.prequalified),
            str(r.messages_sent),
            str(r.messages_scheduled),
            rupiah(r.plafond),
        )
    table.add_row(
        "total",
        "",
        "",
        "",
        *[
            str(sum(x))
            for x in (
                [len(r.participant_ids) for r in results],
                [r.enrolled for r in results],
                [r.completed for r in results],
                [r.prequalified for r in results],
                [r.messages_sent for r in results],
                [r.messages_scheduled for r in results],
            )
        ],
        rupiah(sum(r.plafond for r in results)),
        style="bold",
    )
    console.print(table)
