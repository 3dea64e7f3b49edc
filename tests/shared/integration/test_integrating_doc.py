"""docs/integrating.md: its Python subscriber is the tested file, and it works against Purna."""

from __future__ import annotations

import asyncio
import importlib.util
import re
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from purna_shared.contracts.envelope import Envelope
from purna_shared.contracts.events import SessionCompleted
from purna_shared.db import make_engine

pytestmark = pytest.mark.integration

DOCS = Path(__file__).parents[3] / "docs"


def load_example() -> Any:
    spec = importlib.util.spec_from_file_location("subscriber", DOCS / "examples" / "subscriber.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_documented_code_is_the_tested_file() -> None:
    text = (DOCS / "integrating.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", text, flags=re.S)
    assert (DOCS / "examples" / "subscriber.py").read_text() in blocks


def completed_event(
    session_id: str, regency: str, completers: int, others: int
) -> SessionCompleted:
    example = dict(SessionCompleted.model_config["json_schema_extra"]["examples"][0])  # type: ignore[index]
    outcome = dict(example["outcomes"][0])
    outcomes = [
        outcome
        | {
            "participant_id": f"{session_id}-{i}",
            "completed": i < completers,
            "attendance_rate": 1.0 if i < completers else 0.5,
            "certificate_no": f"NTB/2024/TENUN/{i + 1:04d}" if i < completers else None,
        }
        for i in range(completers + others)
    ]
    return SessionCompleted.model_validate(
        example | {"session_id": session_id, "regency_code": regency, "outcomes": outcomes}
    )


async def test_documented_subscriber_counts_each_completion_once(
    redis_client, redis_url: str, stream_prefix: str, tmp_path: Path
) -> None:
    example = load_example()
    settings = example.DashboardSettings(
        redis_url=redis_url,
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'dashboard.db'}",
        stream_prefix=stream_prefix,
        consumer_block_ms=50,
    )
    stream = SessionCompleted.stream(stream_prefix)
    first = Envelope.wrap(completed_event("s1", "5202", 17, 3), source="training").to_fields()
    second = Envelope.wrap(completed_event("s2", "5203", 18, 2), source="training").to_fields()
    for fields in (first, second, first):  # the first one delivered twice
        await redis_client.xadd(stream, fields)

    task = asyncio.create_task(example.main(settings))
    engine = make_engine(settings.resolved_database_url)
    try:
        for _ in range(200):
            await asyncio.sleep(0.05)
            if task.done():
                task.result()
            groups = await redis_client.xinfo_groups(stream)
            if groups and groups[0]["entries-read"] == 3 and groups[0]["pending"] == 0:
                break
        async with engine.connect() as conn:
            rows = {n: count for n, count in await conn.execute(select(example.completions))}
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await engine.dispose()
    assert rows == {"5202": 17, "5203": 18}
