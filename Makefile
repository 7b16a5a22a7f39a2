# Every target creates and uses the local virtual environment on its own.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
OUT ?= out/demo
WORKERS ?= 2

.PHONY: install demo test validate bench lint docs clean

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "$(PYTHON) not found: set PYTHON=/path/to/python3.11"; exit 2; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/xposim demo --out $(OUT)

test: $(STAMP)
	$(BIN)/python -m pytest -q -n $(WORKERS) -m "not slow"

validate: $(STAMP)
	$(BIN)/python -m pytest -q -n $(WORKERS) -m slow tests
	XPOSIM_HYPOTHESIS_EXAMPLES=500 $(BIN)/python -m pytest -q -n $(WORKERS) tests/properties

bench: $(STAMP)
	$(BIN)/python benchmarks/run.py --out benchmarks/results.json

lint: $(STAMP)
	$(BIN)/ruff check .

docs: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[docs]'
	$(BIN)/mkdocs build --strict

clean:
	rm -rf $(VENV) out site .pytest_cache
