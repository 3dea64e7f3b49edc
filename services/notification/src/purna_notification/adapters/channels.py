"""Channels behind one interface: e-mail over SMTP, SMS and WhatsApp through an HTTP gateway,
and a console channel for development.

Every channel answers one attempt with :class:`Accepted`, :class:`TransientFailure` (a timeout,
a refused connection, HTTP 5xx or 429, SMTP 4xx: worth retrying) or :class:`PermanentFailure`
(an invalid address, HTTP 4xx other than 429, SMTP 5xx: retrying changes nothing). Nothing here
raises for a delivery problem; the dispatcher decides what to record.

Each message carries its delivery id as the idempotency key (HTTP ``Idempotency-Key``, e-mail
``Message-ID``): when a dispatcher dies after the gateway accepted a message but before
``sent`` was recorded, the message is sent again under the same key, and a gateway (or mailbox)
that honours the key shows it once.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import itertools
import json
import logging
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate
from typing import Protocol

import aiosmtplib
import httpx

from purna_shared.logging import mask_value

from ..domain.delivery import Accepted, PermanentFailure, SendResult, TransientFailure
from ..domain.model import Channel

log = logging.getLogger(__name__)

_E164 = re.compile(r"^\+[1-9][0-9]{7,14}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MESSAGE_ID_DOMAIN = "notification.purna"

SIGNATURE_HEADER = "X-Purna-Signature"
TIMESTAMP_HEADER = "X-Purna-Timestamp"
KEY_ID_HEADER = "X-Purna-Key-Id"
IDEMPOTENCY_HEADER = "Idempotency-Key"


@dataclass(frozen=True, slots=True)
class OutgoingMessage:
    delivery_id: str
    channel: Channel
    template: str
    to: str
    body: str
    subject: str | None = None
    segments: int | None = None


class ChannelSender(Protocol):
    async def send(self, message: OutgoingMessage) -> SendResult: ...

    async def aclose(self) -> None: ...


Channels = Mapping[Channel, ChannelSender]


def _masked_address(message: OutgoingMessage) -> object:
    return mask_value("email" if message.channel == "email" else "phone", message.to)


# -- console ------------------------------------------------------------------------------------


class ConsoleChannel:
    """Development: log the message (address masked, no text: it names the participant) and
    report it accepted. Use ``POST /templates/{name}/preview`` to read the text."""

    async def send(self, message: OutgoingMessage) -> SendResult:
        log.info(
            "console channel: message accepted",
            extra={
                "delivery_id": message.delivery_id,
                "channel": message.channel,
                "template": message.template,
                "to": _masked_address(message),
                "characters": len(message.body),
                "segments": message.segments,
            },
        )
        return Accepted(f"console-{message.delivery_id}")

    async def aclose(self) -> None:
        return None


# -- e-mail over SMTP ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SmtpConfig:
    host: str
    port: int
    sender: str
    username: str | None = None
    password: str | None = None
    starttls: bool = False
    tls: bool = False
    timeout: float = 15.0


def message_id(delivery_id: str) -> str:
    return f"<{delivery_id}@{MESSAGE_ID_DOMAIN}>"


class SmtpEmailChannel:
    """Plain-text UTF-8 e-mail through an SMTP server (aiosmtplib), one connection per message."""

    def __init__(self, config: SmtpConfig) -> None:
        self._config = config

    def build(self, message: OutgoingMessage) -> EmailMessage:
        email = EmailMessage()
        email["From"] = self._config.sender
        email["To"] = message.to
        email["Subject"] = message.subject or ""
        email["Date"] = formatdate(localtime=False, usegmt=True)
        # The same id on every attempt: mailboxes that see a resend can fold it into one.
        email["Message-ID"] = message_id(message.delivery_id)
        email["X-Purna-Template"] = message.template
        email.set_content(message.body, charset="utf-8")
        return email

    async def send(self, message: OutgoingMessage) -> SendResult:
        if not _EMAIL.match(message.to):
            return PermanentFailure("invalid e-mail address")
        config = self._config
        try:
            await aiosmtplib.send(
                self.build(message),
                hostname=config.host,
                port=config.port,
                username=config.username,
                password=config.password,
                use_tls=config.tls,
                start_tls=config.starttls,
                timeout=config.timeout,
            )
        except aiosmtplib.SMTPRecipientsRefused as exc:
            codes = [refused.code for refused in exc.recipients]
            return _smtp_result(min(codes) if codes else 550, "recipient refused")
        except aiosmtplib.SMTPResponseException as exc:
            return _smtp_result(exc.code, exc.message)
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
            return TransientFailure(f"SMTP unavailable: {type(exc).__name__}")
        return Accepted(message_id(message.delivery_id))

    async def aclose(self) -> None:
        return None


def _smtp_result(code: int, text: str) -> SendResult:
    reason = f"SMTP {code}: {text}"[:300]
    # 4xx: try later (greylisting, mailbox busy); 5xx: the server will never take it.
    return PermanentFailure(reason) if code >= 500 else TransientFailure(reason)


# -- SMS and WhatsApp through an HTTP gateway ---------------------------------------------------


def sign(secret: bytes, timestamp: str, body: bytes) -> str:
    """``sha256=<hex>`` of HMAC-SHA256 over ``<timestamp>.<body>``: the timestamp in the signed
    text lets the gateway refuse a replayed request."""
    digest = hmac.new(secret, timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def verify(secret: bytes, timestamp: str, body: bytes, signature: str) -> bool:
    """The gateway's side of :func:`sign` (constant-time comparison)."""
    return hmac.compare_digest(sign(secret, timestamp, body), signature)


