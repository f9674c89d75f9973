"""The offline evaluator: how good is a campaign's copy before it goes out?

Every metric is one small class with a name, a help text and a level: a `copy` metric gives one value per
delivered copy (the report shows its mean), a `campaign` metric one value for the whole campaign. The
harness lists `METRICS` to build its tables, so a new metric is one class added to that list. All metrics
read the same `EvalContext`, built once per (campaign, variant): the deliveries, the users' interest
vectors, embeddings of the delivered copy, and the copy each user would have got from the same campaign
with no interests in the prompt (for personalisation).
"""

from __future__ import annotations

import math
import zlib
from collections import Counter
from dataclasses import dataclass

import numpy as np

from ..checks import check_copy
from ..pipeline import as_candidates, select, user_rng, word_ngrams
from ..prompts import fallback_copy
from ..types import Campaign, Delivery, UserHistory, Violation
from ..wording import opening

# Fluency is judged on the base model's perplexity of the copy with no prompt, so that every variant's copy
# is read by the same model; at this perplexity it is 0 (the level of gibberish on that scale).
FLUENCY_FLOOR = 5000.0


def fluency_score(perplexity: float | np.ndarray, floor: float) -> np.ndarray:
    """Perplexity mapped to 0-1: 1 at perplexity 1, 0 at the fluency floor and beyond.

    Log scale, because perplexity is multiplicative: with a floor of 400, 20 -> 0.5 and 400 -> 0.
    """
    ppl = np.maximum(np.asarray(perplexity, dtype=np.float64), 1.0)
    return np.clip(1.0 - np.log(ppl) / math.log(floor), 0.0, 1.0)


def distinct_n(texts: list[str], n: int) -> float:
    """Unique n-grams over all n-grams of the texts (lower-cased words): 1 = no phrase is repeated."""
    grams = [g for t in texts for g in word_ngrams(t, n)]
    return len(set(grams)) / len(grams) if grams else 0.0


@dataclass
class EvalContext:
    """Everything the metrics read for one campaign and one variant; arrays are row-aligned with users."""

    campaign: Campaign
    users: list[UserHistory]
    deliveries: list[Delivery]
    user_vectors: np.ndarray  # (n, d) unit-norm interest vectors
    copy_vectors: np.ndarray  # (n, d) unit-norm embeddings of the delivered copy
    generic_vectors: np.ndarray  # (n, d) embeddings of the copy each user gets from the generic prompt
    perplexity: np.ndarray  # (n,) perplexity of the delivered copy under the base LM (no adapter)
    predicted_ctr: np.ndarray  # (n,) ranking head on the delivered copy
    violations: list[list[Violation]]  # the gate's findings for each delivered copy (empty = compliant)
    fluency_floor: float  # `FLUENCY_FLOOR`: fluency 0 at and beyond it
    approval: np.ndarray | None = None  # (n,) approver model's "would send as is" for the delivered copy
    reference_vectors: list[np.ndarray] | None = None  # per user, embeddings of reference messages


class Metric:
    """One evaluation metric. Subclasses set `name`, `help`, `level` and implement `compute`."""

    name: str = ""
    help: str = ""
    level: str = "campaign"  # "copy": one value per delivered copy; "campaign": one value

    def compute(self, ctx: EvalContext) -> float | np.ndarray:
        raise NotImplementedError


class Perplexity(Metric):
    name, level = "perplexity", "copy"
    help = "perplexity of the delivered copy under the base LM without adapter (lower = more fluent)"

    def compute(self, ctx):
        return ctx.perplexity


class Fluency(Metric):
    name, level = "fluency", "copy"
    help = "perplexity on a 0-1 scale: 1 at perplexity 1, 0 at the fluency floor"

    def compute(self, ctx):
        return fluency_score(ctx.perplexity, ctx.fluency_floor)


class PredictedCTR(Metric):
    name, level = "predicted_ctr", "copy"
    help = "click probability of the delivered copy for its user, from the ranking head"

    def compute(self, ctx):
        return ctx.predicted_ctr


class Relevance(Metric):
    name, level = "relevance", "copy"
    help = "cosine between the delivered copy's embedding and the user's interest vector"

    def compute(self, ctx):
        return (ctx.copy_vectors * ctx.user_vectors).sum(axis=1)


class Compliant(Metric):
    name, level = "compliant", "copy"
    help = "1 if the delivered copy passes every hard check (must be 1 for every copy)"

    def compute(self, ctx):
        return np.array([not v for v in ctx.violations], dtype=float)


class Length(Metric):
    name, level = "length", "copy"
    help = "characters in the delivered copy"

    def compute(self, ctx):
        return np.array([len(d.text) for d in ctx.deliveries], dtype=float)


class Distinct1(Metric):
    name, help = "distinct_1", "unique words over all words of the delivered copy (diversity)"

    def compute(self, ctx):
        return distinct_n([d.text for d in ctx.deliveries], 1)


