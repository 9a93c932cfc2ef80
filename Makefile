# Kaohe: `make run` serves the panel on the demo data, `make test` runs the tests.
# Both create .venv and install into it; they need only Python 3.11+, git and make.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test install demo bench clean

$(STAMP): setup.cfg pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/kaohe init-db
	$(BIN)/kaohe bootstrap
	$(BIN)/kaohe serve --host $(HOST) --port $(PORT) --dev

test: $(STAMP)
	$(BIN)/python -m pytest -q

demo: $(STAMP)
	$(BIN)/kaohe init-db
	$(BIN)/kaohe demo

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
