"""Linear and mel spectrograms as the RVC configs define them (Hann window, reflect pad, no centring)."""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import torch

SLANEY_HZ_PER_MEL = 200.0 / 3
SLANEY_BREAK_HZ = 1000.0
SLANEY_BREAK_MEL = SLANEY_BREAK_HZ / SLANEY_HZ_PER_MEL
SLANEY_LOG_STEP = np.log(6.4) / 27.0


@lru_cache(maxsize=32)
def _hann(win_length: int, device: str, dtype: torch.dtype) -> torch.Tensor:
    return torch.hann_window(win_length, device=device, dtype=dtype)


def _hz_to_mel(hz: np.ndarray) -> np.ndarray:
    """Slaney mel scale: linear below 1 kHz (3 mels per 200 Hz), logarithmic above."""
    hz = np.asarray(hz, dtype=np.float64)
    linear = hz / SLANEY_HZ_PER_MEL
    log = SLANEY_BREAK_MEL + np.log(np.maximum(hz, 1e-10) / SLANEY_BREAK_HZ) / SLANEY_LOG_STEP
    return np.where(hz >= SLANEY_BREAK_HZ, log, linear)


def _mel_to_hz(mel: np.ndarray) -> np.ndarray:
    mel = np.asarray(mel, dtype=np.float64)
    linear = mel * SLANEY_HZ_PER_MEL
    log = SLANEY_BREAK_HZ * np.exp(SLANEY_LOG_STEP * (mel - SLANEY_BREAK_MEL))
    return np.where(mel >= SLANEY_BREAK_MEL, log, linear)


def mel_filterbank(
    sample_rate: int, n_fft: int, n_mels: int, fmin: float = 0.0, fmax: float | None = None
) -> np.ndarray:
    """Slaney-normalised triangular mel filters `[n_mels, n_fft // 2 + 1]` (librosa's default filterbank)."""
    fmax = sample_rate / 2 if fmax is None else fmax
    fft_hz = np.linspace(0, sample_rate / 2, n_fft // 2 + 1)
    edges = _mel_to_hz(np.linspace(_hz_to_mel(fmin), _hz_to_mel(fmax), n_mels + 2))
    widths = np.diff(edges)
    ramps = edges[:, None] - fft_hz[None, :]
    rising = -ramps[:-2] / widths[:-1, None]
    falling = ramps[2:] / widths[1:, None]
    weights = np.maximum(0.0, np.minimum(rising, falling))
    weights *= (2.0 / (edges[2:] - edges[:-2]))[:, None]
    return weights.astype(np.float32)


@lru_cache(maxsize=32)
def _mel_basis(sample_rate: int, n_fft: int, n_mels: int, fmin: float, fmax: float | None, device: str) -> torch.Tensor:
    return torch.from_numpy(mel_filterbank(sample_rate, n_fft, n_mels, fmin, fmax)).to(device)


def spectrogram(audio: torch.Tensor, n_fft: int, hop: int, win_length: int, center: bool = False) -> torch.Tensor:
    """Magnitude STFT `[B, n_fft//2+1, frames]` of `audio` `[B, N]` (or `[B, 1, N]`), computed in fp32.

    With `center=False` the signal is reflect-padded by `(n_fft - hop) / 2` on both sides, so a
    length of `frames * hop` gives exactly `frames` frames.
    """
    audio = audio.squeeze(1) if audio.dim() == 3 else audio
    audio = audio.float()
    if not center:
        pad = (n_fft - hop) // 2
        audio = torch.nn.functional.pad(audio.unsqueeze(1), (pad, pad), mode="reflect").squeeze(1)
    window = _hann(win_length, str(audio.device), audio.dtype)
    spec = torch.stft(
        audio,
        n_fft,
        hop_length=hop,
        win_length=win_length,
        window=window,
        center=center,
        pad_mode="reflect",
        normalized=False,
        onesided=True,
        return_complex=True,
    )
    return torch.sqrt(spec.real.pow(2) + spec.imag.pow(2) + 1e-6)


def spec_to_mel(
    spec: torch.Tensor, sample_rate: int, n_fft: int, n_mels: int, fmin: float = 0.0, fmax: float | None = None
) -> torch.Tensor:
    """Natural-log mel `[B, n_mels, frames]` of a magnitude spectrogram `[B, n_fft//2+1, frames]`."""
    basis = _mel_basis(sample_rate, n_fft, n_mels, float(fmin), fmax, str(spec.device))
    return torch.log(torch.clamp(torch.matmul(basis, spec), min=1e-5))


def mel_spectrogram(
    audio: torch.Tensor,
    sample_rate: int,
    n_fft: int,
    hop: int,
    win_length: int,
    n_mels: int,
    fmin: float = 0.0,
    fmax: float | None = None,
) -> torch.Tensor:
    """Natural-log mel `[B, n_mels, frames]` of `audio` `[B, N]` with the config's STFT settings."""
    return spec_to_mel(spectrogram(audio, n_fft, hop, win_length), sample_rate, n_fft, n_mels, fmin, fmax)


MULTISCALE_N_MELS = (5, 10, 20, 40, 80, 160, 320, 480)
REFINEGAN_N_MELS = (5, 10, 20, 40, 80, 160, 320)
REFINEGAN_WINDOWS = (32, 64, 128, 256, 512, 1024, 2048)
"""Applio's multi-scale mel loss for RefineGAN: seven fixed windows with hop = window // 4, whatever the rate."""


def multiscale_windows(n_mels: tuple[int, ...] = MULTISCALE_N_MELS) -> list[int]:
    """Window (= n_fft) per scale: the largest power of two not above 16 * n_mels, i.e. 64 ... 4096."""
    return [1 << ((16 * m).bit_length() - 1) for m in n_mels]


def multiscale_mel_scales(sample_rate: int, vocoder: str = "HiFi-GAN") -> list[tuple[int, int, int]]:
    """(n_mels, window = n_fft, hop) per scale of the multi-scale mel loss.

    RefineGAN: Applio's seven scales (the RefineGAN layout we train is Applio's); every other vocoder: the
    Codename fork's eight scales with hop = sr // 100.
    """
    if vocoder == "RefineGAN":
        return [(m, w, w // 4) for m, w in zip(REFINEGAN_N_MELS, REFINEGAN_WINDOWS, strict=True)]
    return [(m, w, sample_rate // 100) for m, w in zip(MULTISCALE_N_MELS, multiscale_windows(), strict=True)]


def multiscale_log_mels(audio: torch.Tensor, sample_rate: int, vocoder: str = "HiFi-GAN") -> list[torch.Tensor]:
    """log10 mels of `audio` `[B, N]` at each scale of the multi-scale mel loss for `vocoder` (centred STFTs)."""
    audio = audio.squeeze(1) if audio.dim() == 3 else audio
    mels = []
    for n_mels, window, hop in multiscale_mel_scales(sample_rate, vocoder):
        spec = spectrogram(audio, window, hop, window, center=True)
        basis = _mel_basis(sample_rate, window, n_mels, 0.0, None, str(spec.device))
        mels.append(torch.log10(torch.clamp(torch.matmul(basis, spec), min=1e-5)))
    return mels
