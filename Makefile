# Two commands on a fresh machine with Python >= 3.11:
#   make demo   set up .venv and run the main job on the bundled demo cohort
#   make test   set up .venv with the development tools and run the whole test suite
# and make docs builds the documentation site (docs/ -> docs/_build/html, warnings are errors).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PIP    := $(BIN)/python -m pip --disable-pip-version-check -q

.PHONY: demo test docs lint format typecheck data-dictionary clean

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "netsurv needs Python >= 3.11 (set PYTHON=python3.11)")'
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --upgrade pip

$(VENV)/.run-installed: pyproject.toml | $(BIN)/python
	$(PIP) install -e ".[notebooks]"
	@touch $@

$(VENV)/.dev-installed: pyproject.toml | $(BIN)/python
	$(PIP) install -e ".[dev,notebooks]"
	@touch $@ $(VENV)/.run-installed

demo: $(VENV)/.run-installed
	$(BIN)/netsurv run analyses/demo.toml --overwrite

# the suite on one process per core (pytest-xdist; PYTEST_XDIST_AUTO_NUM_WORKERS=1 for one),
# each test file whole in one process, the files in the order they are collected
test: $(VENV)/.dev-installed
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -q -p no:cacheprovider -n auto --dist loadfile --no-loadscope-reorder

docs: $(VENV)/.dev-installed
	rm -rf docs/_build docs/generated
	$(BIN)/python -m sphinx -W --keep-going -b html docs docs/_build/html
	@echo "docs/_build/html/index.html"

lint: $(VENV)/.dev-installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: $(VENV)/.dev-installed
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

typecheck: $(VENV)/.dev-installed
	$(BIN)/mypy

data-dictionary: $(VENV)/.run-installed
	$(BIN)/netsurv data-dictionary --out data_dictionary

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache docs/_build docs/generated
