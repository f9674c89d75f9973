"""The hand-written decode loop: a forked prefill is the same as separate ones, sampling processes
scores as transformers does, greedy decoding matches `generate` (guard included), sampled copy is
seeded per row, and the weights' dtype is chosen from the CPU's features."""

import numpy as np
import pytest
import torch
from conftest import texts

from promogen.decoding import Sampling, decode, draw, penalise, prefill, step, warp
from promogen.generator import Generator, GeneratorConfig, Guard
from promogen.hardware import resolve_dtype

PROMPTS = [
    "<|im_start|>user\nrunning shoes<|im_end|>\n",
    "<|im_start|>user\nyoga mats for the studio<|im_end|>\n",
]


@pytest.fixture(scope="module")
def sharp(trainable_tiny_dir):
    """A tiny Llama with peaked logits (wide initialisation): greedy choices are not near-ties."""
    return Generator.load(
        GeneratorConfig(model=trainable_tiny_dir, temperature=0.0, max_new_tokens=10, dtype="float32")
    )


def _ids(gen, prompts):
    return gen.tokenizer(prompts, return_tensors="pt", padding=True, add_special_tokens=False)


@torch.inference_mode()
def test_forked_prefill_gives_the_logits_of_separate_prefills(sharp):
    enc = _ids(sharp, PROMPTS)
    cache, logits, mask, position = prefill(sharp.model, dict(enc), n=3, room=1)
    tokens = torch.tensor([5, 6, 7, 8, 9, 10])  # a different next token for each forked row
    after, _, _ = step(sharp.model, cache, tokens, mask, position)
    for row in range(6):
        alone = sharp.tokenizer(PROMPTS[row // 3], return_tensors="pt", add_special_tokens=False)["input_ids"]
        ref = sharp.model(input_ids=alone).logits[0, -1]
        assert torch.allclose(logits[row], ref, atol=1e-5), f"row {row}: the fork changed the prompt's logits"
        ref = sharp.model(input_ids=torch.cat([alone, tokens[row].view(1, 1)], 1)).logits[0, -1]
        assert torch.allclose(after[row], ref, atol=1e-5), f"row {row}: decoding from the fork differs"


def test_penalty_and_warpers_keep_the_tokens_transformers_keeps():
    from transformers.generation.logits_process import (
        RepetitionPenaltyLogitsProcessor,
        TemperatureLogitsWarper,
        TopKLogitsWarper,
        TopPLogitsWarper,
    )

    generator = torch.Generator().manual_seed(0)
    for trial, top_k in enumerate([50, 50, 50, 0, 0, 7, 3, 50, 0, 50]):
        scores = torch.randn(6, 500, generator=generator) * (1 + trial)  # untied: float32 normals
        seen = torch.randint(0, 500, (6, 20), generator=generator)
        ref = RepetitionPenaltyLogitsProcessor(1.1)(seen, scores.clone())
        ours = penalise(scores.clone(), seen, 1.1)
        assert torch.equal(ours, ref), f"trial {trial}: repetition penalty differs"
        ref = TemperatureLogitsWarper(0.7)(None, ref)
        ref = TopPLogitsWarper(0.95)(None, TopKLogitsWarper(top_k)(None, ref) if top_k else ref)
        values, index = warp(ours, 0.7, top_k, 0.95)
        full = torch.full_like(ref, float("-inf")).scatter(1, index, values)
        assert torch.equal(torch.isfinite(full), torch.isfinite(ref)), f"trial {trial}: other tokens kept"
        assert torch.equal(full[torch.isfinite(full)], ref[torch.isfinite(ref)]), f"trial {trial}: scores"
        assert (values[:, :-1] >= values[:, 1:]).all(), "compact scores come most likely first"


def test_min_p_keeps_the_tokens_transformers_keeps():
    from transformers.generation.logits_process import (
        MinPLogitsWarper,
        TemperatureLogitsWarper,
        TopKLogitsWarper,
        TopPLogitsWarper,
    )

    generator = torch.Generator().manual_seed(1)
    # Temperatures other than 1 and top-p cuts that leave min-p work to do: min-p before top-p or before
    # the temperature keeps other tokens here.
    settings = [
        (1.0, 50, 1.0, 0.1),
        (1.0, 0, 1.0, 0.05),
        (0.7, 50, 0.9, 0.05),
        (0.7, 0, 0.85, 0.05),
        (1.3, 3, 1.0, 0.5),
    ]
    for trial, (temperature, top_k, top_p, min_p) in enumerate(settings):
        scores = torch.randn(6, 5000, generator=generator) * 2  # spread enough for min-p to cut
        ref = TemperatureLogitsWarper(temperature)(None, scores.clone())
        ref = TopKLogitsWarper(top_k)(None, ref) if top_k else ref
        ref = MinPLogitsWarper(min_p)(None, TopPLogitsWarper(top_p)(None, ref) if top_p < 1 else ref)
        values, index = warp(scores.clone(), temperature, top_k, top_p, min_p)
        full = torch.full_like(ref, float("-inf")).scatter(1, index, values)
        assert torch.equal(torch.isfinite(full), torch.isfinite(ref)), f"trial {trial}: other tokens kept"
        narrower = torch.isfinite(warp(scores.clone(), temperature, top_k, top_p)[0]).sum()
        assert torch.isfinite(values).sum() < narrower, f"trial {trial}: min-p cut nothing"


def test_top_k_keeps_every_token_tied_with_the_kth_as_transformers_does():
    from transformers.generation.logits_process import TopKLogitsWarper

    scores = torch.tensor([[5.0, 4.0, 3.0, 3.0, 3.0, 1.0], [9.0, 8.0, 7.0, 6.0, 5.0, 4.0]])
    values, index = warp(scores, 1.0, 3, 1.0)
    ref = TopKLogitsWarper(3)(None, scores.clone())
    full = torch.full_like(ref, float("-inf")).scatter(1, index, values)
    assert torch.equal(full, ref), f"tied tokens at the k-th score stay: {full} vs {ref}"


def test_a_rows_draw_does_not_depend_on_a_tie_in_another_row():
    # bfloat16-rounded logits tie often; a tie at row b's k-th makes the batch gather wider, which
    # must not reorder row a's equal scores and so move its draw.
    torch.manual_seed(0)
    changed = 0
    for _ in range(20):
        a = (torch.randn(4096) * 3).to(torch.bfloat16).float()
        b = (torch.randn(4096) * 3).to(torch.bfloat16).float()
        top = b.topk(11).values
        b[b == top[10]] = top[9]  # b's 11th ties with its 10th (k = 10)
        for seed in range(10):
            alone = draw(*warp(a[None], 0.7, 10, 0.95), [torch.Generator().manual_seed(seed)])
            beside = draw(
                *warp(torch.stack([a, b]), 0.7, 10, 0.95), [torch.Generator().manual_seed(seed)] * 2
            )
            changed += int(alone[0] != beside[0])
    assert changed == 0, f"row a's token moved with row b in {changed} of 200 draws"


def test_a_tie_made_by_the_temperature_is_kept_as_transformers_keeps_it():
    from transformers.generation.logits_process import TemperatureLogitsWarper, TopKLogitsWarper

    below = torch.nextafter(torch.tensor(3.0), torch.tensor(0.0)).item()  # 3.0 and this tie once / 0.7
    scores = torch.tensor([[5.0, 4.0, 3.0, below, 1.0]])
    assert (scores[0, 2] / 0.7) == (scores[0, 3] / 0.7) and scores[0, 2] != scores[0, 3], (
        "a tie made by / 0.7"
    )
    values, index = warp(scores, 0.7, 3, 1.0)
    ref = TopKLogitsWarper(3)(None, TemperatureLogitsWarper(0.7)(None, scores.clone()))
    full = torch.full_like(ref, float("-inf")).scatter(1, index, values)
    assert torch.equal(full, ref), f"the tokens tied after the division stay: {full} vs {ref}"


def test_a_row_the_guard_left_short_of_k_tokens_does_not_widen_the_others():
    from transformers.generation.logits_process import TopKLogitsWarper

    inf = float("-inf")
    scores = torch.tensor([[5.0, inf, inf, inf, inf, inf], [9.0, 8.0, 7.0, 7.0, 5.0, 4.0]])
    values, index = warp(scores, 0.5, 3, 1.0)
    ref = TopKLogitsWarper(3)(None, scores.clone() / 0.5)
    full = torch.full_like(ref, inf).scatter(1, index, values)
    assert torch.equal(full, ref), f"kept tokens differ from transformers': {full} vs {ref}"
    assert values.shape[1] == 4, f"only the tie at row 1's k-th widens the compact scores: {values.shape}"


def test_draw_only_picks_tokens_left_in_play():
    values = torch.tensor([[2.0, float("-inf"), float("-inf")], [1.0, 0.5, float("-inf")], [3.0, 2.0, 1.0]])
    index = torch.tensor([[17, 3, 4], [8, 9, 2], [40, 41, 42]])
    allowed = [{17}, {8, 9}, {40, 41, 42}]
    seen = [set() for _ in allowed]
    for seed in range(60):
        picked = draw(values, index, [torch.Generator().manual_seed(seed * 3 + r) for r in range(3)])
        for row, token in enumerate(picked.tolist()):
            assert token in allowed[row], f"seed {seed} row {row} drew {token}"
            seen[row].add(token)
    assert seen == allowed, f"every token in play is drawn sometimes: {seen}"


def _reference(gen, prompt: str, terms: dict, stops: list[int], max_new_tokens: int) -> list[int]:
    """transformers' own greedy `generate` with the same penalty and guard, cut at its first end."""
    enc = _ids(gen, [prompt])
    guard = Guard(gen.tokenizer, [terms], stops, [False])
    out = gen.model.generate(
        **enc,
        max_new_tokens=max_new_tokens,
        do_sample=False,
        repetition_penalty=1.1,
        logits_processor=[guard],
        pad_token_id=gen.tokenizer.pad_token_id,
    )[0, enc["input_ids"].shape[1] :].tolist()
    ends = gen.end_masks()[0]
    return next((out[: i + 1] for i, t in enumerate(out) if ends[t]), out)


def test_greedy_decoding_matches_generate_guard_included(sharp):
    terms = {"RUN20": "Code RUN20."}
    # Every token counts as a stop for the guard: each row is "about to end" at once and must be made
    # to write the code first (the tiny model would not end on its own within 20 tokens).
    stops = list(range(len(sharp.tokenizer)))
    enc = _ids(sharp, PROMPTS)
    inputs, seen = sharp._inputs(enc, None)
    guard = Guard(sharp.tokenizer, [terms] * 4, stops, [False] * 4)
    rows, _ = decode(
        sharp.model, inputs, seen, 2, 20, Sampling(0.0, 50, 0.95, 1.1), [0] * 4,
        *sharp.end_masks(), lambda tokens: False, guard,
    )  # fmt: skip
    for row, tokens in enumerate(rows):
        expected = _reference(sharp, PROMPTS[row // 2], terms, stops, 20)
        assert tokens == expected, f"row {row}: {tokens} vs generate's {expected}"
    written = [sharp.tokenizer.decode(r) for r in rows]
    assert all(text.startswith(" Code RUN20.") for text in written), f"the guard writes the code: {written}"


@torch.inference_mode()
def test_each_rows_perplexity_is_the_models_own_on_its_tokens_given_the_prompt(sharp):
    # Sampled, penalised and guarded: the perplexity must still be the raw model's, of exactly the
    # tokens written (a final end-of-sequence token not counted), as one forward pass over the whole
    # prompt + copy gives it.
    enc = _ids(sharp, PROMPTS)
    inputs, seen = sharp._inputs(enc, None)
    stops = [sharp.tokenizer.eos_token_id]
    guard = Guard(sharp.tokenizer, [{"RUN20": "Code RUN20."}] * 6, stops, [False] * 6)
    rows, perplexities = decode(
        sharp.model, inputs, seen, 3, 12, Sampling(0.9, 50, 0.95, 1.3), list(range(6)),
        *sharp.end_masks(), lambda tokens: False, guard,
    )  # fmt: skip
    ends = sharp.end_masks()[0]
    for row, (tokens, perplexity) in enumerate(zip(rows, perplexities, strict=True)):
        copy = tokens[:-1] if tokens and ends[tokens[-1]] else tokens
        prompt = _ids(sharp, [PROMPTS[row // 3]])["input_ids"][0].tolist()
        logits = sharp.model(input_ids=torch.tensor([prompt + copy])).logits[0, len(prompt) - 1 : -1]
        own = torch.log_softmax(logits.float(), -1).gather(1, torch.tensor(copy)[:, None])
        assert perplexity == pytest.approx(float(torch.exp(-own.mean())), rel=1e-4), (
            f"row {row}: decoding's perplexity is not the model's own on its {len(copy)} tokens"
        )
    assert len(set(np.round(perplexities, 6))) > 1, f"rows differ in perplexity: {perplexities}"


@torch.inference_mode()
def test_a_row_that_only_ends_is_scored_by_its_end_not_as_certain(sharp):
    enc = _ids(sharp, PROMPTS[:1])
    inputs, seen = sharp._inputs(enc, None)
    everything = torch.ones(len(sharp.tokenizer), dtype=torch.bool)  # every token ends a row at once
    rows, perplexities = decode(
        sharp.model, inputs, seen, 2, 5, Sampling(0.0, 50, 0.95, 1.0), [0, 1],
        everything, torch.zeros_like(everything), lambda tokens: False,
    )  # fmt: skip
    assert [len(r) for r in rows] == [1, 1], f"each row is its end token alone: {rows}"
    logits = sharp.model(**enc).logits[0, -1].float()
    expected = float(torch.exp(-torch.log_softmax(logits, -1)[rows[0][0]]))
    assert perplexities == pytest.approx([expected] * 2, rel=1e-4), (
        f"an empty candidate's perplexity is that of its end token ({expected:.3f}), not 1: {perplexities}"
    )


def test_sampled_copy_is_seeded_per_row_not_by_the_batch(sharp):
    config = GeneratorConfig(
        model=sharp.config.model, temperature=0.7, max_new_tokens=10, batch_size=2, dtype="float32"
    )
    gen = Generator(sharp.model, sharp.tokenizer, config)
    together = gen.generate(PROMPTS, n=3, seed=7)
    assert together == gen.generate(PROMPTS, n=3, seed=7), "same inputs and seed, same copy"
    assert together != gen.generate(PROMPTS, n=3, seed=8), "another seed samples other copy"
    alone = [gen.generate([p], n=3, seed=7)[0] for p in PROMPTS]
    assert texts(together) == texts(alone), "a prompt's copy must not depend on the other prompts of the call"
    assert [d.perplexity for row in together for d in row] == pytest.approx(
        [d.perplexity for row in alone for d in row], rel=1e-5
    ), "nor its perplexity, beyond float rounding"
    assert len(set(texts(together)[0])) > 1, f"candidates of one prompt draw differently: {together[0]}"


def test_generation_stops_where_tidy_would_stop_reading(sharp):
    ends, breaks = sharp.end_masks()
    newline = sharp.tokenizer("\n", add_special_tokens=False)["input_ids"]
    assert breaks[newline].all() and not ends[newline].any(), "a line break is a break, not an end"
    assert ends[sharp.tokenizer.eos_token_id] and not breaks[sharp.tokenizer.eos_token_id], "eos ends"
    for text, done in [("Hi\n\nmore", True), ("Hi\n", False), ("\n\n", False), ("Hi.\n \nx", False)]:
        ids = sharp.tokenizer(text, add_special_tokens=False)["input_ids"]
        assert sharp.paragraph_done(ids) is done, f"{text!r}: first paragraph done should be {done}"


@pytest.mark.parametrize(
    ("dtype", "flags", "expected"),
    [
        ("auto", {"avx512_bf16", "avx512f"}, "bfloat16"),
        ("auto", {"amx_bf16", "amx_tile"}, "bfloat16"),
        ("auto", {"avx512f", "avx2"}, "float32"),
        ("auto", set(), "float32"),
        ("float32", {"avx512_bf16"}, "float32"),
        ("bfloat16", set(), "bfloat16"),
        ("int8", {"amx_bf16"}, "int8"),
    ],
)
def test_dtype_auto_is_bf16_only_where_the_cpu_has_it(dtype, flags, expected):
    assert resolve_dtype(dtype, frozenset(flags)) == expected, f"{dtype} with {sorted(flags)}"


def test_bf16_generator_writes_and_records_its_dtype(tiny_model_dir):
    gen = Generator.load(GeneratorConfig(model=tiny_model_dir, dtype="bfloat16", max_new_tokens=4))
    assert gen.dtype == "bfloat16" and next(gen.model.parameters()).dtype == torch.bfloat16, gen.dtype
    texts = gen.generate(PROMPTS, n=2, seed=0)
    assert [len(t) for t in texts] == [2, 2], texts
    assert np.isfinite(gen.perplexity(["running shoes"])).all(), "perplexity works in bf16"
