# Two entry points (see README): `make run` sets up and opens Hearth, `make test` sets up and
# runs every check. Both create .venv on first use and reinstall when pyproject.toml changes.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin

.PHONY: run test check lint typecheck imports pytest bench models clean

run: $(VENV)/.ready-run
	$(BIN)/hearth

test: $(VENV)/.ready-test
	$(MAKE) --no-print-directory check

check: lint typecheck imports pytest

lint:
	$(BIN)/ruff check desktop tests
typecheck:
	$(BIN)/mypy
imports:
	$(BIN)/lint-imports
pytest:
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# Benchmarks are not part of `make test`: they take minutes and print figures, not verdicts.
bench: $(VENV)/.ready-test
	$(BIN)/python -m tests.perf

# llama.cpp is built for this CPU without -march=native (packaging/llama_cmake_args.py says why);
# --no-cache-dir because pip's wheel cache ignores CMAKE_ARGS.
LLAMA_CPP := llama-cpp-python==$(shell sed -n 's/.*"llama-cpp-python==\([0-9.]*\)".*/\1/p' pyproject.toml | head -n 1)

$(VENV)/bin/python:
	$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Hearth needs Python 3.11+"'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	CMAKE_ARGS="$$($(PYTHON) packaging/llama_cmake_args.py)" \
	  $(BIN)/python -m pip install --quiet --no-cache-dir "$(LLAMA_CPP)"

$(VENV)/.ready-run: pyproject.toml | $(VENV)/bin/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.ready-test: pyproject.toml | $(VENV)/bin/python
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $@ $(VENV)/.ready-run

clean:
	rm -rf $(VENV) .cache .pytest_cache .mypy_cache .ruff_cache build dist *.egg-info

# A packaged build for air-gapped machines: PyInstaller bundle, archive and SHA256SUMS in dist/
# (packaging/README.md). BACKEND=cpu|cuda|metal|vulkan; MODEL=file.gguf embeds a default model;
# BUNDLE_ARGS passes more options to packaging/build.py (--wheelhouse, --reuse-wheel WHEEL …).
BACKEND ?= cpu
.PHONY: bundle
bundle: | $(VENV)/bin/python
	$(BIN)/python packaging/build.py --backend $(BACKEND) $(if $(MODEL),--model "$(MODEL)") $(BUNDLE_ARGS)
