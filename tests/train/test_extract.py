"""The extract step on a preprocessed synthetic run, with a tiny embedder and a real pitch method."""

import json

import numpy as np
import pytest

from rvc import paths
from rvc.errors import RVCError
from rvc.testing.model_fixtures import save_tiny_embedder
from rvc.testing.synthetic_speech import synth_speech, write_wav
from rvc.train.extract import ExtractOptions, extract_run, pitch_track
from rvc.train.layout import RunLayout

SR = 40000


@pytest.fixture
def run(tmp_path):
    save_tiny_embedder(paths.embedder_dir("contentvec"))
    layout = RunLayout.named("voice")
    for i, name in enumerate(["0_0_0", "0_0_1", "1_0_0"]):
        clip = synth_speech(1.5, 16000, speaker=int(name[0]), seed=i)
        write_wav(layout.sliced_audios_16k / f"{name}.wav", clip.audio, 16000, subtype="FLOAT")
        write_wav(layout.sliced_audios / f"{name}.wav", synth_speech(1.5, SR, int(name[0]), i).audio, SR, "FLOAT")
    return layout


def test_extract_writes_pitch_features_mutes_config_and_filelist(run):
    result = extract_run("voice", ExtractOptions(sample_rate=SR, f0_method="pm", mute_files=2))
    assert (result.pitch_done, result.features_done, result.failures) == (3, 3, [])
    features = np.load(run.features / "0_0_0.npy")
    assert features.shape == (74, 768) and features.dtype == np.float32
    coarse, hz = np.load(run.f0_coarse / "0_0_0.wav.npy"), np.load(run.f0_hz / "0_0_0.wav.npy")
    assert coarse.shape == hz.shape == (151,)
    assert coarse.min() >= 1 and coarse.max() <= 255 and (coarse[hz == 0] == 1).all()
    truth = synth_speech(1.5, 16000, speaker=0, seed=0).f0
    both = (truth > 0) & (hz > 0)
    assert np.median(np.abs(1200 * np.log2(hz[both] / truth[both]))) < 25
    assert np.load(run.mute / "extracted" / "mute.npy").shape == (149, 768)
    assert json.loads(run.config.read_text())["data"]["sample_rate"] == SR
    info = json.loads(run.model_info.read_text())
    assert info["embedder_model"] == "contentvec" and info["f0_method"] == "pm"
    assert result.filelist_items == 3 + 2 * 2
    assert len(run.filelist.read_text().splitlines()) == 7


def test_extract_resumes_and_skips_what_exists(run):
    extract_run("voice", ExtractOptions(sample_rate=SR, f0_method="pm"))
    (run.features / "0_0_1.npy").unlink()
    stamp = (run.features / "0_0_0.npy").stat().st_mtime_ns
    result = extract_run("voice", ExtractOptions(sample_rate=SR, f0_method="pm"))
    assert (result.skipped, result.features_done, result.pitch_done) == (2, 1, 0)
    assert (run.features / "0_0_0.npy").stat().st_mtime_ns == stamp


def test_v1_features_and_a_changed_rate_is_refused(run):
    extract_run("voice", ExtractOptions(sample_rate=SR, f0_method="pm", version="v2"))
    with pytest.raises(RVCError, match="was set up for 40000 Hz / 768-d features; use a new run name"):
        extract_run("voice", ExtractOptions(sample_rate=48000, f0_method="pm"))


def test_missing_slices_and_unknown_method_are_clear_errors(tmp_path, run):
    with pytest.raises(RVCError, match="no 16 kHz slices.*run preprocess"):
        extract_run("other", ExtractOptions(sample_rate=SR))
    with pytest.raises(RVCError, match="Unknown pitch method 'nope'"):
        extract_run("voice", ExtractOptions(sample_rate=SR, f0_method="nope"))


def test_pitch_track_with_another_hop_is_stored_per_10_ms():
    clip = synth_speech(1.0, 16000, speaker=1, seed=2)
    track = pitch_track(clip.audio, "pm", hop=80)
    assert track.shape == (101,)
    both = (clip.f0 > 0) & (track > 0)
    assert np.median(np.abs(1200 * np.log2(track[both] / clip.f0[both]))) < 25


def test_cli_extract_then_index(run, capsys):
    from rvc.cli import main
    from rvc.train.run_info import update_model_info

    update_model_info(run.model_info, sample_rate=SR)
    assert main(["extract", "--name", "voice", "--f0-method", "pm", "--mute-files", "1"]) == 0
    assert "filelist: 5 items" in capsys.readouterr().out
    assert main(["index", "--name", "voice"]) == 0
    assert (run.root / "voice.index").is_file()
    assert main(["extract", "--name", "nothing"]) == 1
    assert "no recorded sample rate" in capsys.readouterr().err
