"""PromoGen: user histories in, one compliant personalised message per user out.

The pipeline wires the stages together: encode interests, render prompts, generate candidates, copy-edit,
check every candidate against the hard rules, score them (the copywriter's perplexity, relevance,
predicted CTR from the ranking head, the approver's probability, and the judge's predicted send score
for the shipped copywriter), and let the delivery policy pick among the compliant ones under the fluency
floor (greedy by default: the highest judged send, less a penalty for words already given to earlier
shoppers of the request when `variety` is on; the lowest perplexity where there is no judge), recording
the propensity of that pick; or deliver the campaign's safe fallback when none passes. A non-compliant
copy is never delivered.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from . import __version__
from .approver import CONFIG_FILE as APPROVER_CONFIG
from .approver import WEIGHTS_DIR as APPROVER_DIR
from .approver import Approver
from .checks import check_copy, fits, length_budget, minimum_pattern
from .conditioning import CONFIG_FILE, SHIPPED_ADAPTER, read_adapter_config
from .config import Config, option
from .encoder import EncoderConfig, InterestEncoder
from .generator import Budget, Copywriter, Draft, Generator, GeneratorConfig, tidy, trim
from .hardware import autocast, resolve_dtype
from .judge import JUDGE_FILE, Judge
from .judge import WEIGHTS_DIR as JUDGE_DIR
from .models import same_model
from .policy import PolicyConfig, choose
from .prompts import build_messages, fallback_copy, shared_chars
from .ranker import Ranker
from .types import Campaign, Candidate, Delivery, UserHistory, ValidationError
from .wording import SYMBOLS, offer_line, offer_start, offer_terms, required_terms


def resolve_adapter(adapter: str | None, config: PipelineConfig) -> str | None:
    """The adapter folder to load: an explicit one, none, or the shipped one when it fits the base model."""
    if adapter is not None:
        return None if str(adapter).lower() == "none" else adapter
    if not (SHIPPED_ADAPTER / CONFIG_FILE).is_file():
        return None
    shipped, _ = read_adapter_config(SHIPPED_ADAPTER)
    fits = same_model(shipped.base_model, config.generator.model) and shipped.encoder == config.encoder.model
    return str(SHIPPED_ADAPTER) if fits else None


def resolve_judge(adapter: str | None) -> Judge | None:
    """The shipped judge for the shipped adapter, the copywriter whose hidden states it was fitted on;
    none for any other copywriter (its `rank_by=judge` then ranks by perplexity)."""
    shipped = adapter is not None and Path(adapter).resolve() == SHIPPED_ADAPTER.resolve()
    return Judge.load() if shipped and (JUDGE_DIR / JUDGE_FILE).is_file() else None


def check_model_folder(value: str | None, what: str) -> None:
    """Refuse an `adapter` or `approver` setting that names no such model folder (its config file is the
    mark), before any work depends on it; None and "none" name no folder and pass."""
    if value is None or str(value).lower() == "none":
        return
    config = {"adapter": CONFIG_FILE, "approver": APPROVER_CONFIG}[what]
    if not (Path(value) / config).is_file():
        raise ValidationError(f"{what} folder not found (no {config} in it): {value!r}")


def resolve_approver(approver: str | None) -> Approver | None:
    """The approver in the `approver` folder, none for "none", else the shipped one if there is one."""
    if approver is None:
        return Approver.load() if (APPROVER_DIR / APPROVER_CONFIG).is_file() else None
    return None if str(approver).lower() == "none" else Approver.load(approver)


# Scores the policy can rank candidates by; it prefers high scores, so perplexity enters as its negative log.
RANK_SCORES = ("perplexity", "approval", "predicted_ctr", "relevance", "judge")


# Scores where lower is better: the copywriter's own (rank_by), and the views eval.selection compares.
PERPLEXITIES = ("perplexity", "campaign_perplexity", "base_perplexity")


def preferred(key: str, value: float) -> float:
    """Score `key`'s `value` as a number where higher is preferred: a perplexity (lower is better) as its
    negative log, any other score as it is."""
    return -float(np.log(value)) if key in PERPLEXITIES else value


def rank_score(cand: Candidate, key: str) -> float:
    """The number the policy ranks `cand` by for the `rank_by` score `key` (higher is preferred)."""
    return preferred(key, cand.scores[key])


def judged_or_perplexity(judged: bool) -> str:
    """What `rank_by=judge` ranks by: the judge's score where the candidates have one, else the
    copywriter's own perplexity (the judge fits only the copywriter it was fitted on)."""
    return "judge" if judged else "perplexity"


