# kam: `make run` to try it, `make test` to prove it.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
HOST ?= 127.0.0.1
PORT ?= 8000
export DJANGO_SETTINGS_MODULE := kam.settings

.PHONY: install run demo test lint format messages clean bench soak throughput

$(STAMP): pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(STAMP)

install: $(STAMP)

var/secret_key:
	mkdir -p var
	$(PYTHON) -c "import secrets; print(secrets.token_urlsafe(50))" > var/secret_key

run: install var/secret_key
	$(BIN)/kam migrate --noinput
	$(BIN)/kam collectstatic --noinput --verbosity 0
	$(BIN)/kam demo --if-empty
	$(BIN)/kam serve --host $(HOST) --port $(PORT)

demo: install var/secret_key
	$(BIN)/kam demo

test: install
	SECRET_KEY=kam-test-secret $(BIN)/pytest -n 2 --dist loadgroup -p no:cacheprovider $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	SECRET_KEY=kam-lint-secret $(BIN)/mypy kam
	$(BIN)/lint-imports

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

messages: install
	cd kam && SECRET_KEY=x ../$(BIN)/kam makemessages -l zh_Hans --no-obsolete && SECRET_KEY=x ../$(BIN)/kam compilemessages

bench: install
	SECRET_KEY=kam-bench-secret $(BIN)/python benchmarks/run.py $(BENCH_ARGS)

# Concurrent edits against a real `kam serve` on fresh databases (PostgreSQL when SOAK_DATABASE_URL is set).
soak: install
	SECRET_KEY=kam-soak-secret $(BIN)/python benchmarks/soak.py $(SOAK_ARGS)

# Requests per second of a rep's pipeline page and the API list over HTTP (needs wrk and a generated
# database: THROUGHPUT_ARGS="--database sqlite:///$$PWD/var/bench.sqlite3"; see benchmarks/throughput.py).
throughput: install
	SECRET_KEY=kam-bench-secret $(BIN)/python benchmarks/throughput.py $(THROUGHPUT_ARGS)

clean:
	rm -rf $(VENV) var/static .pytest_cache .mypy_cache .ruff_cache
