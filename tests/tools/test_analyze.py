"""Audio analysis on synthetic signals whose properties are known exactly."""

from __future__ import annotations

import re

import numpy as np
import pytest
import soundfile as sf

from rvc.errors import RVCError
from rvc.tools.analyze import analyze_audio, format_report, write_plots
from rvc.tools.levels import clipped_share


def write(path, audio, rate):
    sf.write(path, audio, rate, subtype="FLOAT")
    return path


def sine(hz, seconds, rate, amplitude):
    return amplitude * np.sin(2 * np.pi * hz * np.arange(round(seconds * rate)) / rate)


def test_sine_at_known_level_length_and_pitch(tmp_path):
    path = write(tmp_path / "tone.wav", sine(220.0, 1.5, 22050, 0.5), 22050)
    report = analyze_audio(path, "pm")
    assert report.duration_seconds == 1.5 and report.samples == 33075
    assert report.sample_rate == 22050 and report.channels == 1
    assert report.peak_dbfs == pytest.approx(20 * np.log10(0.5), abs=1e-4)
    assert report.clipped_share == 0.0
    assert report.pitch_low_hz == pytest.approx(220.0, rel=0.01)
    assert report.pitch_high_hz == pytest.approx(220.0, rel=0.01)
    assert report.voiced_share > 0.9
    assert re.search(r"^Peak +-6.02 dBFS$", format_report(report), re.MULTILINE)


def test_loudness_of_a_full_scale_1khz_sine_is_minus_3_lufs(tmp_path):
    report = analyze_audio(write(tmp_path / "full.wav", sine(1000.0, 3.0, 48000, 1.0), 48000), "pm")
    assert report.loudness_lufs == pytest.approx(-3.01, abs=0.1)
    assert report.peak_dbfs == pytest.approx(0.0, abs=1e-4)
    assert report.clipped_share == 0.0


def test_hard_clipped_sine_reports_its_clipped_share(tmp_path):
    clipped = np.clip(sine(440.0, 1.0, 16000, 2.0), -1.0, 1.0)
    report = analyze_audio(write(tmp_path / "clip.wav", clipped, 16000), "pm")
    assert report.clipped_share == pytest.approx(2 / 3, abs=0.01)


def test_clipping_needs_a_flat_run():
    touching = np.array([0.0, 1.0, 0.5, -1.0, 0.0, 1.0, 1.0, 0.0])
    assert clipped_share(touching) == 0.0
    flat = np.array([0.0, 1.0, 1.0, 1.0, 0.0, -1.0, -1.0, -1.0, -1.0, 0.0])
    assert clipped_share(flat) == pytest.approx(7 / 10)


def test_stereo_short_and_silent_files(tmp_path):
    stereo = np.stack([sine(200.0, 0.3, 16000, 0.25), np.zeros(4800)], axis=1)
    report = analyze_audio(write(tmp_path / "stereo.wav", stereo, 16000), "pm")
    assert report.channels == 2 and report.duration_seconds == pytest.approx(0.3)
    assert report.loudness_lufs is None
    silent = analyze_audio(write(tmp_path / "silent.wav", np.zeros(16000), 16000), "pm")
    assert silent.peak_dbfs is None and silent.loudness_lufs is None and silent.pitch_median_hz is None
    assert "silent" in format_report(silent) and "no voiced frames" in format_report(silent)


def test_unreadable_file_is_a_user_error(tmp_path):
    bad = tmp_path / "bad.wav"
    bad.write_bytes(b"not audio at all")
    with pytest.raises(RVCError, match="Cannot read"):
        analyze_audio(bad, "pm")


def test_plots_are_png_files(tmp_path):
    path = write(tmp_path / "tone.wav", sine(220.0, 1.0, 16000, 0.5), 16000)
    written = write_plots(path, tmp_path / "plots")
    assert sorted(written) == ["spectrogram", "waveform"]
    for png in written.values():
        assert png.read_bytes().startswith(b"\x89PNG") and png.stat().st_size > 5000
