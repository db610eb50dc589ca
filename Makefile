# One-command entry points for a fresh machine (Python 3.11 + pip; nothing else needed).
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin

.PHONY: setup demo test wheel-check app screenshots clean

$(BIN)/harmgraph: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev,app,spark]"
	touch $(BIN)/harmgraph

setup: $(BIN)/harmgraph

# Generate a synthetic force, load it into the embedded store and print both offender lists.
# A new demo store gets its own users (demo-force/demo-sign-in.env); a second run signs in with them.
demo: setup
	@if [ -f demo-force/demo-sign-in.env ]; then set -a; . ./demo-force/demo-sign-in.env; set +a; fi; \
	$(BIN)/harmgraph demo --out demo-force --store demo-force/harmgraph.duckdb

# The whole test suite (unit, contract round-trip, doctests), a test file per core at a time (its
# module fixtures built once), then the wheel check.
test: setup
	$(BIN)/python -m pytest -q -n auto --dist loadfile --durations=20
	$(MAKE) --no-print-directory wheel-check

# Build the wheel, install it (not editable) in a fresh venv outside the checkout, and run the
# demo and the app from that install (.ci/wheel_check.sh; needs the package index for the
# dependencies).
wheel-check: setup
	PYTHON="$(abspath $(BIN))/python" bash .ci/wheel_check.sh

# Every page for each role in headless Chromium at 1,366 x 768 into docs/screenshots/ (the demo
# force, generated once into bench/results/screens/; needs /usr/bin/chromium and playwright).
screenshots: setup
	$(BIN)/python -m bench.screenshots --out docs/screenshots

app: setup
	$(BIN)/harmgraph app --store demo-force/harmgraph.duckdb

clean:
	rm -rf $(VENV) demo-force .pytest_cache
