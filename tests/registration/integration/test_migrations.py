"""The migrations create exactly the tables the code declares, on PostgreSQL."""

from __future__ import annotations

import asyncio

import pytest
from alembic import command

from purna_registration.adapters.orm import MIGRATIONS_DIR
from purna_shared.db import alembic_config

pytestmark = pytest.mark.integration


async def test_the_migrated_schema_matches_the_tables_in_code(database_url: str) -> None:
    # Raises if autogenerate would find anything to add, drop or alter.
    await asyncio.to_thread(command.check, alembic_config(MIGRATIONS_DIR, database_url))
