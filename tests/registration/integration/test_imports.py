"""Bulk intake: upload, background processing by the worker's runner, the report, resumption."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import httpx
import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from purna_registration.adapters.orm import import_file_chunks, import_jobs
from purna_registration.bootstrap import build_unit_of_work
from purna_registration.domain.imports import COLUMN_NAMES, parse_date
from purna_registration.service_layer.imports import ImportRunner, LeaseLost
from purna_shared.contracts.events import ParticipantRegistered
from purna_shared.messaging.outbox import OutboxRelay

pytestmark = pytest.mark.integration

NikFor = Callable[..., str]


def person(i: int, nik_for: NikFor) -> dict[str, str]:
    """Row ``i`` of a generated file: valid, unique NIK (serial i + 1)."""
    woman = i % 2 == 0
    born = date(1980 + i % 20, 1 + i % 12, 1 + i % 28)
    return {
        "nik": nik_for(born, "P" if woman else "L", area="520301", serial=i + 1),
        "full_name": f"Peserta Nomor {'Satu' if woman else 'Dua'} {chr(65 + i % 26)}",
        "gender": "P" if woman else "L",
        "birth_date": born.strftime("%d/%m/%Y") if i % 3 else born.isoformat(),
        "marital_status": "kawin",
        "phone": f"08123{i:07d}",
        "email": "",
        "province_code": "52",
        "regency_code": "5203",
        "district": "Jerowaru",
        "village": "Pemongkong" if i % 2 else "Jerowaru",
        "category": "pmi_purna" if i % 4 else "keluarga_pmi",
        "destination_country": "MY" if i % 4 else "",
        "sector": "perkebunan" if i % 4 else "",
        "years_abroad": "3" if i % 4 else "",
        "returned_on": "",
        "relation": "" if i % 4 else "suami_istri",
        "worker_name": "" if i % 4 else "Amaq Sahnan",
        "worker_abroad": "" if i % 4 else "ya",
        "consent_granted": "ya",
        "consent_channels": "sms;whatsapp",
    }


def spoil(row: dict[str, str], k: int) -> str:
    """Break one rule of ``row``; return the column the report must name."""
    match k % 6:
        case 0:
            row["nik"] = row["nik"][:15]
            return "nik"
        case 1:
            row["birth_date"] = "1979-12-31"
            return "birth_date"
        case 2:
            row["phone"] = "0370 123456"
            return "phone"
        case 3:
            row["full_name"] = ""
            return "full_name"
        case 4:
            row["consent_granted"] = "tidak"
            return "consent_granted"
        case _:
            row["regency_code"] = "5299"
            return "regency_code"


def build_file(nik_for: NikFor) -> tuple[bytes, dict[int, str], dict[int, int]]:
    """1,000 rows: 50 invalid (one broken rule each) and 20 repeating an earlier row's NIK,
    some in the same 200-row chunk and some across chunks. Returns the CSV, the invalid rows
    (spreadsheet row -> column) and the repeats (row -> the row it repeats)."""
    rows = [person(i, nik_for) for i in range(1000)]
    invalid: dict[int, str] = {}
    repeats: dict[int, int] = {}
    for i, row in enumerate(rows):
        if i % 20 == 5:
            invalid[i + 2] = spoil(row, i // 20)
        elif i % 50 == 17:
            source = i - 60 if i % 100 == 67 else i - 3
            rows[i] = {**rows[source], "phone": f"08777{i:07d}"}  # the same person again
            repeats[i + 2] = source + 2
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMN_NAMES, delimiter=";")  # Excel id-ID style
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode(), invalid, repeats


async def test_1000_rows_with_50_invalid_and_20_repeats_register_exactly_930(
    client: httpx.AsyncClient,
    ntb: dict[str, str],
    nik_for: NikFor,
    runner: ImportRunner,
    relay: OutboxRelay,
    store: Any,
) -> None:
    content, invalid, repeats = build_file(nik_for)
    upload = await client.post(
        "/imports",
        files={"file": ("peserta-jerowaru.csv", content, "text/csv")},
        headers={**ntb, "Idempotency-Key": "import-1"},
    )
    assert upload.status_code == 202, upload.text
    job = upload.json()
    assert job["status"] == "pending"
    assert job["progress"] == {"rows_total": 1000, "rows_processed": 0, "percent": 0.0}
    replay = await client.post(
        "/imports",
        files={"file": ("peserta-jerowaru.csv", content, "text/csv")},
        headers={**ntb, "Idempotency-Key": "import-1"},
    )
    assert replay.json()["id"] == job["id"]  # the same upload, stored once

    assert await runner.run_until_idle() == 1

    report = (await client.get(f"/imports/{job['id']}", params={"limit": 500}, headers=ntb)).json()
    assert report["status"] == "completed"
    assert report["counts"] == {"registered": 930, "invalid": 50, "duplicate": 20}
    assert report["progress"] == {"rows_total": 1000, "rows_processed": 1000, "percent": 100.0}
    errors = report["errors"]["items"]
    assert report["errors"]["total"] == len(errors) == 70
    assert {e["row"]: e["field"] for e in errors if e["kind"] == "invalid"} == invalid
    duplicates = {e["row"]: e for e in errors if e["kind"] == "duplicate_in_file"}
    assert set(duplicates) == set(repeats)
    for row, error in duplicates.items():
        assert error["field"] == "nik"
        assert error["message"] == (
            f"repeats the NIK of row {repeats[row]} in this file; registered once"
        )
    assert [e["row"] for e in errors] == sorted(e["row"] for e in errors)

    assert await store.participants() == 930
    assert await relay.publish_pending() == 930
    assert len(await store.events(ParticipantRegistered)) == 930
    # the upload (NIKs in clear) is gone once processed
    async with runner._sessionmaker() as session:
        left = (await session.execute(select(import_file_chunks.c.seq))).all()
    assert left == []


async def test_rows_already_in_the_registry_are_reported_with_the_existing_id(
    client: httpx.AsyncClient,
    ntb: dict[str, str],
    auth: Callable[..., dict[str, str]],
    nik_for: NikFor,
    body_for: Callable[..., dict[str, Any]],
    runner: ImportRunner,
) -> None:
    existing = (await client.post("/participants", json=body_for(1), headers=ntb)).json()
    rows = [person(i, nik_for) for i in range(3)]
    rows[1]["nik"] = body_for(1)["nik"]
    rows[1]["gender"], rows[1]["birth_date"] = "P", "1990-07-01"
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMN_NAMES)
    writer.writeheader()
    writer.writerows(rows)
    out.write(",,,,\n")  # a blank row is skipped, not reported
    upload = await client.post(
        "/imports", files={"file": ("x.csv", out.getvalue().encode(), "text/csv")}, headers=ntb
    )
    await runner.run_until_idle()
    report = (await client.get(f"/imports/{upload.json()['id']}", headers=ntb)).json()
    assert report["counts"] == {"registered": 2, "invalid": 0, "duplicate": 1}
    assert report["errors"]["items"] == [
        {
            "row": 3,
            "field": "nik",
            "kind": "already_registered",
            "message": f"is already registered (participant {existing['id']})",
            "participant_id": existing["id"],
        }
    ]
    # another office's operator sees neither the job nor its report
    assert (
        await client.get(f"/imports/{upload.json()['id']}", headers=auth("operator", office="NTT"))
    ).status_code == 404


async def test_an_xlsx_from_the_template_is_imported(
    client: httpx.AsyncClient, ntb: dict[str, str], nik_for: NikFor, runner: ImportRunner
) -> None:
    template = await client.get("/imports/template", params={"format": "xlsx"}, headers=ntb)
    assert template.status_code == 200
    workbook = load_workbook(io.BytesIO(template.content))
    assert [c.value for c in workbook["peserta"][1]] == list(COLUMN_NAMES)
    assert workbook["petunjuk"].max_row == len(COLUMN_NAMES) + 1

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(list(COLUMN_NAMES))
    for i in range(25):
        values: list[Any] = list(person(i, nik_for).values())
        values[0] = int(values[0])  # Excel turned the NIK into a number
        values[3] = datetime.combine(parse_date(values[3]), time())  # a date cell
        values[5] = int(values[5])  # and the phone, dropping its leading zero
        sheet.append(values)
    data = io.BytesIO()
    book.save(data)
    upload = await client.post(
        "/imports",
        files={"file": ("peserta.xlsx", data.getvalue(), "application/octet-stream")},
        headers=ntb,
    )
    assert upload.status_code == 202, upload.text
    assert upload.json()["format"] == "xlsx"
    await runner.run_until_idle()
    report = (await client.get(f"/imports/{upload.json()['id']}", headers=ntb)).json()
    assert report["errors"]["items"] == []
    assert report["counts"]["registered"] == 25


async def test_a_file_not_in_the_template_layout_is_refused_at_upload(
    client: httpx.AsyncClient, ntb: dict[str, str]
) -> None:
    response = await client.post(
        "/imports",
        files={"file": ("x.csv", b"nik,nama\n5202064107900003,Aini\n", "text/csv")},
        headers=ntb,
    )
    assert response.status_code == 422
    [error] = response.json()["errors"]
    assert error["field"] == "file"
    assert error["message"].startswith("missing required column(s): full_name, gender")
    assert "unknown column(s): nama" in error["message"]
    latin1 = "nik,full_name\nJos\xe9\n".encode("latin-1")
    response = await client.post(
        "/imports", files={"file": ("x.csv", latin1, "text/csv")}, headers=ntb
    )
    assert response.status_code == 422
    broken = await client.post(
        "/imports", files={"file": ("x.xlsx", b"PK\x03\x04garbage", "text/csv")}, headers=ntb
    )
    assert broken.status_code == 422
    assert "can't be opened" in broken.json()["errors"][0]["message"]
    template = await client.get("/imports/template", headers=ntb)
    assert template.text.lstrip("\ufeff").strip() == ",".join(COLUMN_NAMES)


async def test_a_worker_that_dies_mid_import_is_taken_over_and_nothing_is_doubled(
    client: httpx.AsyncClient,
    ntb: dict[str, str],
    nik_for: NikFor,
    runner: ImportRunner,
    sessions: async_sessionmaker[AsyncSession],
    store: Any,
) -> None:
    content, _, _ = build_file(nik_for)
    job_id = (
        await client.post("/imports", files={"file": ("f.csv", content, "text/csv")}, headers=ntb)
    ).json()["id"]

    class Crash(BaseException):
        pass

    class DyingRunner(ImportRunner):
        """Commits two chunks, then dies without a word (as under SIGKILL)."""

        commits = 0

        async def _commit_chunk(self, job: Any, plan: Any) -> None:
            if self.commits == 2:
                raise Crash
            self.commits += 1
            await super()._commit_chunk(job, plan)

        async def _release(self, job_id: str) -> None:
            return None  # a killed process releases nothing

    dying = DyingRunner(
        sessionmaker=sessions,
        unit_of_work=build_unit_of_work(),
        vault=runner._vault,
        settings=runner._settings,
        owner="dying",
    )
    with pytest.raises(Crash):
        await dying.process_next()
    assert await store.participants() == 372  # two chunks of 200 rows, less their bad rows
    assert await runner.run_until_idle() == 0  # the lease still holds

    # Time passes; the lease expires and another worker resumes after the committed rows.
    async with sessions() as session, session.begin():
        await session.execute(
            update(import_jobs).values(lease_expires_at=datetime.now(UTC) - timedelta(seconds=1))
        )
    assert await runner.run_until_idle() == 1
    report = (await client.get(f"/imports/{job_id}", params={"limit": 500}, headers=ntb)).json()
    assert report["status"] == "completed"
    assert report["counts"] == {"registered": 930, "invalid": 50, "duplicate": 20}
    assert report["errors"]["total"] == 70
    assert await store.participants() == 930
    assert await store.outbox_rows() == 930


async def test_a_stalled_worker_whose_job_was_taken_over_cannot_commit_into_it(
    client: httpx.AsyncClient,
    ntb: dict[str, str],
    nik_for: NikFor,
    runner: ImportRunner,
    sessions: async_sessionmaker[AsyncSession],
    store: Any,
) -> None:
    content, _, _ = build_file(nik_for)
    await client.post("/imports", files={"file": ("f.csv", content, "text/csv")}, headers=ntb)
    stalled = ImportRunner(
        sessionmaker=sessions,
        unit_of_work=build_unit_of_work(),
        vault=runner._vault,
        settings=runner._settings,
        owner="stalled",
    )
    job = await stalled.claim()
    assert job is not None
    async with sessions() as session, session.begin():
        await session.execute(
            update(import_jobs).values(lease_expires_at=datetime.now(UTC) - timedelta(seconds=1))
        )
    taken = await runner.claim()
    assert taken is not None and taken.id == job.id
    with pytest.raises(LeaseLost):
        await stalled.process(job)
    assert await store.participants() == 0
