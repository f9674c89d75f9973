"""LoRA + interest-adapter training (SFT or DPO) on copy_gold data, on CPU or GPU, resumable.

One loop serves a laptop CPU run, `torchrun`/`accelerate launch` with several processes (each takes its
slice of every batch, gradients are averaged) and a GPU. The batch order is a pure function of the seed
and the step, so a run resumed from a checkpoint sees exactly the batches it would have seen. Loss is
logged to `OUT/log.jsonl`; checkpoints (LoRA, interest adapter, optimiser, scheduler) go to
`OUT/checkpoints/step-N`; the finished adapter goes to `OUT/adapter` with `promogen_adapter.json`, which
records the data hash, seed, steps and wall time.
"""

from __future__ import annotations

import copy
import hashlib
import json
import math
import os
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import torch
from torch import nn
from tqdm import tqdm

from ..conditioning import (
    AdapterConfig,
    InterestAdapter,
    load_adapter,
    lora_config,
    place_soft_prompt,
    read_adapter_config,
    save_adapter,
)
from ..config import Config, option
from ..hardware import bf16_native, describe
from ..models import DEFAULT_LLM, pinned, resolve_llm, same_model
from ..prompts import build_messages, shared_chars
from ..provenance import code_version
from ..types import Campaign, ValidationError


@dataclass
class TrainConfig(Config):
    data: list = option(
        ["runs/gold/sft.jsonl"],
        "JSONL files: SFT rows from finetune/build_gold.py, or preference pairs from build_pairs.py (dpo)",
    )
    out: str = option("runs/lora", "run folder: log.jsonl, checkpoints/ and the finished adapter/")
    base_model: str = option(DEFAULT_LLM, "causal LM to adapt: the pulled default or a local dir")
    steps: int = option(80, "optimiser steps")
    batch_size: int = option(8, "examples per step, over all processes")
    lr: float = option(3e-4, "peak learning rate of the LoRA weights")
    interest_lr: float = option(1e-3, "peak learning rate of the interest adapter")
    warmup: int = option(5, "linear warm-up steps before the cosine decay")
    max_length: int = option(256, "tokens per example; longer prompts are cut from the left")
    interest_dropout: float = option(
        0.3, "share of training prompts shown without interest phrases, so the soft prompt must carry them"
    )
    neftune_alpha: float = option(
        0.0,
        "sft: NEFTune noise on the token embeddings while training, uniform within alpha/sqrt(length*dim), "
        "length being the padded batch's, as in Hugging Face's trainer (Jain et al. 2023; 0: off)",
    )
    seed: int = option(0, "seed for initialisation and batch order")
    save_every: int = option(20, "steps between checkpoints")
    keep_checkpoints: int = option(2, "checkpoints kept on disk (older ones are deleted)")
    resume: bool = option(
        True,
        "continue from the newest checkpoint in OUT/checkpoints if there is one (off: start at step 0, "
        "and OUT/log.jsonl starts empty)",
    )
    autocast: str = option(
        "auto", "bf16 autocast of the forward pass: auto (where the hardware runs bf16 natively), on, off"
    )
    objective: str = option(
        "sft", "sft: next-token loss on `target`; dpo: preference pairs (`chosen` over `rejected`)"
    )
    init_adapter: str | None = option(
        None, "start from this adapter folder (e.g. the SFT run's); for dpo it is also the reference model"
    )
    beta: float = option(0.1, "dpo: how far the policy may move from the reference (higher = less)")
    sft_weight: float = option(
        1.0, "dpo: weight of the chosen message's next-token loss added to the DPO loss"
    )
    adapter: AdapterConfig = field(
        default_factory=AdapterConfig, metadata={"help": "LoRA and interest-adapter shape"}
    )

    def __post_init__(self) -> None:
        if isinstance(self.data, str):
            self.data = [self.data]
        if isinstance(self.adapter, dict):
            self.adapter = AdapterConfig.from_dict(self.adapter)
        if self.init_adapter == "":  # `--set init_adapter=` clears it: recorded as none, as by default
            self.init_adapter = None
        self._record_base()
        self._range("steps", 1)
        self._range("batch_size", 1)
        self._range("lr", 0.0, 1.0)
        self._range("interest_lr", 0.0, 1.0)
        self._range("warmup", 0)
        self._range("max_length", 16)
        self._range("interest_dropout", 0.0, 1.0)
        self._range("save_every", 1)
        self._range("keep_checkpoints", 1)
        self._choice("autocast", ("auto", "on", "off"))
        self._choice("objective", ("sft", "dpo"))
        self._range("beta", 0.0)
        self._range("sft_weight", 0.0)
        self._range("neftune_alpha", 0.0)
        if self.objective == "dpo" and self.neftune_alpha:
            # The reference sees clean embeddings, so noise in the policy alone would be a margin of its own.
            raise ValidationError("`neftune_alpha` is for sft only: leave it 0 when objective is dpo")
        if self.objective == "dpo" and not self.init_adapter:
            raise ValidationError("`init_adapter` is required when objective is dpo (the reference model)")

    def _record_base(self) -> None:
        """The adapter records the base it is trained on (`pinned`); a different `adapter.base_model` is a
        contradiction."""
        named = self.adapter.base_model
        if named != DEFAULT_LLM and not same_model(named, self.base_model):
            raise ValidationError(
                f"`adapter.base_model` is {named!r} but `base_model` is {self.base_model!r}; "
                "leave `adapter.base_model` out: training sets it"
            )
        self.adapter = replace(self.adapter, base_model=pinned(self.base_model))


