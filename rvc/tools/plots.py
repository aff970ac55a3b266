"""Matplotlib figures of audio and pitch (object API with the Agg canvas: no pyplot state, safe in threads)."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from rvc.tools.pitch_curve import PitchCurve

WIDTH, HEIGHT, DPI = 10.0, 3.2, 100
MAX_WAVEFORM_POINTS = 2_000
"""Long files are drawn as per-column min/max envelopes so a plot never holds millions of points."""
SPECTROGRAM_WINDOW_SECONDS = 0.032
SPECTROGRAM_RANGE_DB = 90.0


def _figure(width: float = WIDTH, height: float = HEIGHT) -> tuple[Figure, object]:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width, height), dpi=DPI, layout="constrained")
    FigureCanvasAgg(figure)
    return figure, figure.add_subplot()


def save_figure(figure: Figure, path: str | os.PathLike[str]) -> Path:
    """Write `figure` as a PNG atomically; returns the path."""
    from rvc.atomic_files import atomic_path

    with atomic_path(path) as temp:
        figure.savefig(temp, format="png")
    return Path(path)


def figure_pixels(figure: Figure) -> np.ndarray:
    """`figure` drawn as `[H, W, 3]` uint8 RGB."""
    figure.canvas.draw()
    return np.asarray(figure.canvas.buffer_rgba())[..., :3].copy()


def curves_figure(
    curves: Mapping[str, tuple[Sequence[float], Sequence[float]]], title: str, width: float = 6.0
) -> Figure:
    """One line per `label: (steps, values)` over training steps, with a legend; empty axes when there are none."""
    figure, axes = _figure(width)
    for label, (steps, values) in curves.items():
        axes.plot(steps, values, marker="o", markersize=3, linewidth=1.5, label=label)
    axes.set(xlabel="Step", ylabel="Value")
    axes.set_title(title)
    axes.grid(alpha=0.3)
    if curves:
        axes.legend(loc="best", fontsize="small")
    else:
        axes.text(0.5, 0.5, "nothing to plot yet", ha="center", va="center", color="grey", transform=axes.transAxes)
    return figure


def waveform_figure(audio: np.ndarray, sample_rate: int) -> Figure:
    """Amplitude over time of `[N, C]` audio, one trace per channel."""
    figure, axes = _figure()
    audio = audio.reshape(len(audio), -1)
    step = max(1, -(-len(audio) // MAX_WAVEFORM_POINTS))
    usable = len(audio) // step * step
    times = np.arange(usable // step) * step / sample_rate
    for channel in range(audio.shape[1]):
        blocks = audio[:usable, channel].reshape(-1, step)
        axes.fill_between(times, blocks.min(axis=1), blocks.max(axis=1), linewidth=0.6, label=f"channel {channel + 1}")
    axes.set(xlabel="Time (s)", ylabel="Amplitude", ylim=(-1.05, 1.05), xlim=(0, max(len(audio) / sample_rate, 1e-3)))
    axes.set_title("Waveform")
    if audio.shape[1] > 1:
        axes.legend(loc="upper right")
    return figure


def spectrogram_figure(audio: np.ndarray, sample_rate: int) -> Figure:
    """Magnitude spectrogram of mono `[N]` in dB (relative to its loudest bin), 0..sample_rate/2 kHz."""
    from scipy.signal import stft

    figure, axes = _figure()
    window = max(16, round(SPECTROGRAM_WINDOW_SECONDS * sample_rate))
    frequencies, times, spectrum = stft(audio, fs=sample_rate, nperseg=min(window, max(len(audio), 16)))
    magnitude = np.abs(spectrum)
    decibels = 20 * np.log10(np.maximum(magnitude, 1e-10) / max(float(magnitude.max()), 1e-10))
    image = axes.pcolormesh(
        times, frequencies / 1000, decibels, vmin=-SPECTROGRAM_RANGE_DB, vmax=0, cmap="inferno", shading="auto"
    )
    figure.colorbar(image, ax=axes, label="dB")
    axes.set(xlabel="Time (s)", ylabel="Frequency (kHz)")
    axes.set_title("Spectrogram")
    return figure


def pitch_figure(curve: PitchCurve, title: str = "Pitch curve") -> Figure:
    """Hz over time of the voiced frames (gaps where unvoiced)."""
    figure, axes = _figure()
    hz = np.where(curve.hz > 0, curve.hz, np.nan)
    axes.plot(curve.times, hz, linewidth=1.2)
    axes.set(xlabel="Time (s)", ylabel="Pitch (Hz)", xlim=(0, max(float(curve.times[-1]), 1e-3)))
    axes.set_title(f"{title} ({curve.method})")
    axes.grid(alpha=0.3)
    return figure


def histogram_figure(edges: np.ndarray, counts: np.ndarray, title: str = "Pitch histogram") -> Figure:
    """Bars of `counts` [B] between `edges` [B + 1] Hz, on a log-frequency axis."""
    figure, axes = _figure()
    axes.bar(edges[:-1], counts, width=np.diff(edges), align="edge", edgecolor="white", linewidth=0.5)
    axes.set_xscale("log")
    axes.set(xlabel="Pitch (Hz)", ylabel="Voiced frames")
    axes.set_title(title)
    return figure
