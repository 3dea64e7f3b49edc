"""``purna schemas``: export the event schemas, and check them against the committed ones."""

from __future__ import annotations

from pathlib import Path

import typer

from ..contracts.schemas import check_folder, export_schemas, stale_files

schemas_app = typer.Typer(
    no_args_is_help=True, help="Event JSON Schemas and the AsyncAPI document."
)


def default_folder(start: Path | None = None) -> Path:
    """``schemas/`` at the repository root: the nearest ancestor of ``start`` (default: the
    working directory) whose pyproject.toml declares the uv workspace; else ``start/schemas``."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        pyproject = folder / "pyproject.toml"
        if pyproject.is_file() and "[tool.uv.workspace]" in pyproject.read_text(encoding="utf-8"):
            return folder / "schemas"
    return here / "schemas"


@schemas_app.command("export")
def export(
    out: Path | None = typer.Option(
        None, "--out", help="folder to write to [default: schemas/ at the repository root]"
    ),
) -> None:
    """Write one JSON Schema per event, envelope.json and asyncapi.json."""
    folder = out or default_folder()
    written = export_schemas(folder)
    typer.echo(f"wrote {len(written)} file(s) to {folder}")


@schemas_app.command("check")
def check(
    against: Path | None = typer.Option(
        None,
        "--against",
        help="committed schemas folder [default: schemas/ at the repository root]",
    ),
    strict: bool = typer.Option(
        False, "--strict", help="also fail when a committed file differs from a fresh export"
    ),
) -> None:
    """Fail (exit 1) when a model changed incompatibly with its committed schema, or was never
    exported. An incompatible change needs a new major version (a new stream), not an edit."""
    folder = against or default_folder()
    problems = check_folder(folder)
    stale = stale_files(folder)
    for problem in problems:
        typer.echo(f"incompatible: {problem}", err=True)
    for relative in stale:
        typer.echo(
            f"{'stale' if strict else 'note'}: {relative} differs from a fresh export "
            "(run `purna schemas export`)",
            err=True,
        )
    if problems or (strict and stale):
        raise typer.Exit(1)
    typer.echo(f"schemas in {folder} are compatible with the current models")