class Conditioned(nn.Module):
    """The LoRA-wrapped LM and the interest adapter as one module, so DDP averages both; with
    `neftune_alpha`, NEFTune's noise on the token embeddings in training mode."""

    def __init__(self, lm, interest: InterestAdapter | None, neftune_alpha: float = 0.0):
        super().__init__()
        self.lm, self.interest, self.neftune_alpha = lm, interest, neftune_alpha

    def inputs(
        self, input_ids, attention_mask, labels, vectors, soft_at=None
    ) -> tuple[dict, torch.Tensor | None]:
        """The LM inputs (token embeddings, with NEFTune's noise while training, and the soft prompt after
        each row's first `soft_at` tokens) and the labels aligned to them."""
        tokens = self.lm.get_input_embeddings()(input_ids)
        if self.training and self.neftune_alpha:
            # On the words only, before the soft prompt joins them: that is the interest adapter's own
            # output, which NEFTune's noise (meant to stop the model fitting exact token embeddings) is not.
            # The length is the padded width of this process's slice, as in Hugging Face's hook.
            bound = self.neftune_alpha / math.sqrt(tokens.shape[1] * tokens.shape[2])
            tokens = tokens + torch.empty_like(tokens).uniform_(-bound, bound)
        if self.interest is None:
            positions = (attention_mask.cumsum(1) - 1).clamp(min=0)
            return {
                "inputs_embeds": tokens,
                "attention_mask": attention_mask,
                "position_ids": positions,
            }, labels
        embeds, mask, positions, labels = place_soft_prompt(
            tokens, attention_mask, self.interest(vectors), labels, at=soft_at
        )
        return {"inputs_embeds": embeds, "attention_mask": mask, "position_ids": positions}, labels

    def forward(self, input_ids, attention_mask, labels, vectors, soft_at=None, logps: bool = False):
        """The LM's output with its token loss; with `logps`, `sequence_logps` instead. DPO calls the
        module (not the method) so that under DDP the forward runs through the wrapper, whose hooks
        average the gradients between processes."""
        if logps:
            return self.sequence_logps(input_ids, attention_mask, labels, vectors, soft_at)
        inputs, labels = self.inputs(input_ids, attention_mask, labels, vectors, soft_at)
        return self.lm(**inputs, labels=labels)

    def sequence_logps(self, input_ids, attention_mask, labels, vectors, soft_at=None):
        """Per row: the summed log-probability of the labelled (target) tokens, and their count."""
        inputs, labels = self.inputs(input_ids, attention_mask, labels, vectors, soft_at)
        logits, targets = self.lm(**inputs).logits[:, :-1].float(), labels[:, 1:]
        mask = targets != -100
        picked = torch.log_softmax(logits, -1).gather(-1, targets.clamp(min=0).unsqueeze(-1)).squeeze(-1)
        return (picked * mask).sum(1), mask.sum(1)


