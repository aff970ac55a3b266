"""`python -m rvc info`: text and JSON reports of a saved voice; refusal of unsafe or broken files."""

from __future__ import annotations

import json
import pickle
import re
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from rvc.cli import main
from rvc.configs import load_config
from rvc.models import save_voice
from rvc.models.synthesizer_config import SynthesizerConfig

PROJECT_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def saved_voice(tmp_path) -> Path:
    """A small 48 kHz v2 MRF voice written by `save_voice`."""
    from rvc.models.synthesizer import Synthesizer

    config = SynthesizerConfig.from_json_config(load_config(48000, "v2")).replace(
        inter_channels=8,
        hidden_channels=8,
        filter_channels=16,
        upsample_initial_channel=64,
        spk_embed_dim=2,
        gin_channels=8,
    )
    torch.manual_seed(0)
    model = Synthesizer(**config.as_kwargs(), use_f0=True, vocoder="MRF HiFi-GAN")
    return save_voice(
        tmp_path / "dana.pth",
        model.state_dict(),
        config,
        epoch=40,
        step=1200,
        author="Dana",
        embedder_model="contentvec",
        dataset_length="00:12:34",
        creation_date="2025-03-04T05:06:07.123456",
    )


def test_json_report(saved_voice, capsys):
    assert main(["info", str(saved_voice), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    stored = torch.load(saved_voice, map_location="cpu", weights_only=True)
    weights = stored["weight"]
    assert report == {
        "file": str(saved_voice),
        "name": "dana",
        "sample_rate": 48000,
        "version": "v2",
        "vocoder": "MRF HiFi-GAN",
        "f0": True,
        "epochs": 40,
        "steps": 1200,
        "author": "Dana",
        "creation_date": "2025-03-04T05:06:07.123456",
        "embedder": "contentvec",
        "speakers": 2,
        "dataset_length": "00:12:34",
        "model_hash": stored["model_hash"],
        "parameters": sum(tensor.numel() for tensor in weights.values()),
        "size_bytes": saved_voice.stat().st_size,
        "notes": [],
    }


def test_text_report(saved_voice, capsys):
    assert main(["info", str(saved_voice)]) == 0
    lines = dict(re.split(r"\s{2,}", line, maxsplit=1) for line in capsys.readouterr().out.splitlines())
    assert lines["Sample rate"] == "48000 Hz"
    assert lines["Version"] == "v2 (768-d content features)"
    assert lines["Vocoder"] == "MRF HiFi-GAN"
    assert lines["Pitch (f0)"] == "yes"
    assert (lines["Epochs"], lines["Steps"], lines["Author"]) == ("40", "1200", "Dana")
    assert lines["Created"] == "2025-03-04 05:06:07"
    assert lines["Embedder"] == "contentvec"
    assert lines["Parameters"].endswith(" M)") and lines["Size"].endswith(f"({saved_voice.stat().st_size:,} bytes)")


def test_mainline_voice_shows_unknowns_and_notes(saved_voice, tmp_path, capsys):
    data = torch.load(saved_voice, map_location="cpu", weights_only=True)
    legacy = {"weight": data["weight"], "config": data["config"], "sr": "40k", "f0": 1, "info": "7epoch"}
    path = tmp_path / "old.pth"
    torch.save(legacy, path)
    assert main(["info", str(path), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert (report["epochs"], report["steps"], report["author"], report["name"]) == (7, None, None, "old")
    assert report["notes"] == ["file says sr '40k', its config says 48000"]
    assert main(["info", str(path)]) == 0
    text = capsys.readouterr().out
    assert "Steps           unknown" in text and "Note: file says sr '40k'" in text


def test_malicious_pickle_is_refused_and_never_runs(tmp_path):
    marker = tmp_path / "marker"
    path = tmp_path / "evil.pth"

    class Payload:
        def __reduce__(self):
            return (exec, (f"open({str(marker)!r}, 'w')",))

    path.write_bytes(pickle.dumps({"weight": Payload()}, protocol=2))
    result = subprocess.run(
        [sys.executable, "-m", "rvc", "info", str(path)], check=False, capture_output=True, text=True, cwd=PROJECT_ROOT
    )
    assert result.returncode == 1
    assert "may contain code and was NOT loaded" in result.stderr and "Traceback" not in result.stderr
    assert result.stdout == ""
    assert not marker.exists()


def test_checkpoint_and_missing_file(tmp_path, capsys):
    checkpoint = tmp_path / "G_10.pth"
    torch.save({"model": {"emb_g.weight": torch.zeros(1, 2)}, "iteration": 1}, checkpoint)
    assert main(["info", str(checkpoint)]) == 1
    assert "training checkpoint" in capsys.readouterr().err
    assert main(["info", str(tmp_path / "none.pth")]) == 1
    assert "does not exist" in capsys.readouterr().err
