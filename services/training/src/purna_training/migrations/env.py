from purna_shared.db import run_alembic_env
from purna_training.adapters.orm import metadata

run_alembic_env(metadata)