def word_ngrams(text: str, n: int) -> list[tuple[str, ...]]:
    """A text's word n-grams, lower-cased and split on white space: the phrases distinct-n counts."""
    words = text.lower().split()
    return [tuple(words[i : i + n]) for i in range(len(words) - n + 1)]


def repeated_share(text: str, delivered: set) -> float:
    """Share of the text's word pairs that are in `delivered` (those of copy already given out)."""
    pairs = word_ngrams(text, 2)
    return sum(p in delivered for p in pairs) / len(pairs) if pairs else 0.0


def user_rng(seed: int, user_id: str) -> np.random.Generator:
    """The policy's random draws for one user: seeded per user, not per batch position."""
    return np.random.default_rng([seed, zlib.crc32(user_id.encode())])


def select(
    candidates: list[list[Candidate]],
    key: str,
    config: PipelineConfig,
    rngs: list[np.random.Generator],
    requests: list[int],
) -> list[tuple[int | None, float]]:
    """The policy's pick (index or None, propensity) for each user's candidates, users in input order;
    `requests` are the sizes of the independent requests the users come in, in order.

    Each candidate's score is its `rank_by` score less `variety` times its "repeated" share (the share
    of its word pairs that copy already picked for earlier users of the same request used), plus
    `relevance` times its relevance. The lowest perplexity alone gives most shoppers of a campaign the
    commonest line ("Ready to brew something new?" for 7 of 10); the penalty moves later shoppers to
    their next-best candidate with other words.
    """
    starts = set(np.cumsum([0, *requests])[:-1].tolist())
    delivered: set = set()
    picks = []
    for i, (cands, rng) in enumerate(zip(candidates, rngs, strict=True)):
        if i in starts:
            delivered = set()
        for cand in cands:
            cand.scores["repeated"] = round(repeated_share(cand.text, delivered), 4)
        scores = [
            rank_score(c, key)
            - config.variety * c.scores["repeated"]
            + config.relevance * c.scores["relevance"]
            for c in cands
        ]
        ok = np.array([c.eligible for c in cands], dtype=bool)
        chosen, propensity = choose(scores, ok, config.policy, rng)
        if chosen is not None:
            delivered.update(word_ngrams(cands[chosen].text, 2))
        picks.append((chosen, propensity))
    return picks


def budget(campaign: Campaign, min_hook: int) -> Budget:
    """A message's length budget: what the gate's length rule allows, with room kept for the offer as
    the prompt states it until the message starts stating it (a leading brand is not the hook). Where
    the offer leaves less than `min_hook` characters, no room is kept and no hook is cut short: a hook
    that does not fit runs over and fails the gate, and the template line goes out if none fits."""
    offer, chars = campaign.offer, length_budget(campaign)
    if min_hook and chars - len(offer_line(offer)) < min_hook:
        return Budget(chars)
    return Budget(chars, offer_start(offer), len(offer_line(offer)), campaign.brand)


# The words a minimum spend is stated with ("on orders over $30", "spend £40+", "purchases above"), and
# "characters": the copywriter fills an invented minimum with whatever number is near, the prompt's
# channel limit among them ("a free tote bag on orders of more than 150 characters").
NO_MINIMUM_WORDS = ("over", "above", "spend", "spending", "minimum", "orders", "purchases", "characters")


