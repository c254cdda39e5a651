# The commands people actually type. Everything runs inside a local virtual environment.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# test workers (pytest-xdist). Four on 2 cores: much of the suite waits on subprocesses,
# servers and databases (CPU ~58 % busy with two workers), so the run takes ~11 min on four
# workers against ~14 min on two (measured 2026-12-07)
TEST_WORKERS ?= 4

.PHONY: demo test lint typecheck fmt bench clean assets

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

# Offline Apache ECharts for the dashboards: pinned tarball from the npm registry, SHA-256
# checked against scripts/assets.sha256, served from the app's own /static (never a CDN).
ASSETS := src/fanzha/web/static/vendor/echarts.version
$(ASSETS): scripts/assets.sha256 scripts/fetch_assets.py
	$(PYTHON) scripts/fetch_assets.py

## assets: fetch and verify the vendored browser assets (ECharts)
assets: $(ASSETS)

## demo: simulate a small city, ingest it, detect, evaluate and print a summary
demo: $(STAMP) $(ASSETS)
	$(BIN)/fanzha demo

## test: lint, type-check and run the test suite
test: $(STAMP) $(ASSETS)
	$(BIN)/ruff check src tests bench
	$(BIN)/mypy
	FANZHA_REQUIRE_ASSETS=1 $(BIN)/pytest -q -n $(TEST_WORKERS)

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

typecheck: $(STAMP)
	$(BIN)/mypy

fmt: $(STAMP)
	$(BIN)/ruff format src tests bench
	$(BIN)/ruff check --fix src tests bench

## bench: the 800k-resident day (takes several minutes)
bench: $(STAMP)
	$(BIN)/python bench/bench_pipeline.py

clean:
	rm -rf $(VENV) var build *.egg-info
