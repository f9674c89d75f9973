"""PromoGen: user histories in, one compliant personalised message per user out.

The pipeline wires the stages together: encode interests, render prompts, generate candidates, copy-edit,
check every candidate against the hard rules, score them (fluency, relevance, predicted CTR from the
ranking head), and let the delivery policy pick among the compliant ones above the fluency floor (greedy
by default: the highest predicted CTR), recording the propensity of that pick; or deliver the campaign's
safe fallback when none passes. A non-compliant copy is never delivered.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field

import numpy as np

from . import __version__
from .checks import check_copy
from .conditioning import CONFIG_FILE, SHIPPED_ADAPTER, read_adapter_config
from .config import Config, option
from .encoder import EncoderConfig, InterestEncoder
from .generator import Generator, GeneratorConfig, tidy
from .policy import PolicyConfig, choose
from .prompts import build_messages, fallback_copy
from .ranker import Ranker
from .types import Campaign, Candidate, Delivery, UserHistory, ValidationError


def resolve_adapter(adapter: str | None, config: PipelineConfig) -> str | None:
    """The adapter folder to load: an explicit one, none, or the shipped one when it fits the base model."""
    if adapter is not None:
        return None if str(adapter).lower() == "none" else adapter
    if not (SHIPPED_ADAPTER / CONFIG_FILE).is_file():
        return None
    shipped, _ = read_adapter_config(SHIPPED_ADAPTER)
    fits = shipped.base_model == config.generator.model and shipped.encoder == config.encoder.model
    return str(SHIPPED_ADAPTER) if fits else None


@dataclass
class PipelineConfig(Config):
    n_candidates: int = option(4, "candidates generated per user")
    seed: int = option(0, "sampling seed: the same inputs and seed give the same copy")
    max_perplexity: float = option(400.0, "fluency floor: candidates less fluent than this are not delivered")
    personalise: bool = option(True, "put the user's interests in the prompt (False: same prompt for all)")
    shuffle_vectors: bool = option(
        False, "ablation control: each user's soft prompt gets another user's interest vector"
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
        self._range("max_perplexity", 1.0)


class PromoGen:
    """The public entry point. `PromoGen.load()` loads the default models once; `generate` is batched."""

    def __init__(
        self,
        generator: Generator,
        encoder: InterestEncoder,
        config: PipelineConfig | None = None,
        ranker: Ranker | None = None,
    ):
        self.generator = generator
        self.encoder = encoder
        self.config = config or PipelineConfig()
        self.ranker = ranker

    @classmethod
    def load(
        cls,
        base_model: str | None = None,
        encoder: str | None = None,
        config: PipelineConfig | None = None,
        ranker: str | None = None,
        adapter: str | None = None,
    ) -> PromoGen:
        """Load the default models (or `base_model` / `encoder`: a local dir or a cached hub id).

        The copywriter gets the LoRA + interest adapter that ships with the package, or the one in the
        `adapter` folder; `adapter="none"` uses the base model alone (with a worked example in the
        prompt). The shipped ranking head (or the one in the `ranker` folder) orders compliant candidates.
        """
        config = config or PipelineConfig()
        if base_model:
            config.generator.model = base_model
        if encoder:
            config.encoder.model = encoder
        return cls(
            Generator.load(config.generator, adapter=resolve_adapter(adapter, config)),
            InterestEncoder.load(config.encoder),
            config,
            Ranker.load(ranker),
        )

    def generate(
        self,
        campaign: Campaign,
        users: list[UserHistory],
        n_candidates: int | None = None,
        seed: int | None = None,
        encoded: tuple[np.ndarray, list[list[str]]] | None = None,
    ) -> list[Delivery]:
        """One delivery per user, in input order.

        `encoded` is `encoder.encode_users(users)` when the caller already has it (the harness scores the
        same users for several variants), so the histories are not embedded again.
        """
        if not isinstance(campaign, Campaign):
            raise ValidationError(f"`campaign` must be a Campaign, got {type(campaign).__name__}")
        users = [u if isinstance(u, UserHistory) else UserHistory.from_dict(u) for u in users]
        if not users:
            return []
        n = self.config.n_candidates if n_candidates is None else n_candidates
        seed = self.config.seed if seed is None else seed
        fallback = fallback_copy(campaign)  # raises, naming the field to change, if no template fits

        vectors, interests = self.encoder.encode_users(users) if encoded is None else encoded
        if len(vectors) != len(users):
            raise ValidationError(f"`encoded` holds {len(vectors)} users, `users` {len(users)}")
        prompts = [
            self.generator.chat_prompt(
                build_messages(campaign, p if self.config.personalise else [], **self.prompt_options())
            )
            for p in interests
        ]
        if self.config.shuffle_vectors and len(users) > 1:
            # A derangement seeded like the sampling: every user gets someone else's vector.
            shift = 1 + np.random.default_rng(seed).integers(len(users) - 1)
            conditioning = np.roll(vectors, shift, axis=0)
        else:
            conditioning = vectors
        raw = self.generator.generate(prompts, n, seed, vectors=conditioning)
        candidates = [[Candidate(tidy(t)) for t in texts] for texts in raw]
        self._score(campaign, candidates, vectors, interests)
        return [
            self._choose(campaign, user, cands, phrases, fallback, seed)
            for user, cands, phrases in zip(users, candidates, interests, strict=True)
        ]

    def prompt_options(self) -> dict:
        """How prompts are built for this copywriter: a finetuned one needs no worked example."""
        return {"demonstration": self.generator.demonstration}

    def _score(
        self,
        campaign: Campaign,
        candidates: list[list[Candidate]],
        vectors: np.ndarray,
        interests: list[list[str]],
    ) -> None:
        flat = [c for cands in candidates for c in cands]
        for cands, phrases in zip(candidates, interests, strict=True):
            for cand in cands:
                cand.violations = check_copy(cand.text, campaign, phrases)
        texts = [c.text or " " for c in flat]
        perplexities = self.generator.perplexity(texts)
        embeddings = self.encoder.encode_texts(texts)
        owners = np.repeat(np.arange(len(candidates)), [len(c) for c in candidates])
        relevance = (embeddings * vectors[owners]).sum(axis=1)
        ctr = (
            self.ranker.predict_ctr(vectors[owners], embeddings, texts, campaign.channel)
            if self.ranker
            else np.full(len(flat), np.nan)
        )
        for cand, ppl, rel, p in zip(flat, perplexities, relevance, ctr, strict=True):
            cand.scores = {"perplexity": round(float(ppl), 3), "relevance": round(float(rel), 4)}
            if self.ranker:
                cand.scores["predicted_ctr"] = round(float(p), 5)

    def _choose(
        self,
        campaign: Campaign,
        user: UserHistory,
        cands: list[Candidate],
        phrases: list[str],
        fallback: str,
        seed: int,
    ) -> Delivery:
        eligible = [
            i
            for i, c in enumerate(cands)
            if c.compliant and c.scores["perplexity"] <= self.config.max_perplexity
        ]
        key = "predicted_ctr" if self.ranker else "relevance"
        # Seeded per user, so a user's choice does not depend on which batch it ran in.
        rng = np.random.default_rng([seed, zlib.crc32(user.user_id.encode())])
        ok = np.array([i in eligible for i in range(len(cands))], dtype=bool)
        chosen, propensity = choose([c.scores[key] for c in cands], ok, self.config.policy, rng)
        return Delivery(
            user_id=user.user_id,
            campaign_id=campaign.campaign_id,
            text=cands[chosen].text if chosen is not None else fallback,
            chosen_by="model" if chosen is not None else "fallback",
            candidates=cands,
            chosen=chosen,
            propensity=round(propensity, 6),
            model=self.generator.name,
            adapter=self.generator.adapter,
            seed=seed,
            promogen_version=__version__,
            interests=phrases,
        )
