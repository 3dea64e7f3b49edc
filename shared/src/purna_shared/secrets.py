"""No service starts with a published development secret outside development (issue 15, item 6).

The development JWT secret, NIK key and gateway secret are in the repository, so anyone can sign
an admin token or open a sealed NIK with them. A process refuses to start while one of them is in
use, unless its settings say ``dev_mode`` (``DEV_MODE=true``, which ``make run``/``purna run``,
docker compose and the test suite set): an explicit choice, never a silent default.
"""

from __future__ import annotations

import logging

from .settings import PurnaSettings

log = logging.getLogger(__name__)


class DevelopmentSecretError(RuntimeError):
    """A development secret outside development mode: the process must not start."""


def ensure_no_development_secrets(settings: PurnaSettings) -> None:
    """Raise :class:`DevelopmentSecretError` when ``settings`` hold a published development
    secret and development mode is off; in development mode, say so once at warning level."""
    found = settings.development_secrets()
    if not found:
        return
    names = ", ".join(f"{settings.service.upper()}_{name.upper()}" for name in found)
    if settings.dev_mode:
        log.warning(
            "development mode: using the published development value of %s",
            names,
            extra={"development_secrets": found},
        )
        return
    raise DevelopmentSecretError(
        f"refusing to start {settings.service}: {names} still hold the published development "
        "value. Set them from your secret store (or use a JWKS URL for tokens); for a local "
        "development run set DEV_MODE=true (make run does)."
    )
