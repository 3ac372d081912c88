# Two commands do all set-up on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
SAMPLES := $(wildcard ../shared/samples)

.PHONY: demo test lint install redis-server clean bench eval-topics

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

## Run every stage in-process (no Redis) on the bundled examples and show the result.
demo: $(STAMP)
	NEWSFLOW_LOG_FORMAT=console NEWSFLOW_LOG_LEVEL=WARNING \
	  $(BIN)/newsflow run --subscribers examples/subscribers.toml --out out examples/articles $(SAMPLES)
	@echo
	@echo "Documents: out/*.json   Subscriber matches: out/subscribers/*.jsonl"

## Benchmark (docs/performance.md): prints a table, writes out/bench/results.json and
## bench.png. BENCH_ARGS=--quick for a short run.
BENCH_STAMP := $(VENV)/.bench-installed
$(BENCH_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[bench]'
	touch $(BENCH_STAMP)

bench: $(BENCH_STAMP) redis-server
	$(BIN)/python -m benchmarks $(BENCH_ARGS)

## Topic tagging: per-language precision, recall and macro-F1 on held-out data (docs/topics.md).
eval-topics: $(STAMP)
	$(BIN)/python -m benchmarks.topics

## Tests need a redis-server binary (each test session starts a private one).
redis-server:
	@command -v redis-server >/dev/null || { \
	  echo "installing redis-server"; \
	  $(if $(filter 0,$(shell id -u)),,sudo) apt-get update -qq && \
	  $(if $(filter 0,$(shell id -u)),,sudo) apt-get install -y -qq redis-server >/dev/null; }

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy schemas tasks workers benchmarks

test: $(STAMP) redis-server lint
	$(BIN)/pytest

clean:
	rm -rf $(VENV) out .pytest_cache .ruff_cache
