"""The local system of ``purna run``, as the other ``purna`` commands find it.

``purna run`` writes ``<data dir>/purna.json`` (mode 0600) while it serves: the Redis URL of
each user, the APIs' ports and its own pid; it removes the file when it stops. A command that
talks to Redis or an API takes its addresses from there when the environment sets none, and
says so on standard error, so it never reports on a different server by accident.

The embedded Redis runs with the same ACL users as production (``default`` disabled): each
service connects as its own user, the CLI as ``admin``, and a local outside subscriber as
``subscriber`` (enabled here with a password, unlike in the production template). Passwords
are made once per data directory and kept in ``<data dir>/redis/passwords.json`` (mode 0600).
"""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import asdict, dataclass
from pathlib import Path
from urllib.parse import urlsplit

STATE_FILE = "purna.json"
#: the local users besides the services: operators' tools and a model outside subscriber
ADMIN_USER = "admin"
SUBSCRIBER_USER = "subscriber"


def data_dir_from_env() -> Path:
    return Path(os.environ.get("DATA_DIR") or "var")


def address(url: str) -> str:
    """``host:port`` of a Redis URL, without its credentials."""
    parts = urlsplit(url)
    return f"{parts.hostname}:{parts.port or 6379}"


def _write_private(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)


def local_passwords(redis_dir: Path, users: tuple[str, ...]) -> dict[str, str]:
    """One random password per user, made once and kept beside the embedded Redis' data."""
    path = redis_dir / "passwords.json"
    known: dict[str, str] = json.loads(path.read_text()) if path.is_file() else {}
    missing = [user for user in users if user not in known]
    if missing:
        known |= {user: secrets.token_hex(24) for user in missing}
        _write_private(path, json.dumps(known, indent=2) + "\n")
    return known


def local_acl(passwords: dict[str, str]) -> str:
    """The production ACL users (``deploy/base/redis/users.acl``), rendered with the local
    passwords, with the model ``subscriber`` user enabled for trying the integration guide."""
    from purna_shared.contracts.catalog import SERVICES

    from .deploy import (
        acl_template,
        all_event_streams,
        password_variable,
        render_acl,
        subscriber_user,
    )

    disabled = subscriber_user(
        SUBSCRIBER_USER, all_event_streams(), enabled=False, with_password=False
    )
    template = acl_template()
    assert disabled in template, "the ACL template's subscriber line changed"
    template = template.replace(disabled, subscriber_user(SUBSCRIBER_USER, all_event_streams()))
    users = (ADMIN_USER, SUBSCRIBER_USER, *SERVICES)
    return render_acl(template, {password_variable(u): passwords[u] for u in users})


@dataclass(frozen=True)
class LocalState:
    """What ``purna run`` tells the other commands about the system it runs."""

    pid: int
    data_dir: str
    redis_urls: dict[str, str]  # user -> URL; "admin" is the one operators' commands use
    api_ports: dict[str, int]  # service -> port
    embedded_redis: bool

    @property
    def redis_address(self) -> str:
        return address(self.redis_urls[ADMIN_USER])

    def running(self) -> bool:
        try:
            os.kill(self.pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True

    def write(self) -> Path:
        path = Path(self.data_dir) / STATE_FILE
        _write_private(path, json.dumps(asdict(self), indent=2) + "\n")
        return path


def read_state(data_dir: Path | None = None) -> LocalState | None:
    """The running local system's state, or None when there is none (or it is stale)."""
    path = (data_dir or data_dir_from_env()) / STATE_FILE
    try:
        state = LocalState(**json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError):
        return None
    return state if state.running() else None


def remove_state(data_dir: Path) -> None:
    (data_dir / STATE_FILE).unlink(missing_ok=True)


class LocalSystemError(RuntimeError):
    """No system to talk to: the command says so in one line."""


def _say(message: str) -> None:
    import sys

    print(message, file=sys.stderr)


def find_local_system(uses: tuple[str, ...]) -> LocalState | None:
    """Before a command that talks to Redis or the APIs: take their addresses from the running
    local system when the environment sets none, and say on standard error which are used."""
    if not uses:
        return None
    state = read_state()
    origin = f"the local system of `purna run` ({data_dir_from_env() / STATE_FILE})"
    if "redis" in uses:
        if url := os.environ.get("REDIS_URL"):
            _say(f"Redis: {address(url)} (REDIS_URL)")
        elif state is not None:
            os.environ["REDIS_URL"] = state.redis_urls[ADMIN_USER]
            _say(f"Redis: {state.redis_address} as {ADMIN_USER}, {origin}")
        else:
            raise LocalSystemError(
                "no Redis to use: REDIS_URL is not set and no local system is running here "
                f"(no {data_dir_from_env() / STATE_FILE}; start one with `make run`)"
            )
    if "apis" in uses:
        if url := os.environ.get("PURNA_REGISTRATION_URL"):
            _say(f"registration API: {url} (PURNA_REGISTRATION_URL)")
        elif state is not None:
            port = state.api_ports["registration"]
            os.environ["PURNA_REGISTRATION_URL"] = f"http://127.0.0.1:{port}"
            ports = ", ".join(f"{name} {port}" for name, port in state.api_ports.items())
            _say(f"APIs on 127.0.0.1 ports {ports}: {origin}")
        else:
            _say(
                "APIs: no local system is running here (no var/purna.json), trying ports "
                "8001-8004 (set PURNA_REGISTRATION_URL to use another registration API)"
            )
    return state
