"""What this CPU can do fast, detected at run time: machines of the same kind differ (AVX2 only on one,
AVX-512 with BF16 and AMX on another), so precision is chosen per machine and recorded in outputs."""

from __future__ import annotations

import os
import platform
from functools import lru_cache
from pathlib import Path

import torch


@lru_cache(maxsize=1)
def _cpuinfo() -> dict[str, str]:
    """The first processor's fields in /proc/cpuinfo (empty where it does not exist)."""
    info = Path("/proc/cpuinfo")
    if not info.is_file():
        return {}
    fields: dict[str, str] = {}
    for line in info.read_text(encoding="utf-8", errors="replace").splitlines():
        key, sep, value = line.partition(":")
        if sep:
            fields.setdefault(key.strip(), value.strip())
    return fields


def cpu_flags() -> frozenset[str]:
    """The CPU feature flags the kernel reports."""
    return frozenset(_cpuinfo().get("flags", "").split())


def bf16_native(device: str | torch.device = "cpu") -> bool:
    """True where bfloat16 matmuls run in hardware on `device`: a CUDA GPU that supports them, or a CPU
    with AMX or AVX-512 BF16 (a GPU elsewhere in the machine says nothing of the CPU's)."""
    kind = torch.device(device).type
    if kind == "cuda":
        return torch.cuda.is_available() and torch.cuda.is_bf16_supported()
    return kind == "cpu" and bool(bf16_features())


def cpu_cores() -> int:
    """The cores this process may run on (its affinity mask, which a container or `taskset` narrows)."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def describe() -> dict:
    """The machine facts every benchmark, report and training record carries (one shape everywhere)."""
    flags = cpu_flags()
    return {
        "machine": platform.machine(),
        "processor": _cpuinfo().get("model name") or platform.processor() or platform.machine(),
        "cpu_cores": cpu_cores(),
        "torch_threads": torch.get_num_threads(),
        "torch": torch.__version__,
        "avx2": "avx2" in flags,
        "avx512f": "avx512f" in flags,
        "avx512_bf16": "avx512_bf16" in flags,
        "amx_bf16": "amx_bf16" in flags,
        # Without /proc/cpuinfo (macOS, Windows) the flags above say nothing, not "absent".
        "cpu_flags_read": bool(flags),
        "cuda": torch.cuda.is_available(),
    }


def summary(facts: dict | None = None) -> str:
    """`describe()` (this machine's, or one a record kept) in one line for reports: "x86_64, 2 CPU cores
    (torch threads 2), AVX2 only, no GPU". A GPU is named as present; promogen's CPU paths leave it idle."""
    f = describe() if facts is None else facts
    features = [name for key, name in _FEATURES if f[key]]
    vector = "no AVX2" if not features else "AVX2 only" if features == ["AVX2"] else " + ".join(features)
    if not f["cpu_flags_read"]:
        vector = "CPU features unknown"
    gpu = "a CUDA GPU present" if f["cuda"] else "no GPU"
    return f"{f['machine']}, {f['cpu_cores']} CPU cores (torch threads {f['torch_threads']}), {vector}, {gpu}"


_FEATURES = (("avx2", "AVX2"), ("avx512f", "AVX-512"), ("avx512_bf16", "AVX-512 BF16"), ("amx_bf16", "AMX"))


def bf16_features(flags: frozenset[str] | None = None) -> list[str]:
    """This CPU's features that run bfloat16 matmuls in hardware (AMX, AVX-512 BF16); `flags` for tests."""
    return sorted({"amx_bf16", "avx512_bf16"} & (cpu_flags() if flags is None else flags))


def resolve_dtype(dtype: str, flags: frozenset[str] | None = None) -> str:
    """The weights' dtype for CPU inference: "auto" is bfloat16 where the CPU has native bf16 matmuls
    (emulated bf16 is slower than fp32), float32 elsewhere; any other value is kept as given."""
    if dtype != "auto":
        return dtype
    return "bfloat16" if bf16_features(flags) else "float32"


def autocast(dtype: str):
    """Run a model's forward in `dtype` ("bfloat16": CPU autocast; "float32": as it is)."""
    return torch.autocast("cpu", dtype=torch.bfloat16, enabled=dtype == "bfloat16")
