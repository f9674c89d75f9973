"""The soft prompt after the campaign's text (`soft_prompt: after_campaign`) and the prefix KV cache it
allows: placement, the same logits and copy as the full sequence, training and reload, on tiny Llamas."""

import json

import numpy as np
import pytest
import torch
from conftest import conditioned_generator, sft_rows, texts

from promogen import GeneratorConfig, PipelineConfig, PromoGen
from promogen.conditioning import AdapterConfig, place_soft_prompt, read_adapter_config
from promogen.decoding import prefill
from promogen.generator import Generator, batches
from promogen.prompts import shared_chars
from promogen.simulate import demo_campaign, simulate_users
from promogen.train.lora import TrainConfig, encode_examples, train
from promogen.types import ValidationError

HEAD = "<|im_start|>system\nwrite promo copy<|im_end|>\n<|im_start|>user\nOffer: 20% off"


def test_soft_prompt_sits_after_the_first_at_real_tokens():
    tokens = torch.arange(1, 9, dtype=torch.float32).view(2, 4, 1)  # values 1..8
    mask = torch.tensor([[0, 1, 1, 1], [1, 1, 1, 1]])
    soft = torch.full((2, 1, 1), -1.0)
    labels = torch.tensor([[-100, -100, -100, 4], [-100, -100, 7, 8]])
    embeds, new_mask, positions, new_labels = place_soft_prompt(
        tokens, mask, soft, labels, torch.tensor([2, 1])
    )
    assert embeds[:, :, 0].tolist() == [[1, 2, 3, -1, 4], [5, -1, 6, 7, 8]], f"layout wrong: {embeds[..., 0]}"
    assert new_mask.tolist() == [[0, 1, 1, 1, 1], [1, 1, 1, 1, 1]], "padding stays masked, soft is attended"
    assert positions[0, 1:].tolist() == [0, 1, 2, 3], "positions run through the soft prompt"
    assert new_labels.tolist() == [[-100, -100, -100, -100, 4], [-100, -100, -100, 7, 8]], (
        "soft is never a label"
    )


def test_shared_chars_is_where_the_shopper_prompt_leaves_the_campaign_prompt():
    plain = HEAD + "<|im_end|>\n<|im_start|>assistant\n"
    personal = HEAD + "\nShopper is into: trail shoes<|im_end|>\n<|im_start|>assistant\n"
    assert shared_chars(personal, plain) == len(HEAD), "the interests line starts the shopper's part"
    assert shared_chars(plain, plain) == len(plain), "a prompt without interests is all campaign"


def test_batches_never_mix_texts_before_the_soft_prompt():
    keys = ["a", "a", "b", "a", "b"]
    assert batches([0, 1, 3, 2, 4], keys, 2) == [[0, 1], [3], [2, 4]], "one key per batch, at most `size`"


@pytest.fixture(scope="module")
def after_campaign(tiny_model_dir):
    return conditioned_generator(tiny_model_dir, "after_campaign")


def test_the_prefix_cache_gives_the_logits_of_the_whole_sequence(after_campaign):
    gen = after_campaign
    rests = ["\nShopper is into: running shoes", "\nShopper is into: a much longer list of trail things"]
    vectors = np.random.default_rng(0).normal(size=(2, 384)).astype(np.float32)
    head = gen.tokenizer(HEAD, add_special_tokens=False)["input_ids"]
    enc = gen.tokenizer(rests, return_tensors="pt", padding=True, add_special_tokens=False)
    inputs, _ = gen._inputs(enc, vectors)
    with torch.inference_mode():
        _, cached, _, _ = prefill(gen.model, inputs, 1, 1, torch.tensor([head]))
        whole = gen.tokenizer(
            [HEAD + r for r in rests], return_tensors="pt", padding=True, add_special_tokens=False
        )
        full, _ = gen._inputs(whole, vectors, at=torch.tensor([len(head)] * 2))
        _, expected, _, _ = prefill(gen.model, full, 1, 1)
    assert torch.allclose(cached, expected, atol=1e-4), (
        f"the cached prefix changed the next-token logits by {(cached - expected).abs().max():.2e}"
    )


