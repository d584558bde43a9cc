# The two commands a newcomer needs: `make run` and `make test`. Both create .venv if missing.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
# The CPU build of torch: plain `pip install torch` on Linux pulls several GB of CUDA wheels.
TORCH_SPEC ?= torch==2.13.0
TORCH_INDEX ?=

.PHONY: install run test test-all lint format clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	@echo "==> Installing Svetofor and its dependencies into $(VENV) (the first time takes 2-5 minutes)"
	$(BIN)/python -m pip install --quiet --upgrade pip
	@echo "==> 1/2: torch, the CPU build (the largest download)"
	$(BIN)/python -m pip install --progress-bar on $(if $(TORCH_INDEX),--index-url $(TORCH_INDEX)) "$(TORCH_SPEC)"
	@echo "==> 2/2: Svetofor and the rest (pip lists each package as it goes)"
	$(BIN)/python -m pip install --progress-bar on -e '.[dev]'
	touch $(STAMP)
	@echo "==> Installed"

install: $(STAMP)

run: install
	@echo "==> Creating or migrating the database"
	$(BIN)/svetofor init
	@echo "==> Starting the service (the sentiment model loads in the background, about 10 s)"
	$(BIN)/svetofor serve --demo

# The coverage floor is `fail_under` in pyproject.toml.
# The suite runs on TEST_WORKERS processes (pytest-xdist; a file's tests stay in one process),
# then the topology tests alone: they start APIs and workers of their own and time them.
TEST_WORKERS ?= 2
test: install
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadfile -m "not slow and not topology" \
	  --cov --cov-report= --cov-fail-under=0 --durations=15
	$(BIN)/python -m pytest -m topology --cov --cov-append --cov-report=term:skip-covered

# Also the slow tests (real-model accuracy).
test-all: install
	$(BIN)/python -m pytest -m "slow or not slow"

# Every package, tests included (mypy strict; tests have a relaxed override in pyproject.toml).
PACKAGES := analytics api bench classifier core crawlers desk models services svetofor training workers tests

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy $(PACKAGES)

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
