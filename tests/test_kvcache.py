"""The KV cache with reserved room: the same keys, values and logits as transformers' growing cache
through prefill, forking, steps past its room and rows leaving; a step inside the room copies nothing;
a reset empties it, and what it cannot do is refused."""

import pytest
import torch
from transformers import DynamicCache

from promogen.generator import Generator, GeneratorConfig
from promogen.kvcache import reserved_cache

PROMPTS = ["<|im_start|>user\nrunning shoes<|im_end|>\n", "<|im_start|>user\nyoga mats<|im_end|>\n"]


@pytest.fixture(scope="module")
def model_and_inputs(tiny_model_dir):
    gen = Generator.load(GeneratorConfig(model=tiny_model_dir, dtype="float32"))
    enc = gen.tokenizer(PROMPTS, return_tensors="pt", padding=True, add_special_tokens=False)
    return gen.model, dict(enc)


@torch.inference_mode()
def _run(model, inputs, cache, steps: int = 6, leave_at: int = 3):
    """Prefill, fork each prompt 2 ways, decode `steps` fixed tokens, dropping row 1 at `leave_at`:
    the logits of every step and the cache's keys at the end."""
    mask = inputs["attention_mask"]
    out = model(**inputs, cache=cache, use_cache=True)
    cache.batch_repeat_interleave(2)
    mask, logits = mask.repeat_interleave(2, 0), [out.logits[:, -1].repeat_interleave(2, 0)]
    tokens = torch.arange(4) + 5
    for t in range(steps):
        if t == leave_at:
            keep = torch.tensor([0, 2, 3])
            cache.batch_select_indices(keep)
            mask, tokens = mask[keep], tokens[keep]
        mask = torch.cat([mask, mask.new_ones(len(mask), 1)], dim=1)
        position = (mask.sum(1, keepdim=True) - 1).clamp(min=0)
        out = model(input_ids=tokens[:, None], attention_mask=mask, position_ids=position, cache=cache)
        logits.append(out.logits[:, -1])
        tokens = tokens + 1
    return logits, [(layer.keys, layer.values) for layer in cache.layers]


@pytest.mark.parametrize("room", [0, 2, 64])
def test_the_reserved_cache_gives_what_the_growing_cache_gives(model_and_inputs, room):
    model, inputs = model_and_inputs
    expected_logits, expected_states = _run(model, inputs, DynamicCache(config=model.config))
    logits, states = _run(model, inputs, reserved_cache(model.config, room))
    for layer, (ours, theirs) in enumerate(zip(states, expected_states, strict=True)):
        assert torch.equal(ours[0], theirs[0]), f"room {room}: keys of layer {layer} differ"
        assert torch.equal(ours[1], theirs[1]), f"room {room}: values of layer {layer} differ"
    for t, (ours, theirs) in enumerate(zip(logits, expected_logits, strict=True)):
        assert torch.equal(ours, theirs), f"room {room}, step {t}: logits differ"


@torch.inference_mode()
def test_a_step_inside_the_room_writes_in_place(model_and_inputs):
    model, inputs = model_and_inputs
    cache = reserved_cache(model.config, 8)
    model(**inputs, cache=cache, use_cache=True)
    layer = cache.layers[0]
    buffer, filled = layer.key_buffer.data_ptr(), layer.get_seq_length()
    mask = torch.cat([inputs["attention_mask"], inputs["attention_mask"].new_ones(2, 1)], dim=1)
    model(input_ids=torch.tensor([[5], [6]]), attention_mask=mask, cache=cache)
    assert layer.get_seq_length() == filled + 1, "the step's token is cached"
    assert layer.key_buffer.data_ptr() == buffer, "a step within the reserved room reallocated the cache"


@torch.inference_mode()
def test_a_reset_cache_starts_empty_and_what_it_cannot_do_is_refused(model_and_inputs):
    model, inputs = model_and_inputs
    cache = reserved_cache(model.config, 4)
    model(**inputs, cache=cache, use_cache=True)
    cache.reset()
    again = model(**inputs, cache=cache, use_cache=True).logits
    fresh = model(**inputs, cache=reserved_cache(model.config, 4), use_cache=True).logits
    assert torch.equal(again, fresh), "a reset cache reads the prompts as a new one does"
    layer = cache.layers[0]
    for refused in (lambda: layer.crop(-1), lambda: layer.reorder_cache(torch.tensor([1, 0])), layer.offload):
        with pytest.raises(NotImplementedError, match="never needs it"):
            refused()
