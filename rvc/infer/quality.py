"""How far one rendering of audio is from another: log-mel distance and SNR (the precision quality gate).

Used to hold a lower-precision path (bfloat16) to the float32 output of the same seed: `tests/infer/test_precision.py`
asserts the bounds below, and `bench/infer.py --precision bf16` prints both figures.
"""

from __future__ import annotations

import numpy as np

MEL_BANDS = 80
MEL_RANGE = 1e-2
"""Mel magnitudes are floored at 40 dB below the reference's loudest, so near-silent bins do not dominate."""
MAX_LOG_MEL_DISTANCE = 1.0
"""Mean absolute difference of natural-log mel magnitudes bf16 may reach against fp32 (1.0 ≈ 8.7 dB; loose, since
the random-weight test voices spread energy into bins the floor barely clears: SNR is the tight bound)."""
MIN_SNR_DB = 20.0
"""Signal-to-difference ratio bf16 must keep against fp32, in dB."""


def snr_db(reference: np.ndarray, other: np.ndarray) -> float:
    """10·log10(energy of `reference` / energy of `other - reference`) for two `[N]` signals (inf when equal)."""
    reference, other = _same_length(reference, other)
    noise = float(np.sum(np.square(other - reference)))
    if noise == 0.0:
        return float("inf")
    return 10.0 * float(np.log10(max(float(np.sum(np.square(reference))), 1e-30) / noise))


def log_mel_distance(reference: np.ndarray, other: np.ndarray, sample_rate: int) -> float:
    """Mean |log mel(reference) - log mel(other)| over 80 bands, 1024-point frames every 256 samples; `[N]` each
    (both floored 40 dB below the reference's loudest bin)."""
    import torch
    import torchaudio

    reference, other = _same_length(reference, other)
    mel = torchaudio.transforms.MelSpectrogram(
        sample_rate, n_fft=1024, hop_length=256, n_mels=MEL_BANDS, power=1.0, center=True
    )
    with torch.inference_mode():
        a = mel(torch.from_numpy(reference.astype(np.float32)))
        b = mel(torch.from_numpy(other.astype(np.float32)))
        floor = max(float(a.max()) * MEL_RANGE, 1e-12)
        return float((torch.log(a.clamp(min=floor)) - torch.log(b.clamp(min=floor))).abs().mean())


def _same_length(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Both `[N]` signals as float64, refusing different lengths."""
    if a.shape != b.shape:
        raise ValueError(f"signals differ in shape: {a.shape} vs {b.shape}")
    return a.astype(np.float64), b.astype(np.float64)
