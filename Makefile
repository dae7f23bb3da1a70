# The two commands a newcomer needs: `make run` and `make test` (see README.md).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
VENDOR := static/vendor

.PHONY: run test setup bench manage lock clean-data help

help:
	@echo "make run   - set up everything, load demo data, serve http://127.0.0.1:8000 with a Celery worker and beat"
	@echo "make test  - set up everything, then lint, types, migrations check and tests"
	@echo "make bench - speed and memory figures as JSON"
	@echo "make manage ARGS=\"...\" - a manage.py command on the make run database"
	@echo "make lock  - regenerate requirements*.lock from requirements*.in"

# Web server, Celery worker and beat, on an embedded PostgreSQL and Redis unless DATABASE_URL
# and REDIS_URL are set (scripts/dev.py, ADR 23). Ctrl-C or SIGTERM stops all of them.
run: setup
	$(BIN)/python scripts/dev.py run

test: setup
	$(BIN)/python scripts/dev.py test $(PYTEST_ARGS)

setup: $(VENV)/.installed static/build/application.css $(VENDOR)/.copied

$(VENV)/.installed: requirements.lock requirements-dev.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements-dev.lock
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

static/build/application.css: node_modules/.installed $(wildcard static/scss/*.scss)
	mkdir -p static/build
	npm run --silent build

# GOV.UK Frontend's script and assets, htmx and plotly.js, copied from their npm packages
# so that pages load them from our own server, never from a CDN.
$(VENDOR)/.copied: node_modules/.installed
	mkdir -p $(VENDOR)/govuk $(VENDOR)/htmx $(VENDOR)/plotly
	cp node_modules/govuk-frontend/dist/govuk/govuk-frontend.min.js $(VENDOR)/govuk/
	cp -r node_modules/govuk-frontend/dist/govuk/assets $(VENDOR)/govuk/
	cp node_modules/htmx.org/dist/htmx.min.js $(VENDOR)/htmx/
	cp node_modules/plotly.js-dist-min/plotly.min.js $(VENDOR)/plotly/
	touch $@

# Any management command on the same database as `make run`, e.g.
#   make manage ARGS="import_ofsted path/to/provider_at_march_2026.xlsx --json"
manage: setup
	@$(BIN)/python scripts/dev.py manage $(ARGS)

# Set-up messages go to standard error, so standard output is the JSON alone.
bench:
	@$(MAKE) --no-print-directory setup 1>&2
	@$(BIN)/python scripts/dev.py bench

lock:
	$(BIN)/pip-compile --quiet --generate-hashes --allow-unsafe --strip-extras -o requirements.lock requirements.in
	$(BIN)/pip-compile --quiet --generate-hashes --allow-unsafe --strip-extras -o requirements-dev.lock requirements-dev.in

clean-data:
	rm -rf .data
