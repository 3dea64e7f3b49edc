"""``purna import FILE``: bulk intake from the terminal, with a progress bar.

It goes through the registration API (``POST /imports``, then ``GET /imports/{id}``) rather
than the database: the same authorisation, office scoping, audit trail and worker-side
processing apply as for an upload from the browser, and it works against a remote
deployment. The API's worker does the processing; this command shows its progress.
"""

from __future__ import annotations

import csv
import os
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from ..settings import RegistrationSettings

console = Console(stderr=True)

import_app = typer.Typer(help="Bulk intake of participants from CSV or XLSX.", add_completion=False)

_PAGE = 500


def _default_api() -> str:
    return f"http://127.0.0.1:{RegistrationSettings().http_port}"


def _token(token: str | None, office: str) -> str:
    if token:
        return token
    # Development convenience: mint an operator token with the local JWT secret.
    from purna_shared.http.auth import mint_token

    console.print(f"[dim]no --token: using a development operator token for {office}[/]")
    return mint_token(RegistrationSettings(), role="operator", office=office)


def _fail(response: httpx.Response) -> typer.Exit:
    try:
        problem = response.json()
    except ValueError:
        problem = {"title": response.reason_phrase, "detail": response.text[:300]}
    console.print(
        f"[red]{response.status_code} {problem.get('title', '')}[/]: {problem.get('detail', '')}"
    )
    for error in problem.get("errors") or []:
        console.print(f"  [red]{error.get('field')}[/]: {error.get('message')}")
    return typer.Exit(2)


def _write_errors(client: httpx.Client, import_id: str, path: Path) -> int:
    """Every row error of the import into a CSV, page by page."""
    written = 0
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(["row", "field", "kind", "message", "participant_id"])
        while True:
            page = client.get(
                f"/imports/{import_id}", params={"limit": _PAGE, "offset": written}
            ).json()["errors"]
            for e in page["items"]:
                writer.writerow(
                    [e["row"], e["field"], e["kind"], e["message"], e["participant_id"] or ""]
                )
            written += len(page["items"])
            if not page["items"] or written >= page["total"]:
                return written


def _summary(report: dict[str, Any]) -> Table:
    table = Table(title=f"Import {report['id']} ({report['filename']})")
    for column in ("status", "rows", "registered", "invalid", "duplicate"):
        table.add_column(column, justify="right" if column != "status" else "left")
    counts = report["counts"]
    table.add_row(
        report["status"],
        str(report["progress"]["rows_processed"]),
        str(counts["registered"]),
        str(counts["invalid"]),
        str(counts["duplicate"]),
    )
    return table


@import_app.command("import")
def import_command(
    file: Path = typer.Argument(
        ..., exists=True, dir_okay=False, readable=True, help="CSV (UTF-8) or XLSX file"
    ),
    office: str = typer.Option("NTB", help="BP3MI office the participants belong to"),
    campaign: str | None = typer.Option(None, "--campaign", help="campaign id to register into"),
    api: str | None = typer.Option(
        None, envvar="PURNA_REGISTRATION_URL", help="registration API (default: local port)"
    ),
    token: str | None = typer.Option(
        None, envvar="PURNA_TOKEN", help="bearer token (default: a development operator token)"
    ),
    errors_csv: Path | None = typer.Option(
        None, "--errors-csv", help="write every row error to this CSV"
    ),
    show: int = typer.Option(20, help="row errors to print at the end"),
    poll: float = typer.Option(0.5, help="seconds between progress polls"),
) -> None:
    """Upload FILE to the registration service and follow its processing to the end.

    Exit status: 0 every row registered, 3 some rows refused (invalid or already registered;
    see the row errors), 1 the file was refused, 2 the upload was refused."""
    headers = {
        "Authorization": f"Bearer {_token(token, office)}",
        # One key per run of this command: a retried upload is not stored twice.
        "Idempotency-Key": f"cli-import-{uuid.uuid4()}",
    }
    with httpx.Client(base_url=api or _default_api(), headers=headers, timeout=300) as client:
        data = {"office": office, **({"campaign_id": campaign} if campaign else {})}
        with file.open("rb") as handle:
            response = client.post("/imports", files={"file": (file.name, handle)}, data=data)
        if response.status_code != 202:
            raise _fail(response)
        del client.headers["Idempotency-Key"]
        job = response.json()
        report = job
        columns = (
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("registered {task.fields[registered]}, refused {task.fields[refused]}"),
            TimeElapsedColumn(),
        )
        with Progress(*columns, console=console, transient=False) as progress:
            task = progress.add_task(
                file.name, total=job["progress"]["rows_total"], registered=0, refused=0
            )
            while report["status"] in ("pending", "running"):
                time.sleep(poll)
                polled = client.get(f"/imports/{job['id']}", params={"limit": 1})
                if polled.status_code != 200:
                    raise _fail(polled)
                report = polled.json()
                counts = report["counts"]
                progress.update(
                    task,
                    completed=report["progress"]["rows_processed"],
                    total=report["progress"]["rows_total"],
                    registered=counts["registered"],
                    refused=counts["invalid"] + counts["duplicate"],
                )
        console.print(_summary(report))
        if report["failure"]:
            console.print(f"[red]the file was refused:[/] {report['failure']}")
        first = client.get(f"/imports/{job['id']}", params={"limit": max(show, 1)}).json()
        for e in first["errors"]["items"][:show]:
            console.print(f"  row {e['row']:>6}  [yellow]{e['field']}[/]: {e['message']}")
        remaining = first["errors"]["total"] - min(show, len(first["errors"]["items"]))
        if remaining > 0:
            console.print(f"  ... and {remaining} more" + ("" if errors_csv else " (--errors-csv)"))
        if errors_csv is not None:
            n = _write_errors(client, job["id"], errors_csv)
            console.print(f"{n} row errors written to {errors_csv}")
    if report["status"] == "failed":
        raise typer.Exit(1)
    refused = report["counts"]["invalid"] + report["counts"]["duplicate"]
    if refused:
        console.print(f"[yellow]{refused} row(s) refused[/]: exit status 3")
        raise typer.Exit(3)


def main() -> None:
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    import_app()


if __name__ == "__main__":
    main()
