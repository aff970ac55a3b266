"""What a recording is: length, rate, channels, peak, loudness, clipping and pitch range, plus its plots."""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from rvc.tools import levels

DEFAULT_PITCH_METHOD = "swift"
"""SwiftF0: accurate and shipped inside its wheel, so analysis needs no download."""
PITCH_RANGE_PERCENTILES = (5, 95)
"""The pitch range is read between these percentiles of the voiced frames, so a stray octave error is ignored."""


@dataclass(frozen=True)
class AudioReport:
    """The measurements of one audio file (levels over all channels, pitch on the 16 kHz mono mix)."""

    file: str
    duration_seconds: float
    sample_rate: int
    channels: int
    samples: int
    peak_dbfs: float | None
    loudness_lufs: float | None
    clipped_share: float
    pitch_method: str
    voiced_share: float
    pitch_low_hz: float | None
    pitch_median_hz: float | None
    pitch_high_hz: float | None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready values."""
        return asdict(self)


def pitch_range(voiced_hz: np.ndarray) -> tuple[float | None, float | None, float | None]:
    """(low, median, high) Hz of voiced frames [V]; Nones when nothing is voiced."""
    if len(voiced_hz) == 0:
        return None, None, None
    low, high = np.percentile(voiced_hz, PITCH_RANGE_PERCENTILES)
    return float(low), float(np.median(voiced_hz)), float(high)


def load_channels(path: str | os.PathLike[str]) -> tuple[np.ndarray, int]:
    """The file at its own rate as float32 `[N, C]` (mono files too) and that rate."""
    from rvc.audio import load_audio

    audio, rate = load_audio(path, mono=False)
    return audio.reshape(len(audio), -1), rate


def analyze_audio(
    path: str | os.PathLike[str], f0_method: str = DEFAULT_PITCH_METHOD, device: str = "cpu"
) -> AudioReport:
    """Measure an audio file; raises RVCError when it cannot be read or the pitch method is unknown."""
    from rvc.audio import resample, to_mono
    from rvc.tools.pitch_curve import pitch_curve

    audio, rate = load_channels(path)
    curve = pitch_curve(resample(to_mono(audio), rate, 16000), f0_method, device=device)
    low, median, high = pitch_range(curve.voiced)
    return AudioReport(
        file=str(path),
        duration_seconds=len(audio) / rate,
        sample_rate=rate,
        channels=audio.shape[1],
        samples=len(audio),
        peak_dbfs=levels.peak_dbfs(audio),
        loudness_lufs=levels.integrated_loudness(audio, rate),
        clipped_share=levels.clipped_share(audio),
        pitch_method=f0_method,
        voiced_share=float(np.mean(curve.hz > 0)) if len(curve.hz) else 0.0,
        pitch_low_hz=low,
        pitch_median_hz=median,
        pitch_high_hz=high,
    )


def _number(value: float | None, unit: str, digits: int = 1, none: str = "n/a") -> str:
    return none if value is None else f"{value:.{digits}f} {unit}"


def format_report(report: AudioReport) -> str:
    """The report as aligned `label  value` lines."""
    pitch = (
        "no voiced frames"
        if report.pitch_median_hz is None
        else f"{report.pitch_low_hz:.0f}-{report.pitch_high_hz:.0f} Hz (median {report.pitch_median_hz:.0f} Hz, "
        f"{report.voiced_share:.0%} of frames voiced)"
    )
    rows = [
        ("File", report.file),
        ("Duration", f"{report.duration_seconds:.3f} s ({report.samples:,} samples)"),
        ("Sample rate", f"{report.sample_rate} Hz"),
        ("Channels", "mono" if report.channels == 1 else f"{report.channels}"),
        ("Peak", _number(report.peak_dbfs, "dBFS", 2, "silent")),
        ("Loudness", _number(report.loudness_lufs, "LUFS", 1, "n/a (silent or shorter than 0.4 s)")),
        ("Clipped", f"{report.clipped_share:.3%} of samples"),
        (f"Pitch ({report.pitch_method})", pitch),
    ]
    width = max(len(label) for label, _ in rows)
    return "\n".join(f"{label:<{width}}  {value}" for label, value in rows)


def write_plots(path: str | os.PathLike[str], folder: str | os.PathLike[str]) -> dict[str, Path]:
    """Waveform and spectrogram PNGs of an audio file in `folder`, named after it; returns {kind: path}."""
    from rvc.audio import to_mono
    from rvc.tools import plots

    audio, rate = load_channels(path)
    stem = Path(path).stem
    folder = Path(folder)
    return {
        "waveform": plots.save_figure(plots.waveform_figure(audio, rate), folder / f"{stem}_waveform.png"),
        "spectrogram": plots.save_figure(
            plots.spectrogram_figure(to_mono(audio), rate), folder / f"{stem}_spectrogram.png"
        ),
    }
