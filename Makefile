# The two commands of the README: `make run` and `make test`. Both create .venv on first use.
PYTHON ?= python3
# Another Python gets a venv of its own: `make test PYTHON=python3.13 VENV=.venv-3.13`.
VENV ?= .venv
BIN := $(VENV)/bin

# Exact versions with their sha256 hashes, for what runs (LOCK) and for what tests (DEV_LOCK).
# pip refuses any file whose hash is not listed, and any dependency that is not pinned.
LOCK := requirements.lock
DEV_LOCK := requirements-dev.lock
# uv (to write the locks) and pip-audit (to check them) live apart from the project's venv.
TOOLS := .venv-tools/bin
# The build backend is locked too, so that installing the project itself fetches nothing.
BUILD_REQUIREMENT := setuptools>=69
LOCK_FLAGS := --universal --python-version 3.11 --generate-hashes --quiet \
	--custom-compile-command "make lock"

.PHONY: run test lint bench check-kb eval clean lock audit

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Reinstall only when a lock changes. The project itself: no dependencies, no build isolation
# (its build backend came from the lock).
$(VENV)/.installed: $(LOCK) | $(BIN)/python
	$(BIN)/python -m pip install --quiet --require-hashes -r $(LOCK)
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $@

$(VENV)/.installed-dev: $(DEV_LOCK) | $(BIN)/python
	$(BIN)/python -m pip install --quiet --require-hashes -r $(DEV_LOCK)
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $@ $(VENV)/.installed

$(TOOLS)/uv:
	$(PYTHON) -m venv .venv-tools
	$(TOOLS)/python -m pip install --quiet uv pip-audit

# Rewrite both locks from pyproject.toml after a dependency changed. Versions already locked
# are kept where they still fit; `make lock UPGRADE=--upgrade` moves everything to the newest.
lock: | $(TOOLS)/uv
	echo "$(BUILD_REQUIREMENT)" | $(TOOLS)/uv pip compile pyproject.toml - $(LOCK_FLAGS) \
		$(UPGRADE) -o $(LOCK)
	echo "$(BUILD_REQUIREMENT)" | $(TOOLS)/uv pip compile pyproject.toml - --extra dev \
		-c $(LOCK) $(LOCK_FLAGS) $(UPGRADE) -o $(DEV_LOCK)

# Known vulnerabilities in the locked versions; needs PyPI's JSON API (advisory data).
# --strict: a package that could not be checked fails the audit instead of passing silently.
audit: | $(TOOLS)/uv
	$(TOOLS)/pip-audit --strict --require-hashes --disable-pip -r $(DEV_LOCK)

run: $(VENV)/.installed
	$(BIN)/python main.py

# Two test workers per core (up to 8): many tests spend most of their time waiting on a bot
# process or a fake server, so one worker per core left the cores half idle.
TEST_WORKERS ?= $(shell $(PYTHON) -c 'import os; print(min(8, 2 * (os.cpu_count() or 1)))')

test: $(VENV)/.installed-dev lint
	$(BIN)/python -m pytest -q -n $(TEST_WORKERS)

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

check-kb: $(VENV)/.installed
	$(BIN)/python main.py check-kb

# Every question set there is: ../shared/eval/dev-questions.yaml when present, the validation
# set and the real messages in tests/data.
eval: $(VENV)/.installed
	$(BIN)/python main.py eval

bench: $(VENV)/.installed-dev
	$(BIN)/python -m benchmarks.matcher
	$(BIN)/python -m benchmarks.telegram_load
	$(BIN)/python -m benchmarks.reports_load
	$(BIN)/python -m benchmarks.regions_load
	$(BIN)/python -m benchmarks.charts
	$(BIN)/python -m benchmarks.ocr
	$(BIN)/python -m benchmarks.chaos
	$(BIN)/python -m benchmarks.whatsapp_load
	$(BIN)/python -m benchmarks.broadcast_load


clean:
	rm -rf $(VENV) .venv-tools build *.egg-info
