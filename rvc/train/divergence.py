"""Stop a training run whose losses or gradient norms stay non-finite, instead of exporting an untrained voice."""

from __future__ import annotations

import math

from rvc.errors import RVCError

# One non-finite step can be a fluke the trainer survives by skipping that update (or, with a loss scaler, by
# lowering the scale); three in a row means the weights themselves have diverged and every later update is skipped.
MAX_NON_FINITE_STEPS = 3
OTHER_PROCESS = "other process"

_NAMES = {
    "loss/d/total": "discriminator (D) total loss",
    "loss/g/total": "generator (G) total loss",
    "loss/g/adv": "generator (G) adversarial loss",
    "loss/g/fm": "generator (G) feature-matching loss",
    "loss/g/mel": "generator (G) mel loss",
    "loss/g/kl": "generator (G) KL loss",
    "grad/norm_d": "discriminator (D) gradient norm",
    "grad/norm_g": "generator (G) gradient norm",
    OTHER_PROCESS: "loss of another training process",
}


def non_finite(values: dict[str, float], *, losses_only: bool = False) -> list[str]:
    """Names of the non-finite entries of one step's `values` (only the `loss/…` ones when `losses_only`)."""
    return [
        name
        for name, value in values.items()
        if not math.isfinite(value) and (name.startswith("loss/") or not losses_only)
    ]


class DivergenceGuard:
    """Counts consecutive steps with a non-finite loss or gradient norm and raises once there are too many.

    Args:
        limit: consecutive non-finite steps that stop the run.
        losses_only: judge only the losses (with a loss scaler, non-finite gradient norms are routine).
    """

    def __init__(self, limit: int = MAX_NON_FINITE_STEPS, *, losses_only: bool = False) -> None:
        self.limit = limit
        self.losses_only = losses_only
        self.streak = 0

    def bad(self, values: dict[str, float]) -> list[str]:
        """The entries of one step's `values` that count as diverged."""
        return non_finite(values, losses_only=self.losses_only)

    def update(self, bad: list[str], step: int) -> None:
        """Record a step whose diverged entries are `bad`; raises RVCError after `limit` such steps in a row."""
        if not bad:
            self.streak = 0
            return
        self.streak += 1
        if self.streak >= self.limit:
            raise RVCError(divergence_message(bad, step, self.streak))


def divergence_message(bad: list[str], step: int, streak: int) -> str:
    """What diverged, where, and what to try instead."""
    what = ", ".join(_NAMES.get(name, name) for name in bad)
    return (
        f"Training diverged: the {what} became NaN or infinite at step {step} "
        f"({streak} steps in a row), so the run was stopped and no voice was exported. "
        "Try a lower learning rate (e.g. half of it), a learning-rate warmup (a few warmup epochs), "
        "a gradient-norm limit (--grad-clip, 1000 unless turned off), the AdamW optimizer, "
        "or start from a pretrained model."
    )
