"""Deterministic speech-like test signals with a known pitch track.

A glottal source (band-limited harmonic series with a falling spectral tilt) follows a smooth,
time-varying F0 contour, goes through a cascade of formant resonators, and alternates with
unvoiced gaps of faint noise. Several speakers differ in F0 range and formants. The true F0 is
returned per 10 ms frame (frame k at k * 10 ms, 0 = unvoiced), the framing every pitch method uses.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf
from scipy.signal import lfilter

FRAME_SECONDS = 0.01


@dataclass(frozen=True)
class Speaker:
    """F0 range in Hz and formants as (centre Hz, bandwidth Hz)."""

    f0_low: float
    f0_high: float
    formants: tuple[tuple[float, float], ...]


SPEAKERS: tuple[Speaker, ...] = (
    Speaker(95.0, 150.0, ((700.0, 110.0), (1220.0, 120.0), (2600.0, 160.0))),
    Speaker(180.0, 290.0, ((850.0, 100.0), (1650.0, 130.0), (2950.0, 180.0))),
    Speaker(250.0, 400.0, ((1000.0, 120.0), (2100.0, 150.0), (3300.0, 200.0))),
)


@dataclass(frozen=True)
class SpeechClip:
    """A synthetic utterance: `audio` float32 [N] at `sample_rate`, true `f0` Hz per 10 ms frame."""

    audio: np.ndarray
    sample_rate: int
    f0: np.ndarray

    @property
    def voiced(self) -> np.ndarray:
        """Boolean mask per frame: True where the source is voiced."""
        return self.f0 > 0

    @property
    def frame_times(self) -> np.ndarray:
        """Time in seconds of each F0 frame."""
        return np.arange(len(self.f0)) * FRAME_SECONDS


def _segments(duration: float, rng: np.random.Generator) -> list[tuple[float, float]]:
    """Voiced (start, end) times: 0.5-0.9 s phrases separated by 0.15-0.3 s gaps."""
    segments, t = [], 0.1
    while t < duration - 0.3:
        end = min(t + rng.uniform(0.5, 0.9), duration - 0.1)
        if end - t >= 0.2:
            segments.append((t, end))
        t = end + rng.uniform(0.15, 0.3)
    return segments


def _contour(t: np.ndarray, speaker: Speaker, rng: np.random.Generator) -> np.ndarray:
    """Smooth F0 in Hz at times `t`: a slow glide across the range plus a 5.5 Hz vibrato."""
    centre = np.sqrt(speaker.f0_low * speaker.f0_high)
    half_octaves = np.log2(speaker.f0_high / speaker.f0_low) / 2
    glide = 0.8 * half_octaves * np.sin(2 * np.pi * rng.uniform(0.3, 0.6) * t + rng.uniform(0, 2 * np.pi))
    vibrato = 0.03 * np.sin(2 * np.pi * 5.5 * t)
    return centre * 2.0 ** (glide + vibrato)


def _glottal_source(f0: np.ndarray, sample_rate: int) -> np.ndarray:
    """Band-limited harmonic source with a -12 dB/octave tilt for a per-sample F0 (0 = silent)."""
    phase = 2 * np.pi * np.cumsum(f0) / sample_rate
    limit = min(0.45 * sample_rate, 5000.0)
    source = np.zeros_like(f0)
    if not f0.any():
        return source
    for k in range(1, int(limit / f0[f0 > 0].min()) + 1):
        audible = k * f0 < limit
        source += np.where(audible, np.sin(k * phase) / k**2, 0.0)
    return source


def _formant_filter(x: np.ndarray, sample_rate: int, formants: tuple[tuple[float, float], ...]) -> np.ndarray:
    """Cascade of two-pole resonators, each normalised to unit gain at DC."""
    for centre, bandwidth in formants:
        if centre >= sample_rate / 2:
            continue
        r = np.exp(-np.pi * bandwidth / sample_rate)
        a = [1.0, -2 * r * np.cos(2 * np.pi * centre / sample_rate), r * r]
        x = lfilter([sum(a)], a, x)
    return x


def synth_speech(duration: float = 2.0, sample_rate: int = 16000, speaker: int = 0, seed: int = 0) -> SpeechClip:
    """Synthesise `duration` seconds of speech-like audio for `SPEAKERS[speaker]`, reproducible by `seed`."""
    rng = np.random.default_rng(seed * 7919 + speaker)
    voice = SPEAKERS[speaker]
    n = round(duration * sample_rate)
    t = np.arange(n) / sample_rate
    contour = _contour(t, voice, rng)
    voiced = np.zeros(n, dtype=bool)
    envelope = np.zeros(n)
    ramp = 0.02
    for start, end in _segments(duration, rng):
        inside = (t >= start) & (t < end)
        voiced |= inside
        envelope[inside] = np.minimum.reduce(
            [np.ones(inside.sum()), (t[inside] - start) / ramp, (end - t[inside]) / ramp]
        )
    f0_samples = np.where(voiced, contour, 0.0)
    speech = _formant_filter(_glottal_source(f0_samples, sample_rate) * envelope, sample_rate, voice.formants)
    peak = np.abs(speech).max()
    if peak > 0:
        speech = 0.5 * speech / peak
    audio = speech + 0.002 * rng.standard_normal(n)

    frame_t = np.arange(int(duration / FRAME_SECONDS) + 1) * FRAME_SECONDS
    frame_idx = np.minimum((frame_t * sample_rate).astype(int), n - 1)
    f0 = np.where(voiced[frame_idx], contour[frame_idx], 0.0)
    return SpeechClip(audio=audio.astype(np.float32), sample_rate=sample_rate, f0=f0)


def write_wav(path: str | Path, audio: np.ndarray, sample_rate: int, subtype: str = "PCM_16") -> Path:
    """Write mono or [N, C] audio to a wav file, creating parent folders; returns the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    sf.write(path, audio, sample_rate, subtype=subtype)
    return path


def make_dataset(
    folder: str | Path,
    n_clips: int = 4,
    duration: float = 3.0,
    sample_rate: int = 40000,
    speakers: int = 1,
    seed: int = 0,
) -> list[Path]:
    """A dataset folder of `n_clips` wav clips per speaker.

    With one speaker the clips lie directly in `folder`; with several, each speaker has a
    sub-folder `speaker<i>` (training takes speaker ids from sub-folders).
    """
    folder = Path(folder)
    paths = []
    for speaker in range(speakers):
        target = folder if speakers == 1 else folder / f"speaker{speaker}"
        for clip in range(n_clips):
            audio = synth_speech(duration, sample_rate, speaker=speaker % len(SPEAKERS), seed=seed + clip).audio
            paths.append(write_wav(target / f"clip{clip:02d}.wav", audio, sample_rate))
    return paths
