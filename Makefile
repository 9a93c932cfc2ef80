# Kaohe: `make run` serves the panel on the demo data, `make test` runs the tests.
# Both create .venv and install into it; they need only Python 3.11+, git and make.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
WATER := examples/kaohe-water
WATER_STAMP := $(VENV)/.installed-kaohe-water
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test test-postgres install demo bench load clean

# PYTHONWARNINGS=ignore: setuptools' notes to packagers (an editable install of folders mapped
# onto kaohe.*) would otherwise come before the one-time admin password; errors still show.
# --no-compile: Python compiles what it imports when it first imports it, not every module of
# every dependency up front (a third of the install's time).
$(STAMP): setup.cfg pyproject.toml
	$(PYTHON) -m venv $(VENV)
	PYTHONWARNINGS=ignore $(BIN)/python -m pip install --quiet --no-compile -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

# The example department plugin, installed the way an office installs one (pip, entry point).
$(WATER_STAMP): $(STAMP) $(WATER)/pyproject.toml
	PYTHONWARNINGS=ignore $(BIN)/python -m pip install --quiet --no-compile -e './$(WATER)[test]'
	touch $(WATER_STAMP)

run: $(STAMP)
	$(BIN)/kaohe init-db
	$(BIN)/kaohe bootstrap
	$(BIN)/kaohe serve --host $(HOST) --port $(PORT)

# The suite and the example plugin's tests on as many processes as the machine has cores
# (pytest-xdist; TEST_WORKERS=0 for one). The schemathesis run of the API is one long test: the
# other workers go on meanwhile.
TEST_WORKERS ?= auto
test: $(STAMP) $(WATER_STAMP)
	$(BIN)/python -m pytest -q -n $(TEST_WORKERS) tests $(WATER)/tests

# The same suite on PostgreSQL: KAOHE_TEST_DATABASE_URL names an empty database the tests may
# fill and empty (.ci/run starts a throw-away server and sets it).
test-postgres: $(STAMP)
	@test -n "$$KAOHE_TEST_DATABASE_URL" || { echo "KAOHE_TEST_DATABASE_URL=postgresql://USER:PASSWORD@HOST:PORT/DB is needed"; exit 2; }
	$(BIN)/python -m pytest -q

demo: $(STAMP)
	$(BIN)/kaohe init-db
	$(BIN)/kaohe demo

# Province scale: 100k and 1M items on SQLite (and PostgreSQL when KAOHE_BENCH_POSTGRES_URL is set),
# beside the DuckDB anchor: the benchmark-only extra `bench` (DuckDB, pyarrow, ADBC's SQLite
# driver) is installed here, never by `make install`.
BENCH_STAMP := $(VENV)/.installed-bench
$(BENCH_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[bench]'
	touch $(BENCH_STAMP)

bench: $(STAMP) $(BENCH_STAMP)
	$(BIN)/python benchmarks/bench.py

# 50 users for 60 s against 1, 2 and 4 `kaohe serve` processes on loopback while recalculations run
# (not part of `make test`).
load: $(STAMP)
	$(BIN)/python benchmarks/load.py

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