def read_sft(files: list[Path]) -> list[dict]:
    """SFT rows of several JSONL files, read line by line (optional campaign fields vary between rows)."""
    rows = []
    for path in files:
        with path.open(encoding="utf-8") as handle:
            for number, line in enumerate(handle, start=1):
                if line.strip():
                    try:
                        rows.append(json.loads(line))
                    except json.JSONDecodeError as exc:
                        raise ValidationError(f"{path}: broken JSON: {exc.msg} (line {number})") from exc
    return rows


def encode_examples(rows: list[dict], tokenizer, config: TrainConfig):
    """A `datasets.Dataset` of prompt (without the worked example unless the adapter asks for it) +
    target + end-of-turn token, with labels only on the target, and `soft_at`: the prompt tokens
    before the soft prompt (0 unless the adapter's `soft_prompt` is after_campaign: then the tokens of
    the text all the campaign's shoppers share, tokenised apart from the rest as generation does).
    For dpo each row holds the chosen message (`input_ids`, `labels`) and the rejected one
    (`rejected_ids`, `rejected_labels`)."""
    from datasets import Dataset

    sides = ("target",) if config.objective == "sft" else ("chosen", "rejected")
    for i, row in enumerate(rows, start=1):
        for key in ("campaign", "interests", "vector", *sides):
            if key not in row:
                raise ValidationError(f"training data: `{key}` is missing (example {i})")
        if len(row["vector"]) != config.adapter.interest_dim:
            raise ValidationError(
                f"`vector` must have {config.adapter.interest_dim} numbers, "
                f"got {len(row['vector'])} (example {i})"
            )
    # Dropout only makes sense when a soft prompt can carry the interests instead.
    hide = np.random.default_rng(config.seed).random(len(rows)) < (
        config.interest_dropout * (config.adapter.k > 0)
    )

    def target(text: str) -> list[int]:
        return tokenizer(text + tokenizer.eos_token, add_special_tokens=False)["input_ids"]

    def tokens(
        shared: list[int], rest: list[int], t: list[int], room: int
    ) -> tuple[list[int], list[int], int]:
        p = shared + rest
        cut = max(0, len(p) - (config.max_length - room))  # a long prompt loses its start
        return p[cut:] + t, [-100] * (len(p) - cut) + t, max(0, len(shared) - cut)

    def chat(campaign: Campaign, interests: list[str]) -> str:
        messages = build_messages(campaign, interests, demonstration=config.adapter.demonstration)
        return tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)

    def encode(row: dict, index: int) -> dict:
        campaign = Campaign.from_dict(json.loads(row["campaign"]))
        prompt = chat(campaign, [] if hide[index] else row["interests"])
        cut = (
            shared_chars(prompt, chat(campaign, [])) if config.adapter.soft_prompt == "after_campaign" else 0
        )
        parts = [tokenizer(x, add_special_tokens=False)["input_ids"] for x in (prompt[:cut], prompt[cut:])]
        targets = [target(row[side]) for side in sides]
        # A pair's two messages must follow the same prompt, or its margin compares two contexts: the
        # prompt is cut to leave room for the longer one.
        room = max(len(t) for t in targets)
        if room >= config.max_length:
            raise ValidationError(
                f"training data: example {index + 1}'s message is {room} tokens, which leaves its prompt "
                f"no room in `max_length` {config.max_length}"
            )
        out = dict(zip(("input_ids", "labels", "soft_at"), tokens(*parts, targets[0], room), strict=True))
        if len(sides) == 2:
            keys = ("rejected_ids", "rejected_labels", "rejected_soft_at")
            out.update(zip(keys, tokens(*parts, targets[1], room), strict=True))
        return out

    # Campaigns travel as JSON text: their optional fields differ between rows, which Arrow cannot type.
    columns = {
        "campaign": [json.dumps(r["campaign"]) for r in rows],
        "interests": [r["interests"] for r in rows],
        **{side: [r[side] for r in rows] for side in sides},
        "vector": [np.asarray(r["vector"], dtype=np.float32) for r in rows],
    }
    return Dataset.from_dict(columns).map(
        encode, with_indices=True, remove_columns=["campaign", "interests", *sides]
    )


