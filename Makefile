# Decimetro — the two commands: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000


.PHONY: run test lint typecheck imports pytest install setup check-deploy clean serve

$(VENV)/.installed: pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -c requirements.lock -e ".[dev]"
	touch $@

install: $(VENV)/.installed

## make run: venv, install, migrate SQLite, load plan + territory (idempotent), serve on http://127.0.0.1:8000
## with one task worker beside it (`manage.py worker`, stopped with the server)
run: setup
	$(PY) manage.py worker --verbosity 1 & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT INT TERM; \
	$(PY) manage.py runserver $(HOST):$(PORT)

setup: install
	bash scripts/ensure-weasyprint.sh
	mkdir -p var
	$(PY) manage.py migrate --noinput
	$(PY) manage.py setup_data

## make test: lint, type-check and the whole test suite (SQLite by default, PostgreSQL when DATABASE_URL is set)
test: install lint typecheck imports pytest

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: install
	$(VENV)/bin/mypy decimetro

## make imports: the architecture's import contracts (pyproject.toml [tool.importlinter], docs/ARCHITECTURE.md)
imports: install
	$(VENV)/bin/lint-imports

pytest: install
	bash scripts/ensure-chromium.sh
	bash scripts/ensure-weasyprint.sh
	mkdir -p var
	$(VENV)/bin/pytest

## make check-deploy: the production settings' deploy checks, on an empty database (the development database has
## the demo accounts, which the check rightly refuses in production; `make serve` checks the real database)
check-deploy: install
	DECIMETRO_ENV=production SECRET_KEY=$$(head -c 48 /dev/urandom | base64) ALLOWED_HOSTS=decimetro.example.org \
		DATABASE_URL=sqlite:///:memory: $(PY) manage.py check --deploy --fail-level WARNING

## make serve: the production run path (README, "Produzione"). Settings from the environment or ENV_FILE=path
## (a copy of deploy/decimetro.env.example); DECIMETRO_ENV defaults to production here. collectstatic, migrate,
## `check --deploy` (errors stop it: e.g. a demo account left in the database), then one worker and gunicorn
## (deploy/gunicorn.conf.py: WEB_CONCURRENCY workers, default 2 x CPUs + 1, on DECIMETRO_BIND); Ctrl-C stops both.
ENV_FILE ?=
serve: install
	@set -a; if [ -n "$(ENV_FILE)" ]; then . "$$(realpath "$(ENV_FILE)")"; fi; set +a; set -e; \
	export DECIMETRO_ENV="$${DECIMETRO_ENV:-production}"; \
	mkdir -p var; \
	$(PY) manage.py collectstatic --noinput --verbosity 0; \
	$(PY) manage.py migrate --noinput; \
	$(PY) manage.py check --deploy --fail-level ERROR; \
	$(PY) manage.py worker & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker' EXIT; \
	$(VENV)/bin/gunicorn --config deploy/gunicorn.conf.py

clean:
	rm -rf $(VENV) var
