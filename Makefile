# One command each: `make run` installs and starts the app; `make test` installs what the tests
# need (Python packages in .venv, Debian's chromium for the browser tests, a PostgreSQL server) and runs every
# test, on SQLite and again on PostgreSQL.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
APT := $(shell command -v apt-get 2>/dev/null)
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: run test lint format bench deps-app deps-test

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.app-installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install -q -r requirements.txt
	touch $@

$(VENV)/.dev-installed: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install -q -r requirements-dev.txt
	touch $@

deps-app: $(VENV)/.app-installed

# Debian packages the tests drive: Chromium (browser tests, through Playwright; no browser download),
# LibreOffice Calc and Writer (workbooks and the executive report's Word document must convert to PDF
# without error), poppler-utils (the executive report's PDF is read back and rendered to page images) and
# nginx (two app processes behind deploy/nginx/itscm.conf, one killed mid-session; Debian 12's nginx-light is
# only nginx plus an echo module, so the plain package is the small one). The suite runs twice, on SQLite and
# on PostgreSQL: tests/postgres_server.sh uses the server on 127.0.0.1:5432, or installs Debian's postgresql
# and starts a cluster of the tests' own in .pgdata when none answers there.
deps-test: $(VENV)/.dev-installed
	@missing=""; \
	command -v chromium >/dev/null 2>&1 || missing="$$missing chromium"; \
	command -v soffice >/dev/null 2>&1 || missing="$$missing libreoffice-calc-nogui"; \
	[ -e /usr/lib/libreoffice/program/libswlo.so ] || missing="$$missing libreoffice-writer-nogui"; \
	command -v pdftoppm >/dev/null 2>&1 || missing="$$missing poppler-utils"; \
	[ -x /usr/sbin/nginx ] || command -v nginx >/dev/null 2>&1 || missing="$$missing nginx"; \
	if [ -n "$$missing" ]; then \
	  [ -n "$(APT)" ] || { echo "Install these Debian packages for the tests:$$missing"; exit 1; }; \
	  $(SUDO) apt-get update -q && $(SUDO) apt-get install -y -q $$missing; \
	fi
	@bash tests/postgres_server.sh

# `make run PORT=8502` serves on another port; `ITSCM_DB=path/to/file.db make run` uses another database.
PORT ?= 8501
run: deps-app
	$(BIN)/streamlit run app.py --server.port $(PORT) --server.address 127.0.0.1

lint: deps-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

test: lint
	$(BIN)/python -m pytest
	ITSCM_TEST_ENGINE=postgresql $(BIN)/python -m pytest

format: deps-test
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: deps-test
	@for script in benchmarks/bench_*.py; do echo "== $$script"; $(BIN)/python $$script || exit 1; done
