from purna_credit.adapters.orm import metadata
from purna_shared.db import run_alembic_env

run_alembic_env(metadata)
