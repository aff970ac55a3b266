"""Pitch curves: framing, values on a known tone, and the F0-file text that inference reads back exactly."""

from __future__ import annotations

import numpy as np
import pytest

from rvc.errors import RVCError
from rvc.infer.pitch import read_f0_file
from rvc.tools.pitch_curve import PitchCurve, pitch_curve, write_f0_file


def tone(hz: float, seconds: float, rate: int = 16000) -> np.ndarray:
    return (0.5 * np.sin(2 * np.pi * hz * np.arange(round(seconds * rate)) / rate)).astype(np.float32)


def test_curve_of_a_tone_has_one_frame_per_hop_at_its_pitch():
    curve = pitch_curve(tone(220.0, 1.0), "pm")
    assert len(curve.hz) == 16000 // 160 + 1
    np.testing.assert_allclose(curve.times[:3], [0.0, 0.01, 0.02])
    assert curve.method == "pm"
    assert np.all(curve.hz[5:-5] > 0)
    np.testing.assert_allclose(np.median(curve.voiced), 220.0, rtol=0.005)


def test_hop_sets_the_frame_rate():
    curve = pitch_curve(tone(300.0, 1.0), "pm", hop=320)
    assert len(curve.hz) == 16000 // 320 + 1
    assert curve.times[1] == pytest.approx(0.02)
    np.testing.assert_allclose(np.median(curve.voiced), 300.0, rtol=0.005)


def test_silence_is_unvoiced():
    assert not np.any(pitch_curve(np.zeros(8000, np.float32), "pm").hz)


def test_f0_file_reads_back_exactly(tmp_path):
    rng = np.random.default_rng(0)
    hz = np.where(rng.random(50) < 0.3, 0.0, rng.uniform(80, 800, 50))
    curve = PitchCurve(np.arange(50) * 0.01, hz, "pm")
    path = write_f0_file(curve, tmp_path / "curve.csv", source="in.wav")
    assert path.read_text().startswith("# pitch curve of in.wav by pm")
    times, values = read_f0_file(path)
    np.testing.assert_array_equal(values, hz)
    np.testing.assert_allclose(times, curve.times, rtol=0, atol=1e-12)


def test_bad_inputs_are_refused(tmp_path):
    with pytest.raises(RVCError, match="hop"):
        pitch_curve(tone(220.0, 0.2), "pm", hop=0)
    with pytest.raises(RVCError, match="Unknown pitch method"):
        pitch_curve(tone(220.0, 0.2), "nope")
    with pytest.raises(RVCError, match="empty"):
        write_f0_file(PitchCurve(np.zeros(0), np.zeros(0), "pm"), tmp_path / "x.csv")
