"""The copywriter: a small causal LLM that writes several candidate messages per prompt.

`Copywriter` is the contract the pipeline, the batch runner and the evaluator depend on; `Generator` is
the one implementation (tests use a fake with canned copy). Generation is batched with left padding (all
candidates of many users in one batch, each prompt prefilled once for all its candidates: see
`promogen.decoding`), seeded so the same inputs reproduce the same copy, and followed by a light
copy-edit (`tidy`: first paragraph, no wrapping quotes or labels, never shortened; `trim`: copy over
its channel's limit loses words that carry no offer, if that makes it fit) before the hard checks judge
the result. Each draft carries the copywriter's own perplexity of it, given its prompt
(from the decoding itself); `perplexity` scores any text without a prompt, for the evaluator.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, runtime_checkable

import numpy as np
import torch

from .checks import gsm7, normalise
from .conditioning import SOFT_PROMPT_PLACES, load_adapter, place_soft_prompt
from .config import Config, option
from .decoding import Sampling, decode, fit, row_seed
from .hardware import resolve_dtype
from .models import DEFAULT_LLM, ModelNotFoundError, resolve_llm
from .types import ValidationError

if TYPE_CHECKING:
    from .conditioning import InterestAdapter

_LABEL = re.compile(
    r"^\s*(?:push notification|notification|sms|text|subject(?: line)?|banner|headline|message)"
    r"(?:\s*:|\s+[-–])\s*",  # a colon, or a dash after a space: "SMS-exclusive" is copy, not a label
    re.I,
)
_QUOTES = "\"'“”‘’"


@dataclass
class GeneratorConfig(Config):
    model: str = option(DEFAULT_LLM, "causal LM: the pulled default, a local dir or a cached hub id")
    max_new_tokens: int = option(56, "tokens generated per candidate")
    temperature: float = option(0.7, "sampling temperature (0 = greedy)")
    top_p: float = option(0.95, "nucleus sampling mass")
    min_p: float = option(
        0.0, "min-p sampling: cut tokens less likely than this times the most likely one (0 = off)"
    )
    top_k: int = option(50, "sample from the k most likely tokens (0 = no limit)")
    repetition_penalty: float = option(1.1, "penalty > 1 discourages the model from repeating itself")
    length_bias: float = option(
        12.0,
        "length steering near a candidate's character limit: score added to the tokens that end its "
        "opening hook (room kept for the offer) and, once the offer is stated, to the end of the message; "
        "up to this much at the limit; 0: off (docs/copywriter.md: Length steering)",
    )
    batch_size: int = option(
        64, "candidate rows decoded together (prompts per batch: this over n); larger is faster on CPU"
    )
    dtype: str = option(
        "auto",
        "model weights: auto (bfloat16 where the CPU has native bf16 matmuls, else float32), float32, "
        "bfloat16, or int8 (dynamic quantisation of the linear layers, CPU)",
    )

    def __post_init__(self) -> None:
        self._range("max_new_tokens", 1, 1024)
        self._range("temperature", 0.0, 5.0)
        self._range("top_p", 0.0, 1.0)
        self._range("min_p", 0.0, 0.99)
        self._range("top_k", 0)
        self._range("repetition_penalty", 0.5, 3.0)
        self._range("length_bias", 0.0, 50.0)
        self._range("batch_size", 1)
        self._choice("dtype", ("auto", "float32", "bfloat16", "int8"))


def batches(order: list[int], keys: list[str], size: int) -> list[list[int]]:
    """`order` cut into runs of at most `size` indices that share one key (their text before the soft
    prompt)."""
    out: list[list[int]] = []
    for i in order:
        if out and len(out[-1]) < size and keys[out[-1][0]] == keys[i]:
            out[-1].append(i)
        else:
            out.append([i])
    return out


def tidy(text: str) -> str:
    """Copy-edit raw model output: first paragraph, normalised characters, no label or wrapping quotes.

    It never shortens: a cut could drop a qualifying clause ("on orders over $50") and deliver a
    different offer, so a copy that is too long fails the gate instead (`trim`, a separate step, drops
    only words that carry no offer).
    """
    text = normalise(text).strip().split("\n\n")[0]
    text = " ".join(text.split())
    text = _LABEL.sub("", text).strip()
    # Quotes wrap the whole copy only when none is inside it ('"Run far" is our motto ... "RUN20"' keeps
    # both pairs).
    if len(text) >= 2 and text[0] in _QUOTES and text[-1] in _QUOTES and not set(text[1:-1]) & set(_QUOTES):
        text = text[1:-1].strip()
    return text


# Words a message can lose without a change to its offer, in the order `trim` drops them: "on your
# order" before the code or the end ("a free mystery gift on every order with PSBRA"; never before
# "over" or "of", which state a minimum spend) goes first, being the longest and, as "on every order",
# what approvers read as widening a gift; then "code" in "with code PSBRA"; then the comma before "until".
SPARE_WORDS = (
    (re.compile(r" on (?:your|every|any|each) (?:next )?order(?= with\b|[.,;:!?]|$)", re.I), ""),
    (re.compile(r"\b(with) code (?=\S)", re.I), r"\1 "),
    (re.compile(r", (?=until\b)", re.I), " "),
)


def trim(text: str, fits: Callable[[str], bool]) -> str:
    """Make a message that does not `fits` (its channel's limit, as the gate counts it) fit by dropping
    `SPARE_WORDS`, one kind at a time, until it does; one that does not fit even without them is
    returned as written, for the gate to reject. The copywriter spends a few characters too many on
    email subjects (90), most often on these words."""
    if fits(text):
        return text
    short = text
    for pattern, replacement in SPARE_WORDS:
        short = pattern.sub(replacement, short)
        if fits(short):
            return short
    return text


@dataclass(frozen=True)
class Draft:
    """One raw completion and the copywriter's perplexity of it given its prompt (exp of the mean
    negative log-probability of its tokens): how sure the model was of what it wrote."""

    text: str
    perplexity: float


@runtime_checkable
class Copywriter(Protocol):
    """What the pipeline needs from a copywriter: prompts in the model's chat format, seeded candidate
    copy with its perplexity, and the names a delivery records. `Generator` implements it with a causal LM.

    Attributes: `name` (the model id every delivery records), `dtype` (the weights' dtype in use, after
    "auto" is resolved; batch outputs record it), `adapter` (the finetuned adapter's folder,
    None for the base model; recorded in deliveries and `OUT.config.json`), `demonstration` (whether the
    prompt needs a worked example: the base model does, a finetuned adapter says whether it does),
    `interest` (the interest adapter when the copy is conditioned on interest vectors, else None; then
    `generate` needs `vectors`) and `tokens_generated` (a running count, for the batch's tokens/s).
    """

    name: str
    dtype: str
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
        budgets: list[Budget] | None = None,
        limits: list[dict[str, int]] | None = None,
        after: list[dict[str, tuple[str, ...]]] | None = None,
        shared: list[int] | None = None,
        keys: list[str] | None = None,
    ) -> list[list[Draft]]:
        """`n` raw completions per prompt (the pipeline copy-edits them with `tidy`); the same inputs
        and seed give the same completions. `vectors`: one interest vector per prompt; `terms`: per
        prompt, the offer terms (regex -> the sentence stating it) a completion must contain before it
        ends; `gsm`: per prompt, whether only GSM-7 characters may be written (an SMS); `budgets`: per
        prompt, the characters a completion may hold (a copywriter may steer its copy to fit); `limits`:
        per prompt, how many times a completion may write a word (the pipeline's `mention_limits`: the
        words of a minimum spend never where the offer has none; with `limit_mentions`, the code and
        brand once, a currency symbol never where the offer has no amount); `after`: per prompt, words
        a completion may not start once its text matches a regex (the pipeline's `minimum_once`: the
        words of a minimum spend once it is stated); `shared`: per prompt, the
        characters of its start every shopper of the campaign shares (`prompts.shared_chars`), where a
        copywriter may put what it conditions on the shopper and read the text before it once; `keys`:
        per prompt, whose copy it is (the user id), which seeds its draws with the prompt."""
        ...

    def perplexity(self, texts: list[str], *, base: bool = False) -> list[float]:
        """Per-text perplexity with no prompt (the evaluator's fluency); `base=True` scores under the
        base model without the adapter, so that copy of different variants is judged by the same model."""
        ...


# Characters before a row's budget where the guard starts steering it (not tuned).
ZONE = 12


@dataclass(frozen=True)
class Budget:
    """A completion's length budget: the `chars` it may hold, of which `reserve` are kept for the
    offer's statement until `offer` (a regex: the words that start it) has been written. `opening` is
    a prefix copy may open with that is not its hook (the brand, as in "Pawsome Pets: ...")."""

    chars: int
    offer: str = ""
    reserve: int = 0
    opening: str = ""


class Guard:
    """Logits processor for offer exactness and channel limits, per row of the batch.

    The copywriter's commonest fault is an offer left half-stated: the code, the minimum spend or the
    end date dropped. When a row is about to end (most of its probability on a stop token) without a
    match for one of its `terms` (regexes), the guard writes the term's sentence ("Min. spend £40.")
    token by token before the row may stop; blocking the end alone makes the model ramble on after a
    message it considers done. Rows are checked on decoded text, so a term split over tokens counts.
    `banned` rows never sample the tokens in `mask` (emoji in an SMS: they would cut its length limit
    from 160 characters to 70). A row may not start a word of its `limits` once it has written it as
    many times as its limit allows: the gate rejects a code stated twice, a repeated brand ("Get 40% off
    house plants at GQZUQC40 with code GQZUQC40") and a minimum spend or money amount an offer does
    not have ("a free mystery gift on orders over $30"), so the pipeline gives the words a minimum is
    stated with 0 where the offer has none, and optionally the code and brand 1 and the currency
    symbols the offer does not state 0. A word given with its leading space (" over") is banned only
    after a space. Words of a row's `after` (regex -> words) may not start once its text matches the
    regex: the gate rejects a minimum spend stated twice ("spend £60+, get a free water bottle on
    orders over £60"), so once the minimum is written its words are not started again.

    The next commonest fault is copy a few characters over the channel's limit: a small model cannot
    count, and it spends the characters on its opening hook before it states the offer. Rows with a
    `Budget` are steered as they near it (`length_bias` > 0). While a row is on its hook (until it
    writes a hook's end or the offer's first words), room is kept for the offer's statement: within
    `ZONE` characters of what is left, the tokens that end a hook (. ! ? :) gain score. While the offer
    is being stated nothing is steered (an early full stop would only make the guard add the missing
    terms' sentences, longer than the model's own "with RUN20 until Apr 2"). Once every term is
    written, the stop tokens gain score near the budget (not a full stop first: one character more).
    The gain is up to `bias` at the budget, more beyond it. The model still chooses its words; a row
    that runs over fails the gate as before.
    """

    def __init__(
        self,
        tokenizer,
        terms: list[dict[str, str]],
        stops: list[int],
        banned: list[bool],
        budgets: list[Budget] | None = None,
        bias: float = 0.0,
        limits: list[dict[str, int]] | None = None,
        after: list[dict[str, tuple[str, ...]]] | None = None,
    ) -> None:
        self.tokenizer = tokenizer
        self.terms = terms
        # Per row: each word it may still write, with its limit and the tokens that start it (found
        # once per word: the rows of a batch share their prompts' words).
        limits = limits or [{} for _ in terms]
        after = after or [{} for _ in terms]
        words = {w for row in limits for w in row} | {w for row in after for ws in row.values() for w in ws}
        starts = {w: self._starts(w) for w in words}
        self.limits = [[(w, times, starts[w]) for w, times in row.items()] for row in limits]
        self.after = [
            [(regex, [t for w in ws for t in starts[w]]) for regex, ws in row.items()] for row in after
        ]
        self._written: list[list[int]] = [[] for _ in terms]  # per row: start tokens now banned
        self.stops = torch.tensor(sorted(set(stops)))
        self.banned = banned
        self.start: int | None = None
        self.done = [not t for t in terms]
        self.forced: list[list[int]] = [[] for _ in terms]
        self.mask: torch.Tensor | None = None  # set by Generator: the tokens a banned row may not use
        self._banned: torch.Tensor | None = None
        self.bias = bias if budgets is not None else 0.0
        budgets = budgets or [Budget(0)] * len(terms)
        self.chars = torch.tensor([float(b.chars) for b in budgets])
        self.reserve = torch.tensor([float(b.reserve) for b in budgets])
        self.offer = [b.offer for b in budgets]
        self.opening = [b.opening.lower() for b in budgets]
        self.hook = [bool(b.offer) for b in budgets]  # still before the offer's statement
        # Set by Generator when steering: characters per token, and the tokens that end a hook.
        self.pieces: torch.Tensor | None = None
        self.hook_ends: torch.Tensor | None = None
        self._stop_mask: torch.Tensor | None = None
        self._texts: dict[int, str] = {}

    def __call__(self, input_ids: torch.LongTensor, scores: torch.FloatTensor) -> torch.FloatTensor:
        if self.start is None:
            self.start = input_ids.shape[1]  # the prompt's length (0 when generating from embeddings)
        generated = input_ids[:, self.start :]
        self._texts = {}  # each row's text, decoded at most once a step
        if self.mask is not None:
            if self._banned is None:  # rows x vocabulary, built once
                self._banned = torch.tensor(self.banned)[:, None] & fit(self.mask, scores.shape[1])
            scores[self._banned] = float("-inf")
        missing = {}  # the rows to check this step: their terms not yet written
        for row in range(len(self.terms)):
            if not self.forced[row] and not self.done[row]:
                missing[row] = self._missing(row, generated)
                self.done[row] = not missing[row]
        self._ban_repeats(generated, scores)
        if self.bias and generated.shape[1]:
            self._steer(generated, scores)
        for row, clauses in missing.items():
            if clauses:
                self._check(row, self._text(row, generated), clauses, scores[row])
        for row in range(len(self.terms)):
            if self.forced[row]:
                token = self.forced[row].pop(0)
                scores[row] = float("-inf")
                scores[row, token] = 0.0
        return scores

    def _text(self, row: int, generated: torch.Tensor) -> str:
        if row not in self._texts:
            self._texts[row] = self.tokenizer.decode(generated[row], skip_special_tokens=True)
        return self._texts[row]

    def _starts(self, word: str) -> list[int]:
        """The tokens `word` starts with, after a space or not; a word given with its leading space
        (" over") only after one, so that the piece it starts with without one is not banned inside
        other words ("Cl" + "over"). Neither a bare space nor a digit is one (SmolLM2 writes " 15" as a
        space, then one token per digit): banning them would ban numbers, and the end date needs them,
        so a code that starts with a digit is not limited. A symbol inside a longer token (" ($") is not
        caught either; the gate still rejects what gets through."""
        texts = (word,) if word.startswith(" ") else (word, f" {word}")
        ids = {self.tokenizer(text, add_special_tokens=False)["input_ids"][0] for text in texts}
        pieces = {t: self.tokenizer.decode([t]).strip() for t in ids}
        return sorted(t for t, piece in pieces.items() if piece and not piece.isdigit())

    def _ban_repeats(self, generated: torch.Tensor, scores: torch.Tensor) -> None:
        """Rows that have written a word of their `limits` as often as allowed may not start it again,
        nor the words of their `after` once their text matches its regex."""
        for row, words in enumerate(self.limits):
            for entry in list(self.after[row]):
                if re.search(entry[0], self._text(row, generated)):
                    self._written[row] += entry[1]
                    self.after[row].remove(entry)
            for entry in list(words):
                word, times, starts = entry
                # As written, as a whole word: a short code ("TSE") inside a word ("itself") is not it.
                if (
                    times == 0
                    or len(re.findall(rf"\b{re.escape(word)}\b", self._text(row, generated))) >= times
                ):
                    self._written[row] += starts
                    words.remove(entry)
            if self._written[row]:
                scores[row, self._written[row]] = float("-inf")

    def _missing(self, row: int, generated: torch.Tensor) -> list[str]:
        """The sentences of the row's terms its text does not yet state."""
        text = self._text(row, generated)
        return [clause for term, clause in self.terms[row].items() if not re.search(term, text)]

    def _steer(self, generated: torch.Tensor, scores: torch.Tensor) -> None:
        """Raise the hook's ends, or the stops of rows with every term written, near the budget."""
        ended = self.hook_ends[generated[:, -1]].tolist()
        for row in range(len(self.hook)):
            if not self.hook[row]:
                continue
            text = self._text(row, generated)
            closed = ended[row] and self._has_hook(row, text)
            self.hook[row] = not (closed or re.search(self.offer[row], text))
        hook, done = torch.tensor(self.hook), torch.tensor(self.done)
        room = self.chars - torch.where(hook, self.reserve, 0.0) - self.pieces[generated].sum(1)
        weight = self.bias * (1 - room / ZONE).clamp(min=0) * (hook | done)
        if not weight.any():
            return
        width = scores.shape[1]
        if self._stop_mask is None:  # built once: the vocabulary's width does not change
            self._stop_mask = torch.zeros(width, dtype=torch.bool)
            self._stop_mask[self.stops[self.stops < width]] = True
        target = torch.where(hook[:, None], self.hook_ends[:width], self._stop_mask)
        scores += weight[:, None].to(scores.dtype) * target

    def _has_hook(self, row: int, text: str) -> bool:
        """Whether `text` holds words beyond its opening: a brand's "Pawsome Pets:" does not end a hook."""
        text = text.strip()
        if self.opening[row] and text.lower().startswith(self.opening[row]):
            text = text[len(self.opening[row]) :]
        return any(ch.isalnum() for ch in text)

    def _check(self, row: int, text: str, missing: list[str], scores: torch.Tensor) -> None:
        """Queue the `missing` terms' sentences when the row is about to stop, else block its stops."""
        if torch.softmax(scores.float(), dim=-1)[self.stops].sum() > 0.5:
            # A sentence of its own: after a full stop or an emoji just a space, after a word a full stop.
            stop = ". " if text and text[-1].isalnum() else " "
            clause = stop + " ".join(missing)
            self.forced[row] = self.tokenizer(clause, add_special_tokens=False)["input_ids"]
        else:
            scores[self.stops] = float("-inf")

    def select(self, rows: list[int]) -> None:
        """Keep only `rows` (in that order): the decoder drops rows that have ended."""
        self.terms = [self.terms[r] for r in rows]
        self.limits, self._written = [self.limits[r] for r in rows], [self._written[r] for r in rows]
        self.after = [self.after[r] for r in rows]
        self.banned = [self.banned[r] for r in rows]
        self.done = [self.done[r] for r in rows]
        self.forced = [self.forced[r] for r in rows]
        self.offer, self.hook = [self.offer[r] for r in rows], [self.hook[r] for r in rows]
        self.opening = [self.opening[r] for r in rows]
        self.chars, self.reserve = self.chars[rows], self.reserve[rows]
        if self._banned is not None:
            self._banned = self._banned[rows]


class Generator:
    """The `Copywriter` on a causal LM: holds the LM and its tokenizer, loaded once; `generate` and
    `perplexity` work in batches.

    A LoRA model (peft) is merged into its base weights for inference (unmerged, its LoRA layers add two
    small matmuls to every projection of every forward); the base model without the adapter is kept
    beside it (twice the weights in memory) for `perplexity(base=True)`.
    The weights are cast to the config's dtype ("auto": bfloat16 where the CPU runs it natively); the
    model passed in is cast in place."""

    def __init__(
        self,
        model,
        tokenizer,
        config: GeneratorConfig | None = None,
        name: str | None = None,
        interest=None,
        adapter: str | None = None,
        soft_prompt: str = "front",
    ) -> None:
        self.config = config or GeneratorConfig()
        self.dtype = resolve_dtype(self.config.dtype)
        self.base = None  # the LM without the LoRA adapter, where there is one
        if hasattr(model, "merge_and_unload"):
            merged = copy.deepcopy(model).merge_and_unload()
            self.base = model.unload().eval()
            model = merged
        if self.dtype == "bfloat16":
            model = model.to(torch.bfloat16)
            self.base = None if self.base is None else self.base.to(torch.bfloat16)
        self.model = model.eval()
        self.tokenizer = tokenizer
        self.tokenizer.padding_side = "left"
        if self.tokenizer.pad_token is None:
            self.tokenizer.pad_token = self.tokenizer.eos_token
        self.name = name or self.config.model
        self.tokens_generated = 0
        # The base model needs a worked example in its prompt; a finetuned adapter says otherwise.
        self.demonstration = True
        self.interest = interest  # InterestAdapter or None: soft prompts from the interest vector
        self.adapter = adapter  # folder of the LoRA + interest adapter, None for the base model
        # Where the soft prompt sits (`AdapterConfig.soft_prompt`); after_campaign: `generate` needs `shared`.
        if soft_prompt not in SOFT_PROMPT_PLACES:
            raise ValidationError(
                f"`soft_prompt` must be one of {', '.join(SOFT_PROMPT_PLACES)}; got {soft_prompt!r}"
            )
        self.soft_prompt = soft_prompt if interest is not None else "front"
        self._token_texts: list[str] | None = None
        self._stops: list[int] | None = None
        self._non_gsm: torch.Tensor | None = None
        self._lengths: tuple[torch.Tensor, torch.Tensor] | None = None
        self._masks: tuple[torch.Tensor, torch.Tensor] | None = None

    @classmethod
    def load(cls, config: GeneratorConfig | None = None, adapter: str | Path | None = None) -> Generator:
        """Load the LM; `adapter` (a finetune/train_lora.py folder) adds LoRA and interest soft prompts."""
        from transformers import AutoModelForCausalLM, AutoTokenizer

        config = config or GeneratorConfig()
        path = resolve_llm(config.model)
        try:
            tokenizer = AutoTokenizer.from_pretrained(path)
            # Loaded in float32 whatever the dtype: LoRA merges at full precision, then the cast.
            model = AutoModelForCausalLM.from_pretrained(path, dtype=torch.float32)
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
        model, interest, adapter_config = load_adapter(adapter, model, config.model)
        generator = cls(
            model,
            tokenizer,
            config,
            name=config.model,
            interest=interest,
            adapter=str(adapter),
            soft_prompt=adapter_config.soft_prompt,
        )
        generator.demonstration = adapter_config.demonstration
        return generator

    def _inputs(
        self, enc, vectors: np.ndarray | None, at: torch.Tensor | None = None
    ) -> tuple[dict, torch.Tensor]:
        """Model inputs (token ids, or token embeddings with the interest soft prompt after each row's
        first `at` real tokens, default none) and the prompt tokens the repetition penalty counts: as in
        `generate`, all of them when the model reads ids, none when it reads embeddings."""
        ids, mask = enc["input_ids"], enc["attention_mask"]
        if self.interest is None:
            # Left padding becomes a repeat of the row's last token: penalising it twice is a no-op.
            return {"input_ids": ids, "attention_mask": mask}, torch.where(mask == 1, ids, ids[:, -1:])
        if vectors is None:
            raise ValueError("this copywriter is conditioned on interest vectors; pass `vectors`")
        tokens = self.model.get_input_embeddings()(ids)
        soft = self.interest(torch.as_tensor(vectors, dtype=torch.float32))
        embeds, mask, _, _ = place_soft_prompt(tokens, mask, soft, at=at)
        return {"inputs_embeds": embeds, "attention_mask": mask}, ids.new_zeros(len(ids), 0)

    def token_texts(self) -> list[str]:
        """Each token id's text on its own, decoded once."""
        if self._token_texts is None:
            self._token_texts = self.tokenizer.batch_decode([[i] for i in range(len(self.tokenizer))])
        return self._token_texts

    def stop_tokens(self) -> list[int]:
        """Tokens that end a message: end of sequence, and any token with a line break (tidy keeps one
        paragraph, so text after a break would be lost)."""
        if self._stops is None:
            eos = self.model.generation_config.eos_token_id
            eos = [eos] if isinstance(eos, int) else list(eos or [])
            self._stops = [self.tokenizer.eos_token_id, *eos] + [
                i for i, text in enumerate(self.token_texts()) if "\n" in text
            ]
        return self._stops

    def length_tokens(self) -> tuple[torch.Tensor, torch.Tensor]:
        """Per token: its characters, and whether it ends a hook (its text ends in . ! ? or :, and it is
        not a stop): what the `Guard` counts and raises near a length budget."""
        if self._lengths is None:
            texts = self.token_texts()
            # Sized to the model's vocabulary, which may be padded beyond the tokenizer's.
            width = max(len(texts), self.model.config.vocab_size)
            lengths, ends = torch.zeros(width), torch.zeros(width, dtype=torch.bool)
            lengths[: len(texts)] = torch.tensor([float(len(t)) for t in texts])
            ends[: len(texts)] = torch.tensor([t.rstrip().endswith((".", "!", "?", ":")) for t in texts])
            ends[list(set(self.stop_tokens()))] = False
            self._lengths = lengths, ends
        return self._lengths

    def non_gsm_tokens(self) -> torch.Tensor:
        """A mask of the tokens an SMS in GSM-7 cannot carry: emoji and other characters outside the
        alphabet, and every byte fragment of a multi-byte character. A few GSM-7 letters (Ä, Ø, ¥) exist
        only as byte fragments in SmolLM2's vocabulary, so SMS copy cannot use them; English copy
        does not need them."""
        if self._non_gsm is None:
            self._non_gsm = torch.tensor(
                [bool(t) and ("\ufffd" in t or not gsm7(normalise(t))) for t in self.token_texts()]
            )
            self._non_gsm[list(set(self.stop_tokens()))] = False
        return self._non_gsm

    def end_masks(self) -> tuple[torch.Tensor, torch.Tensor]:
        """Vocabulary masks: end-of-sequence tokens (a row stops there, as `generate` stops) and tokens
        holding a line break (after which a row may have finished the one paragraph `tidy` keeps)."""
        if self._masks is None:
            ends = torch.zeros(len(self.tokenizer), dtype=torch.bool)
            eos = self.model.generation_config.eos_token_id
            ends[[self.tokenizer.eos_token_id, *([eos] if isinstance(eos, int) else list(eos or []))]] = True
            breaks = torch.zeros(len(self.tokenizer), dtype=torch.bool)
            breaks[self.stop_tokens()] = True
            self._masks = ends, breaks & ~ends
        return self._masks

    def paragraph_done(self, tokens: list[int]) -> bool:
        """Whether `tidy` would keep nothing more of this completion: its first paragraph has ended."""
        return "\n\n" in normalise(self.tokenizer.decode(tokens, skip_special_tokens=True)).strip()

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
        budgets: list[Budget] | None = None,
        limits: list[dict[str, int]] | None = None,
        after: list[dict[str, tuple[str, ...]]] | None = None,
        shared: list[int] | None = None,
        keys: list[str] | None = None,
    ) -> list[list[Draft]]:
        """`n` sampled completions for each prompt, each with its perplexity; same prompts, n and seed
        give the same completions.

        `vectors` (one interest vector per prompt) feed the interest adapter when there is one. `terms`
        (per prompt: term -> the sentence that states it) must be in a completion before it ends, where
        `gsm` (per prompt) is true only GSM-7 characters are sampled, with `length_bias` set each
        completion is steered to end within its prompt's budget, the words of `limits` (per prompt)
        are written at most as often as it allows and those of `after` (per prompt) not once its text
        matches their regex (see `Guard`). `shared` (per prompt, the characters
        of its start all the campaign's shoppers share, `prompts.shared_chars`) places the soft prompt
        of an adapter trained with it after that text, which is then read once per distinct text and
        its KV cache shared by the rows. `keys` (per prompt, whose copy it is: the pipeline passes the
        user id) seed its rows' draws with the prompt, the candidate number and `seed`. A prompt's copy
        depends on the prompt, its vector, its key, n and the seed, not on the other prompts of the call.
        """
        cfg = self.config
        heads = self._shared_texts(prompts, shared)
        # One shared text per batch; sorting by length keeps padding (wasted compute) small inside it.
        order = sorted(range(len(prompts)), key=lambda i: (heads[i], len(prompts[i]), i))
        per_batch = max(1, cfg.batch_size // n)
        sampling = Sampling(cfg.temperature, cfg.top_k, cfg.top_p, cfg.repetition_penalty, cfg.min_p)
        drafts: list[list[Draft]] = [[] for _ in prompts]
        for chunk in batches(order, heads, per_batch):
            head = heads[chunk[0]]
            enc = self.tokenizer(
                [prompts[i][len(head) :] for i in chunk],
                return_tensors="pt",
                padding=True,
                add_special_tokens=False,
            )
            prefix = (
                self.tokenizer(head, return_tensors="pt", add_special_tokens=False)["input_ids"]
                if head
                else None
            )
            inputs, seen = self._inputs(enc, None if vectors is None else vectors[chunk])
            seeds = [
                row_seed(seed, prompts[i], None if keys is None else keys[i], c)
                for i in chunk
                for c in range(n)
            ]
            guard = self._guard(chunk, n, terms, gsm, budgets, limits, after)
            rows, perplexities = decode(
                self.model, inputs, seen, n, cfg.max_new_tokens, sampling, seeds,
                *self.end_masks(), self.paragraph_done, guard, prefix=prefix,
            )  # fmt: skip
            # An end-of-sequence token is the last of its row; it is not copy.
            ends = self.end_masks()[0]
            self.tokens_generated += sum(len(r) - bool(r and r[-1] < len(ends) and ends[r[-1]]) for r in rows)
            decoded = [
                Draft(text, perplexity)
                for text, perplexity in zip(
                    self.tokenizer.batch_decode(rows, skip_special_tokens=True), perplexities, strict=True
                )
            ]
            for k, i in enumerate(chunk):
                drafts[i] = decoded[k * n : (k + 1) * n]
        return drafts

    def _shared_texts(self, prompts: list[str], shared: list[int] | None) -> list[str]:
        """Per prompt, the text read before its soft prompt: its shared start for an adapter trained
        with the soft prompt after the campaign's text, else none."""
        if self.soft_prompt == "front":
            return [""] * len(prompts)
        if shared is None or len(shared) != len(prompts):
            raise ValueError(
                "this copywriter reads the soft prompt after the campaign's text; "
                "pass `shared`, one per prompt"
            )
        return [p[:s] for p, s in zip(prompts, shared, strict=True)]

    def _guard(self, chunk: list[int], n: int, terms, gsm, budgets, limits, after) -> Guard | None:
        """The `Guard` for a batch's rows (each prompt's n candidates), or None with nothing to guard."""
        steer = budgets is not None and self.config.length_bias > 0
        if terms is None and gsm is None and not steer and limits is None and after is None:
            return None
        guard = Guard(
            self.tokenizer,
            [terms[i] if terms else {} for i in chunk for _ in range(n)],
            self.stop_tokens(),
            [bool(gsm and gsm[i]) for i in chunk for _ in range(n)],
            [budgets[i] for i in chunk for _ in range(n)] if steer else None,
            self.config.length_bias,
            [limits[i] for i in chunk for _ in range(n)] if limits else None,
            [after[i] for i in chunk for _ in range(n)] if after else None,
        )
        if any(guard.banned):
            guard.mask = self.non_gsm_tokens()
        if steer:
            guard.pieces, guard.hook_ends = self.length_tokens()
        return guard

    def perplexity(self, texts: list[str], batch_size: int = 32, base: bool = False) -> list[float]:
        """Per-text perplexity under this LM, each text conditioned only on a start token.

        `base=True` scores under the base LM without the LoRA adapter, so that copy from different
        variants is judged by the same model.
        """
        return self._perplexity(
            self.base if base and self.base is not None else self.model, texts, batch_size
        )

    @torch.inference_mode()
    def _perplexity(self, model, texts: list[str], batch_size: int) -> list[float]:
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
            logits = model(input_ids=input_ids, attention_mask=mask).logits[:, :-1].float()
            nll = (
                torch.nn.functional.cross_entropy(logits.transpose(1, 2), input_ids[:, 1:], reduction="none")
                * mask[:, 1:]
            )
            counts = mask[:, 1:].sum(1).clamp(min=1)
            result += torch.exp(nll.sum(1) / counts).tolist()
        return result