@dataclass(frozen=True, slots=True)
class GatewayConfig:
    url: str
    key_id: str
    secret: str
    timeout: float = 10.0
    #: requests in flight at most (the dispatcher's concurrency)
    max_in_flight: int = 16


#: connections per HTTP client. httpcore's pool looks at every connection (and polls its socket)
#: for each request, so one pool of 32 connections cost about 4 ms of CPU per request here;
#: four pools of 8 cost under 1 ms.
_CONNECTIONS_PER_CLIENT = 8


class HttpGatewayChannel:
    """POSTs ``{"id", "channel", "to", "text", "segments", "template"}`` as JSON to the
    gateway, signed with HMAC-SHA256, with the delivery id as ``Idempotency-Key``."""

    def __init__(self, config: GatewayConfig, client: httpx.AsyncClient | None = None) -> None:
        self._config = config
        self._secret = config.secret.encode()
        self._own_clients = client is None
        if client is not None:
            self._clients = [client]
        else:
            count = -(-config.max_in_flight // _CONNECTIONS_PER_CLIENT)  # ceiling division
            self._clients = [
                httpx.AsyncClient(
                    timeout=httpx.Timeout(config.timeout),
                    limits=httpx.Limits(
                        max_connections=_CONNECTIONS_PER_CLIENT,
                        max_keepalive_connections=_CONNECTIONS_PER_CLIENT,
                    ),
                )
                for _ in range(max(1, count))
            ]
        self._next_client = itertools.cycle(self._clients)

    def request_body(self, message: OutgoingMessage) -> bytes:
        payload = {
            "id": message.delivery_id,
            "channel": message.channel,
            "to": message.to,
            "text": message.body,
            "segments": message.segments,
            "template": message.template,  # a tag for the gateway's own reports
        }
        return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()

    async def send(self, message: OutgoingMessage) -> SendResult:
        if not _E164.match(message.to):
            return PermanentFailure("invalid phone number")
        body = self.request_body(message)
        timestamp = str(int(time.time()))
        headers = {
            "Content-Type": "application/json",
            IDEMPOTENCY_HEADER: message.delivery_id,
            KEY_ID_HEADER: self._config.key_id,
            TIMESTAMP_HEADER: timestamp,
            SIGNATURE_HEADER: sign(self._secret, timestamp, body),
        }
        try:
            response = await next(self._next_client).post(
                self._config.url, content=body, headers=headers, timeout=self._config.timeout
            )
        except httpx.TimeoutException:
            return TransientFailure("gateway timeout")
        except httpx.TransportError as exc:
            return TransientFailure(f"gateway unreachable: {type(exc).__name__}")
        status = response.status_code
        if 200 <= status < 300:
            return Accepted(_provider_id(response))
        if status == 429 or status >= 500:
            return TransientFailure(
                f"gateway answered {status}", retry_after=_retry_after(response)
            )
        return PermanentFailure(f"gateway answered {status}: {response.text[:200]}")

    async def aclose(self) -> None:
        if self._own_clients:
            for client in self._clients:
                await client.aclose()


def _provider_id(response: httpx.Response) -> str | None:
    with contextlib.suppress(ValueError, AttributeError):
        data = response.json()
        value = data.get("message_id") or data.get("id")
        return str(value)[:200] if value is not None else None
    return None


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None  # an HTTP date: rare from gateways; our own backoff applies
