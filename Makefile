# Routine tasks. `make run` and `make test` need only Python 3.11+ and make.
PYTHON ?= python3
VENV   := .venv
UV     := $(VENV)/bin/uv
BIN    := $(VENV)/bin

.PHONY: install run test test-unit lint format bench migrate schemas acl dist clean

$(UV):
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv==0.13.9

# Installs exactly what uv.lock pins (the workspace packages and the dev tools).
$(VENV)/.installed: $(UV) uv.lock pyproject.toml shared/pyproject.toml services/*/pyproject.toml
	$(UV) sync --frozen --all-packages
	@touch $@

install: $(VENV)/.installed

run: install  ## start everything (embedded Redis unless REDIS_URL is set), run the demo, serve
	$(BIN)/purna run

test: install lint  ## lint and types, then every test (unit, integration on real Redis/PostgreSQL, e2e)
	$(BIN)/pytest

test-unit: install
	$(BIN)/pytest -m unit

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

migrate: install
	$(BIN)/purna migrate

schemas: install  ## regenerate the committed JSON Schemas and AsyncAPI document
	$(BIN)/purna schemas export

dist: install  ## the wheel of the event contracts for outside teams: dist/purna_shared-<version>-py3-none-any.whl
	$(UV) build --package purna-shared --wheel --out-dir dist

bench: install  ## benchmarks (not tests): figures as ratios against a baseline in the same run
	$(BIN)/python bench/transport.py
	$(BIN)/python bench/registration.py
	$(BIN)/python bench/notification.py

clean:
	rm -rf var .pytest_cache .mypy_cache .ruff_cache
