"""Interest soft prompts and LoRA training on the tiny random Llama: placement, batching, training, reload."""

import copy
import json
import shutil
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import torch
from conftest import conditioned_generator, process_errors, sft_rows, texts

from promogen import GeneratorConfig, PipelineConfig, PromoGen
from promogen.conditioning import AdapterConfig, place_soft_prompt, read_adapter_config
from promogen.generator import Generator
from promogen.provenance import code_version
from promogen.simulate import demo_campaign, simulate_users
from promogen.train.lora import TrainConfig, batch_indices, train
from promogen.types import ValidationError


def test_soft_prompt_sits_between_left_padding_and_first_token():
    tokens = torch.arange(2 * 4 * 1, dtype=torch.float32).view(2, 4, 1) + 1  # values 1..8
    mask = torch.tensor([[0, 0, 1, 1], [1, 1, 1, 1]])
    soft = torch.full((2, 2, 1), -1.0)
    labels = torch.tensor([[-100, -100, 7, 8], [1, 2, 3, 4]])
    embeds, new_mask, positions, new_labels = place_soft_prompt(tokens, mask, soft, labels)
    assert embeds[0, :, 0].tolist() == [1, 2, -1, -1, 3, 4], f"row 0 layout wrong: {embeds[0, :, 0]}"
    assert embeds[1, :, 0].tolist() == [-1, -1, 5, 6, 7, 8], f"row 1 layout wrong: {embeds[1, :, 0]}"
    assert new_mask.tolist() == [[0, 0, 1, 1, 1, 1], [1, 1, 1, 1, 1, 1]], (
        "padding stays masked, soft is attended"
    )
    assert positions[0, 2:].tolist() == [0, 1, 2, 3], "positions start at the soft prompt"
    assert new_labels.tolist() == [[-100, -100, -100, -100, 7, 8], [-100, -100, 1, 2, 3, 4]]


@pytest.fixture(scope="module")
def conditioned(tiny_model_dir):
    return conditioned_generator(tiny_model_dir)


def test_batched_conditioned_generation_matches_one_prompt_at_a_time(conditioned):
    prompts = ["<|im_start|>user\nrunning shoes", "<|im_start|>user\na much longer prompt about trail shoes"]
    vectors = np.random.default_rng(0).normal(size=(2, 384)).astype(np.float32)
    together = conditioned.generate(prompts, n=1, seed=0, vectors=vectors)
    alone = [
        conditioned.generate([p], n=1, seed=0, vectors=vectors[i : i + 1])[0] for i, p in enumerate(prompts)
    ]
    assert texts(together) == texts(alone), f"left padding changed the output: {together} vs {alone}"
    assert [d.perplexity for row in together for d in row] == pytest.approx(
        [d.perplexity for row in alone for d in row], rel=1e-5
    ), "left padding changed the copywriter's perplexity beyond float rounding"
    other = conditioned.generate(prompts[:1], n=1, seed=0, vectors=-vectors[:1])
    assert other[0][0].perplexity != pytest.approx(alone[0][0].perplexity, rel=1e-3), (
        "the interest vector must reach the model: another vector, other probabilities of the same copy"
    )


def test_a_users_draws_follow_the_user_not_the_vectors_last_bits(conditioned):
    """On some CPUs (AMX) a user's interest vector moves in its last bits with the thread count or the
    batch: the draws must not move with it, as they did when seeds read the vector rounded to 4 decimals."""
    prompts = ["<|im_start|>user\nrunning shoes", "<|im_start|>user\ntrail socks"]
    rng = np.random.default_rng(3)
    vectors = rng.normal(size=(2, 384)).astype(np.float32)
    nudged = vectors + 1e-5 * rng.normal(size=vectors.shape).astype(np.float32)
    users = ["u1", "u2"]
    sampled = Generator(
        conditioned.model,
        conditioned.tokenizer,
        replace(conditioned.config, temperature=1.5),
        interest=conditioned.interest,
        soft_prompt=conditioned.soft_prompt,
    )
    own = sampled.generate(prompts, n=2, seed=0, vectors=vectors, keys=users)
    assert texts(sampled.generate(prompts, n=2, seed=0, vectors=nudged, keys=users)) == texts(own), (
        "last-bit moves of the vectors must not change the users' copy"
    )
    others = sampled.generate(prompts, n=2, seed=0, vectors=vectors, keys=["u3", "u4"])
    assert texts(others) != texts(own), "other users, other draws, for the same prompts and vectors"


