"""Learning-rate schedule per epoch: optional warmup (linear or cosine), then exponential decay.

The LR is a pure function of the epoch, so a resumed run continues the schedule exactly: nothing
about the schedule needs saving besides the epoch. (The reference's warmup lost its progress on
resume and could freeze the LR; its decay also applied one extra factor before the first epoch.)

For base LR B, decay g and warmup of N epochs, the LR of training epoch e (1-based) is
    e <= N, linear: B * e / N
    e <= N, cosine: B * (1 - cos(pi * e / N)) / 2
    e >  N:         B * g ** (e - N - 1)      (N = 0: B * g ** (e - 1), Applio's no-warmup sequence)
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from rvc.errors import RVCError

WARMUP_SHAPES = ("linear", "cosine")


@dataclass(frozen=True)
class LRSchedule:
    """Warmup over `warmup_epochs` (0 = off) with `warmup_shape`, then decay by `gamma` per epoch."""

    base_lr: float
    gamma: float = 0.999875
    warmup_epochs: int = 0
    warmup_shape: str = "linear"

    def __post_init__(self):
        if self.warmup_shape not in WARMUP_SHAPES:
            raise RVCError(f"unknown warmup shape {self.warmup_shape!r}; choose one of {', '.join(WARMUP_SHAPES)}")
        if self.warmup_epochs < 0:
            raise RVCError(f"warmup epochs must be 0 (off) or more, got {self.warmup_epochs}")
        if self.base_lr <= 0 or not 0 < self.gamma <= 1:
            raise RVCError(f"learning rate must be > 0 and decay in (0, 1]; got {self.base_lr} and {self.gamma}")

    def lr(self, epoch: int) -> float:
        """LR for training epoch `epoch` (1-based)."""
        if epoch < 1:
            raise ValueError(f"epochs count from 1, got {epoch}")
        n = self.warmup_epochs
        if epoch <= n:
            progress = epoch / n
            factor = progress if self.warmup_shape == "linear" else (1.0 - math.cos(math.pi * progress)) / 2.0
            return self.base_lr * factor
        return self.base_lr * self.gamma ** (epoch - n - 1)

    def apply(self, optimizer: torch.optim.Optimizer, epoch: int) -> float:
        """Set every param group of `optimizer` to the LR of `epoch`; returns it."""
        lr = self.lr(epoch)
        for group in optimizer.param_groups:
            group["lr"] = lr
        return lr
