"""The ranking head: a click probability for (user interest, copy, offer channel).

Two parts share one interface. Copy appeal is user-independent and learned from headline A/B tests
(Upworthy): a ridge regression of each headline's empirical click log-odds, centred within its test so
that only within-test differences are learned. Personal affinity is learned from user click logs (MIND):
a logistic regression on the element-wise product of the interest vector and the copy embedding and their
cosine, which is calibrated on click data. The predicted CTR adds both to the channel's prior log-odds.
The weights are a few hundred kB of numpy arrays that ship inside the package.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .config import Config, option
from .models import ModelNotFoundError
from .types import CHANNELS, ValidationError

WEIGHTS_DIR = Path(__file__).resolve().parent / "weights" / "ranker"
SURFACE_NAMES = (
    "chars",
    "words",
    "has_number",
    "has_percent",
    "question",
    "exclamation",
    "second_person",
    "first_person",
    "has_colon",
    "has_quote",
    "caps_ratio",
    "starts_with_number",
)
_SECOND = re.compile(r"\b(you|your|you're|yours)\b", re.I)
_FIRST = re.compile(r"\b(i|we|my|our|me|us)\b", re.I)


def surface_features(texts: list[str]) -> np.ndarray:
    """Hand-made copy features (length, numbers, punctuation, person), scaled to roughly unit range."""
    rows = []
    for t in texts:
        letters = [c for c in t if c.isalpha()]
        rows.append(
            [
                len(t) / 100,
                len(t.split()) / 20,
                bool(re.search(r"\d", t)),
                "%" in t,
                "?" in t,
                "!" in t,
                bool(_SECOND.search(t)),
                bool(_FIRST.search(t)),
                ":" in t,
                bool(re.search(r"[\"“”']", t)),
                sum(c.isupper() for c in letters) / max(len(letters), 1),
                bool(re.match(r"\s*\d", t)),
            ]
        )
    return np.asarray(rows, dtype=np.float32).reshape(len(texts), len(SURFACE_NAMES))


@dataclass
class RankerConfig(Config):
    base_ctr: dict = option(
        {"push": 0.04, "sms": 0.03, "email_subject": 0.02, "banner": 0.01},
        "prior click rate per channel (not learned: sets the level, the heads set the order)",
    )
    appeal_alpha: float = option(30.0, "ridge penalty of the copy-appeal head (chosen on a validation split)")
    affinity_l2: float = option(1e-3, "L2 penalty of the personal-affinity head")
    seed: int = option(0, "seed for the affinity optimiser")

    def __post_init__(self) -> None:
        missing = sorted(set(CHANNELS) - set(self.base_ctr))
        if missing:
            raise ValidationError(f"`base_ctr` must give a rate for every channel; missing {missing}")
        for channel, rate in self.base_ctr.items():
            if not 0 < rate < 1:
                raise ValidationError(f"`base_ctr.{channel}` must be in (0, 1); got {rate!r}")
        self._range("appeal_alpha", 0.0)
        self._range("affinity_l2", 0.0)


def fit_appeal(
    embeddings: np.ndarray,
    texts: list[str],
    clicks: np.ndarray,
    impressions: np.ndarray,
    groups: np.ndarray,
    alpha: float,
) -> np.ndarray:
    """Weighted ridge on within-group centred log-odds; returns the weight vector over appeal features."""
    x = appeal_features(embeddings, texts).astype(np.float64)
    c, n = np.asarray(clicks, float), np.asarray(impressions, float)
    y = np.log((c + 0.5) / (n - c + 0.5))
    w = 1.0 / (1.0 / (c + 0.5) + 1.0 / (n - c + 0.5))
    x_c, y_c = x.copy(), y.copy()
    for g in np.unique(groups):
        m = groups == g
        x_c[m] -= np.average(x[m], axis=0, weights=w[m])
        y_c[m] -= np.average(y[m], weights=w[m])
    w = w / w.mean()
    gram = (x_c * w[:, None]).T @ x_c + alpha * np.eye(x.shape[1])
    return np.linalg.solve(gram, (x_c * w[:, None]).T @ y_c).astype(np.float32)


def appeal_features(embeddings: np.ndarray, texts: list[str]) -> np.ndarray:
    if len(embeddings) != len(texts):
        raise ValidationError(f"`embeddings` has {len(embeddings)} rows but `texts` has {len(texts)}")
    return np.concatenate([embeddings, surface_features(texts)], axis=1)


def affinity_features(users: np.ndarray, copies: np.ndarray) -> np.ndarray:
    if users.shape != copies.shape:
        raise ValidationError(f"`users` {users.shape} and `copies` {copies.shape} must have the same shape")
    return np.concatenate([users * copies, (users * copies).sum(1, keepdims=True)], axis=1)


def fit_affinity(
    users: np.ndarray, copies: np.ndarray, labels: np.ndarray, l2: float, seed: int = 0
) -> tuple[np.ndarray, float]:
    """L2-regularised logistic regression (LBFGS); returns (weights, bias)."""
    import torch

    torch.manual_seed(seed)
    x = torch.tensor(affinity_features(users, copies), dtype=torch.float64)
    y = torch.tensor(labels, dtype=torch.float64)
    w = torch.zeros(x.shape[1], dtype=torch.float64, requires_grad=True)
    b = torch.zeros(1, dtype=torch.float64, requires_grad=True)
    opt = torch.optim.LBFGS([w, b], max_iter=500, line_search_fn="strong_wolfe")

    def closure():
        opt.zero_grad()
        loss = torch.nn.functional.binary_cross_entropy_with_logits(x @ w + b, y) + l2 * (w**2).sum()
        loss.backward()
        return loss

    opt.step(closure)
    return w.detach().numpy().astype(np.float32), float(b.item())


class Ranker:
    """Predicts click probabilities; `Ranker.load()` gives the shipped head."""

    def __init__(
        self,
        appeal_w: np.ndarray,
        affinity_w: np.ndarray,
        affinity_b: float,
        affinity_ref: float,
        config: RankerConfig | None = None,
        meta: dict | None = None,
    ) -> None:
        self.appeal_w, self.affinity_w = appeal_w, affinity_w
        self.affinity_b, self.affinity_ref = affinity_b, affinity_ref
        self.config = config or RankerConfig()
        self.meta = meta or {}
        self.directory: str | None = None  # the folder it was loaded from (recorded beside outputs)

    def appeal(self, copy_emb: np.ndarray, texts: list[str]) -> np.ndarray:
        """User-independent log-odds lift of each copy relative to an average copy."""
        return appeal_features(copy_emb, texts) @ self.appeal_w

    def affinity_logit(self, user_vecs: np.ndarray, copy_emb: np.ndarray) -> np.ndarray:
        return affinity_features(user_vecs, copy_emb) @ self.affinity_w + self.affinity_b

    def click_probability(self, user_vecs: np.ndarray, copy_emb: np.ndarray) -> np.ndarray:
        """P(click | user, item) as calibrated on click logs (the personal-affinity head alone)."""
        return 1 / (1 + np.exp(-self.affinity_logit(user_vecs, copy_emb)))

    def predict_ctr(
        self, user_vecs: np.ndarray, copy_emb: np.ndarray, texts: list[str], channel: str
    ) -> np.ndarray:
        """Channel prior log-odds + copy appeal + the user's affinity relative to an average pair."""
        base = self.config.base_ctr[channel]
        logit = np.log(base / (1 - base)) + self.appeal(copy_emb, texts)
        logit = logit + self.affinity_logit(user_vecs, copy_emb) - self.affinity_ref
        return 1 / (1 + np.exp(-logit))

    def save(self, directory: str | Path) -> Path:
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        np.savez(
            directory / "ranker.npz",
            appeal_w=self.appeal_w,
            affinity_w=self.affinity_w,
            affinity=np.array([self.affinity_b, self.affinity_ref]),
        )
        self.config.save(directory / "config.json")
        (directory / "meta.json").write_text(json.dumps(self.meta, indent=2, sort_keys=True) + "\n")
        return directory

    @classmethod
    def load(cls, directory: str | Path | None = None) -> Ranker:
        directory = Path(directory) if directory else WEIGHTS_DIR
        if not (directory / "ranker.npz").is_file():
            raise ModelNotFoundError(
                f"no ranker weights in {directory} (train one with finetune/train_ranker.py)"
            )
        arrays = np.load(directory / "ranker.npz")
        config = RankerConfig.from_dict(json.loads((directory / "config.json").read_text()))
        meta_path = directory / "meta.json"
        meta = json.loads(meta_path.read_text()) if meta_path.is_file() else {}
        b, ref = arrays["affinity"].tolist()
        ranker = cls(arrays["appeal_w"], arrays["affinity_w"], b, ref, config, meta)
        ranker.directory = str(directory)
        return ranker
