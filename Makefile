# One command to run the product, one to run the tests (see README.md).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
export FLASK_APP := wsgi

.PHONY: run test venv dev-venv db clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

venv: $(BIN)/python
	$(BIN)/pip install -q -r requirements.txt

dev-venv: $(BIN)/python
	$(BIN)/pip install -q -r requirements-dev.txt

## The database: migrations, the 328 Tuban villages, a little demo content.
db: venv
	$(BIN)/flask db upgrade
	$(BIN)/flask tenants import
	$(BIN)/flask demo seed

## Run the platform on http://127.0.0.1:8000 (SQLite in instance/).
run: db
	@scripts/banner
	$(BIN)/gunicorn --bind 127.0.0.1:8000 --workers 2 --access-logfile - wsgi:app

## The whole test suite (DATABASE_URL selects PostgreSQL; default SQLite).
test: dev-venv
	$(BIN)/python -m pytest $(PYTEST_ARGS)

clean:
	rm -rf instance/desa.db instance/desa.db-wal instance/desa.db-shm instance/media
