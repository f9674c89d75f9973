"""promogen: personalised promotion copy from behaviour histories, with hard compliance checks."""

__version__ = "0.1.0"

from .checks import check_copy  # noqa: E402
from .encoder import EncoderConfig, InterestEncoder  # noqa: E402
from .generator import Generator, GeneratorConfig  # noqa: E402
from .models import ModelNotFoundError, pull_llm  # noqa: E402
from .pipeline import PipelineConfig, PromoGen  # noqa: E402
from .ranker import Ranker, RankerConfig  # noqa: E402
from .types import Campaign, Candidate, Delivery, Event, Offer, UserHistory, ValidationError  # noqa: E402

__all__ = [
    "Campaign",
    "Candidate",
    "Delivery",
    "EncoderConfig",
    "Event",
    "Generator",
    "GeneratorConfig",
    "InterestEncoder",
    "ModelNotFoundError",
    "Offer",
    "PipelineConfig",
    "PromoGen",
    "Ranker",
    "RankerConfig",
    "UserHistory",
    "ValidationError",
    "check_copy",
    "pull_llm",
    "__version__",
]
