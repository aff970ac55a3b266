"""Training runs as child processes, with a stand-in trainer that starts its own grandchild."""

from __future__ import annotations

import json
import sys

import pytest

from rvc.errors import RVCError
from rvc.train import launcher
from rvc.train.layout import RunLayout
from rvc.train.options import TrainOptions
from rvc.train.progress import EpochRecord, TrainingProgress, write_progress
from tests.process_helpers import alive, wait_for

# Prints its argv, starts a grandchild that sleeps, records the grandchild pid next to the options file, sleeps.
STAND_IN = """
import pathlib, subprocess, sys, time
print("stand-in trainer", sys.argv[1:], flush=True)
child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
pathlib.Path(sys.argv[-1]).with_name("grandchild.pid").write_text(str(child.pid))
time.sleep(120)
"""


@pytest.fixture
def stand_in(monkeypatch):
    """Training starts the stand-in script instead of the real trainer."""
    monkeypatch.setattr(
        launcher, "training_command", lambda options_file: [sys.executable, "-c", STAND_IN, str(options_file)]
    )


def test_training_starts_is_refused_twice_and_stop_ends_the_whole_tree(stand_in):
    options = TrainOptions(name="voice", epochs=3, warmup_epochs=2, running_loss_window=7)
    job = launcher.start_training(options)
    layout = RunLayout.named("voice")
    try:
        assert job.name == "voice" and job.options_file == layout.root / "train_options.json"
        assert TrainOptions.load(job.options_file) == options
        record = json.loads((layout.root / "train.pid").read_text())
        assert record["pid"] == job.pid and record["log"] == str(layout.root / "train.log")
        assert launcher.is_training("voice")
        wait_for(lambda: (layout.root / "grandchild.pid").exists() and "stand-in" in launcher.tail_log("voice"))
        grandchild = int((layout.root / "grandchild.pid").read_text())
        assert alive(grandchild)
        assert launcher.tail_log("voice", 1) == f"stand-in trainer ['{job.options_file}']"
        with pytest.raises(RVCError, match="run 'voice' is already training; stop it first"):
            launcher.start_training(options)
    finally:
        assert launcher.stop_training("voice", grace=5.0)
    assert not alive(job.pid) and not alive(grandchild)
    assert not launcher.is_training("voice")
    assert not (layout.root / "train.pid").exists()
    assert launcher.stop_training("voice") is False
    assert job.process.wait(timeout=5) != 0


def test_log_is_appended_across_starts(stand_in):
    for _ in range(2):
        launcher.start_training(TrainOptions(name="voice"))
        wait_for(lambda: (RunLayout.named("voice").root / "grandchild.pid").exists())
        launcher.stop_training("voice", grace=5.0)
        (RunLayout.named("voice").root / "grandchild.pid").unlink()
    assert launcher.tail_log("voice", 100).count("stand-in trainer") == 2


def test_read_progress_of_a_run():
    layout = RunLayout.named("voice")
    assert launcher.read_progress("voice") is None
    progress = TrainingProgress(status="training", epoch=2, epochs=5, step=40, history=(EpochRecord(1, 20, {}),))
    write_progress(layout.progress, progress)
    assert launcher.read_progress("voice") == progress
    layout.progress.write_text("{half")
    assert launcher.read_progress("voice") is None


def test_training_command_runs_the_trainer_module(tmp_path):
    command = launcher.training_command(tmp_path / "train_options.json")
    assert command == [sys.executable, "-m", "rvc.train.trainer", "--options", str(tmp_path / "train_options.json")]


def test_tensorboard_is_one_child_per_run_with_its_url():
    from rvc.processes import read_job, stop_job

    root = RunLayout.named("voice").root
    url = launcher.start_tensorboard("voice")
    try:
        assert url.startswith(f"http://{launcher.TENSORBOARD_HOST}:") and url.endswith("/")
        assert (root / "eval").is_dir()
        job = read_job(root / "tensorboard.pid")
        assert job.info == {"url": url} and job.log_file == root / "tensorboard.log"
        assert launcher.start_tensorboard("voice") == url
    finally:
        assert stop_job(root / "tensorboard.pid", grace=5.0)
    assert not alive(job.pid)
