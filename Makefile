# The two commands of the README: `make run` and `make test`. Both create .venv on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test lint bench check-kb eval clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Reinstall only when the dependency list changes.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $@ $(VENV)/.installed

run: $(VENV)/.installed
	$(BIN)/python main.py

test: $(VENV)/.installed-dev lint
	$(BIN)/python -m pytest -q

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

check-kb: $(VENV)/.installed
	$(BIN)/python main.py check-kb

eval: $(VENV)/.installed
	$(BIN)/python main.py eval ../shared/eval/dev-questions.yaml

bench: $(VENV)/.installed-dev
	$(BIN)/python -m benchmarks.matcher
	$(BIN)/python -m benchmarks.telegram_load
	$(BIN)/python -m benchmarks.reports_load
	$(BIN)/python -m benchmarks.whatsapp_load


clean:
	rm -rf $(VENV) build *.egg-info
