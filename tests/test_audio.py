"""rvc.audio: format round-trips, downmix, resampling lengths, filters and the errors users see."""

from __future__ import annotations

import shutil

import numpy as np
import pytest
import soundfile as sf
from scipy.signal import butter, lfilter

from rvc import audio
from rvc.errors import RVCError
from rvc.testing.synthetic_speech import synth_speech, write_wav

needs_ffmpeg = pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="ffmpeg is not installed")


def _tone(seconds: float, sr: int, hz: float = 440.0) -> np.ndarray:
    return (0.5 * np.sin(2 * np.pi * hz * np.arange(round(seconds * sr)) / sr)).astype(np.float32)


@pytest.mark.parametrize(
    ("fmt", "pad", "tolerance"),
    [
        ("wav", 0, 1e-4),
        ("flac", 0, 1e-4),
        ("ogg", 0, 0.05),
        ("mp3", 2304, 0.05),
        pytest.param("m4a", 2048, 0.05, marks=needs_ffmpeg),
    ],
)
def test_round_trip_keeps_length_rate_and_signal(tmp_path, fmt, pad, tolerance):
    sr = 44100
    tone = _tone(0.5, sr)
    path = audio.save_audio(tmp_path / f"tone.{fmt}", tone, sr)
    loaded, loaded_sr = audio.load_audio(path)
    assert loaded_sr == sr and loaded.dtype == np.float32 and loaded.ndim == 1
    assert len(tone) <= len(loaded) <= len(tone) + pad
    if fmt in ("wav", "flac", "ogg"):
        np.testing.assert_allclose(loaded[: len(tone)], tone, atol=tolerance)
    else:
        # lossy codecs with encoder delay: compare level, not sample alignment
        assert abs(np.sqrt(np.mean(loaded**2)) - np.sqrt(np.mean(tone**2))) < tolerance
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"tone.{fmt}"]  # no temp file left


def test_save_float_subtype_keeps_values_above_full_scale(tmp_path):
    loud = np.array([0.0, 1.5, -2.0, 0.25], dtype=np.float32)
    audio.save_audio(tmp_path / "float.wav", loud, 16000, subtype="FLOAT")
    audio.save_audio(tmp_path / "pcm.wav", loud, 16000)
    assert sf.info(tmp_path / "float.wav").subtype == "FLOAT"
    np.testing.assert_array_equal(audio.load_audio(tmp_path / "float.wav")[0], loud)
    np.testing.assert_allclose(audio.load_audio(tmp_path / "pcm.wav")[0], [0.0, 1.0, -1.0, 0.25], atol=1e-4)


def test_save_refuses_unknown_format_and_mp3_rate(tmp_path):
    with pytest.raises(RVCError, match="unknown audio format 'xyz'"):
        audio.save_audio(tmp_path / "a.xyz", _tone(0.1, 16000), 16000)
    with pytest.raises(RVCError, match="MP3 cannot store 96000 Hz"):
        audio.save_audio(tmp_path / "a.mp3", _tone(0.1, 96000), 96000)
    assert list(tmp_path.iterdir()) == []


def test_six_channels_are_averaged(tmp_path):
    channels = np.stack([np.full(1000, 0.1 * (c + 1), dtype=np.float32) for c in range(6)], axis=1)
    path = write_wav(tmp_path / "surround.wav", channels, 48000, subtype="FLOAT")
    mono, _ = audio.load_audio(path)
    np.testing.assert_allclose(mono, np.full(1000, 0.35), atol=1e-6)
    kept, sr = audio.load_audio(path, mono=False)
    assert kept.shape == (1000, 6) and sr == 48000


@pytest.mark.parametrize("source_sr", [8000, 192000])
def test_extreme_rates_resample_to_16k_with_the_right_length(tmp_path, source_sr):
    clip = synth_speech(1.25, source_sr, seed=3)
    path = write_wav(tmp_path / f"in_{source_sr}.wav", clip.audio, source_sr)
    loaded, sr = audio.load_audio(path, 16000)
    assert sr == 16000
    assert loaded.shape == (20000,)
    reference = synth_speech(1.25, 16000, seed=3).audio
    assert abs(np.std(loaded) - np.std(reference)) < 0.1 * np.std(reference)


def test_resample_length_and_tone_frequency():
    tone = _tone(1.0, 44100, hz=1000.0)
    out = audio.resample(tone, 44100, 16000)
    assert out.shape == (16000,) and out.dtype == np.float32
    spectrum = np.abs(np.fft.rfft(out))
    assert np.argmax(spectrum) == 1000  # 1 Hz bins over one second
    stereo = audio.resample(np.stack([tone, tone], axis=1), 44100, 22050)
    assert stereo.shape == (22050, 2)


def test_one_sample_file_loads_or_says_it_is_too_short(tmp_path):
    one_8k = write_wav(tmp_path / "one_8k.wav", np.array([0.5], dtype=np.float32), 8000, subtype="FLOAT")
    loaded, sr = audio.load_audio(one_8k, 16000)
    assert sr == 16000 and loaded.shape == (2,)
    one_44k = write_wav(tmp_path / "one_44k.wav", np.array([0.5], dtype=np.float32), 44100, subtype="FLOAT")
    assert audio.load_audio(one_44k)[0].shape == (1,)
    with pytest.raises(RVCError, match=r"one_44k\.wav is too short \(1 samples at 44100 Hz\)"):
        audio.load_audio(one_44k, 16000)