def mention_limits(campaign: Campaign, mentions: bool, no_minimum: bool) -> dict[str, int]:
    """How often a message may write a word. `no_minimum`: for an offer without a minimum spend, never
    the words one is stated with (the copywriter, trained mostly on gifts that have one, invents one:
    "a free tote bag with orders over $30"). `mentions`: the code once (the gate's `code` rule), the brand
    once (a repeated brand is the `repetitive` rule's commonest catch), and a currency symbol the offer's
    own words do not use never (an amount the offer does not have: `min_spend`, `value`)."""
    limits = {}
    if no_minimum and not campaign.offer.min_spend:
        # After a space only: without one, "over" is also the end of "Clover", "spend" starts with "sp".
        limits = {f" {form}": 0 for w in NO_MINIMUM_WORDS for form in (w, w.capitalize())}
    if mentions:
        line = offer_line(campaign.offer)
        limits |= {symbol: 0 for symbol in SYMBOLS.values() if symbol not in line}
        limits |= {w: 1 for w in (campaign.offer.code, campaign.brand) if w}
    return limits


def minimum_once(campaign: Campaign) -> dict[str, tuple[str, ...]]:
    """For an offer with a minimum spend, the words one is stated with, not to be started once a message
    has stated it as the gate reads a minimum (as {that regex: words}): the copywriter often states it
    twice, "spend £60+, get a free water bottle on orders over £60", which the gate rejects."""
    terms = offer_terms(campaign.offer)
    if "min_spend" not in terms:
        return {}
    words = tuple(f" {form}" for w in NO_MINIMUM_WORDS for form in (w, w.capitalize()))
    return {minimum_pattern(terms["min_spend"][0]): words}


def as_candidates(drafts: list[list[Draft]], trim_for: Campaign | None = None) -> list[list[Candidate]]:
    """The copywriter's drafts, copy-edited (`tidy`, and `trim` to `trim_for`'s channel limit when
    given), as candidates holding their perplexity (of the words the copywriter wrote)."""
    edit = tidy if trim_for is None else (lambda text: trim(tidy(text), lambda t: fits(t, trim_for)))
    return [[Candidate(edit(d.text), {"perplexity": round(d.perplexity, 3)}) for d in row] for row in drafts]


