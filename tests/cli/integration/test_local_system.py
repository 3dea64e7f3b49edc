"""The local run's Redis (embedded Valkey) is locked down like production, and every `purna`
command that talks to Redis finds it by itself and says so."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from redis.exceptions import AuthenticationError, NoPermissionError, ResponseError

from purna.cli import run_command
from purna.deploy import acl_template
from purna.local import STATE_FILE, read_state
from purna.runner import System
from purna.services import SERVICES
from purna_shared.contracts.events import ParticipantRegistered, SessionCompleted

pytestmark = pytest.mark.integration


@pytest.fixture(autouse=True)
def _environment_restored() -> Iterator[None]:
    """The CLI puts the local system's addresses into its process environment; undo that."""
    saved = dict(os.environ)
    yield
    os.environ.clear()
    os.environ.update(saved)


@pytest.fixture
def local_system(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[System]:
    monkeypatch.delenv("REDIS_URL", raising=False)
    monkeypatch.delenv("STREAM_PREFIX", raising=False)
    monkeypatch.setenv("DATA_DIR", str(tmp_path))
    system = System(tmp_path, env={"PATH": "/usr/bin:/bin"})
    system.start_redis()
    system.write_state()
    yield system
    system.stop()


def client(system: System, user: str) -> redis.Redis:
    return redis.Redis.from_url(system.redis_urls[user])


def test_embedded_redis_runs_the_production_acl_users(local_system: System) -> None:
    assert local_system.redis is not None
    port = local_system.redis.port
    with pytest.raises((AuthenticationError, ResponseError)):  # `default` is disabled
        redis.Redis(port=port).ping()
    # the same users and rights as deploy/base/redis/users.acl: only the passwords differ
    loaded = (local_system.data_dir / "redis" / "users.acl").read_text().splitlines()
    template = acl_template().splitlines()
    assert [line.split()[1] for line in loaded] == [line.split()[1] for line in template]
    assert "REDIS_URL" not in local_system.env  # given to each service as its own user only
    for service in SERVICES:
        assert local_system.redis_urls[service.name].startswith(f"redis://{service.name}:")
        assert client(local_system, service.name).ping()
    registration = client(local_system, "registration")
    registration.xadd(ParticipantRegistered.stream(), {"id": "x"})
    with pytest.raises(NoPermissionError):  # not its stream
        registration.xadd(SessionCompleted.stream(), {"id": "x"})
    subscriber = client(local_system, "subscriber")
    subscriber.xgroup_create(ParticipantRegistered.stream(), "my-team", id="0")
    with pytest.raises(NoPermissionError):  # read-only
        subscriber.xadd(ParticipantRegistered.stream(), {"id": "x"})
    # a server new enough for the operators' guide's lag watch (Redis 7 `lag`)
    groups = client(local_system, "admin").xinfo_groups(ParticipantRegistered.stream())
    assert groups[0]["lag"] == 1


def test_cli_finds_the_local_system_and_says_so(
    local_system: System, capsys: pytest.CaptureFixture[str]
) -> None:
    assert local_system.redis is not None
    assert run_command("dlq", ["list"]) == 0
    out, err = capsys.readouterr()
    assert f"Redis: 127.0.0.1:{local_system.redis.port} as admin" in err
    assert "0 dead letter(s)" in out
    assert run_command("redis-url", ["--user", "subscriber"]) == 0
    out, _ = capsys.readouterr()
    assert out.strip() == local_system.redis_urls["subscriber"]


def test_without_a_local_system_or_redis_url_the_cli_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("REDIS_URL", raising=False)
    monkeypatch.setenv("DATA_DIR", str(tmp_path))
    (tmp_path / STATE_FILE).write_text(  # left by a run that was killed: not running
        '{"pid": 999999999, "data_dir": ".", "redis_urls": {}, "api_ports": {}, '
        '"embedded_redis": true}'
    )
    assert read_state(tmp_path) is None
    assert run_command("dlq", ["list"]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert err.count("\n") == 1
    assert "no Redis to use: REDIS_URL is not set and no local system is running here" in err


def test_stop_removes_the_state(local_system: System) -> None:
    assert read_state(local_system.data_dir) is not None
    local_system.stop()
    assert not (local_system.data_dir / STATE_FILE).exists()


def test_migrate_prints_one_line_per_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    deep = tmp_path / ("a-long-folder-name-" * 4) / "var"  # longer than a terminal line
    monkeypatch.setenv("COLUMNS", "60")
    System(deep, env={"PATH": "/usr/bin:/bin"}).migrate()
    lines = capsys.readouterr().out.splitlines()
    assert [line.split(":")[0] for line in lines] == [s.name for s in SERVICES]
    assert all(line.endswith(" migrated") for line in lines), lines
