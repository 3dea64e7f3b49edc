"""Run inside a network namespace of its own (``unshare -n``: loopback only, no internet):
start the local system as a newcomer would, open every service's ``/docs`` in Chromium, and
print what rendered and which requests failed, as JSON on the last line.

Used by ``test_offline_docs.py``; ``python tests/e2e/offline_docs.py DATA_DIR``."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

from playwright.sync_api import sync_playwright

REPO = Path(__file__).parents[2]
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
PORTS = {"registration": 8001, "training": 8002, "credit": 8003, "notification": 8004}


def main(data_dir: str) -> None:
    drop = ("REDIS_URL", "DATABASE_URL", "STREAM_PREFIX")
    env = {k: v for k, v in os.environ.items() if k not in drop and "_DATABASE_URL" not in k}
    env["DATA_DIR"] = data_dir
    run = subprocess.Popen(
        [str(REPO / ".venv" / "bin" / "purna"), "run", "--no-demo"],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert run.stdout is not None
    said = []
    for line in run.stdout:
        said.append(line)
        if "Serving." in line or run.poll() is not None:
            break
    report: dict[str, object] = {"serving": "Serving." in "".join(said), "pages": {}}
    try:
        if report["serving"]:
            report["pages"] = render_docs()
    finally:
        run.send_signal(signal.SIGINT)
        run.communicate(timeout=60)
    print(json.dumps(report))


def render_docs() -> dict[str, dict[str, object]]:
    pages: dict[str, dict[str, object]] = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        for name, port in PORTS.items():
            page = browser.new_page()
            failed: list[str] = []
            outside: list[str] = []
            page.on("requestfailed", lambda r, failed=failed: failed.append(r.url))
            page.on(
                "response",
                lambda r, failed=failed: (
                    failed.append(f"{r.status} {r.url}") if r.status >= 400 else None
                ),
            )
            page.on(
                "request",
                lambda r, outside=outside: (
                    outside.append(r.url)
                    if urlsplit(r.url).hostname not in ("127.0.0.1", "localhost")
                    else None
                ),
            )
            started = time.monotonic()
            page.goto(f"http://127.0.0.1:{port}/docs", wait_until="networkidle")
            page.wait_for_selector(".opblock", timeout=30_000)
            pages[name] = {
                "title": page.title(),
                "operations": page.locator(".opblock").count(),
                "failed": failed,
                "outside": outside,
                "seconds": round(time.monotonic() - started, 1),
            }
            page.close()
        browser.close()
    return pages


if __name__ == "__main__":
    main(sys.argv[1])