@dataclass
class PipelineConfig(Config):
    n_candidates: int = option(
        8,
        "candidates generated per user (8: with `variety` 0.5, more varied copy than 4 without it, at "
        "about twice the generation time; docs/copywriter.md: Spreading the phrasing across shoppers)",
    )
    seed: int = option(0, "sampling seed: the same inputs and seed give the same copy")
    max_perplexity: float = option(
        20.0,
        "gibberish guard: candidates the copywriter itself found this unlikely (its perplexity of its own "
        "tokens given the prompt) are not delivered; far above sound copy (reports/copy_quality/"
        "selection_signal.json: perplexity_range)",
    )
    min_approval: float = option(
        0.0,
        "approver floor: candidates the approver gives a lower probability are not delivered "
        "(0: it only ranks; its probabilities are not yet comparable across campaigns)",
    )
    rank_by: str = option(
        "judge",
        "candidate score the policy ranks eligible candidates by: judge (the send score the shipped judge "
        "reads from the shipped copywriter's hidden states, `promogen.judge`; another copywriter has none "
        "and ranks by perplexity), perplexity (the copywriter's own, lowest first), approval, "
        "predicted_ctr, relevance",
    )
    variety: float = option(
        0.5,
        "spread phrasing across the shoppers of one request (a batch of a batch job): each candidate's "
        "rank score (judged send, or log-perplexity) loses this much times the share of its word pairs "
        "that copy picked for earlier shoppers of the request used (0: off; needs rank_by=judge or "
        "perplexity; 0.5 was chosen on train shops for each: docs/copywriter.md)",
    )
    relevance: float = option(
        0.0,
        "each candidate's log-perplexity score gains this much times its relevance (the cosine of the copy "
        "and the shopper's interest vector): copy that names what the shopper looks at over a generic line "
        "(0: off; needs rank_by=perplexity, whose units it is in)",
    )
    must_mention: bool = option(
        True,
        "generation may not end a message before it has written the code, minimum spend and end date; "
        "false turns the whole decoding guard off (no_minimum_words, one_minimum, length steering, trim)",
    )
    no_minimum_words: bool = option(
        True,
        "for an offer without a minimum spend, generation never starts the words one is stated with "
        "(over, spend, orders, ...; pipeline.NO_MINIMUM_WORDS): the gate rejects an invented minimum spend. "
        "Part of the decoding guard: off with must_mention=false, as in the unguarded variant "
        "(docs/copywriter.md: No minimum words)",
    )
    one_minimum: bool = option(
        True,
        "for an offer with a minimum spend, once a message has stated it generation never starts the words "
        "one is stated with again (pipeline.NO_MINIMUM_WORDS): the gate rejects a minimum spend stated "
        "twice. Part of the decoding guard: off with must_mention=false (docs/copywriter.md: One minimum)",
    )
    min_hook: int = option(
        16,
        "characters a hook needs before the offer (copy_gold's shortest reference hooks, such as "
        '"Brew it wild!", are about this long); where the offer leaves less, length steering keeps no '
        'room for a hook, which it would cut to a word or two ("Pack for!"): a hook that does not fit '
        "fails the gate instead (0: always keep room; docs/copywriter.md: Tight campaigns)",
    )
    trim: bool = option(
        True,
        'copy over its channel\'s limit loses words that carry no offer ("on your order" before the '
        'code, "code" in "with code X", the comma before "until": generator.SPARE_WORDS) if that '
        "makes it fit; else it fails the gate as written. Part of the guard: off with must_mention=false "
        "(docs/copywriter.md: Trim)",
    )
    limit_mentions: bool = option(
        False,
        "generation writes the code and the brand at most once, and no currency symbol the offer's words "
        "do not use (the gate rejects each)",
    )
    gsm_sms: bool = option(
        True,
        "SMS copy is sampled from the GSM-7 alphabet only (one emoji switches an SMS to UCS-2 and cuts a "
        "segment from 160 characters to 70)",
    )
    personalise: bool = option(True, "put the user's interests in the prompt (False: same prompt for all)")
    shuffle_vectors: bool = option(
        False, "ablation control: each user's soft prompt gets another user's interest vector"
    )
    scoring_dtype: str = option(
        "auto",
        "precision of the approver and the ranking head's appeal network: auto (bfloat16 autocast where "
        "the CPU runs bf16 matmuls natively, float32 elsewhere), float32 or bfloat16; the encoder stays "
        "float32, as its vectors feed the copywriter (docs/throughput.md: Batch at scale)",
    )
    policy: PolicyConfig = field(
        default_factory=PolicyConfig,
        metadata={"help": "how the delivered copy is picked among compliant ones"},
    )
    generator: GeneratorConfig = field(
        default_factory=GeneratorConfig, metadata={"help": "the copywriter LM"}
    )
    encoder: EncoderConfig = field(default_factory=EncoderConfig, metadata={"help": "the interest encoder"})

    def __post_init__(self) -> None:
        if isinstance(self.generator, dict):
            self.generator = GeneratorConfig.from_dict(self.generator)
        if isinstance(self.policy, dict):
            self.policy = PolicyConfig.from_dict(self.policy)
        if isinstance(self.encoder, dict):
            self.encoder = EncoderConfig.from_dict(self.encoder)
        self._range("n_candidates", 1, 64)
        self._range("seed", 0)
        self._range("max_perplexity", 1.0)
        self._range("min_approval", 0.0, 1.0)
        self._range("variety", 0.0)
        self._choice("rank_by", RANK_SCORES)
        self._range("relevance", 0.0)
        self._range("min_hook", 0, 1000)
        self._choice("scoring_dtype", ("auto", "float32", "bfloat16"))
        # Both adjust the rank score, so each is in the units of the scores its values were chosen for.
        for name, units in (("variety", ("perplexity", "judge")), ("relevance", ("perplexity",))):
            if getattr(self, name) > 0 and self.rank_by not in units:
                raise ValidationError(
                    f"`{name}` {getattr(self, name)} is in units of the {' or '.join(units)} score, so it "
                    f"needs rank_by={' or '.join(units)}; with rank_by={self.rank_by} set {name}=0"
                )


