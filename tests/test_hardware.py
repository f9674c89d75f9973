"""What the machine can do, as every benchmark and training record states it: bf16 per device, one shape
of machine facts, and the one-line form the reports print."""

import os

import pytest
import torch

from promogen import hardware

FACTS = {
    "machine": "x86_64",
    "processor": "AMD EPYC",
    "cpu_cores": 2,
    "torch_threads": 1,
    "torch": "2.13.0+cpu",
    "avx2": True,
    "avx512f": False,
    "avx512_bf16": False,
    "amx_bf16": False,
    "cpu_flags_read": True,
    "cuda": False,
}


def test_bf16_on_the_cpu_is_the_cpus_answer_even_beside_a_gpu(monkeypatch):
    """Training on the CPU of a machine with a bf16 GPU once took the GPU's answer for the CPU."""
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda: True)
    monkeypatch.setattr(hardware, "cpu_flags", lambda: frozenset({"avx2"}))
    assert not hardware.bf16_native("cpu"), "an AVX2-only CPU has no native bf16, whatever the GPU"
    assert hardware.bf16_native(torch.device("cuda")), "the GPU answers for itself"
    monkeypatch.setattr(hardware, "cpu_flags", lambda: frozenset({"avx2", "avx512_bf16"}))
    assert hardware.bf16_native(), "a CPU with AVX-512 BF16 runs bf16 matmuls natively"


def test_no_gpu_means_no_gpu_bf16_and_other_devices_are_not_the_cpu(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert not hardware.bf16_native("cuda"), "no CUDA device, no CUDA bf16"
    monkeypatch.setattr(hardware, "cpu_flags", lambda: frozenset({"avx512_bf16"}))
    assert not hardware.bf16_native("mps"), "the CPU's flags say nothing of another device"


def test_describe_counts_usable_cores_and_torch_threads_apart():
    facts = hardware.describe()
    assert facts["torch_threads"] == torch.get_num_threads(), facts
    if hasattr(os, "sched_getaffinity"):
        assert facts["cpu_cores"] == len(os.sched_getaffinity(0)), facts
    assert set(FACTS) == set(facts), f"one shape of machine facts everywhere: {sorted(facts)}"


@pytest.mark.parametrize(
    "flags, vector",
    [
        ({}, "AVX2 only"),
        ({"avx2": False}, "no AVX2"),
        ({"avx512f": True, "avx512_bf16": True}, "AVX2 + AVX-512 + AVX-512 BF16"),
        ({"avx512f": True, "avx512_bf16": True, "amx_bf16": True}, "AVX2 + AVX-512 + AVX-512 BF16 + AMX"),
    ],
)
def test_summary_names_the_vector_features(flags, vector):
    line = hardware.summary({**FACTS, **flags})
    assert line == f"x86_64, 2 CPU cores (torch threads 1), {vector}, no GPU", line


def test_summary_says_when_a_gpu_is_there():
    assert hardware.summary({**FACTS, "cuda": True}).endswith(", a CUDA GPU present"), "the GPU is named"


def test_unread_cpu_flags_are_unknown_not_absent():
    facts = {**FACTS, "avx2": False, "cpu_flags_read": False}
    assert "CPU features unknown" in hardware.summary(facts), "a Mac has AVX2; no /proc/cpuinfo says nothing"
