"""The copywriter: a small causal LLM that writes several candidate messages per prompt.

`Copywriter` is the contract the pipeline, the batch runner and the evaluator depend on; `Generator` is
the one implementation (tests use a fake with canned copy). Generation is batched with left padding (all
candidates of many users in one call), seeded so the same inputs reproduce the same copy, and followed
by a light copy-edit (`tidy`: first paragraph, no wrapping quotes or labels, never shortened) before the
hard checks judge the result. The same model scores fluency as perplexity.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, runtime_checkable

import numpy as np
import torch

from .checks import gsm7, normalise
from .conditioning import load_adapter, place_soft_prompt
from .config import Config, option
from .models import DEFAULT_LLM, ModelNotFoundError, resolve_llm
from .types import ValidationError

if TYPE_CHECKING:
    from .conditioning import InterestAdapter

_LABEL = re.compile(
    r"^\s*(?:push notification|notification|sms|text|subject(?: line)?|banner|headline|message)"
    r"\s*[:\-]\s*",
    re.I,
)
_QUOTES = "\"'“”‘’"


@dataclass
class GeneratorConfig(Config):
    model: str = option(DEFAULT_LLM, "causal LM: the pulled default, a local dir or a cached hub id")
    max_new_tokens: int = option(56, "tokens generated per candidate")
    temperature: float = option(0.7, "sampling temperature (0 = greedy)")
    top_p: float = option(0.95, "nucleus sampling mass")
    top_k: int = option(50, "sample from the k most likely tokens (0 = no limit)")
    repetition_penalty: float = option(1.1, "penalty > 1 discourages the model from repeating itself")
    batch_size: int = option(48, "sequences per generate call; larger is faster on CPU until memory binds")
    dtype: str = option(
        "float32",
        "model weights: float32, bfloat16, or int8 (dynamic quantisation of the linear layers, CPU)",
    )

    def __post_init__(self) -> None:
        self._range("max_new_tokens", 1, 1024)
        self._range("temperature", 0.0, 5.0)
        self._range("top_p", 0.0, 1.0)
        self._range("top_k", 0)
        self._range("repetition_penalty", 0.5, 3.0)
        self._range("batch_size", 1)
        self._choice("dtype", ("float32", "bfloat16", "int8"))


def tidy(text: str) -> str:
    """Copy-edit raw model output: first paragraph, normalised characters, no label or wrapping quotes.

    It never shortens: a cut could drop a qualifying clause ("on orders over $50") and deliver a
    different offer, so a copy that is too long fails the gate instead.
    """
    text = normalise(text).strip().split("\n\n")[0]
    text = " ".join(text.split())
    text = _LABEL.sub("", text).strip()
    if len(text) >= 2 and text[0] in _QUOTES and text[-1] in _QUOTES:
        text = text[1:-1].strip()
    return text


@runtime_checkable
class Copywriter(Protocol):
    """What the pipeline needs from a copywriter: prompts in the model's chat format, seeded candidate
    copy, perplexity, and the names a delivery records. `Generator` implements it with a causal LM.

    Attributes: `name` (the model id every delivery records), `adapter` (the finetuned adapter's folder,
    None for the base model; recorded in deliveries and `OUT.config.json`), `demonstration` (whether the
    prompt needs a worked example: the base model does, a finetuned adapter says whether it does),
    `interest` (the interest adapter when the copy is conditioned on interest vectors, else None; then
    `generate` needs `vectors`) and `tokens_generated` (a running count, for the batch's tokens/s).
    """

    name: str
    adapter: str | None
    demonstration: bool
    interest: InterestAdapter | None
    tokens_generated: int

    def chat_prompt(self, messages: list[dict]) -> str:
        """The prompt text for chat `messages` ({"role", "content"}), ready for the model to answer."""
        ...

    def generate(
        self,
        prompts: list[str],
        n: int,
        seed: int,
        vectors: np.ndarray | None = None,
        terms: list[dict[str, str]] | None = None,
        gsm: list[bool] | None = None,
    ) -> list[list[str]]:
        """`n` raw completions per prompt (the pipeline copy-edits them with `tidy`); the same inputs
        and seed give the same completions. `vectors`: one interest vector per prompt; `terms`: per
        prompt, the offer terms (regex -> the sentence stating it) a completion must contain before it
        ends; `gsm`: per prompt, whether only GSM-7 characters may be written (an SMS)."""
        ...

    def perplexity(self, texts: list[str], *, base: bool = False) -> list[float]:
        """Per-text perplexity (the fluency floor's measure); `base=True` scores under the base model
        without the adapter, so that copy of different variants is judged by the same model."""
        ...


class Guard:
    """Logits processor for offer exactness and channel limits, per row of the batch.

    The copywriter's commonest fault is an offer left half-stated: the code, the minimum spend or the
    end date dropped. When a row is about to end (most of its probability on a stop token) without a
    match for one of its `terms` (regexes), the guard writes the term's sentence ("Min. spend £40.")
    token by token before the row may stop; blocking the end alone makes the model ramble on after a
    message it considers done. Rows are checked on decoded text, so a term split over tokens counts.
    `banned` rows never sample the tokens in `mask` (emoji in an SMS: they would cut its length limit
    from 160 characters to 70).
    """

    def __init__(self, tokenizer, terms: list[dict[str, str]], stops: list[int], banned: list[bool]) -> None:
        self.tokenizer = tokenizer
        self.terms = terms
        self.stops = torch.tensor(sorted(set(stops)))
        self.banned = banned
        self.start: int | None = None
        self.done = [not t for t in terms]
        self.forced: list[list[int]] = [[] for _ in terms]
        self.mask: torch.Tensor | None = None  # set by Generator: the tokens a banned row may not use
        self._banned: torch.Tensor | None = None

    def __call__(self, input_ids: torch.LongTensor, scores: torch.FloatTensor) -> torch.FloatTensor:
        if self.start is None:
            self.start = input_ids.shape[1]  # the prompt's length (0 when generating from embeddings)
        if self.mask is not None:
            if self._banned is None:  # rows x vocabulary, built once
                self._banned = torch.tensor(self.banned)[:, None] & self._fit(self.mask, scores.shape[1])
            scores[self._banned] = float("-inf")
        for row in range(len(self.terms)):
            if not self.forced[row] and not self.done[row]:
                self._check(row, input_ids[row, self.start :], scores[row])
            if self.forced[row]:
                token = self.forced[row].pop(0)
                scores[row] = float("-inf")
                scores[row, token] = 0.0
        return scores

    def _check(self, row: int, generated: torch.Tensor, scores: torch.Tensor) -> None:
        """Mark the row done, or queue the missing terms' sentences when it is about to stop."""
        text = self.tokenizer.decode(generated, skip_special_tokens=True)
        missing = [clause for term, clause in self.terms[row].items() if not re.search(term, text)]
        if not missing:
            self.done[row] = True
        elif torch.softmax(scores.float(), dim=-1)[self.stops].sum() > 0.5:
            # A sentence of its own: after a full stop or an emoji just a space, after a word a full stop.
            stop = ". " if text and text[-1].isalnum() else " "
            clause = stop + " ".join(missing)
            self.forced[row] = self.tokenizer(clause, add_special_tokens=False)["input_ids"]
        else:
            scores[self.stops] = float("-inf")

    @staticmethod
    def _fit(mask: torch.Tensor, width: int) -> torch.Tensor:
        """The tokenizer's mask sized to the model's vocabulary (often padded beyond the tokenizer's)."""
        full = torch.zeros(width, dtype=torch.bool)
        full[: min(width, len(mask))] = mask[:width]
        return full


class Generator:
    """The `Copywriter` on a causal LM: holds the LM and its tokenizer, loaded once; `generate` and
    `perplexity` work in batches."""

    def __init__(
        self,
        model,
        tokenizer,
        config: GeneratorConfig | None = None,
        name: str | None = None,
        interest=None,
        adapter: str | None = None,
    ) -> None:
        self.model = model.eval()
        self.tokenizer = tokenizer
        self.tokenizer.padding_side = "left"
        if self.tokenizer.pad_token is None:
            self.tokenizer.pad_token = self.tokenizer.eos_token
        self.config = config or GeneratorConfig()
        self.name = name or self.config.model
        self.tokens_generated = 0
        # The base model needs a worked example in its prompt; a finetuned adapter says otherwise.
        self.demonstration = True
        self.interest = interest  # InterestAdapter or None: soft prompts from the interest vector
        self.adapter = adapter  # folder of the LoRA + interest adapter, None for the base model
        self._stops: list[int] | None = None
        self._non_gsm: torch.Tensor | None = None

    @classmethod
    def load(cls, config: GeneratorConfig | None = None, adapter: str | Path | None = None) -> Generator:
        """Load the LM; `adapter` (a finetune/train_lora.py folder) adds LoRA and interest soft prompts."""
        from transformers import AutoModelForCausalLM, AutoTokenizer

        config = config or GeneratorConfig()
        path = resolve_llm(config.model)
        try:
            tokenizer = AutoTokenizer.from_pretrained(path)
            dtype = torch.float32 if config.dtype == "int8" else getattr(torch, config.dtype)
            model = AutoModelForCausalLM.from_pretrained(path, dtype=dtype)
        except OSError as exc:
            raise ModelNotFoundError(
                f"cannot load model {config.model!r}: {str(exc).splitlines()[0]}"
            ) from exc
        if config.dtype == "int8":
            if adapter is not None:
                raise ValidationError(
                    "`dtype` int8 quantises the base model only; load it with adapter='none'"
                )
            from torch.ao.quantization import quantize_dynamic

            model = quantize_dynamic(model, {torch.nn.Linear}, dtype=torch.qint8)
        if adapter is None:
            return cls(model, tokenizer, config, name=config.model)
        model, interest, adapter_config = load_adapter(adapter, model)
        generator = cls(model, tokenizer, config, name=config.model, interest=interest, adapter=str(adapter))
        generator.demonstration = adapter_config.demonstration
        return generator

    def _inputs(self, enc, vectors: np.ndarray | None) -> dict:
        """Model inputs: token ids, or token embeddings with the interest soft prompt in front."""
        if self.interest is None:
            return dict(enc)
        if vectors is None:
            raise ValueError("this copywriter is conditioned on interest vectors; pass `vectors`")
        tokens = self.model.get_input_embeddings()(enc["input_ids"])
        soft = self.interest(torch.as_tensor(vectors, dtype=torch.float32))
        embeds, mask, _, _ = place_soft_prompt(tokens, enc["attention_mask"], soft)
        return {"inputs_embeds": embeds, "attention_mask": mask}

    def stop_tokens(self) -> list[int]:
        """Tokens that end a message: end of sequence, and any token with a line break (tidy keeps one
        paragraph, so text after a break would be lost)."""
        if self._stops is None:
            eos = self.model.generation_config.eos_token_id
            eos = [eos] if isinstance(eos, int) else list(eos or [])
            vocab = self.tokenizer.get_vocab()
            breaks = self.tokenizer.batch_decode([[i] for i in vocab.values()])
            self._stops = [self.tokenizer.eos_token_id, *eos] + [
                i for i, text in zip(vocab.values(), breaks, strict=True) if "\n" in text
            ]
        return self._stops

    def non_gsm_tokens(self) -> torch.Tensor:
        """A mask of the tokens an SMS in GSM-7 cannot carry: emoji and other characters outside the
        alphabet, and every byte fragment of a multi-byte character. A few GSM-7 letters (Ä, Ø, ¥) exist
        only as byte fragments in SmolLM2's vocabulary, so SMS copy cannot use them; English copy
        does not need them."""
        if self._non_gsm is None:
            texts = self.tokenizer.batch_decode([[i] for i in range(len(self.tokenizer))])
            self._non_gsm = torch.tensor(
                [bool(t) and ("\ufffd" in t or not gsm7(normalise(t))) for t in texts]
            )
            self._non_gsm[list(set(self.stop_tokens()))] = False
        return self._non_gsm

    def chat_prompt(self, messages: list[dict]) -> str:
        """The messages in the tokenizer's chat template, ending where the assistant's answer starts."""
        return self.tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)

    @torch.inference_mode()
    def generate(
        self,
        prompts: list[str],
        n: int,
        seed: int,
        vectors: np.ndarray | None = None,
        terms: list[dict[str, str]] | None = None,
        gsm: list[bool] | None = None,
    ) -> list[list[str]]:
        """`n` sampled completions for each prompt; same prompts, n and seed give the same completions.

        `vectors` (one interest vector per prompt) feed the interest adapter when there is one. `terms`
        (per prompt: term -> the sentence that states it) must be in a completion before it ends, and
        where `gsm` (per prompt) is true only GSM-7 characters are sampled (see `Guard`).
        """
        cfg = self.config
        jobs = [(i, p) for i, p in enumerate(prompts) for _ in range(n)]
        # Sorting by length keeps padding (wasted compute) small inside each batch.
        order = sorted(range(len(jobs)), key=lambda j: (len(jobs[j][1]), j))
        texts: list[str] = [""] * len(jobs)
        torch.manual_seed(seed)
        sampling = cfg.temperature > 0
        for start in range(0, len(order), cfg.batch_size):
            chunk = order[start : start + cfg.batch_size]
            enc = self.tokenizer(
                [jobs[j][1] for j in chunk], return_tensors="pt", padding=True, add_special_tokens=False
            )
            inputs = self._inputs(enc, None if vectors is None else vectors[[jobs[j][0] for j in chunk]])
            processors = None
            if terms is not None or gsm is not None:
                guard = Guard(
                    self.tokenizer,
                    [terms[jobs[j][0]] if terms else {} for j in chunk],
                    self.stop_tokens(),
                    [bool(gsm and gsm[jobs[j][0]]) for j in chunk],
                )
                if any(guard.banned):
                    guard.mask = self.non_gsm_tokens()
                processors = [guard]
            out = self.model.generate(
                **inputs,
                max_new_tokens=cfg.max_new_tokens,
                do_sample=sampling,
                temperature=cfg.temperature if sampling else None,
                top_p=cfg.top_p if sampling else None,
                top_k=cfg.top_k if sampling else None,
                repetition_penalty=cfg.repetition_penalty,
                pad_token_id=self.tokenizer.pad_token_id,
                logits_processor=processors,
            )
            # From token ids generate returns prompt + continuation; from embeddings only the continuation.
            new = out[:, enc["input_ids"].shape[1] :] if "input_ids" in inputs else out
            self.tokens_generated += int((new != self.tokenizer.pad_token_id).sum())
            decoded = self.tokenizer.batch_decode(new, skip_special_tokens=True)
            for j, text in zip(chunk, decoded, strict=True):
                texts[j] = text
        return [texts[i * n : (i + 1) * n] for i in range(len(prompts))]

    def perplexity(self, texts: list[str], batch_size: int = 32, base: bool = False) -> list[float]:
        """Per-text perplexity under this LM, each text conditioned only on a start token.

        `base=True` scores under the base LM with any LoRA adapter switched off, so that copy from
        different variants is judged by the same model.
        """
        disable = getattr(self.model, "disable_adapter", None)
        if base and disable is not None:
            with disable():
                return self._perplexity(texts, batch_size)
        return self._perplexity(texts, batch_size)

    @torch.inference_mode()
    def _perplexity(self, texts: list[str], batch_size: int) -> list[float]:
        start = (
            self.tokenizer.bos_token_id
            if self.tokenizer.bos_token_id is not None
            else self.tokenizer.eos_token_id
        )
        result = []
        for i in range(0, len(texts), batch_size):
            ids = [
                [start] + self.tokenizer(t, add_special_tokens=False)["input_ids"]
                for t in texts[i : i + batch_size]
            ]
            width = max(len(x) for x in ids)
            input_ids = torch.full((len(ids), width), self.tokenizer.pad_token_id, dtype=torch.long)
            mask = torch.zeros_like(input_ids)
            for row, x in enumerate(ids):
                input_ids[row, : len(x)] = torch.tensor(x)
                mask[row, : len(x)] = 1
            logits = self.model(input_ids=input_ids, attention_mask=mask).logits[:, :-1].float()
            nll = (
                torch.nn.functional.cross_entropy(logits.transpose(1, 2), input_ids[:, 1:], reduction="none")
                * mask[:, 1:]
            )
            counts = mask[:, 1:].sum(1).clamp(min=1)
            result += torch.exp(nll.sum(1) / counts).tolist()
        return result
