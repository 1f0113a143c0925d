# The two commands README promises: `make run` and `make test`. Both work on a fresh machine
# with Python 3.11+ and access to PyPI.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test check unit install clean

# An editable install is not byte-compiled (a regular pip install is), so it is done here:
# where PYTHONDONTWRITEBYTECODE is set, every command would compile airlock's source again
# (~0.1 s of each `airlock package vet` on a fresh clone, issue 16).
$(STAMP): pyproject.toml
	$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "airlock needs Python 3.11 or newer")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,formats]'
	$(BIN)/python -m compileall -q src
	touch $(STAMP)

install: $(STAMP)

## Set up and start the gateway on the embedded SQLite default (http://127.0.0.1:8750/).
run: $(STAMP)
	$(BIN)/airlock init
	$(BIN)/airlock serve

## Lint, type-check and run the whole test suite.
test: check
	$(BIN)/pytest

check: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

unit: $(STAMP)
	$(BIN)/pytest tests/unit

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
