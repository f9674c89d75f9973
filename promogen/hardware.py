"""What this CPU can do fast, detected at run time: machines of the same kind differ (AVX2 only on one,
AVX-512 with BF16 and AMX on another), so precision is chosen per machine and recorded in outputs."""

from __future__ import annotations

import platform
from functools import lru_cache
from pathlib import Path

import torch


@lru_cache(maxsize=1)
def cpu_flags() -> frozenset[str]:
    """The CPU feature flags the kernel reports (empty where /proc/cpuinfo does not exist)."""
    info = Path("/proc/cpuinfo")
    if not info.is_file():
        return frozenset()
    for line in info.read_text(encoding="utf-8", errors="replace").splitlines():
        if line.startswith("flags"):
            return frozenset(line.split(":", 1)[1].split())
    return frozenset()


def bf16_native() -> bool:
    """True where bfloat16 matmuls run in hardware: CUDA, or a CPU with AMX or AVX-512 BF16."""
    if torch.cuda.is_available():
        return torch.cuda.is_bf16_supported()
    return bool({"amx_bf16", "avx512_bf16"} & cpu_flags())


def describe() -> dict:
    """The machine facts a benchmark or training record should carry."""
    flags = cpu_flags()
    return {
        "machine": platform.machine(),
        "processor": platform.processor() or platform.machine(),
        "cpu_count": torch.get_num_threads(),
        "torch": torch.__version__,
        "avx2": "avx2" in flags,
        "avx512f": "avx512f" in flags,
        "avx512_bf16": "avx512_bf16" in flags,
        "amx_bf16": "amx_bf16" in flags,
        "cuda": torch.cuda.is_available(),
    }


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
