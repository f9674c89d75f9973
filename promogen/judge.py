"""The judge: would an approval panel send this candidate? Read from the copywriter's own hidden states.

The copywriter's perplexity of its own candidate tracks what approvers send, but within a shopper's
candidates it prefers the flawed one about one time in four, and its flaws are mostly hooks that make
no sense ("Ready to knit a scarf?" to a buyer of a sewing machine). The copywriter's hidden states carry
more than its next-token probabilities: a ridge regression from the mean hidden state of one layer over
the copy's tokens, and the copy's mean log-probability, to the panel's send score (1-5) is the smallest
judge that can use them. It is fitted on blind panel ratings of the shipped copywriter's own candidates
for our written train shops (`finetune/train_judge.py`), so it only fits that copywriter: `PromoGen.load`
gives it to the shipped adapter alone. The features come from one forward pass per shopper: the prompt
once, its KV cache repeated for the candidates (`copy_features`); the evaluation's views of the same
candidates (`promogen.evaluation.selection`) use the same pass.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from .config import Config, option
from .kvcache import reserved_cache
from .models import ModelNotFoundError
from .types import Campaign

WEIGHTS_DIR = Path(__file__).resolve().parent / "weights" / "judge"
JUDGE_FILE = "judge.json"


CONFIG_FILE = "config.json"


@dataclass
class JudgeConfig(Config):
    layer: int = option(25, "the copywriter's hidden layer the judge reads (0: the embeddings)")
    alpha: float = option(100.0, "ridge penalty on the weights of the standardised features")
    logprob_share: float = option(
        0.0,
        "weight of the copy's own mean log-probability beside the ridge's prediction, each scaled to the "
        "same spread on the fitted candidates, as share : 1 - share (0: the ridge alone). The ridge fits "
        "send scores across shoppers; within one shopper's candidates the log-probability adds to it",
    )

    def __post_init__(self) -> None:
        self._range("layer", 0, 1000)
        self._range("alpha", 0.001)
        self._range("logprob_share", 0.0, 0.99)


@dataclass
class Ridge:
    """Standardised features -> send score; `alpha` the L2 penalty on the weights. The last feature is
    the copy's mean log-probability (`copy_features`), which `logprob_weight` also adds unpenalised."""

    mean: np.ndarray
    scale: np.ndarray
    weights: np.ndarray
    bias: float
    logprob_weight: float = 0.0

    @classmethod
    def fit(cls, x: np.ndarray, y: np.ndarray, alpha: float, logprob_share: float = 0.0) -> Ridge:
        """The ridge; with `logprob_share` (see `JudgeConfig`) the log-probability's weight is set so
        that its spread on `x` is share / (1 - share) times the ridge's, centred so that the mean
        prediction on `x` stays the mean send."""
        mean, scale = x.mean(0), x.std(0) + 1e-6
        z = (x - mean) / scale
        weights = np.linalg.solve(z.T @ z + alpha * np.eye(z.shape[1]), z.T @ (y - y.mean()))
        logprob = x[:, -1]
        weight = logprob_share / (1 - logprob_share) * float((z @ weights).std() / (logprob.std() + 1e-9))
        return cls(mean, scale, weights, float(y.mean() - weight * logprob.mean()), weight)

    def predict(self, x: np.ndarray) -> np.ndarray:
        return (x - self.mean) / self.scale @ self.weights + self.bias + self.logprob_weight * x[:, -1]


class Judge:
    """A fitted `Ridge` on the copywriter's layer `config.layer`; `Judge.load()` gives the shipped one."""

    def __init__(self, ridge: Ridge, config: JudgeConfig, meta: dict | None = None):
        self.ridge, self.config, self.meta = ridge, config, meta or {}
        self.directory: str | None = None  # the folder it was loaded from (recorded beside outputs)

    def score(self, pg, campaign: Campaign, interests: list[str], vector, texts: list[str]) -> np.ndarray:
        """Predicted send (1-5 scale) of each of one shopper's `texts`, as `pg`'s copywriter reads them."""
        features = copy_features(pg, campaign, interests, vector, texts, (self.config.layer,))
        return self.ridge.predict(features[:, 0])

    def save(self, directory: str | Path) -> Path:
        """The weights and `meta` (what it was fitted on) in judge.json, the config beside them."""
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        arrays = {k: getattr(self.ridge, k).round(7).tolist() for k in ("mean", "scale", "weights")}
        payload = {**arrays, "bias": self.ridge.bias, "logprob_weight": self.ridge.logprob_weight}
        payload["meta"] = self.meta
        (directory / JUDGE_FILE).write_text(json.dumps(payload) + "\n", encoding="utf-8")
        self.config.save(directory / CONFIG_FILE)
        return directory

    @classmethod
    def load(cls, path: str | Path | None = None) -> Judge:
        directory = Path(path) if path else WEIGHTS_DIR
        if not (directory / JUDGE_FILE).is_file():
            raise ModelNotFoundError(
                f"no judge in {directory} (missing {JUDGE_FILE}); "
                "fit one with `python finetune/train_judge.py`"
            )
        data = json.loads((directory / JUDGE_FILE).read_text(encoding="utf-8"))
        arrays = [np.asarray(data[k], dtype=np.float64) for k in ("mean", "scale", "weights")]
        judge = cls(
            Ridge(*arrays, float(data["bias"]), float(data["logprob_weight"])),
            JudgeConfig.load(directory / CONFIG_FILE),
            data["meta"],
        )
        judge.directory = str(directory)
        return judge


