"""The embedded default (an SQLite file, as `make run` uses without PostgreSQL): the same
registration, de-duplication, correction and bulk intake work there too."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from purna_registration.adapters.nik_vault import NikVault
from purna_registration.adapters.orm import MIGRATIONS_DIR
from purna_registration.bootstrap import build_unit_of_work
from purna_registration.domain.imports import COLUMN_NAMES
from purna_registration.entrypoints.api import create_app
from purna_registration.service_layer.imports import ImportRunner
from purna_registration.settings import RegistrationSettings
from purna_shared.db import make_engine, make_sessionmaker, migrate_async
from purna_shared.http.auth import mint_token
from purna_shared.messaging.outbox import OutboxRelay

pytestmark = pytest.mark.integration


async def test_the_service_works_on_its_embedded_sqlite_file(
    tmp_path: Path,
    redis_url: str,
    stream_prefix: str,
    redis_client: Any,
    body_for: Callable[..., dict[str, Any]],
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'registration.db'}"
    await migrate_async(MIGRATIONS_DIR, url)
    settings = RegistrationSettings(
        database_url=url, redis_url=redis_url, stream_prefix=stream_prefix, log_json=False
    )
    headers = {"Authorization": f"Bearer {mint_token(settings, role='operator', office='NTB')}"}
    app = create_app(settings)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client,
    ):
        first = await client.post("/participants", json=body_for(1), headers=headers)
        assert first.status_code == 201, first.text
        pid = first.json()["id"]
        again = await client.post("/participants", json=body_for(1), headers=headers)
        assert (again.status_code, again.json()["participant_id"]) == (409, pid)
        patched = await client.patch(
            f"/participants/{pid}", json={"marital_status": "cerai_mati"}, headers=headers
        )
        assert patched.json()["version"] == 2
        clear = await client.get(
            f"/participants/{pid}",
            params={"reveal_nik": "true", "purpose": "record_correction"},
            headers=headers,
        )
        assert clear.json()["nik"] == body_for(1)["nik"]

        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=COLUMN_NAMES)
        writer.writeheader()
        for serial in (1, 2, 3, 3):
            b = body_for(serial)
            writer.writerow(
                {
                    "nik": b["nik"],
                    "full_name": b["full_name"],
                    "gender": b["gender"],
                    "birth_date": b["birth_date"],
                    "marital_status": b["marital_status"],
                    "phone": b["phone"],
                    **b["address"],
                    "category": "pmi_purna",
                    **{k: v or "" for k, v in b["pmi"].items()},
                    "consent_granted": "ya",
                    "consent_channels": "sms",
                }
            )
        upload = await client.post(
            "/imports",
            files={"file": ("p.csv", out.getvalue().encode(), "text/csv")},
            headers=headers,
        )
        assert upload.status_code == 202, upload.text
        engine = make_engine(url)
        try:
            sessions = make_sessionmaker(engine)
            runner = ImportRunner(
                sessionmaker=sessions,
                unit_of_work=build_unit_of_work(),
                vault=NikVault(settings.nik_secret),
                settings=settings,
            )
            assert await runner.run_until_idle() == 1
            report = (await client.get(f"/imports/{upload.json()['id']}", headers=headers)).json()
            assert report["counts"] == {"registered": 2, "invalid": 0, "duplicate": 2}
            assert {e["kind"] for e in report["errors"]["items"]} == {
                "already_registered",
                "duplicate_in_file",
            }
            relay = OutboxRelay(
                engine=engine, sessionmaker=sessions, redis=redis_client, settings=settings
            )
            assert await relay.publish_pending() == 4  # 3 registered + 1 updated
        finally:
            await engine.dispose()
