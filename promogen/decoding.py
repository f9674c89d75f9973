"""Decoding by hand: each distinct prompt is prefilled once and its KV cache forked for its candidates.

`model.generate` asked for n candidates of a prompt runs the prompt's prefill n times (the prompt is
most of the tokens the model reads). Here a batch of distinct prompts, with their interest soft
prompts when there are, is prefilled once, its cache repeated n times, and all candidates are decoded
together; text every prompt of the batch starts with (a campaign's, before the soft prompt) is read
once, as one row, and its cache repeated for the prompts; the cache keeps room for the tokens to come
(`kvcache`), so a step does not copy it. The scores go through the same steps, in the
same order and with the same maths, as `generate` with the same settings: repetition penalty, the
`Guard` (offer terms, SMS alphabet), temperature, top-k, top-p. Two things differ, on purpose:

- each row draws from its own random generator, seeded by (seed, prompt, the user, candidate),
  so a user's copy does not depend on which other users share the call or where it sits in it (what
  can still differ is float rounding: a batch's matmuls and padding are not bit-identical to another's);
- a row leaves the batch when it ends (an end-of-sequence token, or a finished first paragraph, all
  that `tidy` keeps) instead of running on as padding until the batch's longest row ends.

Each row also gets the copywriter's own perplexity of what it wrote, given its prompt: the model's raw
log-probability of each token it wrote (before penalties, guard and warping), which the decoder has in
hand at every step. It is the pipeline's fluency floor and its ranking score; computing it afterwards
would mean running every candidate through the model again. Every token of the row counts, the line
break that ends a paragraph and the offer terms the guard wrote in included (a candidate the model had
to be made to finish is one it was less sure of), except a final end-of-sequence token, which is not
copy; a row whose only token is that end is scored by it, so an empty candidate never looks certain.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass

import torch
from transformers.cache_utils import Cache

from .kvcache import reserved_cache


@dataclass(frozen=True)
class Sampling:
    """The sampling settings (`GeneratorConfig`'s); temperature 0 is greedy."""

    temperature: float
    top_k: int
    top_p: float
    repetition_penalty: float
    min_p: float = 0.0

    def choose(self, scores, seen, guard, generated, generators: list[torch.Generator] | None):
        """The next token of each row: `scores` processed as `generate` would (`seen`: the tokens to
        penalise), then the most likely token (greedy) or a draw from each row's generator."""
        scores = penalise(scores, seen, self.repetition_penalty)
        if guard is not None:
            scores = guard(generated, scores)
        if self.temperature <= 0 or generators is None:
            return scores.argmax(dim=-1)
        return draw(*warp(scores, self.temperature, self.top_k, self.top_p, self.min_p), generators)


def penalise(scores: torch.Tensor, seen: torch.Tensor, penalty: float) -> torch.Tensor:
    """Repetition penalty (CTRL; transformers' formula): tokens in `seen` lose score."""
    if penalty == 1.0 or seen.shape[1] == 0:
        return scores
    picked = scores.gather(1, seen)
    picked = torch.where(picked < 0, picked * penalty, picked / penalty)
    return scores.scatter(1, seen, picked)


def warp(scores: torch.Tensor, temperature: float, top_k: int, top_p: float, min_p: float = 0.0):
    """Temperature, then top-k, then nucleus (top-p), then min-p filtering (tokens less likely than
    `min_p` times the row's most likely one are cut), as transformers' warpers do them; the
    result is compact: per row the tokens left in play, as (scores, token ids), most likely first,
    -inf where a row keeps fewer than another (the full vocabulary is sorted only without top-k). Where
    scores tie at the top-p boundary, which of the tied tokens is cut can differ from transformers,
    whose sort leaves the order of equal scores unspecified."""
    width = scores.shape[-1] if top_k <= 0 else min(top_k, scores.shape[-1])
    if width == scores.shape[-1]:
        values, index = torch.topk(scores / temperature, width)
    else:
        # Top-k before the temperature, which divides only the k + 1 kept: dividing by a positive number
        # keeps the order, so these are the tokens and the values the other order gives. One token more
        # shows whether any token outside the k ties with the k-th after the division (a tie there
        # would be one with the (k+1)-th too); transformers keeps every such token, so then all of them
        # are gathered.
        values, index = torch.topk(scores, width + 1)
        values = values / temperature
        # A row whose k-th is -inf (the guard left it fewer than k tokens) ties with every banned token:
        # gathering those, which no draw can pick, sorted the whole vocabulary for every row at every
        # step such a row existed.
        kth = values[:, width - 1 : width]
        tied = (values[:, width:] == kth) & (kth > float("-inf"))
        if tied.any():
            scores = scores / temperature
            count = torch.where(tied.squeeze(1), (scores >= kth).sum(dim=-1), width)
            values, index = torch.topk(scores, int(count.max()))
            values = values.masked_fill(values < kth, float("-inf"))
        else:
            values, index = values[:, :width], index[:, :width]
        values, index = ties_by_token(values, index)
    if top_p < 1.0:
        ascending = values.flip(-1)  # transformers sums the mass from the least likely token up
        remove = ascending.softmax(dim=-1).cumsum(dim=-1) <= (1 - top_p)
        remove[..., -1:] = False  # the most likely token always stays
        values = ascending.masked_fill(remove, float("-inf")).flip(-1)
    if min_p > 0.0:
        probs = values.softmax(dim=-1)
        cut = probs < min_p * probs[:, :1]  # the first column is the most likely: it always stays
        values = values.masked_fill(cut, float("-inf"))
    return values, index


def ties_by_token(values: torch.Tensor, index: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Most likely first, equal scores in token-id order. `torch.topk` orders equal scores differently
    for different k, and the k a batch needs depends on its other rows (a tie at one row's k-th widens
    them all), so without this a row's draw could change with the rows beside it, as it did in
    bfloat16, where ties are common."""
    index, by_id = index.sort(dim=-1)
    values, by_value = values.gather(-1, by_id).sort(dim=-1, descending=True, stable=True)
    return values, index.gather(-1, by_value)


def row_seed(seed: int, prompt: str, key: str | None, candidate: int) -> int:
    """The random seed of one candidate row: a hash of what defines it, not of where it sits. `key`
    names whose copy it is (the pipeline passes the user id); an exact string, not the interest vector,
    whose last bits move with the thread count and the batch on some CPUs (AMX)."""
    digest = hashlib.blake2b(f"{seed}\0{candidate}\0{prompt}\0".encode(), digest_size=8)
    if key is not None:
        digest.update(key.encode())
    return int.from_bytes(digest.digest(), "little") & (2**63 - 1)


def draw(values: torch.Tensor, index: torch.Tensor, generators: list[torch.Generator]) -> torch.Tensor:
    """One token per row from softmax(values) over the row's `index` tokens, row i drawing from
    `generators[i]` (inverse-CDF sampling)."""
    cdf = values.float().softmax(dim=-1).double().cumsum(dim=-1)
    u = torch.cat([torch.rand(1, generator=g, dtype=torch.float64) for g in generators]) * cdf[:, -1]
    # right=True lands on the first token whose cumulative mass exceeds u: never a zero-probability one.
    column = torch.searchsorted(cdf, u[:, None], right=True).clamp(max=values.shape[1] - 1)
    return index.gather(1, column).squeeze(1)


def fit(mask: torch.Tensor, width: int) -> torch.Tensor:
    """A tokenizer-sized vocabulary mask sized to the model's vocabulary (often padded beyond it)."""
    full = torch.zeros(width, dtype=torch.bool)
    full[: min(width, len(mask))] = mask[:width]
    return full


@dataclass
class Rows:
    """The decoding state of the rows still running: the batch shrinks as rows end."""

    ids: torch.Tensor  # original row index of each running row
    generated: torch.Tensor  # tokens written so far, (rows, steps)
    seen: torch.Tensor  # prompt tokens the repetition penalty counts (none from embeddings)
    mask: torch.Tensor  # attention mask over the cache
    position: torch.Tensor  # position id of the last token
    generators: list[torch.Generator] | None

    def keep(self, index: torch.Tensor, cache: Cache, guard) -> None:
        self.ids, self.generated, self.seen = self.ids[index], self.generated[index], self.seen[index]
        self.mask, self.position = self.mask[index], self.position[index]
        if self.generators is not None:
            self.generators = [self.generators[i] for i in index.tolist()]
        cache.batch_select_indices(index)
        if guard is not None:
            guard.select(index.tolist())


def prefill(
    model, inputs: dict, n: int, room: int, prefix: torch.Tensor | None = None
) -> tuple[Cache, torch.Tensor, torch.Tensor, torch.Tensor]:
    """Run each prompt once and fork it `n` ways: the KV cache (with `room` positions reserved for the
    tokens to come), the last position's logits (float), the attention mask and the last position id,
    each repeated n times (prompt-major).

    `prefix` (1, P token ids), when given, is the text every row reads before its `inputs`: it is run
    once and its KV cache repeated for the rows (their left padding then sits between the two)."""
    mask = inputs["attention_mask"]
    width = mask.shape[1]
    # The prefix's cache is made with room for the prompts too, so nothing is copied to fit them.
    cache = reserved_cache(model.config, room + (0 if prefix is None else width))
    if prefix is not None:
        model(input_ids=prefix, cache=cache, use_cache=True, logits_to_keep=1)
        cache.batch_repeat_interleave(len(mask))
        mask = torch.cat([mask.new_ones(len(mask), prefix.shape[1]), mask], dim=1)
    positions = (mask.cumsum(1) - 1).clamp(min=0)
    # The last position as an index tensor, not `logits_to_keep=1`: the slice that keeps is a strided
    # (rows, 1, hidden) view, which the output layer multiplies as a batched matmul over a copy of its
    # whole weight per row (0.6 s of a 0.8 s prefill at 16 rows, measured); the index gives a
    # contiguous copy of the rows' last states and one plain matmul, the same logits.
    out = model(
        **{**inputs, "attention_mask": mask},
        position_ids=positions[:, -width:],
        cache=cache,
        use_cache=True,
        logits_to_keep=torch.tensor([width - 1]),
    )
    cache.batch_repeat_interleave(n)
    return (
        cache,
        out.logits[:, -1].float().repeat_interleave(n, 0),
        mask.repeat_interleave(n, 0),
        positions[:, -1:].repeat_interleave(n, 0),
    )


def step(model, cache: Cache, tokens: torch.Tensor, mask: torch.Tensor, position: torch.Tensor):
    """Feed one token per row: the next logits (float), the grown mask and the next position."""
    mask = torch.cat([mask, mask.new_ones(len(mask), 1)], dim=1)
    position = position + 1
    out = model(input_ids=tokens[:, None], attention_mask=mask, position_ids=position, cache=cache)
    return out.logits[:, -1].float(), mask, position


@torch.inference_mode()
def decode(
    model,
    inputs: dict,
    seen: torch.Tensor,
    n: int,
    max_new_tokens: int,
    sampling: Sampling,
    seeds: list[int],
    ends: torch.Tensor,
    breaks: torch.Tensor,
    paragraph_done: Callable[[list[int]], bool],
    guard=None,
    prefix: torch.Tensor | None = None,
) -> tuple[list[list[int]], list[float]]:
    """`n` continuations of each prompt in `inputs` (left-padded ids or embeddings, with their
    attention mask): the tokens of each row, rows prompt-major (prompt i's candidates at i*n..i*n+n-1),
    and each row's perplexity (exp of the mean negative log-probability of its tokens under the raw
    model; a final end-of-sequence token is not counted unless it is the row's only token).

    `seen`: per prompt, the tokens the repetition penalty counts before any is generated; `seeds`: one
    per row; `ends`: a vocabulary mask of end-of-sequence tokens (a row's last token when it ends so);
    `breaks`: a vocabulary mask of tokens holding a line break, after which `paragraph_done(tokens)`
    says whether the row has finished its first paragraph; `guard`: the `Guard` for the rows, or None;
    `prefix`: token ids every prompt reads before its `inputs`, run once (see `prefill`).
    """
    cache, logits, mask, position = prefill(model, inputs, n, max_new_tokens, prefix)
    rows = Rows(
        ids=torch.arange(len(logits)),
        generated=torch.empty(len(logits), 0, dtype=torch.long),
        seen=seen.repeat_interleave(n, 0),
        mask=mask,
        position=position,
        generators=[torch.Generator().manual_seed(s) for s in seeds] if sampling.temperature > 0 else None,
    )
    ends, breaks = fit(ends, logits.shape[1]), fit(breaks, logits.shape[1])
    result: list[list[int]] = [[] for _ in range(len(logits))]
    logprob = torch.zeros(len(logits), dtype=torch.float64)  # per original row: summed, counted
    counted = torch.zeros(len(logits), dtype=torch.long)
    for t in range(max_new_tokens):
        seen = torch.cat([rows.seen, rows.generated], 1)
        own = torch.log_softmax(logits, dim=-1)  # before `choose`: the guard edits scores in place
        tokens = sampling.choose(logits, seen, guard, rows.generated, rows.generators)
        rows.generated = torch.cat([rows.generated, tokens[:, None]], dim=1)
        ended = ends[tokens]
        copy = ~ended | (counted[rows.ids] == 0)
        logprob.index_add_(0, rows.ids[copy], own.gather(1, tokens[:, None]).squeeze(1)[copy].double())
        counted.index_add_(0, rows.ids[copy], torch.ones_like(rows.ids[copy]))
        for i in torch.nonzero(breaks[tokens] & ~ended).flatten().tolist():
            ended[i] = paragraph_done(rows.generated[i].tolist())
        for i in torch.nonzero(ended).flatten().tolist():
            result[int(rows.ids[i])] = rows.generated[i].tolist()
        if ended.all() or t == max_new_tokens - 1:
            break
        if ended.any():
            keep = torch.nonzero(~ended).flatten()
            rows.keep(keep, cache, guard)
            tokens = tokens[keep]
        logits, rows.mask, rows.position = step(model, cache, tokens, rows.mask, rows.position)
    for i, row in enumerate(rows.ids.tolist()):
        if not result[row]:
            result[row] = rows.generated[i].tolist()
    return result, torch.exp(-logprob / counted).tolist()
