"""Linear and mel spectrograms as the RVC configs define them (Hann window, reflect pad, no centring)."""

from __future__ import annotations

from functools import lru_cache

import torch


@lru_cache(maxsize=32)
def _hann(win_length: int, device: str, dtype: torch.dtype) -> torch.Tensor:
    return torch.hann_window(win_length, device=device, dtype=dtype)


@lru_cache(maxsize=32)
def _mel_basis(sample_rate: int, n_fft: int, n_mels: int, fmin: float, fmax: float | None, device: str) -> torch.Tensor:
    from librosa.filters import mel

    basis = mel(sr=sample_rate, n_fft=n_fft, n_mels=n_mels, fmin=fmin, fmax=fmax)
    return torch.from_numpy(basis).float().to(device)


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


def multiscale_windows(n_mels: tuple[int, ...] = MULTISCALE_N_MELS) -> list[int]:
    """Window (= n_fft) per scale: the largest power of two not above 16 * n_mels, i.e. 64 ... 4096."""
    return [1 << ((16 * m).bit_length() - 1) for m in n_mels]


def multiscale_log_mels(audio: torch.Tensor, sample_rate: int) -> list[torch.Tensor]:
    """log10 mels of `audio` `[B, N]` at the eight scales of the multi-scale mel loss (hop = sr // 100)."""
    audio = audio.squeeze(1) if audio.dim() == 3 else audio
    hop = sample_rate // 100
    mels = []
    for n_mels, window in zip(MULTISCALE_N_MELS, multiscale_windows(), strict=True):
        spec = spectrogram(audio, window, hop, window, center=True)
        basis = _mel_basis(sample_rate, window, n_mels, 0.0, None, str(spec.device))
        mels.append(torch.log10(torch.clamp(torch.matmul(basis, spec), min=1e-5)))
    return mels