def test_decoding_from_the_cached_prefix_writes_what_the_whole_sequence_does(after_campaign):
    """Many steps, rows leaving the batch: the cache of the shared text, repeated, is the full one."""
    from promogen.decoding import Sampling, decode

    gen = after_campaign
    rests = ["\nShopper is into: running shoes", "\nShopper is into: a much longer list of trail things"]
    vectors = np.random.default_rng(2).normal(size=(2, 384)).astype(np.float32)
    head = gen.tokenizer(HEAD, add_special_tokens=False)["input_ids"]
    greedy, seen = Sampling(0.0, 0, 1.0, 1.0), torch.zeros(2, 0, dtype=torch.long)
    common = (greedy, [0] * 4, *gen.end_masks(), gen.paragraph_done)
    enc = gen.tokenizer(rests, return_tensors="pt", padding=True, add_special_tokens=False)
    cached, cached_ppl = decode(
        gen.model, gen._inputs(enc, vectors)[0], seen, 2, 20, *common, prefix=torch.tensor([head])
    )
    whole = gen.tokenizer(
        [HEAD + r for r in rests], return_tensors="pt", padding=True, add_special_tokens=False
    )
    full, _ = gen._inputs(whole, vectors, at=torch.tensor([len(head)] * 2))
    expected, expected_ppl = decode(gen.model, full, seen, 2, 20, *common)
    assert cached == expected, f"the cached prefix changed the tokens: {cached} vs {expected}"
    assert cached_ppl == pytest.approx(expected_ppl, rel=1e-4), "and the perplexities beyond float rounding"


def test_last_position_by_index_gives_the_logits_of_the_slice(tiny_model_dir):
    gen = Generator.load(GeneratorConfig(model=tiny_model_dir, dtype="float32"))
    enc = gen.tokenizer(["a short one", "a longer prompt here"], return_tensors="pt", padding=True)
    with torch.inference_mode():
        sliced = gen.model(**enc, logits_to_keep=1).logits[:, -1]
        indexed = gen.model(**enc, logits_to_keep=torch.tensor([enc["input_ids"].shape[1] - 1])).logits[:, -1]
    assert torch.allclose(sliced, indexed, atol=1e-6), "the prefill's index keeps the same position"


def test_a_copywriter_refuses_an_unknown_place(after_campaign):
    with pytest.raises(
        ValidationError, match=r"`soft_prompt` must be one of front, after_campaign; got 'end'"
    ):
        Generator(after_campaign.model, after_campaign.tokenizer, soft_prompt="end")


def test_after_campaign_copy_does_not_depend_on_the_other_prompts(after_campaign):
    gen = after_campaign
    prompts = [
        HEAD + "\nShopper is into: shoes",
        HEAD + "\nShopper is into: long trail runs",
        "Other shop: 5 off",
    ]
    shared = [len(HEAD), len(HEAD), len(prompts[2])]
    vectors = np.random.default_rng(1).normal(size=(3, 384)).astype(np.float32)
    together = gen.generate(prompts, n=2, seed=0, vectors=vectors, shared=shared)
    alone = [
        gen.generate([p], n=2, seed=0, vectors=vectors[i : i + 1], shared=shared[i : i + 1])[0]
        for i, p in enumerate(prompts)
    ]
    assert texts(together) == texts(alone), f"the batch changed the copy: {together} vs {alone}"
    assert [d.perplexity for row in together for d in row] == pytest.approx(
        [d.perplexity for row in alone for d in row], rel=1e-4
    ), "the batch changed the copywriter's perplexity beyond float rounding"
    with pytest.raises(ValueError, match="pass `shared`"):
        gen.generate(prompts, n=1, seed=0, vectors=vectors)


def test_old_adapters_read_as_front_and_a_bad_place_is_refused():
    assert AdapterConfig.from_dict({"k": 2}).soft_prompt == "front", "adapters saved before the setting"
    with pytest.raises(
        ValidationError, match=r"`soft_prompt` must be one of front, after_campaign; got 'middle'"
    ):
        AdapterConfig(soft_prompt="middle")


