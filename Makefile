# Every target bootstraps .venv on a fresh machine.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
HOST ?= 127.0.0.1
PORT ?= 5000
LOADTEST_USERS ?= 50
LOADTEST_SECONDS ?= 120

.PHONY: run test bench loadtest lint venv clean

venv: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

run: venv
	$(BIN)/procure init --demo
	@echo ""
	@echo "Demo accounts (e-mail  password):"
	@cat instance/demo-credentials.txt 2>/dev/null || true
	@echo ""
	@echo "Serving on http://$(HOST):$(PORT)"
	$(BIN)/waitress-serve --host=$(HOST) --port=$(PORT) --threads=8 --call app:create_app

test: venv
	$(BIN)/python -m pytest -q -n 2 --dist loadfile

bench: venv
	$(BIN)/python -m benchmarks

# gunicorn + PostgreSQL + a Celery worker on 127.0.0.1 (starts its own PostgreSQL and Redis:
# needs Debian's postgresql and redis-server packages, as root).
loadtest: venv
	$(BIN)/python -m benchmarks.loadtest --users $(LOADTEST_USERS) --seconds $(LOADTEST_SECONDS)

lint: venv
	$(BIN)/ruff check .
	$(BIN)/mypy

clean:
	rm -rf $(VENV) instance .pytest_cache .mypy_cache .ruff_cache