def pair_batch(examples: list[dict], pad_id: int) -> dict[str, torch.Tensor]:
    """Chosen rows then rejected rows in one left-padded batch (row i and row i + n share a prompt)."""
    rejected = [
        {
            "input_ids": e["rejected_ids"],
            "labels": e["rejected_labels"],
            "soft_at": e["rejected_soft_at"],
            "vector": e["vector"],
        }
        for e in examples
    ]
    return collate(list(examples) + rejected, pad_id)


def dpo_loss(policy, reference, batch: dict, beta: float, sft_weight: float) -> torch.Tensor:
    """DPO on the chosen-vs-rejected margin against the frozen reference, plus the chosen's token loss."""
    logps, counts = policy(**batch, logps=True)
    with torch.no_grad():
        ref, _ = reference(**batch, logps=True)
    n = len(logps) // 2
    margin = (logps[:n] - ref[:n]) - (logps[n:] - ref[n:])
    nll = -(logps[:n] / counts[:n].clamp(min=1)).mean()
    return -torch.nn.functional.logsigmoid(beta * margin).mean() + sft_weight * nll


def collate(examples: list[dict], pad_id: int) -> dict[str, torch.Tensor]:
    """Left padding, as at generation time, so the soft prompt sits in the same place."""
    width = max(len(e["input_ids"]) for e in examples)
    ids = torch.full((len(examples), width), pad_id, dtype=torch.long)
    labels = torch.full_like(ids, -100)
    mask = torch.zeros_like(ids)
    for row, e in enumerate(examples):
        n = len(e["input_ids"])
        ids[row, width - n :] = torch.tensor(e["input_ids"])
        labels[row, width - n :] = torch.tensor(e["labels"])
        mask[row, width - n :] = 1
    vectors = torch.from_numpy(np.stack([np.asarray(e["vector"], dtype=np.float32) for e in examples]))
    soft_at = torch.tensor([e["soft_at"] for e in examples], dtype=torch.long)
    return {
        "input_ids": ids,
        "attention_mask": mask,
        "labels": labels,
        "vectors": vectors,
        "soft_at": soft_at,
    }


def batch_indices(step: int, n: int, batch_size: int, seed: int) -> list[int]:
    """Example indices of one step: epochs are seeded permutations, so step -> batch never changes."""
    start = step * batch_size
    out = []
    for pos in range(start, start + batch_size):
        epoch, offset = divmod(pos, n)
        out.append(int(np.random.default_rng([seed, epoch]).permutation(n)[offset]))
    return out


def _checkpoints(out: Path) -> list[Path]:
    finished = [p.parent for p in (out / "checkpoints").glob("step-*/state.pt")]
    return sorted(finished, key=lambda p: int(p.name.split("-")[1]))


@dataclass
class TrainResult:
    adapter: Path
    summary: dict
    model: nn.Module  # the trained Conditioned module (unwrapped), for checks right after training
    main: bool = True  # this is the main process (the one that saved; the only one that should report)


