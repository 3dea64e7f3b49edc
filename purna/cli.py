"""The `purna` command: one entry point for every routine task."""

from __future__ import annotations

import typer

app = typer.Typer(no_args_is_help=True, help="Purna: run, inspect and operate the services.")


def main() -> None:
    app()
