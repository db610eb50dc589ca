# One-command entry points for a fresh machine (Python 3.11 + pip; nothing else needed).
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin

.PHONY: setup demo test app clean

$(BIN)/harmgraph: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev,app]"
	touch $(BIN)/harmgraph

setup: $(BIN)/harmgraph

# Generate a synthetic force, load it into the embedded store and print both offender lists.
demo: setup
	$(BIN)/harmgraph demo --out demo-force --store demo-force/harmgraph.duckdb

# The whole test suite (unit, contract round-trip, doctests in scoring/).
test: setup
	$(BIN)/python -m pytest -q

app: setup
	$(BIN)/harmgraph app --store demo-force/harmgraph.duckdb

clean:
	rm -rf $(VENV) demo-force .pytest_cache
