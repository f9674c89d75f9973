"""promogen: personalised promotion copy from behaviour histories, with hard compliance checks.

The public names load on first use (PEP 562), so `import promogen` and `promogen --help` stay light:
the models' libraries (torch, transformers) are imported only by what needs them.
"""

from __future__ import annotations

import importlib

__version__ = "0.1.0"

# public name -> the module that defines it
_EXPORTS = {
    "BatchSummary": ".batch",
    "run_batch": ".batch",
    "check_copy": ".checks",
    "AdapterConfig": ".conditioning",
    "EncoderConfig": ".encoder",
    "InterestEncoder": ".encoder",
    "METRICS": ".evaluation.evaluator",
    "Evaluator": ".evaluation.evaluator",
    "Metric": ".evaluation.evaluator",
    "Copywriter": ".generator",
    "Generator": ".generator",
    "GeneratorConfig": ".generator",
    "ModelNotFoundError": ".models",
    "pull_llm": ".models",
    "PipelineConfig": ".pipeline",
    "PromoGen": ".pipeline",
    "PlanConfig": ".plan",
    "PolicyConfig": ".policy",
    "Ranker": ".ranker",
    "RankerConfig": ".ranker",
    "read_users": ".readers",
    "RewardConfig": ".reward",
    "RewardModel": ".reward",
    "Assignment": ".types",
    "Campaign": ".types",
    "Candidate": ".types",
    "Delivery": ".types",
    "Event": ".types",
    "Offer": ".types",
    "UserHistory": ".types",
    "ValidationError": ".types",
    "Violation": ".types",
}

__all__ = sorted(_EXPORTS) + ["__version__"]


def __getattr__(name: str):
    if name not in _EXPORTS:
        raise AttributeError(f"module 'promogen' has no attribute {name!r}")
    value = getattr(importlib.import_module(_EXPORTS[name], __name__), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))
