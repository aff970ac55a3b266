"""WORLD's DIO pitch tracker (pyworld), refined by StoneMask: fast, coarser voicing than Harvest."""

from __future__ import annotations

import numpy as np

from rvc.features.f0.track import SAMPLE_RATE, PitchEstimator, frame_times, retime


def estimate(wav16k: np.ndarray, f0_min: float, f0_max: float, hop: int) -> np.ndarray:
    """Audio [N] → Hz [N // hop + 1] (0 = unvoiced): DIO at a `hop` frame period, then StoneMask."""
    import pyworld

    audio = np.ascontiguousarray(wav16k, dtype=np.float64)
    period_ms = 1000.0 * hop / SAMPLE_RATE
    f0, times = pyworld.dio(audio, SAMPLE_RATE, f0_floor=f0_min, f0_ceil=f0_max, frame_period=period_ms)
    f0 = pyworld.stonemask(audio, f0, times, SAMPLE_RATE)
    return retime(times, f0, frame_times(len(wav16k), hop))


def load(device: str = "cpu") -> PitchEstimator:
    """DIO needs no model: the estimator is a plain function (CPU only)."""
    return estimate
