"""Interest conditioning: the user's interest vector becomes k soft-prompt vectors inside the prompt.

An `InterestAdapter` maps the sentence-transformer interest vector to k vectors in the LLM's input
embedding space. Where they sit is the adapter's `soft_prompt` setting: in front of the prompt's first
real token ("front"), or after the text every shopper of a campaign shares ("after_campaign": the
system turn, brand, offer and channel), so that text reads the same for every shopper and its KV cache
can be computed once per campaign. Either way left padding comes first, so batched generation through
`inputs_embeds` sees the same sequence a lone prompt would. The adapter is trained together with a
LoRA adapter (peft) and both are saved in one folder with one config file, `promogen_adapter.json`,
that names the base model, the encoder, k, the soft prompt's place, and how it was trained.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import torch
from torch import nn

from .config import Config, option
from .models import DEFAULT_ENCODER, DEFAULT_LLM, same_model
from .types import ValidationError

CONFIG_FILE = "promogen_adapter.json"
INTEREST_FILE = "interest_adapter.safetensors"
SHIPPED_ADAPTER = Path(__file__).resolve().parent / "weights" / "adapter"
SOFT_PROMPT_PLACES = ("front", "after_campaign")


@dataclass
class AdapterConfig(Config):
    base_model: str = option(DEFAULT_LLM, "the causal LM the adapter was trained on")
    encoder: str = option(DEFAULT_ENCODER, "the sentence-transformer whose interest vectors it reads")
    interest_dim: int = option(384, "size of the interest vector")
    k: int = option(4, "soft-prompt vectors made from the interest vector (0: LoRA only, no conditioning)")
    lora_r: int = option(8, "LoRA rank")
    lora_alpha: int = option(16, "LoRA scaling numerator (scale = alpha / r)")
    lora_dropout: float = option(0.05, "dropout on the LoRA path while training")
    target_modules: list = option(
        ["q_proj", "k_proj", "v_proj", "o_proj"], "attention projections that get LoRA weights"
    )
    demonstration: bool = option(False, "prompts carry the worked example (the finetuned model needs none)")
    # Adapters saved before this setting existed read as "front", which is where theirs sat.
    soft_prompt: str = option(
        "front",
        "where the soft prompt sits: front (before the prompt) or after_campaign (after the text all "
        "shoppers of a campaign share, whose KV cache is then computed once per campaign)",
    )

    def __post_init__(self) -> None:
        self._choice("soft_prompt", SOFT_PROMPT_PLACES)
        self._range("interest_dim", 1)
        self._range("k", 0, 64)
        self._range("lora_r", 1, 256)
        self._range("lora_alpha", 1)
        self._range("lora_dropout", 0.0, 0.9)
        if not self.target_modules or not all(isinstance(m, str) for m in self.target_modules):
            raise ValidationError(
                "`target_modules` must be a non-empty list of module names, e.g. ['q_proj']"
            )


class InterestAdapter(nn.Module):
    """Linear map from the interest vector to k soft-prompt vectors, centred on the mean token embedding."""

    def __init__(self, interest_dim: int, k: int, hidden_size: int, centre: torch.Tensor | None = None):
        super().__init__()
        self.k, self.hidden_size = k, hidden_size
        self.proj = nn.Linear(interest_dim, k * hidden_size)
        # Start close to an "average token": large random soft prompts derail a small LM before training.
        nn.init.normal_(self.proj.weight, std=0.01)
        with torch.no_grad():
            self.proj.bias.copy_((centre if centre is not None else torch.zeros(hidden_size)).repeat(k))

    def forward(self, vectors: torch.Tensor) -> torch.Tensor:
        return self.proj(vectors).view(len(vectors), self.k, self.hidden_size)


def place_soft_prompt(
    token_embeds: torch.Tensor,
    attention_mask: torch.Tensor,
    soft: torch.Tensor,
    labels: torch.Tensor | None = None,
    at: torch.Tensor | None = None,
):
    """Insert `soft` (b, k, h) into each left-padded row after its first `at` real tokens (b,; default
    none: directly after the padding).

    Returns (embeds, attention_mask, position_ids, labels) of length L + k; soft positions are attended
    to and never predicted (label -100).
    """
    b, length, h = token_embeds.shape
    k = soft.shape[1]
    if length == 0:  # nothing after the shared text: the soft prompt alone
        t = torch.arange(k, device=soft.device).unsqueeze(0).expand(b, -1)
        return (
            soft.to(token_embeds.dtype),
            torch.ones_like(t),
            t,
            None if labels is None else torch.full_like(t, -100),
        )
    start = (attention_mask == 0).sum(dim=1, keepdim=True)
    if at is not None:
        start = start + at.view(b, 1)
    t = torch.arange(length + k, device=token_embeds.device).unsqueeze(0).expand(b, -1)
    is_soft = (t >= start) & (t < start + k)
    token_index = torch.where(t < start, t, t - k).clamp(0, length - 1)
    soft_index = (t - start).clamp(0, k - 1)
    embeds = torch.where(
        is_soft.unsqueeze(-1),
        soft.to(token_embeds.dtype).gather(1, soft_index.unsqueeze(-1).expand(-1, -1, h)),
        token_embeds.gather(1, token_index.unsqueeze(-1).expand(-1, -1, h)),
    )
    mask = torch.where(is_soft, torch.ones_like(t), attention_mask.gather(1, token_index))
    positions = (mask.cumsum(dim=1) - 1).clamp(min=0)
    if labels is not None:
        labels = torch.where(is_soft, torch.full_like(t, -100), labels.gather(1, token_index))
    return embeds, mask, positions, labels


def lora_config(config: AdapterConfig):
    from peft import LoraConfig

    return LoraConfig(
        r=config.lora_r,
        lora_alpha=config.lora_alpha,
        lora_dropout=config.lora_dropout,
        target_modules=list(config.target_modules),
        task_type="CAUSAL_LM",
    )


def save_adapter(
    directory: str | Path, model, interest: InterestAdapter | None, config: AdapterConfig, training: dict
):
    """Write the LoRA weights (peft format), the interest adapter and `promogen_adapter.json`."""
    from safetensors.torch import save_file

    from . import __version__

    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(directory)
    if interest is not None:
        save_file(
            {k: v.detach().cpu().contiguous() for k, v in interest.state_dict().items()},
            directory / INTEREST_FILE,
        )
    record = {"promogen_version": __version__, "adapter": config.to_dict(), "training": training}
    (directory / CONFIG_FILE).write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    return directory


def read_adapter_config(directory: str | Path) -> tuple[AdapterConfig, dict]:
    directory = Path(directory)
    path = directory / CONFIG_FILE
    if not path.is_file():
        raise ValidationError(f"not a promogen adapter folder (no {CONFIG_FILE}): {directory}")
    record = json.loads(path.read_text(encoding="utf-8"))
    return AdapterConfig.from_dict(record["adapter"]), record.get("training", {})


def load_adapter(directory: str | Path, model, base: str, trainable: bool = False):
    """Wrap `model` (loaded from `base`) with the saved LoRA weights, load the interest adapter:
    (model, interest, config). An adapter trained on another base model is refused by name: its weights
    would not fit, or would silently mean something else.

    `trainable=True` keeps both trainable, to continue training from them (preference tuning)."""
    from peft import PeftModel
    from safetensors.torch import load_file

    directory = Path(directory)
    config, _ = read_adapter_config(directory)
    if not same_model(config.base_model, base):
        raise ValidationError(
            f"adapter {directory} was trained on {config.base_model!r}, not {base!r}: "
            f"set the model (`generator.model`, `base_model`) to {config.base_model!r}"
        )
    model = PeftModel.from_pretrained(model, str(directory), is_trainable=trainable)
    interest = None
    if config.k > 0:
        interest = InterestAdapter(config.interest_dim, config.k, model.get_input_embeddings().embedding_dim)
        interest.load_state_dict(load_file(directory / INTEREST_FILE))
        interest.train(trainable).requires_grad_(trainable)
    if not trainable:
        model.eval()
    return model, interest, config


def halve(directory: str | Path) -> None:
    """Store an adapter's LoRA weights as float16 (half the size to ship; they load into a float32 model)."""
    from safetensors.torch import load_file, save_file

    path = Path(directory) / "adapter_model.safetensors"
    weights = load_file(path)
    save_file(
        {k: v.to(torch.float16).contiguous() for k, v in weights.items()}, path, metadata={"format": "pt"}
    )
