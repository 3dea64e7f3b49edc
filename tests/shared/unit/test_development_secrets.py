"""No service starts with a published development secret outside an explicit development mode
(issue 15, item 6), while make run, compose and the tests keep working."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from purna.runner import System
from purna_credit.settings import CreditSettings
from purna_notification.settings import NotificationSettings
from purna_registration.settings import RegistrationSettings
from purna_shared.secrets import DevelopmentSecretError, ensure_no_development_secrets
from purna_shared.settings import PurnaSettings
from purna_training.settings import TrainingSettings

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[3]
REAL = "a-real-secret-from-the-secret-store-0123456789"


@pytest.mark.parametrize(
    ("settings", "named"),
    [
        (TrainingSettings(dev_mode=False), "TRAINING_JWT_SECRET"),
        (CreditSettings(dev_mode=False), "CREDIT_JWT_SECRET"),
        (RegistrationSettings(dev_mode=False, jwt_secret=REAL), "REGISTRATION_NIK_SECRET"),
        (RegistrationSettings(dev_mode=False, nik_secret=REAL), "REGISTRATION_JWT_SECRET"),
        (
            NotificationSettings(dev_mode=False, jwt_secret=REAL),
            "NOTIFICATION_GATEWAY_SECRET",
        ),
    ],
)
def test_a_development_secret_outside_development_mode_is_refused(
    settings: PurnaSettings, named: str
) -> None:
    with pytest.raises(DevelopmentSecretError, match=named):
        ensure_no_development_secrets(settings)


def test_real_secrets_or_development_mode_start() -> None:
    ensure_no_development_secrets(
        RegistrationSettings(dev_mode=False, jwt_secret=REAL, nik_secret=REAL)
    )
    ensure_no_development_secrets(
        TrainingSettings(dev_mode=False, jwt_jwks_url="https://sso.example/jwks")
    )
    ensure_no_development_secrets(RegistrationSettings(dev_mode=True))
    ensure_no_development_secrets(NotificationSettings(dev_mode=True))


def test_development_mode_is_off_unless_said() -> None:
    saved = os.environ.pop("DEV_MODE", None)
    try:
        assert PurnaSettings().dev_mode is False
        os.environ["DEV_MODE"] = "true"
        assert PurnaSettings().dev_mode is True
    finally:
        os.environ.pop("DEV_MODE", None)
        if saved is not None:
            os.environ["DEV_MODE"] = saved


@pytest.mark.parametrize("kind", ["api", "worker"])
def test_a_service_process_refuses_to_start(kind: str, tmp_path: Path) -> None:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.endswith(("JWT_SECRET", "NIK_SECRET", "DEV_MODE"))
    }
    env |= {"DEV_MODE": "false", "DATA_DIR": str(tmp_path), "REDIS_URL": "redis://127.0.0.1:1/0"}
    done = subprocess.run(
        [sys.executable, "-m", f"purna_registration.entrypoints.{kind}"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode != 0
    assert "DevelopmentSecretError" in done.stderr
    assert "REGISTRATION_JWT_SECRET" in done.stderr


def test_make_run_and_compose_are_development_mode() -> None:
    assert System(Path("var"), env={}).env["DEV_MODE"] == "true"
    assert System(Path("var"), env={"DEV_MODE": "false"}).env["DEV_MODE"] == "false"
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    for name, service in compose["services"].items():
        if name.endswith(("-api", "-worker")):
            assert service["environment"]["DEV_MODE"] == "${DEV_MODE:-true}", name
