"""The entry points as real processes: `python -m ...api` and `...worker` on PostgreSQL and
Redis, and `purna import FILE` following an import to its end; the worker's relay puts every
registration on the stream."""

from __future__ import annotations

import asyncio
import csv
import os
import subprocess
import sys
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from redis.asyncio import Redis
from typer.testing import CliRunner

from purna_registration.domain.imports import COLUMN_NAMES
from purna_registration.entrypoints.cli import import_app
from purna_registration.settings import RegistrationSettings
from purna_shared.contracts.events import ParticipantRegistered
from purna_shared.http.auth import mint_token
from purna_shared.net import free_port

pytestmark = pytest.mark.integration


@pytest.fixture
async def service(settings: RegistrationSettings) -> AsyncIterator[str]:
    """The api and worker processes; yields the API's base URL."""
    port = free_port()
    env = {
        **os.environ,
        "REGISTRATION_DATABASE_URL": settings.database_url,
        "REDIS_URL": settings.redis_url,
        "STREAM_PREFIX": settings.stream_prefix,
        "JWT_SECRET": settings.jwt_secret,
        "REGISTRATION_NIK_SECRET": settings.nik_secret,
        "REGISTRATION_HTTP_PORT": str(port),
        "REGISTRATION_IMPORT_POLL_MS": "50",
        "REGISTRATION_IMPORT_CHUNK_ROWS": "100",
        "LOG_LEVEL": "WARNING",
    }
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", f"purna_registration.entrypoints.{name}"],
            env=env,
            stdout=subprocess.DEVNULL,
        )
        for name in ("api", "worker")
    ]
    url = f"http://127.0.0.1:{port}"
    try:
        async with httpx.AsyncClient(base_url=url) as client:
            for _ in range(1800):  # 90 s: a loaded shared machine starts processes slowly
                assert all(p.poll() is None for p in processes), "a process exited at start"
                try:
                    if (await client.get("/readyz")).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.05)
        yield url
    finally:
        for p in processes:
            p.terminate()
        for p in processes:
            p.wait(timeout=10)
    # uvicorn re-raises the SIGTERM it handled (-15); the worker stops cleanly (0)
    assert [p.returncode for p in processes] == [-15, 0]


async def test_purna_import_follows_a_file_through_the_real_processes(
    service: str,
    settings: RegistrationSettings,
    tmp_path: Path,
    body_for: Callable[..., dict[str, Any]],
    redis_client: Redis,
) -> None:
    source = tmp_path / "peserta.csv"
    with source.open("w", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=COLUMN_NAMES)
        writer.writeheader()
        for serial in range(1, 251):
            b = body_for(serial)
            writer.writerow(
                {
                    "nik": b["nik"] if serial != 250 else "123",
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
    errors = tmp_path / "errors.csv"
    token = mint_token(settings, role="operator", office="NTB")
    result = await asyncio.to_thread(
        CliRunner().invoke,
        import_app,
        [
            str(source),
            "--api",
            service,
            "--token",
            token,
            "--errors-csv",
            str(errors),
            "--poll",
            "0.05",
        ],
    )
    assert result.exit_code == 3, result.output  # a row was refused: the status says so
    assert "1 row(s) refused" in result.output
    with errors.open() as report:
        rows = list(csv.DictReader(report))
    assert [(r["row"], r["field"]) for r in rows] == [("251", "nik")]

    async with httpx.AsyncClient(
        base_url=service, headers={"Authorization": f"Bearer {token}"}
    ) as client:
        listing = (await client.get("/participants", params={"limit": 1})).json()
    assert listing["total"] == 249
    stream = ParticipantRegistered.stream(settings.stream_prefix)
    for _ in range(200):  # the worker's relay publishes on NOTIFY; wait for it
        if await redis_client.xlen(stream) >= 249:
            break
        await asyncio.sleep(0.05)
    assert await redis_client.xlen(stream) == 249
