# NPS Desk developer commands. `make run` and `make test` are the README's Quick start.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export DJANGO_SETTINGS_MODULE := nps_project.settings

.PHONY: run test lint fmt messages bench-nps check

$(BIN)/.installed: requirements/base.txt requirements/dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements/dev.txt
	touch $@

# The embedded default: SQLite under var/, tasks in-process, demo data seeded once.
run: $(BIN)/.installed
	mkdir -p var
	DEBUG=true $(BIN)/python manage.py migrate --noinput
	DEBUG=true $(BIN)/python manage.py seed_demo --if-empty
	DEBUG=true $(BIN)/python manage.py runembedded 127.0.0.1:8000

# The whole suite. With DATABASE_URL/REDIS_URL set it runs on PostgreSQL and Redis.
test: $(BIN)/.installed
	$(BIN)/python -m ruff check .
	$(BIN)/python -m ruff format --check .
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/python -m pytest

lint: $(BIN)/.installed
	$(BIN)/python -m ruff check .
	$(BIN)/python -m ruff format --check .

fmt: $(BIN)/.installed
	$(BIN)/python -m ruff check --fix .
	$(BIN)/python -m ruff format .

messages: $(BIN)/.installed
	$(BIN)/python manage.py makemessages -l id -l es --ignore=.venv --ignore=var --ignore=tests
	$(BIN)/python manage.py compilemessages --ignore=.venv
