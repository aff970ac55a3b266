"""GPU math switches a run asks for (TF32, cuDNN benchmark, deterministic), set on torch.backends at trainer setup.

They are process-wide torch settings; the trainer sets all three from its options, so a run never inherits
another run's choice. On the CPU they change nothing (the flags are set but no CUDA kernel reads them).
"""

from __future__ import annotations

import torch


def set_backend_flags(*, tf32: bool, cudnn_benchmark: bool, deterministic: bool) -> None:
    """TF32 for matmuls and cuDNN convolutions; cuDNN autotuning; deterministic cuDNN algorithms."""
    torch.backends.cuda.matmul.allow_tf32 = tf32
    torch.backends.cudnn.allow_tf32 = tf32
    # Autotuning picks kernels by timing them, so it cannot be deterministic: deterministic wins.
    torch.backends.cudnn.benchmark = cudnn_benchmark and not deterministic
    torch.backends.cudnn.deterministic = deterministic
