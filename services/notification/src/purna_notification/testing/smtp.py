"""A local SMTP server that records what it receives, for tests and development.

``smtp_sink()`` runs an aiosmtpd server on a free loopback port in a background thread and
yields the sink and the port; the sink can refuse addresses and answer slowly.
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from aiosmtpd.controller import Controller

from purna_shared.net import free_port


@dataclass(frozen=True)
class ReceivedEmail:
    to: str
    message_id: str
    subject: str
    body: str
    template: str


@dataclass
class SmtpSink:
    """aiosmtpd handler: records every message; refuses the addresses in ``refuse``."""

    messages: list[ReceivedEmail] = field(default_factory=list)
    refuse: set[str] = field(default_factory=set)
    #: seconds between taking a message and confirming it (a slow server)
    delay: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_RCPT(  # noqa: N802 - aiosmtpd's hook name
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: Any
    ) -> str:
        if address in self.refuse:
            return "550 5.1.1 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(  # noqa: N802 - aiosmtpd's hook name
        self, server: Any, session: Any, envelope: Any
    ) -> str:
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        body = parsed.get_body(("plain",))
        with self.lock:
            for rcpt in envelope.rcpt_tos:
                self.messages.append(
                    ReceivedEmail(
                        to=rcpt,
                        message_id=str(parsed["Message-ID"]),
                        subject=str(parsed["Subject"]),
                        body=body.get_content() if body is not None else "",
                        template=str(parsed["X-Purna-Template"]),
                    )
                )
        if self.delay:  # taken at once, confirmed later: a sender may die in between
            await asyncio.sleep(self.delay)
        return "250 Message accepted"

    def reset(self) -> None:
        with self.lock:
            self.messages.clear()


@contextmanager
def smtp_sink() -> Iterator[tuple[SmtpSink, int]]:
    sink = SmtpSink()
    controller = Controller(sink, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield sink, controller.port
    finally:
        controller.stop()