def test_conditioned_generator_requires_vectors(conditioned):
    with pytest.raises(ValueError, match="interest vectors"):
        conditioned.generate(["hi"], n=1, seed=0)


@pytest.fixture(scope="module")
def trained(trainable_tiny_dir, encoder, tmp_path_factory):
    root = tmp_path_factory.mktemp("lora")
    data = root / "sft.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in sft_rows(encoder)))
    config = TrainConfig(
        data=str(data),
        out=str(root / "run"),
        base_model=trainable_tiny_dir,
        steps=12,
        batch_size=4,
        lr=2e-2,
        interest_lr=2e-2,
        warmup=0,
        save_every=4,
        adapter=AdapterConfig(k=2, lora_r=4),
    )
    return config, train(config, progress=False)


def test_training_lowers_the_loss_and_records_the_run(trained):
    config, result = trained
    log = [json.loads(line) for line in Path(config.out, "log.jsonl").read_text().splitlines()]
    first, last = np.mean([r["loss"] for r in log[:3]]), np.mean([r["loss"] for r in log[-3:]])
    assert last < 0.8 * first, f"loss should fall by 20%+ in 12 steps: {first:.3f} -> {last:.3f}"
    adapter_config, record = read_adapter_config(result.adapter)
    assert adapter_config.k == 2 and record["steps"] == 12 and len(record["data_sha1"]) == 40, record
    assert record["code"] == code_version(), f"the record names the commit that trained it: {record['code']}"
    assert (result.adapter / "adapter_model.safetensors").stat().st_size < 20e6, "adapter must stay small"


def test_saved_adapter_reloads_to_the_same_outputs(trained, trainable_tiny_dir):
    config, result = trained
    loaded = Generator.load(
        GeneratorConfig(model=trainable_tiny_dir, temperature=0.0, dtype="float32"), adapter=result.adapter
    )
    assert loaded.demonstration is False and loaded.interest is not None
    enc = loaded.tokenizer(["<|im_start|>user\nrunning"], return_tensors="pt", add_special_tokens=False)
    vectors = torch.ones(1, 384) / 384**0.5
    with torch.no_grad():
        batch = {**enc, "labels": enc["input_ids"], "vectors": vectors}
        expected = result.model(**batch).logits
        inputs, _ = loaded._inputs(enc, vectors.numpy())
        got = loaded.model(**inputs, position_ids=(inputs["attention_mask"].cumsum(1) - 1)).logits
    assert torch.allclose(expected, got, atol=1e-5), "reloaded adapter gives different logits"


def test_resume_continues_from_the_newest_checkpoint(trained):
    config, _ = trained
    longer = TrainConfig.from_dict({**config.to_dict(), "steps": 14})
    result = train(longer, progress=False)
    assert result.summary["resumed_at"] == 12, f"should resume at step 12, got {result.summary['resumed_at']}"
    steps = [json.loads(line)["step"] for line in Path(config.out, "log.jsonl").read_text().splitlines()]
    assert steps == list(range(1, 15)), f"each step logged once across the two runs: {steps}"


