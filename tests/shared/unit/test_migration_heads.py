"""Each service's migrations form one line: two branches that each add a migration on the
same parent merge without a textual conflict, and `alembic upgrade head` then refuses."""

from pathlib import Path

import pytest
from alembic.script import ScriptDirectory

ROOT = Path(__file__).resolve().parents[3]
MIGRATIONS = sorted(ROOT.glob("services/*/src/*/migrations"))

pytestmark = pytest.mark.unit


def test_every_service_with_a_database_has_migrations() -> None:
    assert {p.parts[-4] for p in MIGRATIONS} >= {
        "registration",
        "training",
        "credit",
        "notification",
    }


@pytest.mark.parametrize("migrations", MIGRATIONS, ids=lambda p: p.parts[-4])
def test_one_head(migrations: Path) -> None:
    heads = ScriptDirectory(str(migrations)).get_heads()
    assert len(heads) == 1, f"{migrations.parts[-4]} has several Alembic heads: {heads}"
