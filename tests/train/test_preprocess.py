"""Preprocess: dataset discovery, chunking, the run folder it writes, failures, workers and re-runs."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
import soundfile as sf

from rvc import audio, paths
from rvc.cli import main
from rvc.errors import RVCError
from rvc.testing.synthetic_speech import make_dataset, synth_speech, write_wav
from rvc.train.layout import RunLayout
from rvc.train.preprocess import (
    PreprocessOptions,
    chunk_ranges,
    discover_dataset,
    format_duration,
    preprocess_dataset,
    speaker_ids,
)
from rvc.train.slicer import find_segments

SLICE_NAME = re.compile(r"^(\d+)_(\d+)_(\d+)\.wav$")


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    """Two speakers, two 4.5 s clips each, plus a text file posing as audio in speaker1's folder (read-only use)."""
    root = tmp_path_factory.mktemp("dataset")
    make_dataset(root, n_clips=2, duration=4.5, sample_rate=22050, speakers=2)
    (root / "speaker1" / "broken.wav").write_text("not audio at all\n")
    (root / "speaker1" / "notes.txt").write_text("ignored: not an audio extension\n")
    return root


def _slices(name: str, folder: str = "sliced_audios") -> dict[str, np.ndarray]:
    return {p.name: sf.read(p, dtype="float32")[0] for p in sorted((paths.run_dir(name) / folder).iterdir())}


@pytest.mark.parametrize("sample_rate", [40000, 44100])
def test_two_speaker_dataset_becomes_slices_at_both_rates(dataset, sample_rate):
    result = preprocess_dataset("voice", dataset, PreprocessOptions(sample_rate), workers=1)
    run = paths.run_dir("voice")
    assert result.run_dir == run and result.files == 4
    assert result.speakers == {"speaker0": 0, "speaker1": 1}
    assert [(p.name, "not a valid audio file" in reason) for p, reason in result.failures] == [("broken.wav", True)]
    # files are numbered in sorted order: speaker0/clip00, clip01, speaker1/broken, clip00, clip01
    speaker_of_file = {0: 0, 1: 0, 3: 1, 4: 1}
    names = sorted(p.name for p in (run / "sliced_audios").iterdir())
    assert names == sorted(p.name for p in (run / "sliced_audios_16k").iterdir())
    assert len(names) == result.slices >= 8
    for name in names:
        speaker, file_index, _ = map(int, SLICE_NAME.match(name).groups())
        assert speaker_of_file[file_index] == speaker
        info, info_16k = sf.info(run / "sliced_audios" / name), sf.info(run / "sliced_audios_16k" / name)
        assert (info.samplerate, info.channels, info.subtype) == (sample_rate, 1, "FLOAT")
        assert (info_16k.samplerate, info_16k.subtype) == (16000, "FLOAT")
        assert 0.1 * sample_rate <= info.frames <= 3.3 * sample_rate
        assert abs(info_16k.frames - info.frames * 16000 / sample_rate) <= 1
    model_info = json.loads((run / "model_info.json").read_text())
    assert model_info["total_seconds"] == pytest.approx(4 * 4.5, abs=1e-3) == result.seconds
    assert model_info["total_dataset_duration"] == "00:00:18"
    assert model_info["speakers"] == {"speaker0": 0, "speaker1": 1} and model_info["speakers_id"] == 2
    assert model_info["sample_rate"] == sample_rate
    assert not list(run.glob(".*"))


def test_chunks_are_the_sliced_audio_when_no_effects(tmp_path):
    clip = synth_speech(4.5, 40000, seed=5).audio
    silence = np.zeros(40000, dtype=np.float32)
    write_wav(tmp_path / "data" / "take.wav", np.concatenate([clip, silence, clip]), 40000, subtype="FLOAT")
    options = PreprocessOptions(40000, high_pass=False, normalize="none")
    preprocess_dataset("plain", tmp_path / "data", options, workers=1)
    loaded, _ = audio.load_audio(tmp_path / "data" / "take.wav")
    segments = find_segments(loaded, 40000)
    assert len(segments) == 2
    expected = []
    for begin, end in segments:
        expected += [loaded[begin + a : begin + b] for a, b in chunk_ranges(end - begin, 40000, options)]
    slices = _slices("plain")
    assert list(slices) == [f"0_0_{i}.wav" for i in range(len(expected))]
    for got, want in zip(slices.values(), expected):
        np.testing.assert_array_equal(got, want)


