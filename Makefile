# Capacity Exchange — the two commands: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 5000
export FLASK_APP := kb

.PHONY: run serve test lint fmt setup db seed index clean-instance help i18n

help:
	@echo "make run    - install, migrate, seed, index and serve on http://$(HOST):$(PORT)"
	@echo "make serve  - the same, served by gunicorn with WORKERS processes (default: one per core)"
	@echo "make test   - install test tools, lint and run the whole suite"
	@echo "make lint   - ruff check + format check";
	@echo "make fmt    - ruff format + autofix"
	@echo "make i18n   - extract the interface's messages, update the six catalogues, compile them"

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11+ is required")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e .
	@touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(BIN)/pip install -q -e '.[test]'
	@touch $@

# Message catalogues: translations/<lang>/LC_MESSAGES/messages.po (edited, committed) are compiled
# to .mo (generated, not committed) whenever they change.
CATALOGUES := $(wildcard translations/*/LC_MESSAGES/messages.po)
COMPILED   := $(CATALOGUES:.po=.mo)

translations/%/LC_MESSAGES/messages.mo: translations/%/LC_MESSAGES/messages.po | $(VENV)/.installed
	$(BIN)/pybabel -q compile -D messages -d translations -l $*

i18n: $(VENV)/.installed
	$(BIN)/pybabel extract -F babel.cfg -w 100 -k N_ -k C_:1c,2 -k lazy_gettext -k _l --no-location \
	  --sort-output --project "Capacity Exchange" -o translations/messages.pot kb templates \
	  search/data/places_groups.json
	$(BIN)/pybabel update -N -w 100 -i translations/messages.pot -d translations --ignore-obsolete
	$(BIN)/python -m kb.i18n_catalogues

setup: $(VENV)/.installed $(COMPILED)

db: setup
	$(BIN)/flask db upgrade

seed: db
	$(BIN)/flask kb seed

index: seed
	$(BIN)/flask search reindex --if-needed
	$(BIN)/flask match refresh --if-empty

run: index
	@echo "Serving on http://$(HOST):$(PORT)  (demo accounts: see README.md)"
	$(BIN)/flask run --host $(HOST) --port $(PORT)

# gunicorn: one worker process per core (each holds its own matching engine); WORKERS=… overrides.
# Its control socket lives in instance/, so two checkouts served on one host do not share one.
WORKERS ?= $(shell nproc 2>/dev/null || echo 2)
# gunicorn's access line, with the request id the app returns (X-Request-ID) and the duration
ACCESS_FORMAT := %(h)s "%(r)s" %(s)s %(b)s %(M)sms request_id=%({x-request-id}o)s
serve: index
	@echo "Serving on http://$(HOST):$(PORT) with $(WORKERS) gunicorn workers"
	@if [ -n "$$KB_QUEUE_URL" ]; then echo "KB_QUEUE_URL is set: run '$(BIN)/flask kb worker' next to it"; fi
	$(BIN)/gunicorn --workers $(WORKERS) --bind $(HOST):$(PORT) --access-logfile - \
	  --control-socket $(CURDIR)/instance/gunicorn.ctl \
	  --access-logformat '$(ACCESS_FORMAT)' 'kb:create_app()'

lint: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

fmt: $(VENV)/.installed-test
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

test: lint $(COMPILED)
	$(BIN)/pytest -q

clean-instance:
	rm -rf instance
