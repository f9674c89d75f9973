"""Fakes for fast offline tests: a tiny random Llama and a byte-level BPE tokenizer built on the spot, and
`FakeCopywriter`, canned copy behind the `Copywriter` protocol, so that model copy really reaches users
(with `FakeApprover` and `canned_pg`, the pipeline the server tests and their server process run).
"""

from __future__ import annotations

import os
import re
import threading
import time
from collections import deque
from dataclasses import dataclass

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

from promogen.generator import Copywriter, Draft  # noqa: E402

CHATML = (
    "{% for m in messages %}<|im_start|>{{ m['role'] }}\n{{ m['content'] }}<|im_end|>\n{% endfor %}"
    "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)


def build_tokenizer():
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    from promogen.simulate import catalogue

    corpus = [i["title"] for i in catalogue()["items"]] + [
        "Get 20% off running gear with code RUN20. Shop now!"
    ]
    tok = Tokenizer(models.BPE(unk_token=None))
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=400,
        special_tokens=["<|endoftext|>", "<|im_start|>", "<|im_end|>"],
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
    )
    tok.train_from_iterator(corpus * 5, trainer)
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tok, bos_token="<|im_start|>", eos_token="<|im_end|>", pad_token="<|endoftext|>"
    )
    fast.chat_template = CHATML
    return fast


def build_tiny_llama(tokenizer, seed: int = 0, init_std: float = 0.02):
    from transformers import LlamaConfig, LlamaForCausalLM

    torch.manual_seed(seed)
    config = LlamaConfig(
        vocab_size=len(tokenizer),
        hidden_size=32,
        intermediate_size=64,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=1024,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
        tie_word_embeddings=True,
        # 0.02 makes logits nearly uniform and unlearnable through LoRA; training tests use a wider init.
        initializer_range=init_std,
    )
    return LlamaForCausalLM(config).eval()


def build_tiny_bert(path, words: list[str], extra_chars: str = "", max_positions: int = 256) -> str:
    """A random 2-layer BERT (hidden 32) saved in `path` with a WordPiece tokenizer over characters,
    `extra_chars` and the whole `words` (the cross-encoders' stand-in for MiniLM)."""
    import string

    from transformers import BertConfig, BertModel, BertTokenizerFast

    chars = string.ascii_lowercase + string.digits
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *chars, *string.punctuation, *extra_chars]
    vocab = list(dict.fromkeys(vocab + [f"##{c}" for c in chars] + words))
    # A dict, not vocab_file: this transformers version ignores the file (5 tokens, every word [UNK]).
    tokenizer = BertTokenizerFast(vocab={v: i for i, v in enumerate(vocab)}, do_lower_case=True)
    assert len(tokenizer) == len(vocab), "the tiny tokenizer must know its whole vocabulary"
    torch.manual_seed(0)
    config = BertConfig(
        vocab_size=len(vocab),
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=max_positions,
    )
    BertModel(config).save_pretrained(path)
    tokenizer.save_pretrained(path)
    return str(path)


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory):
    """A tiny Llama and its tokenizer saved like any local model directory."""
    path = tmp_path_factory.mktemp("tiny-llama")
    tokenizer = build_tokenizer()
    build_tiny_llama(tokenizer).save_pretrained(path)
    tokenizer.save_pretrained(path)
    return str(path)


@pytest.fixture(scope="session")
def trainable_tiny_dir(tmp_path_factory):
    """A tiny Llama whose wider initialisation lets a few LoRA steps visibly lower the loss."""
    path = tmp_path_factory.mktemp("tiny-llama-wide")
    tokenizer = build_tokenizer()
    build_tiny_llama(tokenizer, init_std=0.3).save_pretrained(path)
    tokenizer.save_pretrained(path)
    return str(path)


def conditioned_generator(model_dir: str, soft_prompt: str = "front"):
    """A greedy copywriter on the tiny Llama with random LoRA weights and a random interest adapter
    (k=3) whose soft prompt sits at `soft_prompt`: conditioning that visibly moves the copy."""
    from peft import get_peft_model

    from promogen import Generator, GeneratorConfig
    from promogen.conditioning import AdapterConfig, InterestAdapter, lora_config

    gen = Generator.load(GeneratorConfig(model=model_dir, temperature=0.0, max_new_tokens=8, dtype="float32"))
    torch.manual_seed(1)
    model = get_peft_model(gen.model, lora_config(AdapterConfig(k=3)))
    interest = InterestAdapter(384, 3, model.get_input_embeddings().embedding_dim)
    torch.nn.init.normal_(interest.proj.weight, std=0.5)
    return Generator(model, gen.tokenizer, gen.config, interest=interest, soft_prompt=soft_prompt)


