# ExpoPlan — two commands for a newcomer: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PORT   ?= 8000
YEAR   := $(shell date +%Y)
PREV   := $(shell expr $(YEAR) - 1)

.PHONY: run test lint format worker beat migrate seed messages clean schema

$(STAMP): requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $(STAMP)

# Local development settings (gitignored), written once: DJANGO_DEBUG=true and a generated
# DJANGO_SECRET_KEY, read by config/env.py, so `.venv/bin/python manage.py …` works in the checkout.
.env: | $(STAMP)
	$(BIN)/python -m config.env $@

# Development server on SQLite with in-process tasks (nothing else needs to run).
run: $(STAMP) .env
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_demo --if-empty --year $(PREV) --year $(YEAR)
	$(BIN)/python manage.py ensure_demo_accounts
	@echo "ExpoPlan on http://127.0.0.1:$(PORT)/  (sign in with a demo account listed above; accounts: http://127.0.0.1:$(PORT)/admin/)"
	$(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

test: export DJANGO_SETTINGS_MODULE = config.settings_test
test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/python manage.py check
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/mypy $(wildcard */services.py */selectors.py) core/writes.py
	$(BIN)/pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Real Celery processes against REDIS_URL (docker-compose runs the same commands).
worker: $(STAMP)
	@test -n "$$REDIS_URL" || { echo "make worker: set REDIS_URL (e.g. redis://127.0.0.1:6379/0); without it tasks run in-process"; exit 2; }
	$(BIN)/celery -A config worker --loglevel=INFO --concurrency=2

beat: $(STAMP)
	@test -n "$$REDIS_URL" || { echo "make beat: set REDIS_URL (e.g. redis://127.0.0.1:6379/0)"; exit 2; }
	mkdir -p var
	$(BIN)/celery -A config beat --loglevel=INFO --schedule=var/celerybeat-schedule

migrate: $(STAMP)
	$(BIN)/python manage.py migrate --noinput

# The committed OpenAPI schema: exactly what /api/schema/ serves (English). tests/api/test_schema.py
# fails when the code and the file differ; clients are generated from the file (docs/api.md).
schema: export DJANGO_SETTINGS_MODULE = config.settings_test
schema: $(STAMP)
	$(BIN)/python manage.py spectacular --lang en --validate --fail-on-warn --file docs/openapi.yaml

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache

# Translation catalogues: extract every marked string, then compile the .mo files (committed).
messages: $(STAMP)
	$(BIN)/python manage.py makemessages -l zh_Hans -l en --ignore=.venv --ignore=var --ignore=test-artifacts
	$(BIN)/python manage.py compilemessages --ignore=.venv --ignore=var
