"""Pitch-track plumbing shared by every method: framing, re-timing and the models' coarse pitch.

A track is Hz per frame (0 = unvoiced); frame k of a signal analysed with hop `h` sits at sample
`k * h`, and a signal of N samples has `N // h + 1` frames (the reference RVC framing).
"""

from __future__ import annotations

from typing import Protocol

import numpy as np

SAMPLE_RATE = 16000
F0_BIN = 256
COARSE_F0_MIN = 50.0
COARSE_F0_MAX = 1100.0


class PitchEstimator(Protocol):
    """One loaded pitch method: 16 kHz audio [N] → Hz per frame [N // hop + 1], 0 = unvoiced."""

    def __call__(self, wav16k: np.ndarray, f0_min: float, f0_max: float, hop: int) -> np.ndarray: ...


def frame_count(n_samples: int, hop: int) -> int:
    """Number of frames of a signal of `n_samples` at `hop` samples per frame."""
    return n_samples // hop + 1


def frame_times(n_samples: int, hop: int) -> np.ndarray:
    """Time in seconds of each frame [n_samples // hop + 1] at 16 kHz."""
    return np.arange(frame_count(n_samples, hop)) * (hop / SAMPLE_RATE)


def retime(times: np.ndarray, f0: np.ndarray, target_times: np.ndarray) -> np.ndarray:
    """Move a track sampled at `times` [M] onto `target_times` [T]; returns Hz [T], 0 = unvoiced.

    A target frame takes its voicing from the nearest source frame (the ends are held). Between two
    voiced source frames the pitch is interpolated on a log scale; next to an unvoiced one the
    nearest voiced value is kept, so a voicing edge never bends the pitch toward 0.
    """
    times = np.asarray(times, dtype=np.float64)
    f0 = np.asarray(f0, dtype=np.float64)
    target_times = np.asarray(target_times, dtype=np.float64)
    out = np.zeros(len(target_times))
    if len(times) == 0:
        return out
    if len(times) == 1:
        out[:] = f0[0]
        return out
    right = np.clip(np.searchsorted(times, target_times), 1, len(times) - 1)
    left = right - 1
    span = times[right] - times[left]
    weight = np.clip((target_times - times[left]) / span, 0.0, 1.0)
    nearest = np.where(weight < 0.5, left, right)
    both = (f0[left] > 0) & (f0[right] > 0)
    log_left = np.log(np.where(both, f0[left], 1.0))
    log_right = np.log(np.where(both, f0[right], 1.0))
    blended = np.exp(log_left + weight * (log_right - log_left))
    out = np.where(both, blended, f0[nearest])
    out[f0[nearest] <= 0] = 0.0
    return out


def coarse_f0(f0_hz: np.ndarray) -> np.ndarray:
    """Quantise Hz [T] (0 = unvoiced) to the models' pitch index [T] int64 in 1..255 on the mel scale.

    Exactly the reference mapping: mel = 1127·ln(1 + f0/700), the 50..1100 Hz mel range spread over
    1..255, clipped, then rounded half-to-even; unvoiced frames (and anything below 50 Hz) map to 1.
    """
    mel = 1127.0 * np.log(1.0 + np.asarray(f0_hz, dtype=np.float64) / 700.0)
    mel_min = 1127.0 * np.log(1.0 + COARSE_F0_MIN / 700.0)
    mel_max = 1127.0 * np.log(1.0 + COARSE_F0_MAX / 700.0)
    scaled = (mel - mel_min) * (F0_BIN - 2) / (mel_max - mel_min) + 1
    return np.rint(np.clip(scaled, 1, F0_BIN - 1)).astype(np.int64)