def sft_rows(encoder, n: int = 6) -> list[dict]:
    """SFT rows for run20 and `n` seeded simulated shoppers, each target naming the shopper's first
    interest (what a few LoRA steps can visibly learn)."""
    from promogen.simulate import demo_campaign, simulate_users

    campaign = demo_campaign("run20")
    users = simulate_users(n, seed=3)
    vectors, phrases = encoder.encode_users(users)
    return [
        {
            "user_id": u.user_id,
            "campaign": campaign.to_dict(),
            "interests": p,
            "vector": v.tolist(),
            "target": f"Love {p[0]}? Get 20% off running gear with code RUN20.",
        }
        for u, v, p in zip(users, vectors, phrases, strict=True)
    ]


@pytest.fixture(scope="session")
def encoder():
    from promogen import InterestEncoder

    return InterestEncoder.load()


def tiny_config(model_dir: str):
    """The tiny random Llama's pipeline settings: float32 copywriter and scorers, not "auto", so the
    numbers are the same on every machine, bf16 or not."""
    from promogen import GeneratorConfig, PipelineConfig

    return PipelineConfig(
        generator=GeneratorConfig(model=model_dir, max_new_tokens=12, dtype="float32"),
        scoring_dtype="float32",
    )


@pytest.fixture(scope="session")
def tiny_pg(tiny_model_dir, encoder):
    from promogen import Generator, PromoGen, Ranker

    config = tiny_config(tiny_model_dir)
    return PromoGen(Generator.load(config.generator), encoder, config, Ranker.load())


@pytest.fixture(scope="session")
def real_pg():
    """The real default models (needs `promogen models pull`; `make test` runs it first)."""
    from promogen import PromoGen

    return PromoGen.load()


@dataclass
class Request:
    """One `generate` call as the copywriter received it."""

    prompts: list[str]
    n: int
    seed: int
    vectors: np.ndarray | None
    terms: list[dict[str, str]] | None
    gsm: list[bool] | None
    budgets: list | None
    limits: list[dict[str, int]] | None
    after: list[dict[str, tuple[str, ...]]] | None
    shared: list[int] | None
    keys: list[str] | None


def process_errors(stderr: str) -> str:
    """What a failed torchrun run said, for an assert message: every rank's own error lines (an abort's
    "terminate called ..." comes before torchrun's summary, which fills the tail), then the tail."""
    lines = [line for line in stderr.splitlines() if "Warning" not in line and "warnings.warn" not in line]
    errors = [line for line in lines if re.search(r"Error|error:|terminate|what\(\)|Abort|Traceback", line)]
    return "\n".join([*errors[:40], "...", *lines[-30:]])


def texts(drafts: list[list[Draft]]) -> list[list[str]]:
    """The copy of a copywriter's drafts, without their perplexities (which float rounding may move)."""
    return [[d.text for d in row] for row in drafts]


