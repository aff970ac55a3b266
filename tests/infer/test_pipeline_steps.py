"""The pipeline's array steps: quiet cuts, silence split, loudness envelope, pitch edits, F0 files, effects."""

from __future__ import annotations

import numpy as np
import pytest

from rvc.errors import RVCError
from rvc.infer import pitch
from rvc.infer.effects import apply_effects, parse_effect, shift_formants, validate_effects
from rvc.infer.options import ConversionOptions
from rvc.infer.pipeline import SEGMENT_CENTER, mix_envelope, nonsilent_spans, quiet_cuts


def test_short_audio_is_not_cut():
    assert quiet_cuts(np.ones(16000 * 41, np.float32)) == [0, 16000 * 41]


def test_long_audio_is_cut_at_the_quietest_frame_near_each_38_s():
    rng = np.random.default_rng(0)
    audio = rng.standard_normal(16000 * 100).astype(np.float32)
    audio[16000 * 40 : 16000 * 40 + 320] = 0.0
    cuts = quiet_cuts(audio)
    assert cuts[0] == 0 and cuts[-1] == len(audio) and len(cuts) == 4
    assert cuts[1] == 16000 * 40
    assert all(cut % 160 == 0 for cut in cuts[:-1])
    assert abs(cuts[2] - 2 * SEGMENT_CENTER) <= 6 * 16000


def test_nonsilent_spans_find_the_loud_stretches():
    audio = np.zeros(16000 * 4, np.float32)
    audio[16000 : 16000 * 2] = 0.5 * np.sin(np.arange(16000) * 0.1)
    spans = nonsilent_spans(audio)
    assert len(spans) == 1
    start, end = spans[0]
    assert 16000 - 4000 <= start <= 16000 and 32000 <= end <= 32000 + 4000
    assert nonsilent_spans(np.zeros(16000, np.float32)) == []


def test_envelope_mix_zero_imposes_the_input_loudness_one_keeps_the_output():
    source = np.concatenate([np.full(16000, 0.5), np.full(16000, 0.05)]).astype(np.float32)
    converted = np.full(64000, 0.2, np.float32)
    assert mix_envelope(source, converted, 32000, 1.0) is converted
    mixed = mix_envelope(source, converted, 32000, 0.0)
    assert mixed[8000] > 3 * mixed[-8000]


def test_transpose_and_autotune_leave_unvoiced_frames_at_zero():
    f0 = np.array([0.0, 220.0, 226.0, 0.0])
    np.testing.assert_allclose(pitch.transpose(f0, 12), [0, 440, 452, 0])
    tuned = pitch.autotune(f0, 1.0)
    np.testing.assert_allclose(tuned, [0, 220, 220, 0], atol=1e-9)
    half = pitch.autotune(f0, 0.5)
    assert half[2] == pytest.approx(223.0) and half[0] == 0


def test_proposed_key_moves_the_median_voiced_pitch_nearest_the_target_within_an_octave():
    f0 = np.array([0.0, 100.0, 110.0, 0.0, 120.0, 0.0, 0.0, 0.0])  # median of the voiced frames: 110 Hz
    assert pitch.proposed_key(f0, 155.0) == round(12 * np.log2(155 / 110)) == 6
    assert pitch.proposed_key(f0, 110.0) == 0 and pitch.proposed_key(f0, 0.0) == 0
    assert pitch.proposed_key(f0, 1200.0) == 12 and pitch.proposed_key(f0, 50.0) == -12  # 41 and -14, clamped
    assert pitch.proposed_key(np.zeros(5), 155.0) == 0


def test_median_filter_removes_a_one_frame_octave_jump():
    f0 = np.array([200.0, 200, 400, 200, 200])
    np.testing.assert_array_equal(pitch.median_filter(f0, 1), [200] * 5)
    np.testing.assert_array_equal(pitch.median_filter(f0, 0), f0)


def test_f0_file_override_places_values_by_time(tmp_path):
    path = tmp_path / "f0.csv"
    path.write_text("0.10,200\n0.20,400\n\n# unvoiced from here\n0.30,0\n", encoding="utf-8")
    times, values = pitch.read_f0_file(path)
    f0 = np.full(50, 100.0)
    out = pitch.apply_f0_file(f0, times, values, offset_frames=5)
    assert out[14] == 100 and out[15] == pytest.approx(200) and out[25] == pytest.approx(400)
    assert out[20] == pytest.approx(np.sqrt(200 * 400))
    assert out[35] == 0 and out[36] == 100


@pytest.mark.parametrize(
    ("text", "fragment"), [("0.1;x\n", "line 1"), ("", "no 'seconds,Hz'"), ("0.2,100\n0.1,100\n", "increase")]
)
def test_bad_f0_files_are_user_errors(tmp_path, text, fragment):
    path = tmp_path / "f0.txt"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(RVCError, match=fragment):
        pitch.read_f0_file(path)


def test_effects_are_parsed_validated_and_applied():
    assert parse_effect("reverb:room_size=0.8, wet_level=0.2") == ("reverb", {"room_size": 0.8, "wet_level": 0.2})
    assert parse_effect("pitch-shift") == ("pitch_shift", {})
    for bad in ("echo", "reverb:size=1", "gain:gain_db=99", "delay:mix"):
        with pytest.raises(RVCError):
            parse_effect(bad)
    with pytest.raises(RVCError):
        validate_effects({"gain": {"gain_db": True}})
    tone = (0.5 * np.sin(np.arange(8000) * 0.05)).astype(np.float32)
    quieter = apply_effects(tone, 16000, {"gain": {"gain_db": -6.0206}})
    np.testing.assert_allclose(quieter, tone / 2, atol=1e-4)
    wet = apply_effects(tone, 16000, {"reverb": {}, "compressor": {}})
    assert wet.shape == tone.shape and not np.allclose(wet, tone)


def test_formant_shift_keeps_length_and_changes_the_spectrum():
    from rvc.testing.synthetic_speech import synth_speech

    audio = synth_speech(1.0, 16000).audio
    assert shift_formants(audio, 1.0) is audio
    shifted = shift_formants(audio, 1.3)
    assert shifted.shape == audio.shape and np.isfinite(shifted).all()

    def centroid(x):
        spectrum = np.abs(np.fft.rfft(x))
        return (spectrum * np.arange(len(spectrum))).sum() / spectrum.sum()

    assert centroid(shifted) > centroid(audio)


def test_options_reject_out_of_range_values():
    assert ConversionOptions().protect == 0.5
    for bad in (
        {"protect": 0.6},
        {"index_rate": -0.1},
        {"filter_radius": 1.5},
        {"output_format": "aiff"},
        {"seed": -1},
        {"proposed_pitch_hz": 20},
        {"proposed_pitch_hz": 1300},
    ):
        with pytest.raises(RVCError):
            ConversionOptions(**bad)
