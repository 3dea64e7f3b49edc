# Routine tasks. `make run` and `make test` need only Python 3.11+ and make.
PYTHON ?= python3
VENV   := .venv
UV     := $(VENV)/bin/uv
BIN    := $(VENV)/bin

.PHONY: install run test test-unit lint format bench migrate schemas acl dist clean mutate browser screenshots

$(UV):
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv==0.13.9

# Installs exactly what uv.lock pins (the workspace packages and the dev tools).
$(VENV)/.installed: $(UV) uv.lock pyproject.toml shared/pyproject.toml services/*/pyproject.toml
	$(UV) sync --frozen --all-packages
	@touch $@

install: $(VENV)/.installed

# The console's browser tests drive Debian's Chromium through Playwright (no browser download).
CHROMIUM ?= /usr/bin/chromium
$(CHROMIUM):
	@if [ "$$(id -u)" = 0 ]; then \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
	else \
	  echo "Chromium is missing: run 'sudo apt-get install -y chromium' (browser tests need it)"; \
	  exit 1; \
	fi

browser: $(CHROMIUM)  ## install Debian's Chromium for the console's browser tests when missing

run: install  ## start everything (embedded Redis unless REDIS_URL is set), run the demo, serve
	$(BIN)/purna run

test: install browser lint  ## lint and types, then every test (unit, integration on real Redis/PostgreSQL, e2e)
	$(BIN)/pytest

test-unit: install
	$(BIN)/pytest -m unit

# Mutation testing of every services/*/src/*/domain module against the fast unit tier (minutes;
# not part of `make test`). MODULES narrows it: make mutate MODULES="credit/allocation nik".
MUTATE_WORKERS ?= 2
mutate: install  ## mutation testing of the domain rules: score per module, survivors in var/mutation/report.md
	$(BIN)/python tests/mutation/mutate.py --workers $(MUTATE_WORKERS) $(if $(MODULES),--modules $(MODULES))

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

migrate: install
	$(BIN)/purna migrate

screenshots: install browser  ## regenerate docs/console/*.png (the console's main pages, phone and desktop)
	$(BIN)/pytest -q tests/console/browser/screenshots.py

schemas: install  ## regenerate the committed JSON Schemas and AsyncAPI document
	$(BIN)/purna schemas export

dist: install  ## the wheel of the event contracts for outside teams: dist/purna_shared-<version>-py3-none-any.whl
	$(UV) build --package purna-shared --wheel --out-dir dist

bench: install  ## benchmarks (not tests): figures as ratios against a baseline in the same run
	$(BIN)/python bench/transport.py
	$(BIN)/python bench/registration.py
	$(BIN)/python bench/notification.py
	$(BIN)/python bench/console.py

clean:
	rm -rf var .pytest_cache .mypy_cache .ruff_cache
