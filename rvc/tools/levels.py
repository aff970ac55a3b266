"""Level measurements shared by the audio analyzer and the dataset check: peak, clipping, loudness, noise floor."""

from __future__ import annotations

import itertools
import math

import numpy as np

CLIP_LEVEL = 0.999
"""A sample at or above this magnitude (about -0.01 dBFS) is at full scale."""
CLIP_RUN = 3
"""Full-scale samples count as clipped only in runs of at least this many of one sign: a clipped wave
sits flat at the limit, while an unclipped sine touches it for at most a sample or two per peak."""
LOUDNESS_MIN_SECONDS = 0.4
"""BS.1770 integrates 400 ms blocks: shorter audio has no integrated loudness."""
NOISE_FRAME_SECONDS = 0.05
NOISE_PERCENTILE = 10
SIGNAL_PERCENTILE = 95
SILENCE_FLOOR_DB = -120.0


def db(value: float) -> float | None:
    """20·log10(value) in dB; None for 0 (digital silence)."""
    return 20.0 * math.log10(value) if value > 0 else None


def peak_dbfs(audio: np.ndarray) -> float | None:
    """Highest sample magnitude of `[N]` or `[N, C]` in dBFS; None for digital silence."""
    return db(float(np.max(np.abs(audio)))) if audio.size else None


def clipped_share(audio: np.ndarray) -> float:
    """Share of samples (over all channels of `[N]` or `[N, C]`) inside same-sign runs of >= CLIP_RUN at full scale."""
    channels = audio.reshape(len(audio), -1).T
    clipped = 0
    for channel in channels:
        level = np.where(channel >= CLIP_LEVEL, 1, np.where(channel <= -CLIP_LEVEL, -1, 0))
        edges = np.flatnonzero(np.diff(np.concatenate(([0], level, [0]))))
        for start, end in itertools.pairwise(edges):
            if level[start] != 0 and end - start >= CLIP_RUN:
                clipped += end - start
    return float(clipped / audio.size) if audio.size else 0.0


def integrated_loudness(audio: np.ndarray, sample_rate: int) -> float | None:
    """BS.1770-4 integrated loudness of `[N]` or `[N, C]` in LUFS (pyloudnorm); None when too short or silent."""
    if len(audio) < LOUDNESS_MIN_SECONDS * sample_rate:
        return None
    import pyloudnorm

    loudness = pyloudnorm.Meter(sample_rate).integrated_loudness(np.asarray(audio, dtype=np.float64))
    return float(loudness) if math.isfinite(loudness) else None


def frame_levels_db(audio: np.ndarray, sample_rate: int) -> np.ndarray:
    """RMS of consecutive 50 ms frames of mono `[N]` in dBFS [F] (digital silence at -120 dB)."""
    frame = max(1, round(NOISE_FRAME_SECONDS * sample_rate))
    count = max(1, len(audio) // frame)
    frames = np.resize(np.asarray(audio, dtype=np.float64), count * frame).reshape(count, frame)
    rms = np.sqrt(np.mean(np.square(frames), axis=1))
    return np.maximum(20.0 * np.log10(np.maximum(rms, 1e-12)), SILENCE_FLOOR_DB)


def noise_floor_and_snr(audio: np.ndarray, sample_rate: int) -> tuple[float, float]:
    """(noise floor dBFS, SNR dB) of mono `[N]`: the 10th and 95th percentile frame levels and their difference."""
    levels = frame_levels_db(audio, sample_rate)
    floor = float(np.percentile(levels, NOISE_PERCENTILE))
    return floor, float(np.percentile(levels, SIGNAL_PERCENTILE)) - floor
