"""The ranking head: a click probability for (user interest, copy, offer channel).

Two learned parts add to an explicit channel prior. Copy appeal is user-independent and learned from
headline A/B tests (Upworthy): the bundled MiniLM with its top layers fine-tuned (the approver's
`ApproverNet`, top layers plus a one-unit head) scores a text, trained with a within-test conditional-logit
loss so only within-test differences are learned, and scaled on validation tests so one unit is one unit
of click log-odds. Personal affinity is learned from user click logs (MIND): the cosine of the interest
vector and the copy embedding plus a low-rank bilinear term between them, Platt-calibrated on validation
users. The predicted CTR is the channel prior's log-odds plus both, each relative to an average copy/pair.

The interest vector is the encoder's pooled history, so the pooling is a per-domain setting: shoppers keep
`EncoderConfig.recency_decay` (chosen on Amazon), news readers use `RankerConfig.news_decay` (chosen on MIND
validation users). Only the retrained top layers (float16), the head and the affinity arrays ship; the lower
layers come unchanged from the bundled encoder package.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from .approver import ApproverConfig, ApproverNet, load_net
from .config import Config, option
from .models import DEFAULT_ENCODER, ModelNotFoundError, resolve_encoder
from .types import CHANNELS, ValidationError

WEIGHTS_DIR = Path(__file__).resolve().parent / "weights" / "ranker"
WEIGHTS_FILE = "ranker.safetensors"
CONFIG_FILE = "config.json"
META_FILE = "meta.json"
# affinity.calibration: Platt slope, intercept, mean calibrated logit of the training pairs;
# appeal.calibration: log-odds per unit of network score, mean score of the training headlines.
ARRAY_KEYS = ("affinity.P", "affinity.Q", "affinity.w", "affinity.calibration", "appeal.calibration")


@dataclass
class RankerConfig(Config):
    base_ctr: dict = option(
        {"push": 0.04, "sms": 0.03, "email_subject": 0.02, "banner": 0.01},
        "prior click rate per channel (not learned: sets the level, the heads set the order)",
    )
    base: str = option(DEFAULT_ENCODER, "base encoder of the appeal head (the bundled MiniLM or a local dir)")
    appeal_layers: int = option(3, "top encoder layers retrained for copy appeal; the rest stay frozen")
    max_length: int = option(64, "tokens per copy for the appeal head")
    head_dropout: float = option(0.1, "dropout before the appeal head during training")
    appeal_epochs: int = option(6, "most appeal epochs; the one used is chosen on validation tests")
    appeal_lr: float = option(1e-4, "AdamW learning rate of the appeal top layers")
    head_lr: float = option(1e-3, "AdamW learning rate of the appeal head")
    tests_per_step: int = option(32, "A/B tests per optimiser step (all arms of a test in the same step)")
    affinity_rank: int = option(16, "rank of the bilinear interest x copy term of the affinity head")
    affinity_lr: float = option(3e-3, "AdamW learning rate of the affinity head")
    affinity_weight_decay: float = option(0.01, "AdamW weight decay of the affinity head")
    affinity_epochs: int = option(30, "most affinity epochs; the one used is chosen on validation users")
    news_decay: float = option(
        1.0, "history pooling decay for news readers (MIND), chosen on validation users from `DECAYS`"
    )
    bf16: bool = option(True, "train the appeal layers under bfloat16 autocast")
    batch_size: int = option(64, "copies per appeal forward pass when scoring")
    seed: int = option(0, "seed for heads, dropout and shuffling")

    def __post_init__(self) -> None:
        missing = sorted(set(CHANNELS) - set(self.base_ctr))
        if missing:
            raise ValidationError(f"`base_ctr` must give a rate for every channel; missing {missing}")
        for channel, rate in self.base_ctr.items():
            if not 0 < rate < 1:
                raise ValidationError(f"`base_ctr.{channel}` must be in (0, 1); got {rate!r}")
        self._range("appeal_layers", 1, 48)
        self._range("max_length", 8, 512)
        self._range("head_dropout", 0.0, 0.9)
        self._range("appeal_epochs", 1, 100)
        self._range("appeal_lr", 1e-8, 1.0)
        self._range("head_lr", 1e-8, 1.0)
        self._range("tests_per_step", 1)
        self._range("affinity_rank", 1, 384)
        self._range("affinity_lr", 1e-8, 1.0)
        self._range("affinity_weight_decay", 0.0)
        self._range("affinity_epochs", 1, 1000)
        self._range("news_decay", 1e-6, 1.0)
        self._range("batch_size", 1)

    def net_config(self) -> ApproverConfig:
        """The appeal network is the approver's: top layers + mean pooling + one-unit head, no anchor."""
        return ApproverConfig(
            base=self.base,
            max_length=self.max_length,
            train_layers=self.appeal_layers,
            pooling="mean",
            anchor=False,
            head_dropout=self.head_dropout,
            seed=self.seed,
        )


def affinity_logit(
    users: np.ndarray, copies: np.ndarray, p: np.ndarray, q: np.ndarray, w: np.ndarray
) -> np.ndarray:
    """Uncalibrated affinity: w0 * cosine + (P u) . (Q c) + w1 (users and copies are unit vectors)."""
    users, copies = np.asarray(users, np.float32), np.asarray(copies, np.float32)
    if users.ndim != 2 or users.shape != copies.shape:
        raise ValidationError(f"`users` {users.shape} and `copies` {copies.shape} must be equal 2-d shapes")
    if users.shape[1] != p.shape[1]:
        raise ValidationError(f"vectors have {users.shape[1]} dims; the affinity head expects {p.shape[1]}")
    bilinear = ((users @ p.T) * (copies @ q.T)).sum(1)
    return w[0] * (users * copies).sum(1) + bilinear + w[1]


