"""Shared CLI commands, mounted by the top-level ``purna`` command."""

from __future__ import annotations

import typer

from .dlq import dlq_app
from .schemas import schemas_app
from .token import token

app = typer.Typer(no_args_is_help=True)
app.add_typer(dlq_app, name="dlq")
app.add_typer(schemas_app, name="schemas")
app.command("token")(token)