def test_two_workers_write_the_same_files_as_one(dataset):
    one = preprocess_dataset("one", dataset, PreprocessOptions(40000), workers=1)
    two = preprocess_dataset("two", dataset, PreprocessOptions(40000), workers=2)
    assert (one.files, one.slices, one.seconds) == (two.files, two.slices, two.seconds)
    assert [p for p, _ in one.failures] == [p for p, _ in two.failures]
    for folder in ("sliced_audios", "sliced_audios_16k"):
        first, second = _slices("one", folder), _slices("two", folder)
        assert list(first) == list(second)
        for name in first:
            np.testing.assert_array_equal(first[name], second[name])


def test_rerun_replaces_slices_and_keeps_other_model_info(dataset, tmp_path):
    preprocess_dataset("voice", dataset, PreprocessOptions(40000), workers=1)
    info_path = paths.run_dir("voice") / "model_info.json"
    info_path.write_text(json.dumps({**json.loads(info_path.read_text()), "embedder_model": "contentvec"}))
    layout = RunLayout.named("voice")
    for derived in (layout.f0_coarse, layout.f0_hz, layout.features, layout.mute):
        derived.mkdir()
        (derived / "0_0_0.wav.npy").write_bytes(b"stale")
    layout.filelist.write_text("stale")
    layout.config.write_text("{}")
    small = tmp_path / "small"
    write_wav(small / "only.flac", synth_speech(2.0, 48000, seed=9).audio, 48000)
    result = preprocess_dataset("voice", small, PreprocessOptions(40000), workers=1)
    assert sorted(_slices("voice")) == [f"0_0_{i}.wav" for i in range(result.slices)]
    info = json.loads(info_path.read_text())
    assert info["embedder_model"] == "contentvec"
    assert info["total_seconds"] == pytest.approx(2.0) and info["speakers"] == {".": 0}
    # features of the old slices are gone (extract would otherwise reuse them); mute items and config stay
    assert not layout.f0_coarse.exists() and not layout.f0_hz.exists() and not layout.features.exists()
    assert not layout.filelist.exists() and layout.config.exists() and (layout.mute / "0_0_0.wav.npy").exists()


def test_nothing_usable_raises_and_keeps_previous_slices(dataset, tmp_path):
    preprocess_dataset("voice", dataset, PreprocessOptions(40000), workers=1)
    before = sorted(_slices("voice"))
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "a.wav").write_bytes(b"RIFF\x00\x00")
    write_wav(bad / "b.wav", np.array([0.1, 0.2], dtype=np.float32), 40000)
    with pytest.raises(RVCError, match=r"No usable audio in .*bad: every file was skipped or silent\. First problem"):
        preprocess_dataset("voice", bad, PreprocessOptions(40000), workers=1)
    assert sorted(_slices("voice")) == before
    assert not list(paths.run_dir("voice").glob(".*"))


def test_too_loud_and_too_short_files_are_reported(tmp_path):
    data = tmp_path / "data"
    write_wav(data / "good.wav", synth_speech(2.0, 40000).audio, 40000)
    write_wav(data / "loud.wav", 3.0 * synth_speech(2.0, 40000).audio / 0.5, 40000, subtype="FLOAT")
    write_wav(data / "tiny.wav", np.full(100, 0.3, dtype=np.float32), 40000)
    result = preprocess_dataset("voice", data, PreprocessOptions(40000), workers=1)
    reasons = {p.name: reason for p, reason in result.failures}
    assert set(reasons) == {"loud.wav", "tiny.wav"} and result.files == 1
    assert re.search(r"loud\.wav: peak amplitude 3\.0\d is far above full scale", reasons["loud.wav"])
    assert "tiny.wav: no stretch of sound of at least 0.1 s" in reasons["tiny.wav"]
    assert result.seconds == pytest.approx(2.0)


@pytest.mark.parametrize("mode", ["pre", "post"])
def test_normalisation_brings_peaks_to_the_reference_level(tmp_path, mode):
    write_wav(tmp_path / "data" / "quiet.wav", 0.2 * synth_speech(5.0, 40000).audio, 40000, subtype="FLOAT")
    preprocess_dataset("voice", tmp_path / "data", PreprocessOptions(40000, normalize=mode), workers=1)
    peaks = [float(np.abs(x).max()) for x in _slices("voice").values()]
    # x * 0.9 * 0.75 / peak + 0.25 * x: the loudest sample lands at 0.675 + 0.25 * its old level (about 0.1)
    assert max(peaks) == pytest.approx(0.675 + 0.25 * 0.1, abs=0.02)
    if mode == "post":
        assert min(peaks) == pytest.approx(max(peaks), abs=0.02)