class PromoGen:
    """The public entry point. `PromoGen.load()` loads the default models once; `generate` is batched.

    The steps are public so that the evaluator, the finetuning data builder, off-policy rescoring and
    the benchmarks use exactly the delivery rule of the pipeline: `prompts` -> generator -> `score`
    -> `eligible` -> `select`. The pipeline depends on the `Copywriter` protocol only, not on how the
    copy is written (`load` gives it a `Generator`).
    """

    def __init__(
        self,
        generator: Copywriter,
        encoder: InterestEncoder,
        config: PipelineConfig | None = None,
        ranker: Ranker | None = None,
        approver: Approver | None = None,
        judge: Judge | None = None,
    ):
        self.generator = generator
        self.encoder = encoder
        self.config = config or PipelineConfig()
        self.ranker = ranker
        self.approver = approver
        self.judge = judge
        self.scoring_dtype = resolve_dtype(self.config.scoring_dtype)

    @classmethod
    def load(
        cls,
        base_model: str | None = None,
        encoder: str | None = None,
        config: PipelineConfig | None = None,
        ranker: str | None = None,
        adapter: str | None = None,
        approver: str | None = None,
    ) -> PromoGen:
        """Load the default models (or `base_model` / `encoder`: a local dir or a cached hub id).

        The copywriter gets the LoRA + interest adapter that ships with the package, or the one in the
        `adapter` folder; `adapter="none"` uses the base model alone (with a worked example in the
        prompt). The shipped ranking head and approver model (or those in the `ranker` / `approver`
        folders; `approver="none"` for none) score the candidates. The shipped judge comes with the
        shipped adapter only: it reads that copywriter's hidden states.
        """
        config = config or PipelineConfig()
        if base_model:
            config.generator.model = base_model
        if encoder:
            config.encoder.model = encoder
        adapter = resolve_adapter(adapter, config)
        return cls(
            Generator.load(config.generator, adapter=adapter),
            InterestEncoder.load(config.encoder),
            config,
            Ranker.load(ranker),
            resolve_approver(approver),
            resolve_judge(adapter),
        )

    def generate(
        self,
        campaign: Campaign,
        users: list[UserHistory],
        n_candidates: int | None = None,
        seed: int | None = None,
        encoded: tuple[np.ndarray, list[list[str]]] | None = None,
        requests: list[int] | None = None,
    ) -> list[Delivery]:
        """One delivery per user, in input order.

        `encoded` is `encoder.encode_users(users)` when the caller already has it (the harness scores the
        same users for several variants), so the histories are not embedded again. `requests` are the
        sizes of independent requests merged into this call (the server's micro-batching): `variety`
        compares a shopper's copy only with that of earlier shoppers of the same request.
        """
        if not isinstance(campaign, Campaign):
            raise ValidationError(f"`campaign` must be a Campaign, got {type(campaign).__name__}")
        users = [u if isinstance(u, UserHistory) else UserHistory.from_dict(u) for u in users]
        if not users:
            return []
        n = self.config.n_candidates if n_candidates is None else n_candidates
        if isinstance(n, bool) or not isinstance(n, int) or n < 1:
            raise ValidationError(f"`n_candidates` must be a whole number of at least 1; got {n!r}")
        seed = self.config.seed if seed is None else seed
        if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
            raise ValidationError(f"`seed` must be a whole number >= 0; got {seed!r}")
        fallback = fallback_copy(campaign)  # raises, naming the field to change, if no template fits

        if requests is not None and (sum(requests) != len(users) or min(requests, default=0) < 0):
            raise ValidationError(f"`requests` {requests} must be sizes >= 0 adding up to {len(users)} users")
        vectors, interests = self.encoder.encode_users(users) if encoded is None else encoded
        if len(vectors) != len(users):
            raise ValidationError(f"`encoded` holds {len(vectors)} users, `users` {len(users)}")
        if self.config.shuffle_vectors and len(users) > 1:
            # A derangement seeded like the sampling: every user gets someone else's vector.
            shift = 1 + np.random.default_rng(seed).integers(len(users) - 1)
            conditioning = np.roll(vectors, shift, axis=0)
        else:
            conditioning = vectors
        prompts = self.prompts(campaign, interests)
        terms = [required_terms(campaign.offer)] * len(prompts) if self.config.must_mention else None
        gsm = [campaign.channel == "sms" and self.config.gsm_sms] * len(prompts)
        # Length steering is part of the guard, as the word bans are: off with must_mention=false.
        budgets = (
            [budget(campaign, self.config.min_hook)] * len(prompts) if self.config.must_mention else None
        )
        no_minimum = self.config.no_minimum_words and self.config.must_mention
        limits = [mention_limits(campaign, self.config.limit_mentions, no_minimum)] * len(prompts)
        once = self.config.one_minimum and self.config.must_mention
        after = [minimum_once(campaign)] * len(prompts) if once else None
        drafts = self.generator.generate(
            prompts,
            n,
            seed,
            vectors=conditioning,
            terms=terms,
            gsm=gsm,
            budgets=budgets,
            limits=limits,
            after=after,
            shared=self.shared(campaign, prompts),
            keys=[u.user_id for u in users],
        )
        trimmed = self.config.trim and self.config.must_mention
        candidates = as_candidates(drafts, campaign if trimmed else None)
        self.score(campaign, candidates, vectors, interests, [u.cart_items() for u in users])
        # The picks depend on the users before them in the same request (`variety`) and on nothing
        # outside it: a batch job's copy depends on its batch alone (a resumed job writes the same
        # copy), and another batch size gives other picks.
        rngs = [user_rng(seed, u.user_id) for u in users]
        picks = select(candidates, self.rank_key(), self.config, rngs, requests or [len(users)])
        return [
            self.delivery(campaign, user, cands, phrases, fallback, seed, pick)
            for user, cands, phrases, pick in zip(users, candidates, interests, picks, strict=True)
        ]

    def prompts(self, campaign: Campaign, interests: list[list[str]]) -> list[str]:
        """One chat prompt per user; a finetuned copywriter needs no worked example in it."""
        return [
            self.generator.chat_prompt(
                build_messages(
                    campaign, p if self.config.personalise else [], demonstration=self.generator.demonstration
                )
            )
            for p in interests
        ]

    def shared(self, campaign: Campaign, prompts: list[str]) -> list[int]:
        """Per prompt, the characters of its start every shopper of the campaign shares."""
        plain = self.prompts(campaign, [[]])[0]
        return [shared_chars(p, plain) for p in prompts]

    def approval(self, campaign: Campaign, interests: list[list[str]], texts: list[str]) -> np.ndarray | None:
        """The approver model's probability of "send as is" per text (None without an approver)."""
        if self.approver is None:
            return None
        with autocast(self.scoring_dtype):
            return self.approver.score(campaign, interests, texts)

    def predicted_ctr(
        self, vectors: np.ndarray, embeddings: np.ndarray, texts: list[str], channel: str
    ) -> np.ndarray | None:
        """The ranking head's click probability per (interest vector, copy) pair (None without one)."""
        if self.ranker is None:
            return None
        with autocast(self.scoring_dtype):
            return self.ranker.predict_ctr(vectors, embeddings, texts, channel)

    def score(
        self,
        campaign: Campaign,
        candidates: list[list[Candidate]],
        vectors: np.ndarray,
        interests: list[list[str]],
        carts: list[list[str]] | None,
    ) -> None:
        """Fill each candidate's violations (the gate), scores and `eligible` flag, in place; each
        candidate holds its copywriter perplexity already (`as_candidates`). `carts`: per user,
        what the history has carted (None: unknown; the gate then leaves cart claims alone)."""
        flat = [c for cands in candidates for c in cands]
        owners = np.repeat(np.arange(len(candidates)), [len(c) for c in candidates])
        for cand, owner in zip(flat, owners, strict=True):
            cart = None if carts is None else carts[owner]
            cand.violations = check_copy(cand.text, campaign, interests[owner], cart)
        texts = [c.text or " " for c in flat]
        embeddings = self.encoder.encode_texts(texts)
        relevance = (embeddings * vectors[owners]).sum(axis=1)
        ctr = self.predicted_ctr(vectors[owners], embeddings, texts, campaign.channel)
        ctr = [None] * len(flat) if ctr is None else ctr
        approval = self.approval(campaign, [interests[o] for o in owners], texts)
        approval = [None] * len(flat) if approval is None else approval
        for cand, rel, p, a in zip(flat, relevance, ctr, approval, strict=True):
            cand.scores = {"perplexity": cand.scores["perplexity"], "relevance": round(float(rel), 4)}
            if p is not None:
                cand.scores["predicted_ctr"] = round(float(p), 5)
            if a is not None:
                cand.scores["approval"] = round(float(a), 4)
            cand.eligible = self.eligible(cand)
        if self.rank_key() == "judge":
            for owner, cands in enumerate(candidates):
                judged = self.judge.score(
                    self, campaign, interests[owner], vectors[owner], [c.text or " " for c in cands]
                )
                for cand, score in zip(cands, judged, strict=True):
                    cand.scores["judge"] = round(float(score), 4)

    def eligible(self, cand: Candidate) -> bool:
        """The one delivery rule: compliant, fluent enough and (with an approver) approved enough."""
        return (
            cand.compliant
            and cand.scores["perplexity"] <= self.config.max_perplexity
            and cand.scores.get("approval", 1.0) >= self.config.min_approval
        )

    def rank_key(self) -> str:
        """The score the policy ranks by: the configured one when this pipeline computes it; without
        the judge (another copywriter than the one it was fitted on), the copywriter's own perplexity."""
        if self.config.rank_by == "judge":
            return judged_or_perplexity(self.judge is not None)
        available = {
            "perplexity": True,
            "approval": self.approver,
            "predicted_ctr": self.ranker,
            "relevance": True,
            "judge": self.judge,
        }
        if available[self.config.rank_by] is not None:
            return self.config.rank_by
        return "predicted_ctr" if self.ranker else "relevance"

    def delivery(
        self,
        campaign: Campaign,
        user: UserHistory,
        cands: list[Candidate],
        phrases: list[str],
        fallback: str,
        seed: int,
        pick: tuple[int | None, float],
    ) -> Delivery:
        """The delivery record of the policy's `pick` (from `select`), or of the fallback when it is None."""
        chosen, propensity = pick
        return Delivery(
            user_id=user.user_id,
            campaign_id=campaign.campaign_id,
            text=cands[chosen].text if chosen is not None else fallback,
            chosen_by="model" if chosen is not None else "fallback",
            candidates=cands,
            chosen=chosen,
            propensity=float(f"{propensity:.6g}"),  # 6 significant digits: a small one never becomes 0
            model=self.generator.name,
            adapter=self.generator.adapter,
            seed=seed,
            promogen_version=__version__,
            interests=phrases,
        )