def test_sporadic_nan_becomes_silence_and_all_nan_is_refused(tmp_path, caplog):
    samples = _tone(0.1, 16000)
    samples[[10, 500, 900]] = [np.nan, np.inf, -np.inf]
    path = write_wav(tmp_path / "nan.wav", samples, 16000, subtype="FLOAT")
    loaded, _ = audio.load_audio(path)
    assert np.isfinite(loaded).all()
    assert loaded[[10, 500, 900]].tolist() == [0.0, 0.0, 0.0]
    assert loaded[11] == samples[11]
    assert "replaced 3 NaN/infinite samples" in caplog.text
    all_nan = write_wav(tmp_path / "allnan.wav", np.full(100, np.nan, dtype=np.float32), 16000, subtype="FLOAT")
    with pytest.raises(RVCError, match=r"allnan\.wav holds only NaN"):
        audio.load_audio(all_nan)


def test_bad_files_raise_one_line_errors_naming_the_file(tmp_path):
    with pytest.raises(RVCError, match=r"not found: .*missing\.wav"):
        audio.load_audio(tmp_path / "missing.wav")
    with pytest.raises(RVCError, match="is a folder"):
        audio.load_audio(tmp_path)
    (tmp_path / "empty.wav").write_bytes(b"")
    with pytest.raises(RVCError, match=r"empty\.wav is empty \(0 bytes\)"):
        audio.load_audio(tmp_path / "empty.wav")
    no_frames = tmp_path / "no_frames.wav"
    sf.write(no_frames, np.zeros(0, dtype=np.float32), 16000)
    with pytest.raises(RVCError, match=r"no_frames\.wav contains no samples"):
        audio.load_audio(no_frames)
    text = tmp_path / "notes.wav"
    text.write_text("this is not audio\n" * 20)
    with pytest.raises(RVCError, match=r"Cannot read .*notes\.wav: not a valid audio file") as caught:
        audio.load_audio(text)
    assert "\n" not in str(caught.value)
    whole = write_wav(tmp_path / "whole.wav", _tone(0.2, 16000), 16000)
    truncated = tmp_path / "truncated.wav"
    truncated.write_bytes(whole.read_bytes()[:30])
    with pytest.raises(RVCError, match=r"truncated\.wav: not a valid audio file or a damaged one"):
        audio.load_audio(truncated)


def test_missing_ffmpeg_names_the_fix(tmp_path, monkeypatch):
    (tmp_path / "song.m4a").write_bytes(b"\x00\x00\x00\x20ftypM4A " + bytes(64))
    monkeypatch.setattr(audio.shutil, "which", lambda name: None)
    with pytest.raises(RVCError, match=r"song\.m4a.*needs ffmpeg, which was not found; install ffmpeg"):
        audio.load_audio(tmp_path / "song.m4a")
    with pytest.raises(RVCError, match="needs ffmpeg"):
        audio.save_audio(tmp_path / "out.m4a", _tone(0.1, 16000), 16000)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["song.m4a"]


def test_high_pass_matches_the_reference_filter_and_removes_low_hum():
    sr = 40000
    rng = np.random.default_rng(0)
    noise = rng.standard_normal(sr).astype(np.float32)
    b, a = butter(5, 48, btype="high", fs=sr)
    np.testing.assert_allclose(audio.high_pass(noise, sr), lfilter(b, a, noise), atol=1e-4)
    hum, voice = _tone(1.0, sr, hz=20.0), _tone(1.0, sr, hz=300.0)
    filtered = audio.high_pass(hum + voice, sr, zero_phase=True)
    assert filtered.dtype == np.float32
    np.testing.assert_allclose(filtered[sr // 4 : -sr // 4], voice[sr // 4 : -sr // 4], atol=0.03)


def test_peak_normalize_blend_and_silence():
    x = np.array([0.0, 0.2, -0.4], dtype=np.float32)
    np.testing.assert_allclose(audio.peak_normalize(x, 0.9), [0.0, 0.45, -0.9], atol=1e-6)
    blended = audio.peak_normalize(x, 0.9, mix=0.75)
    np.testing.assert_allclose(blended, x / 0.4 * 0.9 * 0.75 + 0.25 * x, atol=1e-6)
    silent = np.zeros(4, dtype=np.float32)
    assert audio.peak_normalize(silent) is silent


def test_limit_peak_scales_only_audio_above_the_ceiling():
    loud = np.array([0.0, 0.5, -2.0], dtype=np.float32)
    limited = audio.limit_peak(loud, 0.99)
    np.testing.assert_allclose(limited, [0.0, 0.2475, -0.99], atol=1e-6)
    assert limited.dtype == np.float32
    quiet = np.array([0.1, -0.5], dtype=np.float32)
    assert audio.limit_peak(quiet, 0.99) is quiet
    empty = np.zeros(0, dtype=np.float32)
    assert audio.limit_peak(empty, 0.99) is empty


def test_is_audio_file_by_extension():
    assert audio.is_audio_file("a/B.WAV") and audio.is_audio_file("x.m4a") and audio.is_audio_file("x.opus")
    assert not audio.is_audio_file("notes.txt") and not audio.is_audio_file("model.pth")