def train(config: TrainConfig, progress: bool = True) -> TrainResult:
    """Train LoRA + interest adapter; resumes from OUT/checkpoints when `config.resume`."""
    from accelerate import Accelerator
    from transformers import get_cosine_schedule_with_warmup

    started = time.time()
    out = Path(config.out)
    files = _data_files(config)
    accelerator = Accelerator(cpu=not torch.cuda.is_available())
    _check_split(config.batch_size, accelerator.num_processes)
    torch.manual_seed(config.seed)
    tokenizer, lm, interest = _load_models(config)
    module, reference = _policy_and_reference(Conditioned(lm, interest, config.neftune_alpha), config)
    rows = read_sft(files)
    if not rows:
        raise ValidationError(f"{config.data} hold no examples")
    examples = encode_examples(rows, tokenizer, config)
    optimizer = _optimizer(lm, interest, config)
    scheduler = get_cosine_schedule_with_warmup(optimizer, config.warmup, config.steps)
    module, optimizer = accelerator.prepare(module, optimizer)
    if reference is not None:
        reference.to(accelerator.device)  # `prepare` moved the policy (to a GPU where there is one)
    # Weights stay fp32; bf16 matmuls are 3x faster on a CPU with AMX (measured), and not emulated elsewhere.
    use_bf16 = config.autocast == "on" or (config.autocast == "auto" and bf16_native(accelerator.device))
    saved = _checkpoints(out) if config.resume else []
    step = _resume(saved, accelerator, module, optimizer, scheduler)

    main = accelerator.is_main_process
    if main:
        out.mkdir(parents=True, exist_ok=True)
        config.save(out / "train_config.json")
    log = _open_log(out / "log.jsonl", step) if main else None
    bar = tqdm(
        total=config.steps, initial=step, unit="step", disable=not (progress and main), dynamic_ncols=True
    )
    module.train()
    losses: list[float] = []
    while step < config.steps:
        # Dropout's draws are a function of (seed, step, process), so a resumed run draws what the
        # uninterrupted one would have (a checkpoint holds no RNG state).
        torch.manual_seed(config.seed * 1_000_003 + step * 1_009 + accelerator.process_index)
        lr = scheduler.get_last_lr()[0]  # the rate this step trains at (`_step` moves the schedule on)
        batch = _batch(
            step, examples, tokenizer.pad_token_id, accelerator, config, paired=reference is not None
        )
        value = _step(module, reference, batch, accelerator, optimizer, scheduler, config, use_bf16)
        step += 1
        if not math.isfinite(value):
            raise RuntimeError(f"loss became {value} at step {step}; lower `lr`")
        losses.append(value)
        if main:
            _log_step(log, bar, step, value, lr, started)
        if main and (step % config.save_every == 0 or step == config.steps):
            _save_checkpoint(
                out, step, accelerator.unwrap_model(module), optimizer, scheduler, config.keep_checkpoints
            )
        accelerator.wait_for_everyone()
    bar.close()

    trained = accelerator.unwrap_model(module)
    agree = _processes_agree(trained, accelerator)
    resumed_at = int(saved[-1].name.split("-")[1]) if saved else 0
    summary = _summary(
        config, files, len(examples), accelerator, use_bf16, agree, resumed_at, losses, started
    )
    adapter_dir = out / "adapter"
    if main:
        save_adapter(adapter_dir, trained.lm, trained.interest, config.adapter, summary)
        log.close()
    accelerator.wait_for_everyone()
    # The process group ends with the run: left to interpreter exit, gloo's threads can abort a process
    # whose work is done (SIGABRT; pytorch/pytorch#179291). A no-op in one process.
    accelerator.end_training()
    return TrainResult(adapter_dir, summary, trained.eval(), main)


def _check_split(batch_size: int, processes: int) -> None:
    if batch_size % processes:
        # Each process averages its own slice and the gradients are averaged over processes, so uneven
        # slices would weigh the examples of a smaller one more.
        raise ValidationError(
            f"`batch_size` {batch_size} does not split evenly over {processes} "
            "processes: make it a multiple of the process count"
        )


def _policy_and_reference(module: Conditioned, config: TrainConfig) -> tuple[Conditioned, Conditioned | None]:
    """The module to train and, for dpo, a frozen copy of it as the reference model."""
    if config.objective != "dpo":
        return module, None
    # No dropout in the policy either (as TRL's DPO does by default): the margin compares the policy's
    # log-probabilities with the reference's, and dropout noise in one of them is a margin of its own
    # (at step 1, where the two are the same weights, the loss was not log 2).
    for layer in module.modules():
        if isinstance(layer, torch.nn.Dropout):
            layer.p = 0.0
    return module, copy.deepcopy(module).eval().requires_grad_(False)