def test_noise_reduction_lowers_the_noise_floor(tmp_path):
    rng = np.random.default_rng(0)
    clip = synth_speech(2.0, 40000, seed=2).audio + 0.02 * rng.standard_normal(80000).astype(np.float32)
    write_wav(tmp_path / "data" / "noisy.wav", clip, 40000, subtype="FLOAT")
    common = {"cut_mode": "skip", "normalize": "none", "high_pass": False}
    preprocess_dataset("raw", tmp_path / "data", PreprocessOptions(40000, **common), workers=1)
    options = PreprocessOptions(40000, noise_reduction=True, noise_strength=1.0, **common)
    preprocess_dataset("clean", tmp_path / "data", options, workers=1)
    raw, clean = _slices("raw")["0_0_0.wav"], _slices("clean")["0_0_0.wav"]
    gap = slice(0, 3200)  # the first 80 ms hold no speech
    assert np.std(clean[gap]) < 0.5 * np.std(raw[gap])


def test_discover_dataset_numbers_speakers(tmp_path):
    root = tmp_path / "set"
    tone = np.full(10, 0.1, dtype=np.float32)
    for relative in ["top.wav", "10/a.wav", "2/deep/b.mp3", "alice/c.flac", ".hidden/d.wav"]:
        audio.save_audio(root / relative, tone, 16000)
    (root / "empty").mkdir()
    (root / "readme.md").write_text("no audio")
    files, speakers = discover_dataset(root)
    assert speakers == {".": 0, "2": 2, "10": 10, "alice": 1}  # numbered folders keep their number, as the fork's
    assert [(p.relative_to(root).as_posix(), s) for p, s in files] == [
        ("top.wav", 0),
        ("2/deep/b.mp3", 2),
        ("10/a.wav", 10),
        ("alice/c.flac", 1),
    ]
    assert speaker_ids([".", "0", "1", "01", "bob"]) == {".": 2, "0": 0, "1": 1, "01": 3, "bob": 4}
    with pytest.raises(RVCError, match="No audio files in"):
        discover_dataset(root / "empty")
    with pytest.raises(RVCError, match="Dataset folder not found"):
        discover_dataset(root / "nope")


def test_chunk_ranges_per_mode():
    automatic = PreprocessOptions(40000)
    assert chunk_ranges(10000, 1000, automatic) == [(0, 3000), (2700, 5700), (5400, 8400), (8100, 10000)]
    assert chunk_ranges(3300, 1000, automatic) == [(0, 3300)]
    assert chunk_ranges(3301, 1000, automatic) == [(0, 3000), (2700, 3301)]
    simple = PreprocessOptions(40000, cut_mode="simple")
    assert chunk_ranges(10000, 1000, simple) == [(0, 3000), (2700, 5700), (5400, 8400)]
    assert chunk_ranges(2000, 1000, simple) == []
    assert chunk_ranges(10000, 1000, PreprocessOptions(40000, cut_mode="skip")) == [(0, 10000)]


def test_options_and_names_are_validated(dataset):
    with pytest.raises(RVCError, match="Sample rate 22050 is not supported"):
        PreprocessOptions(22050)
    with pytest.raises(RVCError, match="Unknown cut mode"):
        PreprocessOptions(40000, cut_mode="smart")
    with pytest.raises(RVCError, match="Overlap"):
        PreprocessOptions(40000, chunk_seconds=1.0, overlap_seconds=0.6)
    with pytest.raises(RVCError, match="invalid run name"):
        preprocess_dataset("../escape", dataset, PreprocessOptions(40000))
    assert format_duration(3725.9) == "01:02:05"


def test_cli_preprocess(dataset, tmp_path, capsys):
    code = main(["preprocess", "--name", "cli", "--dataset", str(dataset), "--sample-rate", "32000", "--workers", "1"])
    out, err = capsys.readouterr()
    assert code == 0
    assert "preprocessed 5/5 files" in out and "from 4 files (00:00:18 of audio, 2 speakers)" in out
    assert "skipped: " in err and "broken.wav" in err
    assert sf.info(next((paths.run_dir("cli") / "sliced_audios").iterdir())).samplerate == 32000
    code = main(["preprocess", "--name", "cli", "--dataset", str(tmp_path / "missing"), "--sample-rate", "32000"])
    assert code == 1 and "error: Dataset folder not found" in capsys.readouterr().err
