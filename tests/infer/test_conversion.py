"""Full conversions on CPU with random-weight models: length, rate, formats, determinism, options, bad inputs."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from rvc.audio import load_audio
from rvc.errors import RVCError
from rvc.infer import convert
from rvc.infer.conversion import batch_output_names
from rvc.infer.pipeline import ConversionStopped
from rvc.testing.synthetic_speech import synth_speech, write_wav

FAST = {"f0_method": "pm", "device": "cpu", "seed": 0}


def read(path):
    audio, rate = sf.read(path, dtype="float32")
    return audio, rate


def test_wav_output_has_the_voice_rate_and_the_input_length(installed, tmp_path):
    result = convert(installed["speech"], tmp_path / "out.wav", installed["voice"], **FAST)
    audio, rate = read(result.path)
    assert rate == result.sample_rate == 32000
    assert len(audio) == round(1.5 * 16000) * 2
    assert np.isfinite(audio).all() and 0 < np.abs(audio).max() <= 1
    stages = {name: seconds for name, seconds in result.timings.items() if name != "total"}
    assert {"load", "decode", "pitch", "features", "synthesis", "write"} <= set(stages)
    assert all(seconds > 0 for seconds in stages.values())
    assert sum(stages.values()) <= result.timings["total"]  # stages are disjoint parts of the whole run


@pytest.mark.parametrize(
    ("name", "options", "rate"),
    [
        ("out.flac", {}, 32000),
        ("out.mp3", {}, 32000),
        ("out.m4a", {"output_sr": 40000}, 44100),
        ("out.ogg", {"output_sr": 48000}, 48000),
        ("out", {"output_format": "flac", "output_sr": 44100}, 44100),
    ],
)
def test_formats_and_output_rates(installed, tmp_path, name, options, rate):
    result = convert(installed["speech"], tmp_path / name, installed["voice"], **FAST, **options)
    assert result.path.suffix == "." + (options.get("output_format") or name.split(".")[-1])
    audio, stored_rate = load_audio(result.path)
    assert stored_rate == result.sample_rate == rate
    assert abs(len(audio) - 1.5 * rate) <= 0.01 * rate + 1152


def test_seed_makes_the_output_repeatable(installed, tmp_path):
    options = {**FAST, "index_path": str(installed["index"]), "embedder": str(installed["embedder"])}
    first, _ = read(convert(installed["speech"], tmp_path / "a.wav", installed["voice"], **options).path)
    again, _ = read(convert(installed["speech"], tmp_path / "b.wav", installed["voice"], **options).path)
    other, _ = read(convert(installed["speech"], tmp_path / "c.wav", installed["voice"], **{**options, "seed": 1}).path)
    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(first, other)


def test_index_rate_and_protect(installed, tmp_path):
    def run(name, **options):
        return read(convert(installed["speech"], tmp_path / name, installed["voice"], **FAST, **options).path)[0]

    plain = run("plain.wav")
    with_index = {"index_path": str(installed["index"]), "index_rate": 1.0}
    assert np.array_equal(run("rate0.wav", index_path=str(installed["index"]), index_rate=0.0), plain)
    indexed = run("indexed.wav", **with_index)
    protected = run("protected.wav", **with_index, protect=0.2)
    assert not np.array_equal(indexed, plain)
    assert not np.array_equal(protected, indexed)
    assert np.array_equal(run("protect_no_index.wav", protect=0.2), plain)


@pytest.mark.parametrize("method", ["rmvpe", "fcpe"])
def test_neural_pitch_methods(installed, tmp_path, method):
    result = convert(installed["speech"], tmp_path / "out.wav", installed["voice"], **{**FAST, "f0_method": method})
    assert len(read(result.path)[0]) == 48000


def test_stop_raises_and_writes_nothing(installed, tmp_path):
    with pytest.raises(ConversionStopped):
        convert(installed["speech"], tmp_path / "out.wav", installed["voice"], should_stop=lambda: True, **FAST)
    assert not (tmp_path / "out.wav").exists()


def one_line_error(call) -> str:
    with pytest.raises(RVCError) as caught:
        call()
    message = str(caught.value)
    assert "\n" not in message and len(message) < 400
    return message


def write_bytes(path, data: bytes):
    path.write_bytes(data)
    return path


BAD_FILES = {
    "empty": lambda d: write_bytes(d / "empty.wav", b""),
    "not_audio": lambda d: write_bytes(d / "notes.wav", b"these are not the samples you are looking for\n" * 20),
    "corrupt_header": lambda d: write_bytes(d / "corrupt.wav", b"RIFF\xff\xff\x00\x00WAVEfmt " + bytes(range(256)) * 4),
}

GOOD_ODD_FILES = {
    "silence": lambda d: write_wav(d / "silence.wav", np.zeros(16000, np.float32), 16000),
    "8k": lambda d: write_wav(d / "8k.wav", synth_speech(1.0, 8000).audio, 8000),
    "192k": lambda d: write_wav(d / "192k.wav", synth_speech(1.0, 192000).audio, 192000),
    "6_channels": lambda d: write_wav(d / "six.wav", np.tile(synth_speech(1.0, 16000).audio[:, None], (1, 6)), 16000),
    "nan_samples": lambda d: write_wav(
        d / "nan.wav", np.where(np.arange(16000) % 97 == 0, np.nan, synth_speech(1.0, 16000).audio), 16000, "FLOAT"
    ),
}


@pytest.mark.parametrize("kind", sorted(BAD_FILES))
def test_unreadable_inputs_are_one_line_errors(installed, tmp_path, kind):
    source = BAD_FILES[kind](tmp_path)
    message = one_line_error(lambda: convert(source, tmp_path / "out.wav", installed["voice"], **FAST))
    assert str(source) in message
    assert not (tmp_path / "out.wav").exists()


@pytest.mark.parametrize("kind", sorted(GOOD_ODD_FILES))
def test_odd_but_valid_inputs_give_valid_audio(installed, tmp_path, kind):
    source = GOOD_ODD_FILES[kind](tmp_path)
    result = convert(source, tmp_path / "out.wav", installed["voice"], **FAST)
    audio, rate = read(result.path)
    assert rate == 32000 and len(audio) == 32000 and np.isfinite(audio).all()


def test_one_sample_file_is_a_one_line_error(installed, tmp_path):
    source = write_wav(tmp_path / "one.wav", np.array([0.5], np.float32), 16000)
    message = one_line_error(lambda: convert(source, tmp_path / "out.wav", installed["voice"], **FAST))
    assert "too short" in message


def test_index_of_the_wrong_width_is_refused(installed, tmp_path):
    message = one_line_error(
        lambda: convert(
            installed["speech"], tmp_path / "out.wav", installed["voice"], **FAST, index_path=str(installed["index_v1"])
        )
    )
    assert "256-d" in message and "768-d" in message and "pick the index" in message


def test_missing_embedder_and_pitch_model_say_how_to_get_them(infer_models, tmp_path):
    speech, voice = infer_models["speech"], infer_models["voice"]
    message = one_line_error(lambda: convert(speech, tmp_path / "a.wav", voice, **FAST))
    assert "contentvec" in message and "python -m rvc download" in message
    options = {**FAST, "f0_method": "rmvpe", "embedder": str(infer_models["embedder"])}
    message = one_line_error(lambda: convert(speech, tmp_path / "b.wav", voice, **options))
    assert "rmvpe" in message.lower() and "download" in message


@pytest.mark.parametrize(
    ("options", "fragment"),
    [
        ({"protect": 0.9}, "protect"),
        ({"pitch": float("nan")}, "pitch"),
        ({"f0_method": "nope"}, "Unknown pitch method"),
        ({"output_sr": 12345}, "output rate"),
        ({"effects": {"flanger": {}}}, "Unknown effect"),
        ({"speaker_id": 500}, "Speaker ID 500"),
        ({"device": "cuda:7"}, "cuda"),
        ({"bogus": 1}, "Unknown conversion option"),
    ],
)
def test_bad_options_are_one_line_errors(installed, tmp_path, options, fragment):
    message = one_line_error(
        lambda: convert(installed["speech"], tmp_path / "o.wav", installed["voice"], **{**FAST, **options})
    )
    assert fragment in message


def test_missing_voice_and_input(installed, tmp_path):
    assert "Voice file not found" in one_line_error(
        lambda: convert(installed["speech"], tmp_path / "o.wav", tmp_path / "x.pth", **FAST)
    )
    assert "not found" in one_line_error(
        lambda: convert(tmp_path / "none.wav", tmp_path / "o.wav", installed["voice"], **FAST)
    )


def test_batch_of_a_file_says_it_wants_its_folder(tmp_path):
    from rvc.infer import convert_folder

    song = tmp_path / "song.wav"
    write_wav(song, np.zeros(1600, np.float32), 16000)
    with pytest.raises(RVCError, match="is a file, not a folder") as caught:
        convert_folder(song, tmp_path / "out", tmp_path / "voice.pth")
    assert "Single tab" in str(caught.value) and "not found" not in str(caught.value)


def test_voice_without_pitch_converts_and_ignores_pitch_options(installed, tmp_path):
    from rvc.testing.model_fixtures import save_random_voice

    voice = save_random_voice(tmp_path / "nof0.pth", 32000, use_f0=False, vocoder_channels=32)
    plain = convert(installed["speech"], tmp_path / "a.wav", voice, **FAST)
    shifted = convert(installed["speech"], tmp_path / "b.wav", voice, **{**FAST, "pitch": 7, "f0_method": "rmvpe"})
    assert "pitch" not in plain.timings
    np.testing.assert_array_equal(read(plain.path)[0], read(shifted.path)[0])


def test_batch_output_names_keep_the_extension_only_for_clashing_stems():
    inputs = [Path("take.wav"), Path("take.MP3"), Path("solo.flac")]
    assert batch_output_names(inputs, "flac") == ["take_wav.flac", "take_mp3.flac", "solo.flac"]
