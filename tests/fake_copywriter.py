"""A fake copywriter for the server tests: canned copy for the run20 demo campaign, and a log of calls.

It stands in for the LM only; the encoder, gate, ranking head and delivery rule are the real ones, so the
server is tested on the library's own logic. `hold` (an Event) lets a test keep the model worker busy.
"""

from __future__ import annotations

import threading
import time

import numpy as np

from promogen import PipelineConfig, PromoGen, Ranker

CANNED = (
    "Your next run starts here: 20% off running gear with code RUN20.",
    "Stride Sports: 20% off running gear with code RUN20.",
    "Guaranteed: 50% off everything with SAVE50!",  # breaks the gate: shown, never delivered
)


class FakeCopywriter:
    demonstration, interest, adapter, name = True, None, None, "fake-copywriter"

    def __init__(self, texts=CANNED, delay: float = 0.0):
        self.texts, self.delay = list(texts), delay
        self.calls: list[int] = []  # prompts per generate call
        self.tokens_generated = 0
        self.hold: threading.Event | None = None
        self.started = threading.Event()  # set when a generate call begins

    def chat_prompt(self, messages):
        return "\n".join(m["content"] for m in messages)

    def generate(self, prompts, n, seed, vectors=None):
        self.started.set()
        if self.hold is not None:
            assert self.hold.wait(30), "test never released the held model worker"
        self.calls.append(len(prompts))
        time.sleep(self.delay)
        self.tokens_generated += 10 * n * len(prompts)
        return [[self.texts[(i + j) % len(self.texts)] for j in range(n)] for i in range(len(prompts))]

    def perplexity(self, texts, base=False):
        return [10.0] * len(texts)


class FakeApprover:
    """Prefers copy that speaks to the shopper ("your ..."), so approval scores differ per candidate."""

    def score(self, campaign, interests, texts):
        return np.array([0.9 if "your" in t.lower() else 0.4 for t in texts])


def fake_pg(encoder, texts=CANNED, delay: float = 0.0) -> PromoGen:
    """The real pipeline around the fake copywriter, the shipped ranking head and the fake approver."""
    return PromoGen(
        FakeCopywriter(texts, delay), encoder, PipelineConfig(n_candidates=3), Ranker.load(), FakeApprover()
    )
