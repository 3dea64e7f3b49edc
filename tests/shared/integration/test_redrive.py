"""`purna dlq redrive` re-publishes a dead letter only to where it came from.

Any service may XADD to the dead-letter stream (ACLs cannot tell entries apart), so these
dead letters are forged as a compromised service would write them: redrive must refuse every one
and change nothing, and the command must say why in one line."""

from __future__ import annotations

from typing import Any

import pytest
import redis
from redis.asyncio import Redis

from purna.cli import run_command
from purna_shared.contracts.catalog import dead_letter_stream
from purna_shared.contracts.envelope import Envelope
from purna_shared.contracts.events import CreditApproved, SessionCompleted
from purna_shared.messaging.dead_letter import (
    DeadLetters,
    RedriveRefusedError,
    dead_letter_fields,
)

pytestmark = pytest.mark.integration


def example(event: type[SessionCompleted] | type[CreditApproved]) -> dict[str, str]:
    payload = event.model_config["json_schema_extra"]["examples"][0]  # type: ignore[index]
    return Envelope.wrap(event.model_validate(payload), source=event.producer).to_fields()


def letter(*, stream: str, entry_id: str, group: str, original: dict[str, str]) -> dict[str, str]:
    return dead_letter_fields(
        stream=stream, entry_id=entry_id, group=group, attempts=5, error="boom", original=original
    )


async def test_forged_dead_letters_are_refused_and_nothing_is_published(
    redis_client: Redis, stream_prefix: str
) -> None:
    prefix = stream_prefix
    completed = SessionCompleted.stream(prefix)
    published = example(SessionCompleted)
    entry_id = (await redis_client.xadd(completed, published)).decode()  # type: ignore[arg-type]
    approved = CreditApproved.stream(prefix)
    forged_approval = example(CreditApproved)
    cases: dict[str, dict[str, Any]] = {
        # a stream outside the catalog (e.g. another system's key)
        "is not a stream of the catalog": dict(
            stream=f"{prefix}sessions:admin", entry_id=entry_id, group="credit", original=published
        ),
        # a catalog stream, but a group that does not consume it
        "does not consume": dict(
            stream=completed, entry_id=entry_id, group="training", original=published
        ),
        # an approval that credit never published, claimed to come from its stream
        "is no longer on": dict(
            stream=approved, entry_id="1-0", group="notification", original=forged_approval
        ),
        # a real entry id with altered content
        "content differs": dict(
            stream=completed,
            entry_id=entry_id,
            group="credit",
            original=published | {"subject": "someone-else"},
        ),
        # an event of another type under the stream's name
        "is not a purna.session-completed.v1 event": dict(
            stream=completed, entry_id=entry_id, group="credit", original=forged_approval
        ),
    }
    dlq = dead_letter_stream(prefix)
    dead_letters = DeadLetters(redis_client, prefix)
    for reason, fields in cases.items():
        letter_id = (await redis_client.xadd(dlq, letter(**fields))).decode()  # type: ignore[arg-type]
        with pytest.raises(RedriveRefusedError, match=reason):
            await dead_letters.redrive(letter_id)
    assert await redis_client.xlen(completed) == 1  # only the original entry
    assert await redis_client.xlen(approved) == 0
    assert await redis_client.xlen(dlq) == len(cases)  # every forged letter kept for inspection

    genuine = letter(stream=completed, entry_id=entry_id, group="credit", original=published)
    genuine_id = (await redis_client.xadd(dlq, genuine)).decode()  # type: ignore[arg-type]
    new_id = await dead_letters.redrive(genuine_id)
    assert (await redis_client.xrange(completed, min=new_id, max=new_id))[0][1] == {
        k.encode(): v.encode() for k, v in published.items()
    }
    assert await redis_client.xlen(dlq) == len(cases)


@pytest.fixture
def cli_env(monkeypatch: pytest.MonkeyPatch, redis_url: str, stream_prefix: str) -> str:
    monkeypatch.setenv("REDIS_URL", redis_url)
    monkeypatch.setenv("STREAM_PREFIX", stream_prefix)
    return stream_prefix


@pytest.mark.parametrize(
    ("args", "expected_code", "message"),
    [
        (("redrive", "FORGED"), 1, "is not a stream of the catalog"),
        (("redrive", "not-an-id"), 1, "is not a stream entry id"),
        (("redrive", "--all"), 0, "no dead letters to redrive"),
        (("redrive",), 2, "name dead letter ids"),
        (("redrive", "1-1"), 1, "no dead letter 1-1"),
        (("redrive", "--al"), 2, "No such option"),
    ],
)
def test_dlq_mistakes_get_one_clear_line(
    cli_env: str,
    redis_url: str,
    capsys: pytest.CaptureFixture[str],
    args: tuple[str, ...],
    expected_code: int,
    message: str,
) -> None:
    if "FORGED" in args:
        client = redis.Redis.from_url(redis_url)
        forged = letter(stream="elsewhere", entry_id="1-0", group="credit", original={})
        letter_id = client.xadd(dead_letter_stream(cli_env), forged).decode()  # type: ignore[arg-type, union-attr]
        client.close()
        args = tuple(letter_id if a == "FORGED" else a for a in args)
    code = run_command("dlq", list(args))
    out, err = capsys.readouterr()
    assert code == expected_code, (out, err)
    said = [line for line in (out + err).splitlines() if not line.startswith("Redis: ")]
    assert len(said) == 1, said
    assert message in said[0]
