"""`/docs` without internet: in a network namespace with loopback only (`unshare -n`), the
local system still serves, and every service's Swagger UI renders in Chromium from assets the
service serves itself (BP3MI offices have poor connections; some networks block CDNs)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

HELPER = Path(__file__).with_name("offline_docs.py")

pytestmark = pytest.mark.e2e


def test_api_docs_render_with_the_network_cut_off(tmp_path: Path) -> None:
    unshare, ip = shutil.which("unshare"), shutil.which("ip")
    assert unshare and ip, "needs util-linux's unshare and iproute2's ip"
    inside = f"{ip} link set lo up && exec {sys.executable} {HELPER} {tmp_path / 'var'}"
    done = subprocess.run(
        [unshare, "--net", "--", "bash", "-c", inside],
        capture_output=True,
        text=True,
        timeout=400,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["serving"], done.stdout[-3000:]
    assert set(report["pages"]) == {"registration", "training", "credit", "notification"}
    for name, page in report["pages"].items():
        assert page["operations"] > 3, (name, page)  # Swagger UI rendered the operations
        assert page["failed"] == [], (name, page)
        assert page["outside"] == [], (name, page)  # nothing asked of any other host
