"""WORLD's Harvest pitch tracker (pyworld), refined by StoneMask."""

from __future__ import annotations

import numpy as np

from rvc.features.f0.track import PitchEstimator
from rvc.features.f0.world import world_f0


def estimate(wav16k: np.ndarray, f0_min: float, f0_max: float, hop: int) -> np.ndarray:
    """Audio [N] → Hz [N // hop + 1] (0 = unvoiced): Harvest at a `hop` frame period, then StoneMask."""
    return world_f0("harvest", wav16k, f0_min, f0_max, hop)


def load(device: str = "cpu") -> PitchEstimator:
    """Harvest needs no model: the estimator is a plain function (CPU only)."""
    return estimate