def test_a_run_resumed_after_a_kill_ends_with_the_uninterrupted_weights(trained, tmp_path):
    config, _ = trained
    settings = {**config.to_dict(), "steps": 6, "save_every": 3, "resume": True}
    settings["adapter"] = {**settings["adapter"], "lora_dropout": 0.3}  # dropout draws must replay too
    settings["neftune_alpha"] = 5.0  # and NEFTune's noise
    whole = train(TrainConfig.from_dict({**settings, "out": str(tmp_path / "whole")}), progress=False)
    killed = TrainConfig.from_dict({**settings, "out": str(tmp_path / "killed")})
    train(killed, progress=False)
    newest = tmp_path / "killed" / "checkpoints" / "step-000006"
    shutil.rmtree(newest)  # as if killed after step 3's checkpoint
    with Path(killed.out, "log.jsonl").open("a") as log:
        log.write('{"step": 7, "lo')  # a line torn by the kill
    resumed = train(killed, progress=False)
    assert resumed.summary["resumed_at"] == 3, resumed.summary
    assert resumed.model.neftune_alpha == 5.0 == resumed.summary["neftune_alpha"], "the noise is on, recorded"
    steps = [json.loads(line)["step"] for line in Path(killed.out, "log.jsonl").read_text().splitlines()]
    assert steps == list(range(1, 7)), f"steps 4-6 trained again are logged once, the torn line gone: {steps}"
    for (name, a), (_, b) in zip(
        whole.model.state_dict().items(), resumed.model.state_dict().items(), strict=True
    ):
        assert torch.equal(a, b), f"{name} differs after the resume"


def test_neftune_noise_is_bounded_and_only_while_training(trained):
    _, result = trained
    module = copy.deepcopy(result.model)
    ids = torch.tensor([[5, 6, 7, 8, 9]])
    args = (ids, torch.ones_like(ids), ids, torch.ones(1, 384) / 384**0.5)
    clean = module.inputs(*args)[0]["inputs_embeds"]
    module.neftune_alpha = 5.0
    assert torch.equal(module.inputs(*args)[0]["inputs_embeds"], clean), "no noise when evaluating"
    module.train()
    torch.manual_seed(0)
    noise = module.inputs(*args)[0]["inputs_embeds"] - clean
    bound = 5.0 / (ids.shape[1] * clean.shape[2]) ** 0.5  # L: the 5 words, not the soft prompt with them
    k = clean.shape[1] - ids.shape[1]
    assert noise[:, :k].abs().max() == 0, "the soft prompt is left as the interest adapter made it"
    words = noise[:, k:]
    assert words.abs().max() <= bound * (1 + 1e-6), f"noise within alpha/sqrt(L*d) {bound:.4f}"
    assert words.min() < -0.95 * bound and words.max() > 0.95 * bound, "uniform on both sides of 0"
    assert (words.abs().amax(-1) > 0.9 * bound).all(), "every word's embedding gets its own noise"


def test_batch_order_is_a_function_of_seed_and_step():
    a = [batch_indices(s, 10, 4, seed=0) for s in range(5)]
    assert a == [batch_indices(s, 10, 4, seed=0) for s in range(5)], "same seed, same order"
    first_epoch = sorted(a[0] + a[1] + batch_indices(2, 10, 4, 0)[:2])
    assert first_epoch == list(range(10)), "an epoch visits every example once"


def test_pipeline_with_adapter_records_it_and_shuffle_control_runs(trained, trainable_tiny_dir, encoder):
    _, result = trained
    config = PipelineConfig(
        n_candidates=2, generator=GeneratorConfig(model=trainable_tiny_dir, max_new_tokens=8)
    )
    pg = PromoGen.load(config=config, adapter=str(result.adapter))
    users = simulate_users(3, seed=0)
    deliveries = pg.generate(demo_campaign("run20"), users)
    assert all(d.adapter == str(result.adapter) for d in deliveries), "deliveries must name the adapter"
    config.shuffle_vectors = True
    shuffled = pg.generate(demo_campaign("run20"), users)
    assert len(shuffled) == 3


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"steps": 0}, r"`steps` must be in \[1"),
        ({"adapter": {"k": -1}}, r"`k` must be in \[0"),
        ({"adapter": {"target_modules": []}}, r"`target_modules` must be a non-empty list"),
        ({"adapter": {"rank": 4}}, r"unknown AdapterConfig field\(s\) \['rank'\]"),
        ({"neftune_alpha": -1}, r"`neftune_alpha` must be in \[0"),
        (
            {"objective": "dpo", "init_adapter": "runs/sft", "neftune_alpha": 5},
            r"`neftune_alpha` is for sft only",
        ),
    ],
)
def test_bad_training_config_is_rejected(fields, message):
    with pytest.raises(ValidationError, match=message):
        TrainConfig.from_dict(fields)


