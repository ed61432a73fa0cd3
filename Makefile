# Decimetro — the two commands: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000


.PHONY: run test lint typecheck imports pytest install setup check-deploy clean

$(VENV)/.installed: pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -c requirements.lock -e ".[dev]"
	touch $@

install: $(VENV)/.installed

## make run: venv, install, migrate SQLite, load plan + territory (idempotent), serve on http://127.0.0.1:8000
run: setup
	$(PY) manage.py runserver $(HOST):$(PORT)

setup: install
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
	mkdir -p var
	$(VENV)/bin/pytest

check-deploy: install
	DECIMETRO_ENV=production SECRET_KEY=$$(head -c 48 /dev/urandom | base64) ALLOWED_HOSTS=decimetro.example.org \
		$(PY) manage.py check --deploy --fail-level WARNING

clean:
	rm -rf $(VENV) var
