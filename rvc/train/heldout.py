"""Held-out scores: how close generated audio is to its reference recording (pure numerics, no I/O).

Six scores per slice, averaged over the held-out slices at each epoch and logged as `validation/<name>`:
mel L1 (the run's mel settings), multi-resolution STFT distance, SI-SDR (dB), PESQ wideband (1-4.64,
at 16 kHz), and the F0 RMSE in cents over frames voiced in both and the voiced/unvoiced disagreement
(fraction of frames), both from Praat's "pm" tracker run on the reference and on the generated audio
(no downloaded weights, ~10 ms per second of audio). Imports nothing heavy until a score is computed,
so the options can name the scores.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np
    import torch

TAG_PREFIX = "validation/"
"""Held-out scores are logged (TensorBoard, progress history) as `validation/<name>`."""
PITCH_METHOD = "pm"
"""The pitch tracker for the F0 scores: Praat autocorrelation, CPU only, no weights to download."""
PESQ_RATE = 16000
"""PESQ wideband is defined on 16 kHz audio."""
SI_SDR_EPS = 1e-10
"""Keeps SI-SDR finite (large, not infinite) for identical signals and zero for silence."""


@dataclass(frozen=True)
class Score:
    """One held-out score: its label and whether a higher value means closer to the reference."""

    label: str
    higher_is_better: bool


SCORES: dict[str, Score] = {
    "mel_l1": Score("mel L1", False),
    "mrstft": Score("multi-resolution STFT distance", False),
    "si_sdr": Score("SI-SDR (dB)", True),
    "pesq": Score("PESQ wideband", True),
    "f0_rmse": Score("F0 RMSE (cents)", False),
    "vuv_error": Score("voiced/unvoiced error", False),
}
"""Every held-out score by name, in display order."""


def better(name: str, value: float, than: float) -> bool:
    """True when `value` of score `name` is strictly better than `than`."""
    return value > than if SCORES[name].higher_is_better else value < than


def si_sdr(reference: np.ndarray, estimate: np.ndarray) -> float:
    """Scale-invariant signal-to-distortion ratio in dB of `estimate` [N] against `reference` [N] (means removed)."""
    import numpy as np

    reference = np.asarray(reference, dtype=np.float64) - np.mean(reference)
    estimate = np.asarray(estimate, dtype=np.float64) - np.mean(estimate)
    scale = np.dot(estimate, reference) / (np.dot(reference, reference) + SI_SDR_EPS)
    target = scale * reference
    noise = estimate - target
    return float(10 * np.log10((np.dot(target, target) + SI_SDR_EPS) / (np.dot(noise, noise) + SI_SDR_EPS)))


def pesq_wideband(reference: np.ndarray, estimate: np.ndarray, sample_rate: int) -> float:
    """PESQ wideband MOS-LQO of `estimate` [N] against `reference` [N] after resampling to 16 kHz; NaN when
    PESQ cannot score the pair (e.g. no speech found in the reference)."""
    from pesq import PesqError, pesq

    from rvc.audio import resample

    ref16, est16 = (resample(x, sample_rate, PESQ_RATE) for x in (reference, estimate))
    if not (ref16.any() and est16.any()):
        return math.nan
    value = pesq(PESQ_RATE, ref16, est16, "wb", on_error=PesqError.RETURN_VALUES)
    return float(value) if value >= 0 else math.nan


def f0_errors(reference_f0: np.ndarray, estimate_f0: np.ndarray) -> tuple[float, float]:
    """(RMSE in cents over frames voiced in both, fraction of frames whose voicing differs) of two Hz tracks
    (0 = unvoiced); the RMSE is NaN when no frame is voiced in both. Tracks are cut to the shorter one."""
    import numpy as np

    n = min(len(reference_f0), len(estimate_f0))
    ref, est = np.asarray(reference_f0[:n], dtype=np.float64), np.asarray(estimate_f0[:n], dtype=np.float64)
    if n == 0:
        return math.nan, math.nan
    both = (ref > 0) & (est > 0)
    vuv = float(np.mean((ref > 0) != (est > 0)))
    if not both.any():
        return math.nan, vuv
    cents = 1200 * np.log2(est[both] / ref[both])
    return float(np.sqrt(np.mean(cents**2))), vuv


def pitch_scores(reference: np.ndarray, estimate: np.ndarray, sample_rate: int) -> tuple[float, float]:
    """`f0_errors` of the `PITCH_METHOD` tracks of `estimate` [N] against `reference` [N] at `sample_rate`."""
    from rvc.audio import resample
    from rvc.features.f0 import extract_f0

    tracks = [extract_f0(resample(x, sample_rate, 16000), PITCH_METHOD) for x in (reference, estimate)]
    return f0_errors(*tracks)


def score_pair(
    reference: torch.Tensor,
    generated: torch.Tensor,
    sample_rate: int,
    mel: Callable[[torch.Tensor], torch.Tensor],
) -> dict[str, float]:
    """Every score of `generated` against `reference`, waveforms `[1, 1, N]` (same N) at `sample_rate`;
    `mel` maps `[B, 1, N]` to a log mel `[B, n_mels, frames]`. A score that cannot be computed is left out."""
    import torch

    from rvc.train.losses import multi_resolution_stft_loss

    reference, generated = reference.float(), generated.float()
    ref, gen = (x.reshape(-1).cpu().numpy() for x in (reference, generated))
    f0_rmse, vuv_error = pitch_scores(ref, gen, sample_rate)
    scores = {
        "mel_l1": torch.nn.functional.l1_loss(mel(reference), mel(generated)).item(),
        "mrstft": multi_resolution_stft_loss(reference, generated).item(),
        "si_sdr": si_sdr(ref, gen),
        "pesq": pesq_wideband(ref, gen, sample_rate),
        "f0_rmse": f0_rmse,
        "vuv_error": vuv_error,
    }
    return {name: value for name, value in scores.items() if math.isfinite(value)}


def average_scores(per_slice: Iterable[dict[str, float]]) -> dict[str, float]:
    """The mean of each score over the slices that have it, in `SCORES` order."""
    values: dict[str, list[float]] = {}
    for scores in per_slice:
        for name, value in scores.items():
            values.setdefault(name, []).append(value)
    return {name: sum(values[name]) / len(values[name]) for name in SCORES if name in values}


def tagged(scores: dict[str, float]) -> dict[str, float]:
    """Scores by their logging tag, `validation/<name>`."""
    return {TAG_PREFIX + name: value for name, value in scores.items()}


def untagged(values: dict[str, float]) -> dict[str, float]:
    """The held-out scores among logged `values` (any other tag is left out), by plain name."""
    names = {TAG_PREFIX + name: name for name in SCORES}
    return {names[tag]: value for tag, value in values.items() if tag in names}
