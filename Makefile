# Set-up is idempotent: every target builds the venv first if it is missing.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
export HF_HUB_OFFLINE := 1
export TOKENIZERS_PARALLELISM := false

.PHONY: install models demo test test-fast lint clean sft adapter ablation bench

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

# The shipped adapter: best-of-N data from Amazon valid.csv users, then LoRA + interest adapter training.
DATA ?= ../shared/data
# Round 1: the base model writes the candidates; round 2: the round-1 adapter does, for new users.
sft: models
	$(BIN)/python finetune/build_sft.py --amazon $(DATA)/amazon/Office_Products --prompts 200 --n 8 --out runs/sft
	$(BIN)/python finetune/train_lora.py --config finetune/configs/lora_round1.yaml
	$(BIN)/python finetune/build_sft.py --amazon $(DATA)/amazon/Office_Products --prompts 200 --n 8 \
		--adapter runs/lora/adapter --exclude runs/sft/users.txt --seed 1 --out runs/sft2

adapter: sft
	$(BIN)/python finetune/train_lora.py --config finetune/configs/lora.yaml
	rm -rf promogen/weights/adapter && mkdir -p promogen/weights/adapter
	cp runs/lora_final/adapter/*.json runs/lora_final/adapter/*.safetensors promogen/weights/adapter/

# The ablation table in the README (Amazon test.csv users not used for training).
ablation: models
	$(BIN)/python finetune/train_lora.py --config finetune/configs/lora_only.yaml
	$(BIN)/python -m eval.harness --campaign run20 --users $(DATA)/amazon/Office_Products/test.csv \
		--exclude runs/sft/users.txt runs/sft2/users.txt --n-users 50 --examples 0 --out reports/ablation \
		--variant base=adapter=none --variant lora=adapter=runs/lora_only/adapter \
		--variant lora+interest=adapter=promogen/weights/adapter \
		--variant shuffled=adapter=promogen/weights/adapter,shuffle_vectors=true

bench: models
	$(BIN)/python -m eval.bench_batch --users 16 --n-candidates 4 --int8 --out reports/bench_batch.json

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
