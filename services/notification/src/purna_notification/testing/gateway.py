"""A local SMS/WhatsApp gateway that behaves like a real one where it matters.

It verifies the HMAC signature, honours ``Idempotency-Key`` (a resend of an accepted message
is answered with the same message id and not delivered twice), can be told to fail the next
requests (``fail_next``: e.g. ``[500, 500]``) and to answer after a delay. Every request is
recorded. Run it on its own for development or benchmarks::

    python -m purna_notification.testing.gateway --port 9090 --delay-ms 50
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import socket
import threading
import time
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from starlette.types import Receive, Scope, Send

from ..adapters.channels import (
    IDEMPOTENCY_HEADER,
    KEY_ID_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    verify,
)


@dataclass(frozen=True, slots=True)
class GatewayRequest:
    idempotency_key: str | None
    key_id: str | None
    signature_valid: bool
    body: dict[str, Any]
    status: int
    received_at: float


@dataclass
class FakeGateway:
    """An ASGI app: POST a signed JSON message, get ``{"message_id": ...}``."""

    secret: str
    delay: float = 0.0
    fail_next: deque[int] = field(default_factory=deque)
    requests: list[GatewayRequest] = field(default_factory=list)
    #: idempotency key -> message id, for messages accepted (delivered once)
    accepted: dict[str, str] = field(default_factory=dict)
    delivered: list[dict[str, Any]] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def reset(self) -> None:
        with self._lock:
            self.requests.clear()
            self.accepted.clear()
            self.delivered.clear()
            self.fail_next.clear()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        raw = b""
        while True:
            message = await receive()
            raw += message.get("body", b"")
            if not message.get("more_body"):
                break
        headers = {k.decode().lower(): v.decode() for k, v in scope["headers"]}
        status, answer = self._answer(raw, headers)
        if self.delay:
            # the message is taken (and counted) at once; the answer comes later, as with a
            # real gateway: a sender that dies meanwhile never learns it was accepted
            await asyncio.sleep(self.delay)
        payload = json.dumps(answer).encode()
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [(b"content-type", b"application/json")],
            }
        )
        await send({"type": "http.response.body", "body": payload})

    def _answer(self, raw: bytes, headers: dict[str, str]) -> tuple[int, dict[str, Any]]:
        signature = headers.get(SIGNATURE_HEADER.lower(), "")
        timestamp = headers.get(TIMESTAMP_HEADER.lower(), "")
        valid = verify(self.secret.encode(), timestamp, raw, signature)
        key = headers.get(IDEMPOTENCY_HEADER.lower())
        try:
            body = json.loads(raw)
        except ValueError:
            body = {}
        with self._lock:
            if not valid:
                status, answer = 401, {"error": "bad signature"}
            elif self.fail_next:
                status = self.fail_next.popleft()
                answer = {"error": f"scripted {status}"}
            elif key and key in self.accepted:
                status, answer = 200, {"message_id": self.accepted[key], "duplicate": "true"}
            else:
                message_id = f"gw-{len(self.accepted) + 1}"
                if key:
                    self.accepted[key] = message_id
                self.delivered.append(body)
                status, answer = 200, {"message_id": message_id}
            self.requests.append(
                GatewayRequest(
                    key, headers.get(KEY_ID_HEADER.lower()), valid, body, status, time.time()
                )
            )
        return status, answer


@contextlib.contextmanager
def serve_in_thread(app: Any, host: str = "127.0.0.1") -> Iterator[str]:
    """Serve ``app`` on a free loopback port in a background thread; yields its base URL."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(app, lifespan="off", access_log=False, log_level="warning")
    )
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the local server did not start")
        time.sleep(0.01)
    try:
        yield f"http://{host}:{port}"
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=9090)
    parser.add_argument("--delay-ms", type=float, default=0.0)
    parser.add_argument("--secret", default="purna-gateway-development-secret")
    args = parser.parse_args()
    app = FakeGateway(secret=args.secret, delay=args.delay_ms / 1000)
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning", access_log=False)


if __name__ == "__main__":
    main()
