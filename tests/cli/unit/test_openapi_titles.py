"""Every service's API documents itself the same way: "Purna <service> API", its package version."""

from __future__ import annotations

import importlib
import importlib.metadata

import pytest

from purna.services import SERVICES

pytestmark = pytest.mark.unit


@pytest.mark.parametrize("service", [s.name for s in SERVICES])
def test_openapi_title_and_version_have_one_form(service: str) -> None:
    app = importlib.import_module(f"purna_{service}.entrypoints.api").create_app()
    info = app.openapi()["info"]
    assert info["title"] == f"Purna {service} API"
    assert info["version"] == importlib.metadata.version(f"purna-{service}")
