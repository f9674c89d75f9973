"""The interest encoder: a user's behaviour history becomes one L2-normalised interest vector.

Each event text is embedded with a sentence-transformer; the vectors are pooled with weights that favour
recent events and strong signals (a purchase says more than a view). The history items most central to the
pooled vector become the interest phrases that the prompt quotes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from .config import Config, option
from .models import DEFAULT_ENCODER, resolve_encoder
from .types import EVENT_TYPES, UserHistory, ValidationError

_CUT = re.compile(r"[,(\[;|]| - ")


@dataclass
class EncoderConfig(Config):
    model: str = option(DEFAULT_ENCODER, "sentence-transformer: the bundled default, a local dir or a hub id")
    batch_size: int = option(64, "texts per encoder forward pass")
    type_weights: dict = option(
        {"purchase": 3.0, "cart": 2.0, "click": 1.5, "view": 1.0, "search": 1.0},
        "pooling weight per event type (purchase > cart > view/search)",
    )
    recency_decay: float = option(
        0.5,
        "weight per step back from the most recent event, in (0, 1] (0.5: best on Amazon valid.csv)",
    )
    max_events: int = option(50, "only the most recent events are used; older ones are dropped")
    max_event_chars: int = option(200, "event texts are truncated to this many characters before encoding")
    top_k: int = option(3, "interest phrases handed to the prompt")
    phrase_words: int = option(
        5, "interest phrases are cut at the first comma or bracket and to this many words (product titles)"
    )

    def __post_init__(self) -> None:
        self._range("batch_size", 1)
        self._range("recency_decay", 1e-6, 1.0)
        self._range("max_events", 1)
        self._range("max_event_chars", 10)
        self._range("top_k", 1, 20)
        self._range("phrase_words", 1)
        missing = sorted(set(EVENT_TYPES) - set(self.type_weights))
        if missing:
            raise ValidationError(
                f"`type_weights` must give a weight for every event type; missing {missing}"
            )


PROGRESS_TEXTS = 10_000  # texts from which one encode call shows a progress bar


class InterestEncoder:
    """Wraps a SentenceTransformer; `encode_users` is the only thing the pipeline needs from it."""

    def __init__(self, model, config: EncoderConfig | None = None) -> None:
        self.model = model
        self.config = config or EncoderConfig()

    @classmethod
    def load(cls, config: EncoderConfig | None = None) -> InterestEncoder:
        from sentence_transformers import SentenceTransformer

        config = config or EncoderConfig()
        return cls(SentenceTransformer(resolve_encoder(config.model), device="cpu"), config)

    @property
    def dim(self) -> int:
        get_dim = (
            getattr(self.model, "get_embedding_dimension", None)
            or self.model.get_sentence_embedding_dimension
        )
        return int(get_dim())

    def encode_texts(self, texts: list[str]) -> np.ndarray:
        """Unit-norm embeddings, shape (len(texts), dim)."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        clipped = [t[: self.config.max_event_chars] for t in texts]
        return self.model.encode(
            clipped,
            batch_size=self.config.batch_size,
            normalize_embeddings=True,
            # A plan or a rescore over a whole users file encodes it in one call: minutes without a sign
            # of life. The pipeline's per-batch calls stay quiet.
            show_progress_bar=len(clipped) >= PROGRESS_TEXTS,
            convert_to_numpy=True,
        ).astype(np.float32)

    def phrase(self, text: str) -> str:
        """A short interest phrase from an event text: a long product title confuses a small LM."""
        head = _CUT.split(text, maxsplit=1)[0].strip() or text.strip()
        return " ".join(head.split()[: self.config.phrase_words])

    def event_weights(self, user: UserHistory) -> np.ndarray:
        events = user.events[-self.config.max_events :]
        recency = self.config.recency_decay ** np.arange(len(events) - 1, -1, -1, dtype=np.float64)
        kinds = np.array([self.config.type_weights[e.type] for e in events], dtype=np.float64)
        return recency * kinds

    def encode_users(self, users: list[UserHistory], embed=None) -> tuple[np.ndarray, list[list[str]]]:
        """Interest vectors (n, dim) and each user's top-k interest phrases, all texts encoded in one pass.

        `embed` replaces `encode_texts` (e.g. a cached version for benchmarks over thousands of users).
        """
        histories = [[e.text.strip() for e in u.events[-self.config.max_events :]] for u in users]
        unique = sorted({t for h in histories for t in h})
        index = {t: i for i, t in enumerate(unique)}
        table = (embed or self.encode_texts)(unique)
        vectors = np.zeros((len(users), self.dim), dtype=np.float32)
        phrases: list[list[str]] = []
        for row, (user, texts) in enumerate(zip(users, histories, strict=True)):
            emb = table[[index[t] for t in texts]]
            pooled = (self.event_weights(user)[:, None] * emb).sum(axis=0)
            vectors[row] = pooled / max(np.linalg.norm(pooled), 1e-12)
            ranked = np.argsort(-(emb @ vectors[row]), kind="stable")
            seen: list[str] = []
            for i in ranked:
                phrase = self.phrase(texts[i])
                if phrase not in seen:
                    seen.append(phrase)
                if len(seen) == self.config.top_k:
                    break
            phrases.append(seen)
        return vectors, phrases
