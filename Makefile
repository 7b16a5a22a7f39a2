# Every target creates and uses the local virtual environment on its own.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
OUT ?= out/demo
WORKERS ?= 2

.PHONY: install demo test validate calibrations bench bench-10k lint docs clean

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "$(PYTHON) not found: set PYTHON=/path/to/python3.11"; exit 2; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

# A virtual STORM arm on the embedded defaults, its trial report in $(OUT)/report.html
# (`xposim demo --cells` is the former cell demo).
demo: $(STAMP)
	$(BIN)/xposim demo --out $(OUT) --workers $(WORKERS)

test: $(STAMP)
	$(BIN)/python -m pytest -q -n $(WORKERS) -m "not slow"

validate: $(STAMP) calibrations
	$(BIN)/python -m pytest -q -n $(WORKERS) --dist loadscope -m slow tests
	XPOSIM_HYPOTHESIS_EXAMPLES=500 $(BIN)/python -m pytest -q -n $(WORKERS) tests/properties

# Refit every declared calibration (`xposim calibrate NAME --check`: ~5 min, ~20 more for the
# two trial calibrations) and fail on a drift beyond its stated tolerance. A known drift
# (docs/calibration.md, known gaps) must still be reported as drift (exit 1), so that fixing
# it is noticed and the list updated.
KNOWN_DRIFT :=
calibrations: $(STAMP)
	@names=$$($(BIN)/xposim calibrate --list --json | $(BIN)/python -c \
	  "import json, sys; print(' '.join(r['name'] for r in json.load(sys.stdin)))"); \
	for n in $$names; do \
	  if echo " $(KNOWN_DRIFT) " | grep -q " $$n "; then \
	    $(BIN)/xposim calibrate $$n --check > /dev/null; rc=$$?; \
	    if [ $$rc -ne 1 ]; then echo "$$n: expected the known drift (exit 1), got exit $$rc"; exit 1; fi; \
	    echo "$$n: known drift, see docs/calibration.md"; \
	  else \
	    $(BIN)/xposim calibrate $$n --check || exit 1; \
	  fi; \
	done

bench: $(STAMP)
	$(BIN)/python benchmarks/run.py --out benchmarks/results.json

# the trial benchmark with the 10,000-subject year measured, not extrapolated (~20 min)
bench-10k: $(STAMP)
	XPOSIM_BENCH_10K=1 $(BIN)/python benchmarks/run.py --out benchmarks/results.json --only trial

lint: $(STAMP)
	$(BIN)/ruff check .

docs: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[docs]'
	$(BIN)/mkdocs build --strict

clean:
	rm -rf $(VENV) out site .pytest_cache
