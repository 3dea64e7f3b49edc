"""The migrations build exactly the tables the code describes, on PostgreSQL."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection

from purna_shared.db import make_engine
from purna_shared.messaging.tables import metadata as messaging_metadata
from purna_shared.testing.plugin import DatabaseFactory
from purna_training.adapters.orm import MIGRATIONS_DIR, metadata

pytestmark = pytest.mark.integration


async def test_migrated_schema_matches_the_models(database_factory: DatabaseFactory) -> None:
    url = await database_factory.create(MIGRATIONS_DIR)
    engine = make_engine(url)

    def differences(connection: Connection) -> list[object]:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, [metadata, messaging_metadata]))

    try:
        async with engine.connect() as connection:
            assert await connection.run_sync(differences) == []
    finally:
        await engine.dispose()
