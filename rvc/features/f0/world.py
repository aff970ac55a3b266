"""The WORLD trackers' shared path (pyworld): a raw DIO or Harvest track refined by StoneMask, on our frames."""

from __future__ import annotations

from typing import Literal

import numpy as np

from rvc.features.f0.track import SAMPLE_RATE, frame_times, retime


def world_f0(
    tracker: Literal["dio", "harvest"], wav16k: np.ndarray, f0_min: float, f0_max: float, hop: int
) -> np.ndarray:
    """Audio [N] → Hz [N // hop + 1] (0 = unvoiced): pyworld's `tracker` at a `hop` frame period, then StoneMask."""
    import pyworld

    audio = np.ascontiguousarray(wav16k, dtype=np.float64)
    period_ms = 1000.0 * hop / SAMPLE_RATE
    track = getattr(pyworld, tracker)
    f0, times = track(audio, SAMPLE_RATE, f0_floor=f0_min, f0_ceil=f0_max, frame_period=period_ms)
    f0 = pyworld.stonemask(audio, f0, times, SAMPLE_RATE)
    return retime(times, f0, frame_times(len(wav16k), hop))
