"""promogen: personalised promotion copy from behaviour histories, with hard compliance checks."""

__version__ = "0.1.0"

from .batch import BatchSummary, run_batch  # noqa: E402
from .checks import check_copy  # noqa: E402
from .conditioning import AdapterConfig  # noqa: E402
from .encoder import EncoderConfig, InterestEncoder  # noqa: E402
from .evaluator import METRICS, Evaluator, Metric  # noqa: E402
from .generator import Generator, GeneratorConfig  # noqa: E402
from .models import ModelNotFoundError, pull_llm  # noqa: E402
from .pipeline import PipelineConfig, PromoGen  # noqa: E402
from .policy import PolicyConfig  # noqa: E402
from .ranker import Ranker, RankerConfig  # noqa: E402
from .readers import read_users  # noqa: E402
from .types import (  # noqa: E402
    Campaign,
    Candidate,
    Delivery,
    Event,
    Offer,
    UserHistory,
    ValidationError,
    Violation,
)

__all__ = [
    "AdapterConfig",
    "BatchSummary",
    "Campaign",
    "Candidate",
    "Delivery",
    "EncoderConfig",
    "Evaluator",
    "Event",
    "Generator",
    "GeneratorConfig",
    "InterestEncoder",
    "METRICS",
    "Metric",
    "ModelNotFoundError",
    "Offer",
    "PipelineConfig",
    "PolicyConfig",
    "PromoGen",
    "Ranker",
    "RankerConfig",
    "UserHistory",
    "ValidationError",
    "Violation",
    "check_copy",
    "pull_llm",
    "read_users",
    "run_batch",
    "__version__",
]
