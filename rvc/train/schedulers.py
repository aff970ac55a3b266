"""Learning-rate schedule per epoch: optional warmup (linear or cosine), then exponential decay, cosine annealing
or a constant LR.

The LR is a pure function of the epoch (and of the options that define the schedule), so a resumed run
continues the schedule exactly: nothing about the schedule needs saving besides the epoch. (The
reference's warmup lost its progress on resume and could freeze the LR; its decay also applied one extra
factor before the first epoch.)

For base LR B, warmup of N epochs, E epochs in all, and training epoch e (1-based):
    e <= N, linear:             B * e / N
    e <= N, cosine:             B * (1 - cos(pi * e / N)) / 2
    e >  N, exponential (g):    B * g ** (e - N - 1)      (N = 0: B * g ** (e - 1), Applio's no-warmup sequence)
    e >  N, cosine (eta_min):   eta_min + (B - eta_min) * (1 + cos(pi * min(e - N - 1, T) / T)) / 2,  T = E - N
    e >  N, constant:           B
The cosine starts at B on the first epoch after the warmup and would reach eta_min one epoch after the last
(torch's `CosineAnnealingLR` with `T_max` = the epochs after the warmup); past `E` it stays at eta_min.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from rvc.errors import RVCError

WARMUP_SHAPES = ("linear", "cosine")
LR_SCHEDULES = ("exponential", "cosine", "constant")
"""What the LR does after the warmup: decay by gamma per epoch, anneal to eta_min over the run, or stay."""


@dataclass(frozen=True)
class LRSchedule:
    """Warmup over `warmup_epochs` (0 = off) with `warmup_shape`, then `kind` until `total_epochs`.

    gamma: per-epoch factor of the exponential decay. min_lr: eta_min, the LR cosine annealing ends at.
    total_epochs: the run's last epoch (needed by cosine annealing only).
    """

    base_lr: float
    gamma: float = 0.999875
    warmup_epochs: int = 0
    warmup_shape: str = "linear"
    kind: str = "exponential"
    min_lr: float = 0.0
    total_epochs: int | None = None

    def __post_init__(self):
        if self.warmup_shape not in WARMUP_SHAPES:
            raise RVCError(f"unknown warmup shape {self.warmup_shape!r}; choose one of {', '.join(WARMUP_SHAPES)}")
        if self.kind not in LR_SCHEDULES:
            raise RVCError(f"unknown LR schedule {self.kind!r}; choose one of {', '.join(LR_SCHEDULES)}")
        if self.warmup_epochs < 0:
            raise RVCError(f"warmup epochs must be 0 (off) or more, got {self.warmup_epochs}")
        if self.base_lr <= 0 or not 0 < self.gamma <= 1:
            raise RVCError(f"learning rate must be > 0 and decay in (0, 1]; got {self.base_lr} and {self.gamma}")
        if self.kind == "cosine":
            if self.total_epochs is None or self.total_epochs < 1:
                raise RVCError("cosine annealing needs the run's total epochs (>= 1)")
            if not 0 <= self.min_lr < self.base_lr:
                raise RVCError(
                    f"the cosine annealing floor (eta_min {self.min_lr:g}) must be >= 0 and below the initial "
                    f"learning rate {self.base_lr:g}; lower eta_min or raise the learning rate"
                )

    def lr(self, epoch: int) -> float:
        """LR for training epoch `epoch` (1-based)."""
        if epoch < 1:
            raise ValueError(f"epochs count from 1, got {epoch}")
        n = self.warmup_epochs
        if epoch <= n:
            progress = epoch / n
            factor = progress if self.warmup_shape == "linear" else (1.0 - math.cos(math.pi * progress)) / 2.0
            return self.base_lr * factor
        if self.kind == "constant":
            return self.base_lr
        if self.kind == "cosine":
            span = max(self.total_epochs - n, 1)
            progress = min(epoch - n - 1, span) / span
            return self.min_lr + (self.base_lr - self.min_lr) * (1.0 + math.cos(math.pi * progress)) / 2.0
        return self.base_lr * self.gamma ** (epoch - n - 1)

    def apply(self, optimizer: torch.optim.Optimizer, epoch: int) -> float:
        """Set every param group of `optimizer` to the LR of `epoch`; returns it."""
        lr = self.lr(epoch)
        for group in optimizer.param_groups:
            group["lr"] = lr
        return lr
