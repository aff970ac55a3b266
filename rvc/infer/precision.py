"""Which float type a conversion runs its synthesizer and embedder in: `auto`, `fp32` or `bf16` (+ `half` on CUDA).

`auto` picks bfloat16 on a CPU only where the CPU does bfloat16 arithmetic natively (AVX-512 BF16 or AMX) *and*
a short timed probe shows it beating float32; everywhere else it keeps float32. A CPU without those
instructions emulates bfloat16 and runs it tens to hundreds of times slower than float32 (an AVX2 EPYC: a
2048² matrix product at ~0.3 GFLOP/s in bf16 against ~68 in fp32), so `bf16` is only worth choosing by hand
for a quality check. On CUDA, `auto` keeps the `half` switch's behaviour (float16 when on, else float32).
"""

from __future__ import annotations

import functools
import time
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import torch

NATIVE_BF16_FLAGS = ("avx512_bf16", "amx_bf16")
"""/proc/cpuinfo flags of the x86 instructions that compute bfloat16 products in hardware."""

CPUINFO = Path("/proc/cpuinfo")
PROBE_SIZE = 512
PROBE_REPEATS = 3


def cpu_flags() -> set[str]:
    """The CPU feature flags of the first processor in /proc/cpuinfo (empty where the file does not exist)."""
    try:
        text = CPUINFO.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return set()
    for line in text.splitlines():
        if line.startswith("flags"):
            return set(line.partition(":")[2].split())
    return set()


def cpu_has_native_bf16() -> bool:
    """Whether this CPU multiplies bfloat16 in hardware (AVX-512 BF16 or AMX-BF16)."""
    return bool(cpu_flags() & set(NATIVE_BF16_FLAGS))


def _seconds(dtype: torch.dtype) -> float:
    """Best of `PROBE_REPEATS` timings of one `PROBE_SIZE`² matrix product in `dtype` on the CPU."""
    import torch

    a = torch.randn(PROBE_SIZE, PROBE_SIZE).to(dtype)
    b = torch.randn(PROBE_SIZE, PROBE_SIZE).to(dtype)
    a @ b
    best = float("inf")
    for _ in range(PROBE_REPEATS):
        start = time.perf_counter()
        a @ b
        best = min(best, time.perf_counter() - start)
    return best


@functools.cache
def cpu_bf16_is_faster() -> bool:
    """Whether a bfloat16 matrix product beats float32 on this CPU (timed once per process, then remembered)."""
    import torch

    with torch.inference_mode():
        return _seconds(torch.bfloat16) < _seconds(torch.float32)


def cpu_prefers_bf16() -> bool:
    """`auto`'s CPU rule: bfloat16 only with native instructions and a probe that shows it faster."""
    return cpu_has_native_bf16() and cpu_bf16_is_faster()


def conversion_dtype(precision: str, half: bool, device: torch.device) -> torch.dtype:
    """The float type the models run in for `precision` (`auto`/`fp32`/`bf16`), the `half` switch and `device`.

    `half` (float16) applies on CUDA only and wins there over `auto`/`bf16`; `fp32` always means float32.
    """
    import torch

    from rvc.infer.options import PRECISIONS

    if precision not in PRECISIONS:
        raise ValueError(f"unknown precision {precision!r}; expected one of {', '.join(PRECISIONS)}")
    if precision == "fp32":
        return torch.float32
    if device.type == "cuda" and half:
        return torch.float16
    if precision == "bf16":
        return torch.bfloat16
    if device.type == "cpu" and cpu_prefers_bf16():
        return torch.bfloat16
    return torch.float32