class Distinct2(Metric):
    name, help = "distinct_2", "unique word pairs over all word pairs of the delivered copy (diversity)"

    def compute(self, ctx):
        return distinct_n([d.text for d in ctx.deliveries], 2)


class PairwiseSimilarity(Metric):
    name = "pairwise_similarity"
    help = "mean cosine between the delivered copies of different users (lower = more diverse)"

    def compute(self, ctx):
        n = len(ctx.copy_vectors)
        if n < 2:
            return float("nan")
        sims = ctx.copy_vectors @ ctx.copy_vectors.T
        return float((sims.sum() - np.trace(sims)) / (n * (n - 1)))


class PersonalisationVsOthers(Metric):
    name = "personalisation_vs_others"
    help = "relevance of each user's copy to that user minus its mean relevance to the other users"

    def compute(self, ctx):
        n = len(ctx.user_vectors)
        if n < 2:
            return float("nan")
        rel = ctx.copy_vectors @ ctx.user_vectors.T  # rel[i, j]: copy of user i against interests of user j
        own = np.diag(rel)
        others = (rel.sum(axis=1) - own) / (n - 1)
        return float((own - others).mean())


class PersonalisationVsGeneric(Metric):
    name = "personalisation_vs_generic"
    help = "relevance of each user's copy minus that of the copy the same campaign gives with no interests"

    def compute(self, ctx):
        own = (ctx.copy_vectors * ctx.user_vectors).sum(axis=1)
        generic = (ctx.generic_vectors * ctx.user_vectors).sum(axis=1)
        return float((own - generic).mean())


class FallbackRate(Metric):
    name, help = "fallback_rate", "share of users who got the safe fallback instead of model copy"

    def compute(self, ctx):
        return float(np.mean([d.chosen_by == "fallback" for d in ctx.deliveries]))


class FirstTryCompliance(Metric):
    name, help = "first_try_compliance", "share of all generated candidates that pass every hard check"

    def compute(self, ctx):
        flags = [c.compliant for d in ctx.deliveries for c in d.candidates]
        return float(np.mean(flags)) if flags else float("nan")


class ChosenVsRandomCTR(Metric):
    name = "ctr_lift_vs_random"
    help = "predicted CTR of the chosen copy over that of a random eligible candidate (model-served users)"

    def compute(self, ctx):
        pairs = chosen_and_random_ctr(ctx.deliveries)
        return float(np.mean(pairs[:, 0]) / np.mean(pairs[:, 1])) if len(pairs) else float("nan")


def rejects_by_rule(deliveries: list[Delivery]) -> dict[str, int]:
    """How many candidates each gate rule rejected (a candidate counts once per rule it breaks), most
    first, and `candidates`, all of them: what first-try compliance loses, and to what."""
    counts = Counter(
        rule for d in deliveries for c in d.candidates for rule in {v.rule for v in c.violations}
    )
    return {"candidates": sum(len(d.candidates) for d in deliveries), **dict(counts.most_common())}


def chosen_and_random_ctr(deliveries: list[Delivery]) -> np.ndarray:
    """(chosen copy's predicted CTR, mean over the user's eligible candidates: those the policy could
    pick) per model-served user."""
    pairs = []
    for d in deliveries:
        ok = [c.scores["predicted_ctr"] for c in d.candidates if c.eligible and "predicted_ctr" in c.scores]
        if d.chosen is not None and ok:
            pairs.append((d.candidates[d.chosen].scores["predicted_ctr"], float(np.mean(ok))))
    return np.array(pairs, dtype=float).reshape(-1, 2)


class Approval(Metric):
    name, level = "approval", "copy"
    help = "approver model's probability that an approver sends the delivered copy as is"

    def compute(self, ctx):
        return ctx.approval if ctx.approval is not None else np.full(len(ctx.deliveries), np.nan)


class OpeningFrame(Metric):
    name = "opening_frame_share"
    help = "share of delivered copies that open with the most common first three words (template collapse)"

    def compute(self, ctx):
        return opening_frame_share([d.text for d in ctx.deliveries])


def opening_frame_share(texts: list[str], brand: str = "") -> float:
    """Share of the texts that open with the most common first three words; with `brand`, the words after
    a leading brand name (`opening`)."""
    openings = [opening(t, brand) for t in texts]
    return max(openings.count(o) for o in set(openings)) / len(openings) if openings else float("nan")


class ReferenceSimilarity(Metric):
    name, level = "reference_similarity", "copy"
    help = "cosine between the delivered copy and the closest reference message written for that shopper"

    def compute(self, ctx):
        if ctx.reference_vectors is None:
            return np.full(len(ctx.deliveries), np.nan)
        return np.array(
            [(refs @ v).max() for refs, v in zip(ctx.reference_vectors, ctx.copy_vectors, strict=True)]
        )


