"""`edit-voice`, `f0`, `analyze` and `check-dataset` from the command line: output, files written, errors."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
import torch

from rvc.cli import main
from rvc.infer.pitch import read_f0_file
from rvc.testing.model_fixtures import save_random_voice
from rvc.testing.synthetic_speech import synth_speech, write_wav

PROJECT_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def built_voice(tmp_path_factory) -> Path:
    """A small random voice, built once for this module."""
    return save_random_voice(tmp_path_factory.mktemp("voices") / "alice.pth", 32000, vocoder_channels=32)


@pytest.fixture
def voice(built_voice, tmp_path) -> Path:
    """This test's own copy of the voice."""
    return Path(shutil.copy(built_voice, tmp_path / "alice.pth"))


@pytest.fixture
def tone(tmp_path) -> Path:
    """1 s of a 220 Hz sine at half scale, 16 kHz."""
    path = tmp_path / "tone.wav"
    sf.write(path, 0.5 * np.sin(2 * np.pi * 220 * np.arange(16000) / 16000), 16000, subtype="FLOAT")
    return path


def test_edit_voice_writes_a_new_file(voice, tmp_path, capsys):
    out = tmp_path / "bob.pth"
    code = main(["edit-voice", str(voice), "-o", str(out), "--name", "Bob", "--author", "Dana", "--description", "hi"])
    assert code == 0
    text = capsys.readouterr().out
    assert f"Wrote {out}" in text and "Bob" in text and "Dana" in text and "Description  hi" in text
    data = torch.load(out, map_location="cpu", weights_only=True)
    assert (data["model_name"], data["author"], data["info"]) == ("Bob", "Dana", "hi")
    assert torch.load(voice, map_location="cpu", weights_only=True)["model_name"] == "alice"


def test_edit_voice_refuses_to_rewrite_the_original_without_in_place(voice, capsys):
    assert main(["edit-voice", str(voice), "-o", str(voice), "--name", "Bob"]) == 1
    assert "is the voice being edited" in capsys.readouterr().err
    assert main(["edit-voice", str(voice), "--in-place", "--name", "Bob"]) == 0
    assert torch.load(voice, map_location="cpu", weights_only=True)["model_name"] == "Bob"


def test_f0_writes_a_curve_infer_reads(tone, tmp_path, capsys):
    out, plot = tmp_path / "curve.csv", tmp_path / "curve.png"
    assert main(["f0", str(tone), "-o", str(out), "--f0-method", "pm", "--plot", str(plot)]) == 0
    assert "101 frames" in capsys.readouterr().out
    times, hz = read_f0_file(out)
    assert len(times) == 101 and times[1] == pytest.approx(0.01)
    np.testing.assert_allclose(np.median(hz[hz > 0]), 220.0, rtol=0.005)
    assert plot.read_bytes().startswith(b"\x89PNG")


def test_f0_unknown_method_is_an_error(tone, tmp_path, capsys):
    assert main(["f0", str(tone), "-o", str(tmp_path / "c.csv"), "--f0-method", "nope"]) == 1
    assert "Unknown pitch method 'nope'" in capsys.readouterr().err
    assert not (tmp_path / "c.csv").exists()


def test_analyze_text_json_and_plots(tone, tmp_path, capsys):
    assert main(["analyze", str(tone), "--f0-method", "pm"]) == 0
    text = capsys.readouterr().out
    assert re.search(r"^Sample rate +16000 Hz$", text, re.MULTILINE)
    assert re.search(r"^Pitch \(pm\) +220-220 Hz", text, re.MULTILINE)
    assert main(["analyze", str(tone), "--json", "--f0-method", "pm", "--plots", str(tmp_path / "plots")]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["sample_rate"] == 16000 and data["duration_seconds"] == 1.0 and data["channels"] == 1
    assert data["peak_dbfs"] == pytest.approx(-6.0206, abs=1e-3)
    assert data["pitch_median_hz"] == pytest.approx(220.0, rel=0.01)
    assert all(Path(path).is_file() for path in data["plots"].values())


def test_analyze_missing_file_is_an_error(tmp_path, capsys):
    assert main(["analyze", str(tmp_path / "nope.wav")]) == 1
    assert "Audio file not found" in capsys.readouterr().err


def test_analyze_runs_as_a_module(tone):
    result = subprocess.run(
        [sys.executable, "-m", "rvc", "analyze", str(tone), "--json", "--f0-method", "pm"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["samples"] == 16000


def test_check_dataset_json_and_text(tmp_path, capsys):
    folder = tmp_path / "data"
    write_wav(folder / "good.wav", synth_speech(1.5, 40000, seed=1).audio, 40000)
    write_wav(folder / "silent.wav", np.zeros(40000, np.float32), 40000)
    histogram = tmp_path / "hist.png"
    assert main(["check-dataset", str(folder), "--json", "--f0-method", "pm", "--histogram", str(histogram)]) == 0
    data = json.loads(capsys.readouterr().out)
    silent = next(item for item in data["findings"] if item["kind"] == "silent")
    assert silent["files"] == ["silent.wav"] and silent["fix"]
    assert data["sample_rates"] == {"40000": 2}
    assert histogram.read_bytes().startswith(b"\x89PNG")
    assert main(["check-dataset", str(folder), "--f0-method", "pm"]) == 0
    assert "PROBLEM (silent)" in capsys.readouterr().out


def test_check_dataset_missing_folder_is_an_error(tmp_path, capsys):
    assert main(["check-dataset", str(tmp_path / "nope")]) == 1
    assert "Dataset folder not found" in capsys.readouterr().err