def _summary(
    config: TrainConfig, files, examples: int, accelerator, use_bf16, agree, resumed_at, losses, started
) -> dict:
    """The run's record, saved with the adapter (`promogen_adapter.json`'s `training`)."""
    return {
        "data": [str(d) for d in files],
        "data_sha1": hashlib.sha1(b"".join(d.read_bytes() for d in files)).hexdigest(),
        "examples": examples,
        "seed": config.seed,
        "steps": config.steps,
        "batch_size": config.batch_size,
        "processes": accelerator.num_processes,
        "processes_agree": agree,
        "device": str(accelerator.device),
        "bf16_autocast": use_bf16,
        # The adapter's config keeps its lora_dropout; a DPO run trained with none (`_policy_and_reference`).
        "dropout_off": config.objective == "dpo",
        "neftune_alpha": config.neftune_alpha,
        "hardware": describe(),
        # The commit that trained it: a record read weeks later says which code its figures came from.
        "code": code_version(),
        "resumed_at": resumed_at,
        "first_loss": round(losses[0], 4) if losses else None,
        "last_loss": round(losses[-1], 4) if losses else None,
        "wall_s": round(time.time() - started, 1),
        "objective": config.objective,
        # The adapter this run started from, with its own record: the whole recipe, stage by stage.
        "init": read_adapter_config(config.init_adapter)[1] if config.init_adapter else None,
    }


def _processes_agree(trained: Conditioned, accelerator) -> bool:
    """Whether every process ended with the weights the first saves: each trains on its slice of the
    batch, so only averaged gradients keep them equal (a DPO step that bypassed DDP let them drift)."""
    params = [p.detach().double().flatten() for p in trained.parameters() if p.requires_grad]
    checksum = torch.stack([torch.cat(params).sum(), torch.cat(params).abs().sum()]).to(accelerator.device)
    every = accelerator.gather(checksum[None]).reshape(-1, 2)
    return bool(torch.allclose(every, every[:1], rtol=1e-9, atol=0))


def _data_files(config: TrainConfig) -> list[Path]:
    files = [Path(d) for d in config.data]
    for data in files:
        if not data.is_file():
            raise ValidationError(
                f"training data not found: {data} (run finetune/build_gold.py or build_pairs.py first)"
            )
    return files


def _load_models(config: TrainConfig):
    """(tokenizer, LoRA-wrapped LM, interest adapter or None): fresh, or from `config.init_adapter`."""
    from peft import get_peft_model
    from transformers import AutoModelForCausalLM, AutoTokenizer

    path = resolve_llm(config.base_model)
    tokenizer = AutoTokenizer.from_pretrained(path)
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    base = AutoModelForCausalLM.from_pretrained(path, dtype=torch.float32)
    if config.init_adapter:
        # The starting adapter fixes the shape; with dpo a frozen copy of it is the reference model.
        lm, interest, loaded = load_adapter(config.init_adapter, base, config.base_model, trainable=True)
        asked = replace(config.adapter, base_model=loaded.base_model)
        if asked not in (loaded, AdapterConfig(base_model=loaded.base_model)):
            raise ValidationError(
                f"`adapter` settings come from `init_adapter` ({config.init_adapter}), which differs: "
                "leave `adapter` out of a config that starts from an adapter"
            )
        config.adapter = loaded
        return tokenizer, lm, interest
    lm = get_peft_model(base, lora_config(config.adapter))
    embedding = lm.get_input_embeddings().weight
    interest = (
        InterestAdapter(
            config.adapter.interest_dim, config.adapter.k, embedding.shape[1], embedding.mean(0).detach()
        )
        if config.adapter.k > 0
        else None
    )
    return tokenizer, lm, interest


