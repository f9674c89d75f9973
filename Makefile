# Set-up is idempotent: every target builds the venv first if it is missing.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
export HF_HUB_OFFLINE := 1
export TOKENIZERS_PARALLELISM := false

.PHONY: install models demo test test-fast lint clean

$(BIN)/promogen: pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	# A bare `torch` would pull a multi-GB CUDA build; this pin takes the CPU wheel when none is importable.
	$(BIN)/python -c "import torch" 2>/dev/null || $(BIN)/python -m pip install -q torch==2.13.0
	$(BIN)/python -m pip install -q -e ".[train,dev]"
	touch $(BIN)/promogen

install: $(BIN)/promogen

models: install
	$(BIN)/promogen models pull

demo: models
	$(BIN)/promogen demo

test: models
	$(BIN)/python -m pytest -q

test-fast: install
	$(BIN)/python -m pytest -q -m "not slow"

lint: install
	$(BIN)/ruff check promogen finetune eval tests
	$(BIN)/ruff format --check promogen finetune eval tests

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
