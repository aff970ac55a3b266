"""Praat's autocorrelation pitch tracker (praat-parselmouth), the original RVC "pm" method."""

from __future__ import annotations

import numpy as np

from rvc.features.f0.track import SAMPLE_RATE, PitchEstimator, frame_times, retime

VOICING_THRESHOLD = 0.6
SILENCE_THRESHOLD = 0.03


def estimate(wav16k: np.ndarray, f0_min: float, f0_max: float, hop: int) -> np.ndarray:
    """Audio [N] → Hz [N // hop + 1] (0 = unvoiced) from Praat's `To Pitch (ac)` at a `hop` time step."""
    import parselmouth

    sound = parselmouth.Sound(np.asarray(wav16k, dtype=np.float64), sampling_frequency=SAMPLE_RATE)
    pitch = sound.to_pitch_ac(
        time_step=hop / SAMPLE_RATE,
        voicing_threshold=VOICING_THRESHOLD,
        silence_threshold=SILENCE_THRESHOLD,
        pitch_floor=f0_min,
        pitch_ceiling=f0_max,
    )
    return retime(pitch.xs(), pitch.selected_array["frequency"], frame_times(len(wav16k), hop))


def load(device: str = "cpu") -> PitchEstimator:
    """Praat needs no model: the estimator is a plain function (CPU only)."""
    return estimate
