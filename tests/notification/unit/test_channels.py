"""How each channel classifies an attempt (in memory: httpx.MockTransport, no network)."""

from __future__ import annotations

import json

import httpx
import pytest

from purna_notification.adapters.channels import (
    IDEMPOTENCY_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    ConsoleChannel,
    GatewayConfig,
    HttpGatewayChannel,
    OutgoingMessage,
    SmtpConfig,
    SmtpEmailChannel,
    _smtp_result,
    message_id,
    sign,
    verify,
)
from purna_notification.domain.delivery import Accepted, PermanentFailure, TransientFailure

pytestmark = pytest.mark.unit

SECRET = "s3cret"
SMS = OutgoingMessage(
    delivery_id="01a2-d",
    channel="sms",
    template="loan-disbursed",
    to="+6281234567890",
    body="BP3MI NTB: KUR Anda Rp20.000.000 telah dicairkan.",
    segments=1,
)


def gateway(handler: httpx.MockTransport) -> HttpGatewayChannel:
    client = httpx.AsyncClient(transport=handler)
    return HttpGatewayChannel(GatewayConfig("http://gw/v1/messages", "purna", SECRET), client)


def answering(status: int, **kwargs: object) -> httpx.MockTransport:
    return httpx.MockTransport(lambda request: httpx.Response(status, **kwargs))  # type: ignore[arg-type]


async def test_the_request_is_signed_and_keyed_by_the_delivery_id() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"message_id": "gw-7"})

    result = await gateway(httpx.MockTransport(handler)).send(SMS)
    assert result == Accepted("gw-7")
    [request] = seen
    body = request.content
    assert request.headers[IDEMPOTENCY_HEADER] == "01a2-d"
    assert verify(
        SECRET.encode(), request.headers[TIMESTAMP_HEADER], body, request.headers[SIGNATURE_HEADER]
    )
    assert not verify(
        b"other", request.headers[TIMESTAMP_HEADER], body, sign(SECRET.encode(), "1", body)
    )
    assert json.loads(body) == {
        "id": "01a2-d",
        "channel": "sms",
        "to": "+6281234567890",
        "text": SMS.body,
        "segments": 1,
        "template": "loan-disbursed",
    }


@pytest.mark.parametrize(
    ("status", "kind"),
    [
        (200, Accepted),
        (202, Accepted),
        (500, TransientFailure),
        (502, TransientFailure),
        (503, TransientFailure),
        (429, TransientFailure),
        (400, PermanentFailure),
        (401, PermanentFailure),
        (404, PermanentFailure),
        (422, PermanentFailure),
    ],
)
async def test_status_codes(status: int, kind: type) -> None:
    assert isinstance(await gateway(answering(status)).send(SMS), kind)


async def test_429_passes_on_retry_after() -> None:
    result = await gateway(answering(429, headers={"Retry-After": "30"})).send(SMS)
    assert result == TransientFailure("gateway answered 429", retry_after=30.0)


@pytest.mark.parametrize(
    "error",
    [httpx.ReadTimeout("slow"), httpx.ConnectError("refused"), httpx.RemoteProtocolError("x")],
)
async def test_network_trouble_is_transient(error: Exception) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise error

    result = await gateway(httpx.MockTransport(handler)).send(SMS)
    assert isinstance(result, TransientFailure)


async def test_an_invalid_address_is_permanent_and_nothing_is_sent() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise AssertionError("must not be called")

    bad_phone = OutgoingMessage("d", "sms", "t", "08123", "x")
    assert await gateway(httpx.MockTransport(handler)).send(bad_phone) == PermanentFailure(
        "invalid phone number"
    )
    smtp = SmtpEmailChannel(SmtpConfig("127.0.0.1", 1, "BP3MI NTB <a@b.id>"))
    bad_mail = OutgoingMessage("d", "email", "t", "not-an-address", "x", subject="s")
    assert await smtp.send(bad_mail) == PermanentFailure("invalid e-mail address")


def test_smtp_codes() -> None:
    assert isinstance(_smtp_result(450, "mailbox busy"), TransientFailure)
    assert isinstance(_smtp_result(421, "closing"), TransientFailure)
    assert isinstance(_smtp_result(550, "no such user"), PermanentFailure)
    assert isinstance(_smtp_result(554, "rejected"), PermanentFailure)


def test_an_email_carries_its_delivery_id_as_message_id() -> None:
    smtp = SmtpEmailChannel(SmtpConfig("127.0.0.1", 25, "BP3MI NTB <no-reply@bp3mi.id>"))
    mail = smtp.build(
        OutgoingMessage("01a2-d", "email", "loan-disbursed", "baiq@example.org", "Isi", "Judul")
    )
    assert mail["Message-ID"] == message_id("01a2-d") == "<01a2-d@notification.purna>"
    assert mail["Subject"] == "Judul" and mail["To"] == "baiq@example.org"
    assert mail.get_content().strip() == "Isi"


async def test_console_accepts_and_logs_no_text_or_address(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level("INFO")
    assert await ConsoleChannel().send(SMS) == Accepted("console-01a2-d")
    [record] = caplog.records
    assert record.to == "+62812****890"  # type: ignore[attr-defined]
    assert SMS.body not in record.getMessage()