def own_perplexity(pg, campaign: Campaign, interests: list[str], vector, text: str) -> float:
    """The copywriter's perplexity of `text` as its answer to the shopper's prompt (soft prompt in)."""
    return float(np.exp(-_copy_pass(pg, campaign, interests, vector, [text])[0][0]))


def copy_features(
    pg, campaign: Campaign, interests: list[str], vector, texts: list[str], layers: tuple[int, ...]
) -> np.ndarray:
    """What the copywriter makes of each of `texts` as its answer to the shopper's prompt, from one
    batched forward pass (texts x layers x features): per layer of `layers` (0: the embeddings), the mean
    over the copy's tokens of that layer's hidden state, then the copy's mean log-probability."""
    logprob, hidden = _copy_pass(pg, campaign, interests, vector, texts, layers)
    rows = np.concatenate([hidden, np.broadcast_to(logprob[:, None, None], (*hidden.shape[:2], 1))], 2)
    return rows.astype(np.float32)


@torch.inference_mode()
def _copy_pass(
    pg, campaign: Campaign, interests: list[str], vector, texts: list[str], layers: tuple[int, ...] = ()
) -> tuple[np.ndarray, np.ndarray]:
    """The prompt run once, then each of `texts` after it in one right-padded batch over the prompt's
    repeated KV cache: each copy's mean log-probability (texts,), and for each of `layers` the mean of
    that layer's hidden states over the copy's tokens (texts x layers x hidden)."""
    gen = pg.generator
    prompt = pg.prompts(campaign, [interests])[0]
    cut = len(gen._shared_texts([prompt], pg.shared(campaign, [prompt]))[0])  # generation's own split
    head, rest = (
        gen.tokenizer(x, add_special_tokens=False)["input_ids"] for x in (prompt[:cut], prompt[cut:])
    )
    ids = torch.tensor([head + rest])
    vectors = None if gen.interest is None else np.asarray([vector], dtype=np.float32)
    inputs, _ = gen._inputs(
        {"input_ids": ids, "attention_mask": torch.ones_like(ids)}, vectors, at=torch.tensor([len(head)])
    )
    copies = [gen.tokenizer(t, add_special_tokens=False)["input_ids"] for t in texts]
    width, n = max(map(len, copies)), len(copies)
    cache = reserved_cache(gen.model.config, width)
    first = gen.model(**inputs, cache=cache, use_cache=True, logits_to_keep=1).logits[0, -1].float()
    cache.batch_repeat_interleave(n)
    seen = inputs["attention_mask"].shape[1]
    out = gen.model(
        input_ids=torch.tensor([c + [0] * (width - len(c)) for c in copies]),  # pads after: never attended
        attention_mask=torch.ones(n, seen + width, dtype=torch.long),
        position_ids=torch.arange(seen, seen + width).expand(n, -1),
        cache=cache,
        use_cache=True,
        output_hidden_states=bool(layers),
    )
    # The prompt's last position predicts each copy's first token, copy position j its token j + 1.
    logits = torch.cat([first.expand(n, 1, -1), out.logits[:, : width - 1].float()], 1)
    own = torch.log_softmax(logits, -1)
    logprob = np.array(
        [float(own[i, : len(c)].gather(1, torch.tensor(c)[:, None]).mean()) for i, c in enumerate(copies)]
    )
    hidden = np.zeros((n, len(layers), gen.model.config.hidden_size), dtype=np.float32)
    for i, c in enumerate(copies):
        for j, k in enumerate(layers):
            hidden[i, j] = out.hidden_states[k][i, : len(c)].float().mean(0).numpy()
    return logprob, hidden
