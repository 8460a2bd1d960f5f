# Two commands on a fresh machine:  make demo   and   make test
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin

.PHONY: demo test bench clean

$(BIN)/.installed: pyproject.toml scripts/bootstrap-venv.sh
	bash scripts/bootstrap-venv.sh $(PYTHON) $(VENV)
	touch $@

$(BIN)/.installed-dev: pyproject.toml scripts/test-setup.sh
	bash scripts/test-setup.sh $(PYTHON) $(VENV)
	touch $@

## Run the whole pipeline on a self-generated clip (nothing leaves the machine).
demo: $(BIN)/.installed
	$(BIN)/glimpse demo

## Install everything the tests need (venv, Debian packages), then lint, type-check and test.
test: $(BIN)/.installed-dev
	$(BIN)/ruff check edge tests scripts
	$(BIN)/ruff format --check edge tests scripts
	$(BIN)/mypy --strict edge
	$(BIN)/pytest -q

bench: $(BIN)/.installed
	$(BIN)/glimpse bench

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
