"""The one place the notification service's dependencies are wired (per entry point)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from purna_shared.messaging.outbox import Outbox
from purna_shared.unit_of_work import UnitOfWorkFactory

from .adapters.channels import (
    Channels,
    ChannelSender,
    ConsoleChannel,
    GatewayConfig,
    HttpGatewayChannel,
    SmtpConfig,
    SmtpEmailChannel,
)
from .adapters.templates import TemplateRenderer
from .domain.clock import Clock, SystemClock
from .service_layer.dispatcher import Dispatcher, DispatchPolicy
from .service_layer.handlers import MessagePolicy
from .service_layer.unit_of_work import NotificationUnitOfWork
from .settings import NotificationSettings

SOURCE = "notification"


def build_unit_of_work(clock: Clock | None = None) -> UnitOfWorkFactory[NotificationUnitOfWork]:
    return UnitOfWorkFactory(NotificationUnitOfWork, SOURCE, clock or SystemClock())


def build_channels(settings: NotificationSettings) -> Channels:
    """Console for every channel in development; SMTP and the HTTP gateway otherwise."""
    if settings.delivery == "console":
        console = ConsoleChannel()
        return {"sms": console, "whatsapp": console, "email": console}
    gateway: ChannelSender = HttpGatewayChannel(
        GatewayConfig(
            url=settings.gateway_url,
            key_id=settings.gateway_key_id,
            secret=settings.gateway_secret.get_secret_value(),
            timeout=settings.gateway_timeout_seconds,
            max_in_flight=settings.dispatch_concurrency,
        )
    )
    email = SmtpEmailChannel(
        SmtpConfig(
            host=settings.smtp_host,
            port=settings.smtp_port,
            sender=settings.smtp_sender,
            username=settings.smtp_user,
            password=(
                settings.smtp_password.get_secret_value() if settings.smtp_password else None
            ),
            starttls=settings.smtp_starttls,
            tls=settings.smtp_tls,
            timeout=settings.smtp_timeout_seconds,
        )
    )
    return {"sms": gateway, "whatsapp": gateway, "email": email}


def build_renderer(settings: NotificationSettings) -> TemplateRenderer:
    return TemplateRenderer(settings.templates_dir)


def build_message_policy(settings: NotificationSettings) -> MessagePolicy:
    return MessagePolicy(
        quiet_hours=settings.quiet_hours,
        reminder=settings.reminder_rule,
        home_zone=settings.home_zone,
    )


def build_dispatcher(
    settings: NotificationSettings,
    *,
    engine: AsyncEngine,
    sessionmaker: async_sessionmaker[AsyncSession],
    channels: Channels,
    clock: Clock | None = None,
) -> Dispatcher:
    return Dispatcher(
        engine=engine,
        sessionmaker=sessionmaker,
        channels=channels,
        renderer=build_renderer(settings),
        clock=clock or SystemClock(),
        policy=DispatchPolicy(
            retry=settings.retry_policy,
            quiet_hours=settings.quiet_hours,
            home_zone=settings.home_zone,
            concurrency=settings.dispatch_concurrency,
            lease=timedelta(seconds=settings.dispatch_lease_seconds),
            poll_seconds=settings.dispatch_poll_ms / 1000,
        ),
        outbox=Outbox(SOURCE),
    )