METRICS: list[Metric] = [
    Approval(),
    FirstTryCompliance(),
    FallbackRate(),
    Compliant(),
    PredictedCTR(),
    ChosenVsRandomCTR(),
    Relevance(),
    PersonalisationVsOthers(),
    PersonalisationVsGeneric(),
    Perplexity(),
    Fluency(),
    Distinct1(),
    Distinct2(),
    OpeningFrame(),
    ReferenceSimilarity(),
    PairwiseSimilarity(),
    Length(),
]


class Evaluator:
    """Scores a campaign's deliveries with every metric, using the pipeline's models (loaded once)."""

    def __init__(self, pg, metrics: list[Metric] | None = None) -> None:
        self.pg = pg
        self.metrics = metrics or METRICS

    def generic_copies(
        self,
        campaign: Campaign,
        users: list[UserHistory],
        encoded: tuple[np.ndarray, list[list[str]]],
        n: int,
        seed: int,
    ) -> list[str]:
        """The copy each user would get without personalisation, as `personalise=False` delivers it.

        One prompt with no interests (a conditioned copywriter reads the zero vector: the soft prompt at
        its centre) writes `n` candidates; each user's copy of them is scored with the user's own vector
        and interests and picked by the pipeline's own rule (`score`, `select`, the users as one request).
        Unlike `personalise=False`, these candidates are written without the decoding guard or `trim`,
        so `personalisation_vs_generic` compares guarded copy with unguarded (noticed, not changed: every
        committed report's figure was measured this way).
        """
        generator = self.pg.generator
        vectors, phrases = encoded
        blank = np.zeros((1, vectors.shape[1]), dtype=np.float32)
        conditioning = blank if generator.interest is not None else None
        prompts = self.pg.prompts(campaign, [[]])
        drafts = generator.generate(
            prompts, n, seed, vectors=conditioning, shared=self.pg.shared(campaign, prompts)
        )
        rows = [as_candidates(drafts)[0] for _ in users]  # fresh candidates per user: scores are per user
        self.pg.score(campaign, rows, vectors, phrases, [u.cart_items() for u in users])
        rngs = [user_rng(seed, u.user_id) for u in users]
        picks = select(rows, self.pg.rank_key(), self.pg.config, rngs, [len(users)])
        fallback = fallback_copy(campaign)
        return [row[i].text if i is not None else fallback for row, (i, _) in zip(rows, picks, strict=True)]

    def context(
        self,
        campaign: Campaign,
        users: list[UserHistory],
        deliveries: list[Delivery],
        generic_n: int = 8,
        seed: int = 0,
        encoded: tuple[np.ndarray, list[list[str]]] | None = None,
        references: list[list[str]] | None = None,
    ) -> EvalContext:
        """`encoded` is `encoder.encode_users(users)` if the caller has it already; `references` are
        reference messages per user (copy_gold specs) for the similarity metric."""
        vectors, phrases = encoded if encoded is not None else self.pg.encoder.encode_users(users)
        texts = [d.text for d in deliveries]
        copy_vectors = self.pg.encoder.encode_texts(texts)
        generic = self.generic_copies(
            campaign, users, (vectors, phrases), generic_n, seed + zlib.crc32(b"generic")
        )
        ctr = self.pg.predicted_ctr(vectors, copy_vectors, texts, campaign.channel)
        ctr = np.full(len(texts), np.nan) if ctr is None else ctr
        return EvalContext(
            campaign=campaign,
            users=users,
            deliveries=deliveries,
            user_vectors=vectors,
            copy_vectors=copy_vectors,
            generic_vectors=self.pg.encoder.encode_texts(generic),
            perplexity=np.asarray(self.pg.generator.perplexity(texts, base=True)),
            predicted_ctr=np.asarray(ctr),
            violations=[
                check_copy(t, campaign, p, u.cart_items())
                for t, p, u in zip(texts, phrases, users, strict=True)
            ],
            fluency_floor=FLUENCY_FLOOR,
            approval=self.pg.approval(campaign, phrases, texts),
            reference_vectors=None
            if references is None
            else [self.pg.encoder.encode_texts(r) for r in references],
        )

    def evaluate(self, ctx: EvalContext) -> dict:
        """{"metrics": {name: campaign value or mean of copy values}, "copies": per-copy rows}."""
        values = {m.name: m.compute(ctx) for m in self.metrics}
        copy_names = [m.name for m in self.metrics if m.level == "copy"]
        copies = [
            {
                "user_id": d.user_id,
                "text": d.text,
                "chosen_by": d.chosen_by,
                "violations": [v.to_dict() for v in ctx.violations[i]],
                **{name: round(float(values[name][i]), 5) for name in copy_names},
            }
            for i, d in enumerate(ctx.deliveries)
        ]
        summary = {
            m.name: round(float(np.mean(values[m.name]) if m.level == "copy" else values[m.name]), 5)
            for m in self.metrics
        }
        return {"metrics": summary, "copies": copies}
