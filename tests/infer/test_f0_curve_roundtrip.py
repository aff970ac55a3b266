"""A saved pitch curve used as the F0 file converts exactly like the pitch method that made it."""

from __future__ import annotations

import numpy as np

from rvc.audio import load_audio
from rvc.infer.conversion import load_models
from rvc.infer.options import make_options
from rvc.infer.pipeline import SAMPLE_RATE, convert_wav16k
from rvc.infer.pitch import read_f0_file
from rvc.tools.pitch_curve import PitchCurve, pitch_curve_of_file, write_f0_file


def test_converting_with_the_saved_curve_is_bit_identical(installed, tmp_path):
    method = "pm"
    options = make_options(f0_method=method, device="cpu", seed=0, embedder=str(installed["embedder"]))
    models = load_models(installed["voice"], options)
    wav16k, _ = load_audio(installed["speech"], SAMPLE_RATE)
    curve = pitch_curve_of_file(installed["speech"], method)
    saved = read_f0_file(write_f0_file(curve, tmp_path / "curve.csv"))

    with_method = convert_wav16k(wav16k, models, options)
    with_file = convert_wav16k(wav16k, models, options, saved)
    np.testing.assert_array_equal(with_file, with_method)

    octave_up = PitchCurve(curve.times, curve.hz * 2, method)
    changed = convert_wav16k(wav16k, models, options, read_f0_file(write_f0_file(octave_up, tmp_path / "up.csv")))
    assert np.abs(changed - with_method).max() > 1e-3