@pytest.fixture(scope="module")
def trained(trainable_tiny_dir, encoder, tmp_path_factory):
    root = tmp_path_factory.mktemp("lora-after")
    rows = sft_rows(encoder)
    data = root / "sft.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in rows))
    config = TrainConfig(
        data=str(data),
        out=str(root / "run"),
        base_model=trainable_tiny_dir,
        steps=4,
        batch_size=3,
        warmup=0,
        interest_dropout=0.0,
        max_length=1024,  # the tiny tokenizer's prompts are long: none cut
        adapter=AdapterConfig(k=2, lora_r=4, soft_prompt="after_campaign"),
    )
    return config, rows, train(config, progress=False)


def test_training_puts_the_soft_prompt_where_generation_does(trained, trainable_tiny_dir, encoder):
    config, rows, result = trained
    gen = Generator.load(GeneratorConfig(model=trainable_tiny_dir, dtype="float32"), adapter=result.adapter)
    assert read_adapter_config(result.adapter)[0].soft_prompt == "after_campaign", "the place is saved"
    assert gen.soft_prompt == "after_campaign", "and read back by the copywriter"
    pg = PromoGen(gen, encoder, PipelineConfig(n_candidates=1))
    campaign = demo_campaign("run20")
    prompt = pg.prompts(campaign, [rows[0]["interests"]])[0]
    head = gen.tokenizer(prompt[: pg.shared(campaign, [prompt])[0]], add_special_tokens=False)["input_ids"]
    example = encode_examples(rows[:1], gen.tokenizer, config)[0]
    assert example["soft_at"] == len(head) > 0, "training's soft prompt follows the campaign's text"
    assert example["input_ids"][: len(head)] == head, "tokenised as generation tokenises it"
    batch = {k: torch.tensor([example[k]]) for k in ("input_ids", "labels", "soft_at")}
    batch |= {
        "attention_mask": torch.ones_like(batch["input_ids"]),
        "vectors": torch.tensor([rows[0]["vector"]]),
    }
    with torch.no_grad():
        expected = result.model(**batch).logits
        inputs, _ = gen._inputs(batch, np.asarray([rows[0]["vector"]], dtype=np.float32), at=batch["soft_at"])
        got = gen.model(**inputs, position_ids=inputs["attention_mask"].cumsum(1) - 1).logits
        front, _ = gen._inputs(batch, np.asarray([rows[0]["vector"]], dtype=np.float32))
        wrong = gen.model(**front, position_ids=front["attention_mask"].cumsum(1) - 1).logits
    # Merging LoRA into the weights moves float32 logits by ~1e-5; a misplaced soft prompt, by far more.
    assert (expected - got).abs().max() < 1e-4, f"reloaded: logits moved {(expected - got).abs().max():.2e}"
    assert (expected - wrong).abs().max() > 1e-2, "the check must tell the two places apart"


def test_the_pipeline_passes_the_shared_text(trained, trainable_tiny_dir, encoder):
    _, _, result = trained
    config = PipelineConfig(
        n_candidates=2, generator=GeneratorConfig(model=trainable_tiny_dir, max_new_tokens=6)
    )
    pg = PromoGen(Generator.load(config.generator, adapter=result.adapter), encoder, config)
    deliveries = pg.generate(demo_campaign("run20"), simulate_users(3, seed=0))
    assert len(deliveries) == 3 and all(d.adapter == str(result.adapter) for d in deliveries), deliveries


def test_a_config_that_starts_from_an_adapter_cannot_move_its_soft_prompt(trained, tmp_path):
    config, _, result = trained
    changes = {"out": str(tmp_path / "dpo"), "objective": "dpo", "init_adapter": str(result.adapter)}
    moved = TrainConfig.from_dict({**config.to_dict(), **changes, "adapter": {"k": 2, "lora_r": 4}})
    with pytest.raises(
        ValidationError, match=r"`adapter` settings come from `init_adapter`.*leave `adapter` out"
    ):
        train(moved, progress=False)