def _optimizer(lm, interest, config: TrainConfig) -> torch.optim.Optimizer:
    """AdamW with one learning rate for the LoRA weights and another for the interest adapter."""
    groups = [{"params": [p for p in lm.parameters() if p.requires_grad], "lr": config.lr}]
    if interest is not None:
        groups.append({"params": list(interest.parameters()), "lr": config.interest_lr})
    return torch.optim.AdamW(groups, weight_decay=0.0)


def _resume(saved: list[Path], accelerator, module, optimizer, scheduler) -> int:
    """Load the newest finished checkpoint, if any; the step to continue from."""
    if not saved:
        return 0
    state = torch.load(saved[-1] / "state.pt", map_location="cpu", weights_only=False)
    accelerator.unwrap_model(module).load_state_dict(state["trainable"], strict=False)
    optimizer.load_state_dict(state["optimizer"])
    scheduler.load_state_dict(state["scheduler"])
    accelerator.print(f"resumed from {saved[-1]} at step {state['step']}")
    return state["step"]


def _batch(step: int, examples, pad_id: int, accelerator, config: TrainConfig, paired: bool) -> dict:
    """This process's slice of the step's batch, collated (chosen + rejected rows when `paired`)."""
    indices = batch_indices(step, len(examples), config.batch_size, config.seed)
    mine = indices[accelerator.process_index :: accelerator.num_processes]
    make = pair_batch if paired else collate
    return {k: v.to(accelerator.device) for k, v in make([examples[i] for i in mine], pad_id).items()}


def _step(module, reference, batch, accelerator, optimizer, scheduler, config, use_bf16: bool) -> float:
    """One optimiser step; the loss averaged over processes."""
    with torch.autocast(accelerator.device.type, dtype=torch.bfloat16, enabled=use_bf16):
        if reference is None:
            loss = module(**batch).loss
        else:
            loss = dpo_loss(module, reference, batch, config.beta, config.sft_weight)
    accelerator.backward(loss)
    optimizer.step()
    scheduler.step()
    optimizer.zero_grad()
    return float(accelerator.reduce(loss.detach(), reduction="mean"))


def _open_log(path: Path, step: int):
    """The run's log for appending, holding only the steps up to `step`, where training continues: a
    killed run logged the steps after its last checkpoint, which the resumed run trains again."""
    kept = []
    if path.is_file():
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                if json.loads(line)["step"] <= step:
                    kept.append(line + "\n")
            except (json.JSONDecodeError, KeyError, TypeError):
                continue  # a line torn by the kill
    partial = path.with_suffix(".jsonl.partial")  # a kill while rewriting leaves the old log whole
    partial.write_text("".join(kept), encoding="utf-8")
    os.replace(partial, path)
    return path.open("a", encoding="utf-8")


def _log_step(log, bar, step: int, loss: float, lr: float, started: float) -> None:
    row = {"step": step, "loss": round(loss, 5), "lr": lr, "elapsed_s": round(time.time() - started, 1)}
    log.write(json.dumps(row) + "\n")
    log.flush()
    bar.update(1)
    bar.set_postfix(loss=f"{loss:.3f}")


def _save_checkpoint(out: Path, step: int, module: Conditioned, optimizer, scheduler, keep: int) -> None:
    directory = out / "checkpoints" / f"step-{step:06d}"
    directory.mkdir(parents=True, exist_ok=True)
    trainable = {
        k: v.detach().cpu()
        for k, v in module.state_dict().items()
        if "lora_" in k or k.startswith("interest.")
    }
    state = {
        "trainable": trainable,
        "optimizer": optimizer.state_dict(),
        "scheduler": scheduler.state_dict(),
        "step": step,
    }
    # Write then rename, so a kill during the save never leaves a half-written newest checkpoint.
    torch.save(state, directory / "state.pt.tmp")
    (directory / "state.pt.tmp").replace(directory / "state.pt")
    for old in _checkpoints(out)[:-keep]:
        for f in old.iterdir():
            f.unlink()
        old.rmdir()
