"""``purna run``: the whole system on one machine, without Docker.

Uses ``REDIS_URL`` and the services' database URLs when set; otherwise starts an embedded Redis
(data under ``./var/redis``) with the production ACL users, each service connecting as its own
user and ``default`` disabled, and each service uses its SQLite file under ``./var/``. Then it
migrates every database, starts every service's api and worker as child processes (logs under
``./var/log/``), restarts any that dies, and stops them all on Ctrl-C. While it serves,
``./var/purna.json`` tells the other ``purna`` commands where it runs (see ``purna.local``).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from rich.console import Console

from purna_shared.db import migrate

from .embedded_redis import EmbeddedRedis
from .local import ADMIN_USER, SUBSCRIBER_USER, LocalState, local_acl, local_passwords, remove_state
from .services import CONSOLE, SERVICES, Service

console = Console(soft_wrap=True)  # a long path or URL stays on its line (copyable)


@dataclass
class Child:
    name: str
    args: list[str]
    env: dict[str, str]
    log_path: Path
    process: subprocess.Popen[bytes] | None = None
    restarts: int = 0
    started_at: float = field(default=0.0)

    def start(self) -> None:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            self.args,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # Ctrl-C reaches the runner, which stops children in order
        )
        log.close()
        self.started_at = time.monotonic()

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def stop(self) -> None:
        if self.alive():
            assert self.process is not None
            self.process.terminate()

    def wait(self, timeout: float) -> None:
        if self.process is None:
            return
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


class System:
    """The running system: embedded Redis (if needed) and the services' processes."""

    def __init__(
        self,
        data_dir: Path = Path("var"),
        *,
        env: dict[str, str] | None = None,
        ports: dict[str, int] | None = None,
    ) -> None:
        self.data_dir = data_dir
        self.env = dict(os.environ) if env is None else env
        # The console is started only when it has a port (tests that don't need it leave it
        # out); `<SERVICE>_HTTP_PORT` moves one off its usual port (e.g. beside another run).
        self.ports = ports or {
            s.name: int(self.env.get(f"{s.env_prefix}HTTP_PORT") or s.port)
            for s in (*SERVICES, CONSOLE)
        }
        self.redis: EmbeddedRedis | None = None
        #: user -> Redis URL: every service's own user, admin and subscriber (embedded Redis)
        self.redis_urls: dict[str, str] = {}
        self.children: list[Child] = []

    def start_redis(self) -> str:
        if url := self.env.get("REDIS_URL"):
            shown = url.split("@")[-1]
            console.print(f"[bold]Redis[/]: {shown} (REDIS_URL)")
            self.redis_urls = {ADMIN_USER: url}
            return url
        redis_dir = self.data_dir / "redis"
        users = (ADMIN_USER, SUBSCRIBER_USER, *(s.name for s in SERVICES))
        passwords = local_passwords(redis_dir, users)
        acl_file = redis_dir / "users.acl"
        redis_dir.mkdir(parents=True, exist_ok=True)
        acl_file.write_text(local_acl(passwords), encoding="utf-8")
        acl_file.chmod(0o600)
        self.redis = EmbeddedRedis(
            redis_dir, acl_file=acl_file, username=ADMIN_USER, password=passwords[ADMIN_USER]
        )
        url = self.redis.start()
        self.redis_urls = {user: self.redis.url_for(user, passwords[user]) for user in users}
        console.print(
            f"[bold]Redis[/]: embedded Valkey at 127.0.0.1:{self.redis.port} with ACL users "
            f"({acl_file}; `default` disabled), data in {self.redis.data_dir}"
        )
        return url

    def write_state(self) -> Path:
        """Tell the other `purna` commands where this system runs (removed by stop())."""
        return LocalState(
            pid=os.getpid(),
            data_dir=str(self.data_dir.resolve()),
            redis_urls=self.redis_urls,
            api_ports=dict(self.ports),
            embedded_redis=self.redis is not None,
        ).write()

    def migrate(self) -> None:
        self.env.setdefault("DATA_DIR", str(self.data_dir.resolve()))
        saved = dict(os.environ)
        os.environ.update(self.env)
        try:
            for service in SERVICES:
                url = service.settings().resolved_database_url
                migrate(service.migrations_dir(), url)
                shown = url.split("@")[-1] if "@" in url else url
                console.print(f"[bold]{service.name}[/]: database {shown} migrated")
        finally:
            os.environ.clear()
            os.environ.update(saved)

    def start_services(self) -> None:
        logs = self.data_dir / "log"
        for service in SERVICES:
            env = self.env | {f"{service.env_prefix}HTTP_PORT": str(self.ports[service.name])}
            if self.redis is not None:  # each service as its own ACL user, knowing no other's
                env["REDIS_URL"] = self.redis_urls[service.name]
            for kind, module in (("api", service.api_module), ("worker", service.worker_module)):
                child = Child(
                    f"{service.name}-{kind}",
                    [sys.executable, "-m", module],
                    env,
                    logs / f"{service.name}-{kind}.log",
                )
                child.start()
                self.children.append(child)
        if CONSOLE.name in self.ports:
            self.children.append(self._start_console(logs))
        console.print(f"started {len(self.children)} processes; logs in {logs}/")

    def _start_console(self, logs: Path) -> Child:
        env = self.env | {
            f"{CONSOLE.env_prefix}HTTP_PORT": str(self.ports[CONSOLE.name]),
            **{
                f"{CONSOLE.env_prefix}{service.name.upper()}_URL": (
                    f"http://127.0.0.1:{self.ports[service.name]}"
                )
                for service in SERVICES
            },
        }
        # `purna run` is a development run: the console's development sign-in, unless the
        # environment configures OpenID Connect.
        if "CONSOLE_OIDC_ISSUER" not in env:
            env.setdefault("CONSOLE_DEV_MODE", "true")
        child = Child(
            "console-web", [sys.executable, "-m", CONSOLE.api_module], env, logs / "console-web.log"
        )
        child.start()
        return child

    def wait_ready(self, timeout: float = 90.0) -> None:
        deadline = time.monotonic() + timeout
        pending: list[Service] = list(SERVICES)
        if CONSOLE.name in self.ports:
            pending.append(CONSOLE)
        with httpx.Client(timeout=2) as client:
            while pending and time.monotonic() < deadline:
                self.check_children()
                for service in list(pending):
                    try:
                        url = f"http://127.0.0.1:{self.ports[service.name]}/readyz"
                        if client.get(url).status_code == 200:
                            pending.remove(service)
                    except httpx.HTTPError:
                        pass
                time.sleep(0.3)
        if pending:
            names = ", ".join(s.name for s in pending)
            raise RuntimeError(f"not ready after {timeout:.0f}s: {names} (see {self.data_dir}/log)")

    def child(self, name: str) -> Child:
        return next(c for c in self.children if c.name == name)

    def check_children(self, on_restart: Callable[[Child], None] | None = None) -> None:
        """Restart any child that died (a worker exits on purpose when its group is lost)."""
        for child in self.children:
            if child.process is not None and not child.alive():
                if time.monotonic() - child.started_at < 2 and child.restarts >= 5:
                    raise RuntimeError(f"{child.name} keeps dying: see {child.log_path}")
                child.restarts += 1
                console.print(
                    f"[yellow]{child.name} exited ({child.process.returncode}); restarting[/]"
                )
                child.start()
                if on_restart:
                    on_restart(child)

    def stop(self) -> None:
        remove_state(self.data_dir)
        for child in self.children:
            child.stop()
        for child in self.children:
            child.wait(10)
        self.children.clear()
        if self.redis is not None:
            self.redis.stop()
            self.redis = None


def serve_forever(system: System) -> None:
    stop = False

    def request_stop(*_: object) -> None:
        nonlocal stop
        stop = True

    # Both, explicitly: a shell that starts us in the background ignores SIGINT otherwise.
    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    while not stop:
        system.check_children()
        time.sleep(1)
