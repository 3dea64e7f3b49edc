"""Fixtures for the deployment tests: the repository's paths and the rendered overlays."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
DEPLOY = REPO / "deploy"
OVERLAYS = ("dev", "prod")


def _load_renderer() -> ModuleType:
    # tests are imported with --import-mode=importlib (no packages), so load the sibling module
    name = "purna_tests_deploy_kustomize_lite"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(
        name, Path(__file__).with_name("kustomize_lite.py")
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def kustomize() -> ModuleType:
    return _load_renderer()


@pytest.fixture(scope="session")
def rendered(kustomize: ModuleType) -> dict[str, list[dict[str, Any]]]:
    """Every overlay, rendered once per session."""
    return {overlay: kustomize.build(DEPLOY / "overlays" / overlay) for overlay in OVERLAYS}