class Ranker:
    """Predicts click probabilities; `Ranker.load()` gives the shipped head."""

    def __init__(
        self, net: ApproverNet, tokenizer, arrays: dict, config: RankerConfig, meta: dict | None = None
    ) -> None:
        missing = [k for k in ARRAY_KEYS if k not in arrays]
        if missing:
            raise ValidationError(f"ranker arrays lack {missing}")
        self.net = net.eval()
        self.tokenizer = tokenizer
        self.arrays = {k: np.asarray(v, np.float32) for k, v in arrays.items()}
        self.config = config
        self.meta = meta or {}
        self.directory: str | None = None  # the folder it was loaded from (recorded beside outputs)

    def appeal_raw(self, texts: list[str]) -> np.ndarray:
        """The appeal network's raw score per text (only differences between texts mean anything)."""
        if isinstance(texts, str):
            raise ValidationError("`texts` must be a list of strings, got one string")
        out = np.empty(len(texts), dtype=np.float32)
        order = np.argsort([len(t) for t in texts], kind="stable")  # similar lengths pad less
        self.net.eval()
        with torch.inference_mode():
            for start in range(0, len(texts), self.config.batch_size):
                idx = order[start : start + self.config.batch_size]
                enc = self.tokenizer(
                    [texts[i] or " " for i in idx],
                    padding=True,
                    truncation=True,
                    max_length=self.config.max_length,
                    return_tensors="pt",
                )
                out[idx] = self.net(enc["input_ids"], enc["attention_mask"]).float().numpy()
        return out

    def appeal(self, texts: list[str]) -> np.ndarray:
        """Log-odds lift of each copy over an average training headline (scaled on validation tests)."""
        scale, reference = self.arrays["appeal.calibration"]
        return scale * (self.appeal_raw(texts) - reference)

    def affinity_logit(self, user_vecs: np.ndarray, copy_emb: np.ndarray) -> np.ndarray:
        """Calibrated click log-odds of (user, item) from the affinity head."""
        a = self.arrays
        raw = affinity_logit(user_vecs, copy_emb, a["affinity.P"], a["affinity.Q"], a["affinity.w"])
        slope, intercept, _ = a["affinity.calibration"]
        return slope * raw + intercept

    def click_probability(self, user_vecs: np.ndarray, copy_emb: np.ndarray) -> np.ndarray:
        """P(click | user, item) as calibrated on click logs (the personal-affinity head alone)."""
        return 1 / (1 + np.exp(-self.affinity_logit(user_vecs, copy_emb)))

    def predict_ctr(
        self, user_vecs: np.ndarray, copy_emb: np.ndarray, texts: list[str], channel: str
    ) -> np.ndarray:
        """Channel prior log-odds + copy appeal + the user's affinity relative to an average pair."""
        if channel not in self.config.base_ctr:
            raise ValidationError(f"`channel` must be one of {sorted(self.config.base_ctr)}; got {channel!r}")
        if len(texts) != len(copy_emb):
            raise ValidationError(f"`texts` has {len(texts)} items but `copy_emb` has {len(copy_emb)} rows")
        base = self.config.base_ctr[channel]
        affinity = self.affinity_logit(user_vecs, copy_emb) - self.arrays["affinity.calibration"][2]
        logit = np.log(base / (1 - base)) + self.appeal(texts) + affinity
        return 1 / (1 + np.exp(-logit))

    def save(self, directory: str | Path) -> Path:
        """Top layers (float16), head and affinity arrays, config, meta. The live layers are rounded to
        float16 first, so this ranker scores exactly as a reloaded one."""
        from safetensors.torch import save_file

        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        with torch.no_grad():
            for layer in self.net.top_layers:
                for p in layer.parameters():
                    p.copy_(p.half().float())
        state = {
            k: (v.detach().float() if k.startswith("head.") else v.detach().half()).contiguous()
            for k, v in self.net.trained_state().items()
        }
        state.update({k: torch.from_numpy(v).float().contiguous() for k, v in self.arrays.items()})
        save_file(state, str(directory / WEIGHTS_FILE))
        self.config.save(directory / CONFIG_FILE)
        (directory / META_FILE).write_text(json.dumps(self.meta, indent=2, sort_keys=True) + "\n")
        return directory

    @classmethod
    def load(cls, directory: str | Path | None = None) -> Ranker:
        """The base encoder from its package with the saved top layers and head put in, and the arrays."""
        from transformers import AutoTokenizer

        directory = Path(directory) if directory else WEIGHTS_DIR
        missing = [f for f in (WEIGHTS_FILE, CONFIG_FILE) if not (directory / f).is_file()]
        if missing:
            raise ModelNotFoundError(
                f"no ranker in {directory} (missing {', '.join(missing)}); train one with `make ranker`"
            )
        config = RankerConfig.from_dict(json.loads((directory / CONFIG_FILE).read_text()))
        meta_path = directory / META_FILE
        meta = json.loads(meta_path.read_text()) if meta_path.is_file() else {}
        net, arrays = load_net(directory / WEIGHTS_FILE, config.net_config(), meta, "make ranker", ARRAY_KEYS)
        base_dir = resolve_encoder(config.base)
        ranker = cls(net, AutoTokenizer.from_pretrained(base_dir), arrays, config, meta)
        ranker.directory = str(directory)
        return ranker