def test_missing_training_data_is_one_clear_error(tmp_path):
    with pytest.raises(ValidationError, match="training data not found"):
        train(TrainConfig(data=str(tmp_path / "none.jsonl"), out=str(tmp_path / "run")), progress=False)


def test_training_script_runs_as_two_processes(trainable_tiny_dir, encoder, tmp_path):
    import subprocess
    import sys

    import yaml

    data = tmp_path / "sft.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in sft_rows(encoder, n=4)))
    config = {
        "data": [str(data)],
        "out": str(tmp_path / "run"),
        "base_model": trainable_tiny_dir,
        "steps": 2,
        "batch_size": 4,
        "adapter": {"k": 2, "lora_r": 4},
    }
    cmd = [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", "2", "finetune/train_lora.py"]
    env = {**__import__("os").environ, "HF_HUB_OFFLINE": "1", "OMP_NUM_THREADS": "1"}

    def launch(name: str, settings: dict) -> subprocess.CompletedProcess:
        (tmp_path / f"{name}.yaml").write_text(yaml.safe_dump(settings))
        return subprocess.run(
            [*cmd, "--config", str(tmp_path / f"{name}.yaml")],
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )

    def run(name: str, settings: dict) -> dict:
        result = launch(name, settings)
        assert result.returncode == 0, process_errors(result.stderr)
        return json.loads(result.stdout.strip().splitlines()[-1])

    uneven = launch("uneven", {**config, "batch_size": 3, "out": str(tmp_path / "uneven")})
    assert uneven.returncode != 0 and "does not split evenly over 2 processes" in uneven.stderr, (
        f"3 examples over 2 processes would weigh one process's example twice: {uneven.stderr[-1000:]}"
    )

    summary = run("sft", config)
    assert summary["processes"] == 2 and summary["steps"] == 2, summary
    assert (tmp_path / "run" / "adapter" / "promogen_adapter.json").is_file(), "the first process saves"
    assert summary["processes_agree"], "averaged gradients keep both processes' weights equal"
    pairs = tmp_path / "pairs.jsonl"
    bad = "Get 25% off everything with code RUN25 today only!"
    pairs.write_text(
        "".join(
            json.dumps({**r, "chosen": r["target"], "rejected": bad}) + "\n" for r in sft_rows(encoder, n=4)
        )
    )
    dpo = {**config, "data": [str(pairs)], "out": str(tmp_path / "dpo"), "objective": "dpo", "lr": 1e-2}
    dpo["init_adapter"] = str(tmp_path / "run" / "adapter")
    dpo.pop("adapter")
    summary = run("dpo", dpo)
    assert summary["processes_agree"], "DPO runs through the DDP wrapper too, so its processes stay equal"


def test_preference_tuning_from_an_adapter_prefers_the_chosen_message(trained, encoder, tmp_path):
    """DPO starting from the SFT adapter (also the frozen reference) widens chosen-over-rejected."""
    config, result = trained
    bad = "Get 25% off everything with code RUN25 today only!"
    rows = [{**r, "chosen": r["target"], "rejected": bad} for r in sft_rows(encoder)]
    data = tmp_path / "pairs.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in rows))
    changes = {"data": [str(data)], "out": str(tmp_path / "dpo"), "steps": 8, "objective": "dpo", "lr": 3e-3}
    changes |= {"init_adapter": str(result.adapter), "beta": 0.5, "sft_weight": 0.0, "resume": False}
    dpo = TrainConfig.from_dict({**config.to_dict(), **changes})
    tuned = train(dpo, progress=False)
    log = [json.loads(line) for line in Path(dpo.out, "log.jsonl").read_text().splitlines()]
    assert log[0]["loss"] == pytest.approx(np.log(2), abs=1e-4), f"policy == reference at step 1: {log[0]}"
    record = json.loads(Path(tuned.adapter, "promogen_adapter.json").read_text())
    assert record["training"]["dropout_off"] is True, "the record says the DPO run had no dropout"
    assert log[-1]["loss"] < 0.6, f"the DPO loss must fall below log 2 as chosen pulls away: {log[-1]}"
    shape, record = read_adapter_config(tuned.adapter)
    assert shape.k == 2, "the starting adapter's shape is kept"
    first = read_adapter_config(result.adapter)[1]
    assert record["objective"] == "dpo" and record["init"] == first, (
        "the record holds the stage it started from"
    )
    assert first["objective"] == "sft" and first["init"] is None, (
        "the first stage started from the base model"
    )
    with pytest.raises(ValidationError, match="`init_adapter` is required"):
        TrainConfig(objective="dpo")


def test_an_adapter_records_its_base_model_and_refuses_another(trained, trainable_tiny_dir, tiny_model_dir):
    """An adapter trained on one base must not load onto another (Gemma's adapter on SmolLM2, say)."""
    config, result = trained
    adapter_config, _ = read_adapter_config(result.adapter)
    recorded = Path(adapter_config.base_model)
    assert recorded == Path(trainable_tiny_dir).resolve(), f"recorded {recorded}: the folder, absolute"
    with pytest.raises(ValidationError, match=r"was trained on .*not .*generator\.model"):
        Generator.load(GeneratorConfig(model=tiny_model_dir, dtype="float32"), adapter=result.adapter)
    again = TrainConfig.from_dict(
        {
            **{k: v for k, v in config.to_dict().items() if k != "adapter"},  # init_adapter gives the shape
            "base_model": tiny_model_dir,
            "objective": "dpo",
            "init_adapter": str(result.adapter),
            "out": str(Path(config.out).parent / "other"),
        }
    )
    with pytest.raises(ValidationError, match=r"was trained on .*base_model"):
        train(again, progress=False)


def test_a_contradicting_adapter_base_model_is_refused(trainable_tiny_dir, tiny_model_dir):
    with pytest.raises(ValidationError, match=r"`adapter.base_model` is .* but `base_model` is"):
        TrainConfig(base_model=trainable_tiny_dir, adapter=AdapterConfig(base_model=tiny_model_dir))
    config = TrainConfig(base_model=trainable_tiny_dir, adapter=AdapterConfig(base_model=trainable_tiny_dir))
    assert config.adapter.base_model == str(Path(trainable_tiny_dir).resolve()), "the same folder is fine"
    assert TrainConfig().adapter.base_model == "smollm2-135m-instruct", "the default stays a name"


def test_a_pair_cut_short_keeps_one_prompt_for_both_messages(trainable_tiny_dir, encoder):
    """When a pair runs over max_length, the prompt is cut once, for the longer message: a margin
    between two messages after two different contexts would measure the contexts too."""
    from transformers import AutoTokenizer

    from promogen.train.lora import encode_examples

    tokenizer = AutoTokenizer.from_pretrained(trainable_tiny_dir)
    long = "Get 20% off running gear with code RUN20, " * 6 + "today."
    rows = [{**r, "chosen": r["target"], "rejected": long} for r in sft_rows(encoder, n=2)]
    config = TrainConfig(
        base_model=trainable_tiny_dir, objective="dpo", init_adapter="unused", max_length=160, seed=0
    )
    for row in encode_examples(rows, tokenizer, config):
        chosen = [t for t, label in zip(row["input_ids"], row["labels"], strict=True) if label == -100]
        rejected = [
            t for t, label in zip(row["rejected_ids"], row["rejected_labels"], strict=True) if label == -100
        ]
        assert len(row["rejected_ids"]) <= 160, "the longer message still fits"
        assert chosen == rejected, f"prompts differ: {len(chosen)} and {len(rejected)} tokens"
        assert row["soft_at"] == row["rejected_soft_at"], "the soft prompt sits at one place in both"
    short = TrainConfig.from_dict({**config.to_dict(), "max_length": 40})
    with pytest.raises(ValidationError, match=r"example 1's message is \d+ tokens, which leaves its prompt"):
        encode_examples(rows, tokenizer, short)
