"""Resume matrix (issue 10): keep-latest on -> off -> on across three short runs continues the step count, the LR
schedule and the running-loss window exactly; the third run also switches optimizer, with a one-line notice.

One 3 s slice at 32 kHz, batch 1: one training step per epoch, of a tiny synthesizer and discriminator.
"""

from __future__ import annotations

import json
import re

import pytest

from rvc import paths
from rvc.models.checkpoints import read_checkpoint
from rvc.testing.model_fixtures import save_tiny_embedder
from rvc.testing.synthetic_speech import synth_speech, write_wav
from rvc.testing.tiny_training import shrink_config, use_tiny_discriminator
from rvc.train.checkpoint_files import LATEST_TAG
from rvc.train.extract import ExtractOptions, extract_run
from rvc.train.layout import RunLayout
from rvc.train.options import TrainOptions
from rvc.train.preprocess import PreprocessOptions, preprocess_dataset
from rvc.train.progress import read_progress
from rvc.train.schedulers import LRSchedule

SR = 32000
SCHEDULE = {"lr_g": 1e-4, "lr_decay": 0.5, "warmup_epochs": 2, "warmup_shape": "linear"}


@pytest.fixture
def run(tmp_path, monkeypatch) -> RunLayout:
    """A preprocessed and extracted run with one slice (tiny embedder, tiny synthesizer and discriminator)."""
    monkeypatch.setenv("RVC_WEIGHTS_DIR", str(tmp_path / "weights"))
    use_tiny_discriminator(monkeypatch)
    save_tiny_embedder(paths.embedder_dir("contentvec"))
    write_wav(tmp_path / "data" / "clip.wav", synth_speech(3.2, 44100, seed=3).audio, 44100)
    preprocess_dataset("matrix", tmp_path / "data", PreprocessOptions(sample_rate=SR), workers=1)
    result = extract_run("matrix", ExtractOptions(sample_rate=SR, f0_method="pm", mute_files=0, device="cpu"))
    assert result.filelist_items == 1
    layout = RunLayout.named("matrix")
    layout.config.write_text(
        json.dumps(shrink_config(json.loads(layout.config.read_text(encoding="utf-8")), frames=10))
    )
    return layout


def _train(capsys, **options) -> str:
    from rvc.train.trainer import train

    train(
        TrainOptions(
            name="matrix", sample_rate=SR, batch_size=1, save_every=1, pretrained=False, holdout=0,
            export_every_save=False, running_loss_window=3, **SCHEDULE, **options,
        )
    )  # fmt: skip
    return capsys.readouterr().out


def _pairs(layout: RunLayout) -> list[str]:
    return sorted(p.name for p in layout.root.glob("[GD]_*.pth"))


def _lr_lines(log: str) -> list[float]:
    return [float(value) for value in re.findall(r"\| lr_g=([0-9.e-]+)", log)]


def test_keep_latest_on_off_on_continues_steps_schedule_window_and_switches_optimizer(run, capsys):
    schedule = LRSchedule(SCHEDULE["lr_g"], SCHEDULE["lr_decay"], SCHEDULE["warmup_epochs"])

    first = _train(capsys, epochs=2, keep_latest_only=True)
    assert "device: cpu" in first
    assert _pairs(run) == [f"D_{LATEST_TAG}.pth", f"G_{LATEST_TAG}.pth"]
    assert read_checkpoint(run.root / f"G_{LATEST_TAG}.pth")["step"] == 2

    second = _train(capsys, epochs=4, keep_latest_only=False)
    assert "resuming matrix after epoch 2 (step 2)" in second
    assert _pairs(run) == ["D_3.pth", "D_4.pth", "G_3.pth", "G_4.pth"]  # the stale latest-tag pair is gone
    assert read_checkpoint(run.root / "G_4.pth")["learning_rate"] == pytest.approx(schedule.lr(4), rel=1e-12)
    assert re.findall(r"^step (\d+): average of last 3 steps", second, flags=re.MULTILINE) == ["3"]

    third = _train(capsys, epochs=6, keep_latest_only=True, optimizer="AdamW")
    assert "resuming matrix after epoch 4 (step 4)" in third
    notices = re.findall(r"^notice: .*$", third, flags=re.MULTILINE)
    assert notices == ["notice: optimizer changed from Ranger2020 to AdamW; starting fresh optimizer state"]
    assert re.findall(r"^step (\d+): average of last 3 steps", third, flags=re.MULTILINE) == ["6"]
    assert _pairs(run) == [f"D_{LATEST_TAG}.pth", f"G_{LATEST_TAG}.pth"]

    final = read_checkpoint(run.root / f"G_{LATEST_TAG}.pth")
    assert (final["iteration"], final["step"]) == (6, 6)
    assert final["learning_rate"] == pytest.approx(schedule.lr(6), rel=1e-12)
    assert final["optimizer_settings"]["name"] == "AdamW"
    progress = read_progress(run.progress)
    assert progress.status == "finished" and progress.step == 6
    assert [record.epoch for record in progress.history] == [1, 2, 3, 4, 5, 6]
    printed = _lr_lines(first) + _lr_lines(second) + _lr_lines(third)
    assert printed == pytest.approx([schedule.lr(epoch) for epoch in range(1, 7)], rel=1e-2)
