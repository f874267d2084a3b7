# Two commands on a fresh machine: `make run` and `make test`. Each sets up what it needs.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
BOT := $(VENV)/bin/incident-bot
STAMP := $(VENV)/.installed

.PHONY: run test lint bench bench-hostile bench-scale index clean

$(STAMP): pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q -c requirements.lock -e ".[dev]"
	touch $(STAMP)

# The project's own modules byte-compiled, as pip does for the packages it installs: an editable
# install leaves them to the first run, which cannot keep them where PYTHONDONTWRITEBYTECODE is set,
# and every command would then compile its ~90 modules at start (0.1 s of a cold `ask`).
COMPILED := $(VENV)/.compiled
$(COMPILED): $(STAMP) $(shell find bot -name '*.py')
	$(PY) -m compileall -q bot
	touch $(COMPILED)

index: $(COMPILED)
	$(BOT) index build --if-stale

run: index
	$(BOT) run

# The tests run after the lint, so CI (.ci/run calls `make test`) checks both.
test: lint index
	$(PY) -m pytest -q

# Settings in pyproject.toml: ruff (lint and format) over the whole tree, mypy strict over bot/.
lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

bench: $(COMPILED)
	$(PY) bench/search_speed.py

bench-hostile: $(COMPILED)
	$(PY) bench/hostile.py

# Bench-only engines (bm25s, tantivy) and matplotlib live in the `bench` extra, never the runtime.
BENCH_STAMP := $(VENV)/.installed-bench
$(BENCH_STAMP): $(STAMP)
	$(PY) -m pip install -q -c requirements.lock -e ".[dev,bench]"
	touch $(BENCH_STAMP)

bench-scale: $(BENCH_STAMP)
	$(PY) bench/incremental.py
	$(PY) bench/scale.py

clean:
	rm -rf $(VENV) index/builds index/current index/cache
