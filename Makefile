# pimm — two commands: `make demo` serves the demo PIMM, `make test` runs every check.
SHELL := /bin/bash
.DEFAULT_GOAL := help
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
SCALE ?= 1
PYTEST_ARGS ?=
export DJANGO_SETTINGS_MODULE ?= pimm.settings.dev

.PHONY: help demo demo-reset serve test lint test-sqlite test-postgres test-e2e bench clean check-deploy

help:
	@echo "make demo   - install, migrate, load the demo PIMM and serve it on 127.0.0.1:$(PORT)"
	@echo "make demo-reset - the same on a fresh demo database (the demo follows the day it is loaded)"
	@echo "make test   - ruff, the whole suite on SQLite then PostgreSQL, then the browser tests"

$(VENV)/.python:
	@py=$$(scripts/find-python.sh) || exit 1; \
	echo "Using $$py ($$($$py --version))"; \
	$$py -m venv $(VENV) && touch $@

$(VENV)/.installed: $(VENV)/.python pyproject.toml
	$(PY) -m pip install -q --disable-pip-version-check --upgrade pip
	$(PY) -m pip install -q --disable-pip-version-check -e .
	@touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	$(PY) -m pip install -q --disable-pip-version-check -e '.[test]'
	@touch $@

var:
	@mkdir -p var

demo: $(VENV)/.installed var
	@$(PY) manage.py migrate --noinput -v0
	@$(PY) manage.py demo_load --scale $(SCALE)
	@echo ""
	@echo "pimm démo : http://127.0.0.1:$(PORT)/  (API : http://127.0.0.1:$(PORT)/api/docs)"
	@$(PY) manage.py db_worker & worker=$$!; trap "kill $$worker 2>/dev/null" EXIT INT TERM; $(PY) manage.py runserver 127.0.0.1:$(PORT)

demo-reset:  ## drop the demo database and load the demo again, as of today
	rm -f var/pimm.sqlite3 var/pimm.sqlite3-wal var/pimm.sqlite3-shm
	@$(MAKE) --no-print-directory demo

lint: $(VENV)/.installed-test
	$(VENV)/bin/ruff check src tests bench scripts manage.py
	$(VENV)/bin/ruff format --check src tests bench scripts manage.py
	$(VENV)/bin/lint-imports --no-cache

test-sqlite: $(VENV)/.installed-test
	PIMM_DB_ENGINE=sqlite DJANGO_SETTINGS_MODULE=pimm.settings.test $(PY) -m pytest -m "not e2e" -n 2 -q $(PYTEST_ARGS)

test-postgres: $(VENV)/.installed-test
	@eval "$$(scripts/ensure-postgres.sh)" && \
	PIMM_TEST_NOW=$${PIMM_TEST_NOW:-sunday-23h30} \
	DJANGO_SETTINGS_MODULE=pimm.settings.test $(PY) -m pytest -m "not e2e" -n 2 -q $(PYTEST_ARGS)

test-e2e: $(VENV)/.installed-test
	@test -x /usr/bin/chromium || { echo "Browser tests need Debian's chromium (apt-get install chromium)"; exit 1; }
	PIMM_TEST_NOW=$${PIMM_TEST_NOW:-new-year-eve} \
	PIMM_DB_ENGINE=sqlite DJANGO_SETTINGS_MODULE=pimm.settings.test $(PY) -m pytest -m e2e -q $(PYTEST_ARGS) tests/e2e

check-deploy: $(VENV)/.installed
	PIMM_SECRET_KEY=$$(head -c 48 /dev/urandom | base64) PIMM_ALLOWED_HOSTS=pimm.example.org \
	PIMM_DB_ENGINE=postgresql PIMM_DB_PASSWORD=unused DJANGO_SETTINGS_MODULE=pimm.settings.production \
	$(PY) manage.py check --deploy --fail-level WARNING

test: lint check-deploy test-sqlite test-postgres test-e2e
	@echo "make test: all checks passed"

bench: $(VENV)/.installed-test
	@for b in bench/*.py; do case $$b in bench/_*) continue;; esac; echo "== $$b"; $(PY) $$b || exit 1; done

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache
