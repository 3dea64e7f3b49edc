"""The `purna` command: one entry point for every routine task."""

from __future__ import annotations

import typer

from .deploy import deploy_app

app = typer.Typer(no_args_is_help=True, help="Purna: run, inspect and operate the services.")
app.add_typer(deploy_app, name="deploy")


def main() -> None:
    app()
