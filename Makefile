# Every target does its own set-up: a venv in .venv, CPU torch first (the build on disk; a
# plain `torch` requirement would pull gigabytes of CUDA packages), then the package with its
# test extras. A stamp file makes repeated runs cheap.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export ANONYMIZED_TELEMETRY := False

.PHONY: install run test unit eval eval-baseline bench quality ingest docs clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet torch==2.13.0
	$(BIN)/python -m pip install --quiet -e '.[test,bench]'
	touch $(STAMP)

install: $(STAMP)

## Serve the web chat on http://127.0.0.1:7860, ingesting corpus/ first when there is no index.
run: install
	$(BIN)/techniques serve

ingest: install
	$(BIN)/techniques ingest corpus/

## Every test, then the eval gate against the committed baseline.
test: install
	$(BIN)/lint-imports
	$(BIN)/python -m pytest
	$(MAKE) --no-print-directory eval

unit: install
	$(BIN)/python -m pytest -m "not integration and not browser and not server"

## The core eval set against its thresholds (evals/gate.yaml) and evals/baseline.json.
eval: install
	$(BIN)/python -m evals.gate

## Record the current results as the baseline: only after a change that improves them.
eval-baseline: install
	$(BIN)/python -m evals.gate --update-baseline

## Ours vs the textbook LangChain recipe, same run, same machine (docs/benchmarks.md).
## The 10,000-document tier is opt-in: make bench BENCH_TIERS=corpus,1k,10k
BENCH_TIERS ?= corpus,1k
bench: install
	$(BIN)/python bench/run.py --tiers $(BENCH_TIERS)

## Ours vs plain BM25 vs the textbook recipe on the development corpora (docs/quality.md).
quality: install
	$(BIN)/python -m evals.quality --core

## Regenerate the README's settings table from techniques/settings.py.
docs: install
	$(BIN)/python -m techniques.settings README.md

clean:
	rm -rf $(VENV) data build *.egg-info