class FakeCopywriter:
    """A `Copywriter` that writes what the test says: `enqueue` canned copy, read back in order, `n` per
    prompt; with the queue empty, `rule(prompt, k)` writes candidate k (no rule: the test failed to
    script the call, an error). Every `generate` call lands in `history`; a draft's perplexity (and
    `perplexity`'s) is 2.0 unless `perplexities` names the text; `chat_prompt` renders "role: content"
    lines a test can read. For the server's micro-batching tests a call can be slowed (`delay`
    seconds) or held until `hold` (an Event) is set; `started` is set when the first call begins."""

    name, adapter, demonstration, interest, dtype = "fake-copywriter", None, True, None, "float32"

    def __init__(self, rule=None, perplexities: dict[str, float] | None = None, delay: float = 0.0) -> None:
        self.queue: deque[str] = deque()
        self.rule = rule
        self.perplexities = perplexities or {}
        self.delay = delay
        self.hold: threading.Event | None = None
        self.started = threading.Event()
        self.history: list[Request] = []
        self.scored: list[tuple[list[str], bool]] = []  # perplexity calls: (texts, base)
        self.tokens_generated = 0

    @property
    def calls(self) -> list[int]:
        """Prompts per `generate` call, in order."""
        return [len(r.prompts) for r in self.history]

    def enqueue(self, *texts: str) -> FakeCopywriter:
        """Add canned copy, handed out in order, `n` per prompt; returns self for chaining."""
        self.queue.extend(texts)
        return self

    def chat_prompt(self, messages: list[dict]) -> str:
        return "".join(f"{m['role']}: {m['content']}\n" for m in messages)

    def generate(
        self,
        prompts,
        n,
        seed,
        vectors=None,
        terms=None,
        gsm=None,
        budgets=None,
        limits=None,
        after=None,
        shared=None,
        keys=None,
    ) -> list[list[Draft]]:
        self.started.set()
        if self.hold is not None:
            assert self.hold.wait(30), "the test never released the held copywriter"
        request = Request(list(prompts), n, seed, vectors, terms, gsm, budgets, limits, after, shared, keys)
        self.history.append(request)
        time.sleep(self.delay)
        out = [[self._next(prompt, k) for k in range(n)] for prompt in prompts]
        self.tokens_generated += sum(len(t.split()) for texts in out for t in texts)
        return [[Draft(t, self.perplexities.get(t, 2.0)) for t in texts] for texts in out]

    def _next(self, prompt: str, k: int) -> str:
        if self.queue:
            return self.queue.popleft()
        if self.rule is None:
            raise AssertionError("FakeCopywriter: no canned copy left; enqueue more or give a rule")
        return self.rule(prompt, k)

    @staticmethod
    def write_offer(prompt: str, k: int) -> str:
        """A `rule`: the offer as the prompt's last "Offer:" line states it, for the shopper's first
        interest (the prompt ends with the shopper's brief; a worked example may come before it)."""
        lines = prompt.splitlines()
        last = max(i for i, x in enumerate(lines) if x.startswith("Offer: "))
        offer = lines[last].removeprefix("Offer: ")
        into = [
            x.removeprefix("Shopper is into: ") for x in lines[last:] if x.startswith("Shopper is into: ")
        ]
        if into:
            return f"Made for your {into[0].split('; ')[0]}: {offer}."
        return f"{offer[0].upper()}{offer[1:]}."

    def perplexity(self, texts, *, base=False) -> list[float]:
        self.scored.append((list(texts), base))
        return [self.perplexities.get(t, 2.0) for t in texts]


class FakeApprover:
    """An approver whose "send as is" probability is that of the first of `scores` ({word: p}) the copy
    contains (ignoring case), else `default`: the test knows which candidate it prefers."""

    directory = None  # no weights folder for the batch's provenance record to hash

    def __init__(self, scores: dict[str, float], default: float) -> None:
        self.scores, self.default = scores, default

    def score(self, campaign, interests, texts) -> np.ndarray:
        found = [[p for word, p in self.scores.items() if word in t.lower()] for t in texts]
        return np.array([f[0] if f else self.default for f in found])


# The server tests' copy for the run20 demo campaign.
CANNED = (
    "Your next run starts here: 20% off running gear with code RUN20.",
    "Stride Sports: 20% off running gear with code RUN20.",
    "Guaranteed: 50% off everything with SAVE50!",  # breaks the gate: shown, never delivered
)


def canned_pg(encoder, texts=CANNED, delay: float = 0.0):
    """The real pipeline (3 candidates, shipped ranking head) around a copywriter that writes `texts`
    in turn and an approver preferring copy that speaks to the shopper ("your ..."). A plain function,
    so the server process of the job-restart test builds it too."""
    from promogen import PipelineConfig, PromoGen, Ranker

    copywriter = FakeCopywriter(rule=lambda prompt, k: texts[k % len(texts)], delay=delay)
    approver = FakeApprover({"your": 0.9}, default=0.4)
    config = PipelineConfig(n_candidates=3, scoring_dtype="float32")  # the same scores on every machine
    return PromoGen(copywriter, encoder, config, Ranker.load(), approver)


@pytest.fixture
def copywriter():
    """A fresh `FakeCopywriter` (it satisfies the `Copywriter` protocol; the fixture checks)."""
    fake = FakeCopywriter()
    assert isinstance(fake, Copywriter), "FakeCopywriter must keep to the Copywriter protocol"
    return fake


@pytest.fixture
def fake_pg(copywriter, encoder):
    """The pipeline with the real encoder and ranking head (which ranks the candidates) and
    `copywriter` writing the copy."""
    from promogen import GeneratorConfig, PipelineConfig, PromoGen, Ranker

    config = PipelineConfig(  # float32 scorers: the same ranking on every machine and thread count
        generator=GeneratorConfig(model=copywriter.name),
        rank_by="predicted_ctr",
        variety=0,
        scoring_dtype="float32",
    )
    return PromoGen(copywriter, encoder, config, Ranker.load())
