"""Child-process jobs with a stand-in trainer that starts its own grandchild: start, check, stop the tree, files."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import psutil
import pytest

from rvc import jobs
from rvc.errors import RVCError
from rvc.train.layout import RunLayout
from rvc.train.options import TrainOptions

# Prints its argv, starts a grandchild that sleeps, records the grandchild pid next to the options file, sleeps.
STAND_IN = """
import pathlib, subprocess, sys, time
print("stand-in trainer", sys.argv[1:], flush=True)
child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
pathlib.Path(sys.argv[-1]).with_name("grandchild.pid").write_text(str(child.pid))
time.sleep(120)
"""

# Ignores SIGTERM, so only the escalation to SIGKILL can end it.
STUBBORN = """
import signal, time
signal.signal(signal.SIGTERM, signal.SIG_IGN)
print("ready", flush=True)
time.sleep(120)
"""


def _wait_for(condition, timeout=15.0):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def _alive(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


@pytest.fixture
def stand_in(monkeypatch):
    """Training starts the stand-in script instead of the real trainer."""
    monkeypatch.setattr(
        jobs, "training_command", lambda options_file: [sys.executable, "-c", STAND_IN, str(options_file)]
    )


def test_training_starts_is_refused_twice_and_stop_ends_the_whole_tree(stand_in):
    options = TrainOptions(name="voice", epochs=3, warmup_epochs=2, running_loss_window=7)
    job = jobs.start_training(options)
    layout = RunLayout.named("voice")
    try:
        assert job.name == "voice" and job.options_file == layout.root / "train_options.json"
        assert TrainOptions.load(job.options_file) == options
        record = json.loads((layout.root / "train.pid").read_text())
        assert record["pid"] == job.pid and record["log"] == str(layout.root / "train.log")
        assert jobs.is_training("voice")
        _wait_for(lambda: (layout.root / "grandchild.pid").exists() and "stand-in" in jobs.tail_log("voice"))
        grandchild = int((layout.root / "grandchild.pid").read_text())
        assert _alive(grandchild)
        assert jobs.tail_log("voice", 1) == f"stand-in trainer ['{job.options_file}']"
        with pytest.raises(RVCError, match="run 'voice' is already training; stop it first"):
            jobs.start_training(options)
    finally:
        assert jobs.stop_training("voice", grace=5.0)
    assert not _alive(job.pid) and not _alive(grandchild)
    assert not jobs.is_training("voice")
    assert not (layout.root / "train.pid").exists()
    assert jobs.stop_training("voice") is False
    assert job.process.wait(timeout=5) != 0


def test_log_is_appended_across_starts(stand_in):
    for _ in range(2):
        jobs.start_training(TrainOptions(name="voice"))
        _wait_for(lambda: (RunLayout.named("voice").root / "grandchild.pid").exists())
        jobs.stop_training("voice", grace=5.0)
        (RunLayout.named("voice").root / "grandchild.pid").unlink()
    assert jobs.tail_log("voice", 100).count("stand-in trainer") == 2


@pytest.mark.skipif(sys.platform == "win32", reason="SIGTERM escalation is POSIX")
def test_stop_kills_a_process_that_ignores_terminate(tmp_path):
    pid_file, log_file = tmp_path / "job.pid", tmp_path / "job.log"
    job = jobs.start_job([sys.executable, "-c", STUBBORN], pid_file, log_file)
    _wait_for(lambda: "ready" in jobs.tail_file(log_file))
    started = time.monotonic()
    assert jobs.stop_job(pid_file, grace=0.5)
    assert time.monotonic() - started >= 0.5
    assert job.process.wait(timeout=5) == -9
    assert not pid_file.exists()


def test_stale_pid_files_are_removed(tmp_path):
    pid_file = RunLayout.named("voice").root / "train.pid"
    pid_file.parent.mkdir(parents=True)
    finished = subprocess.Popen([sys.executable, "-c", "pass"])
    finished.wait()
    cases = [
        {"pid": finished.pid, "created": None, "log": "x", "info": {}},  # process gone
        {"pid": os.getpid(), "created": psutil.Process().create_time() - 100, "log": "x", "info": {}},  # pid reused
    ]
    for record in cases:
        pid_file.write_text(json.dumps(record))
        assert not jobs.is_training("voice")
        assert not pid_file.exists()
    pid_file.write_text("12 not json")
    assert jobs.read_job(pid_file) is None and not pid_file.exists()
    assert jobs.read_job(tmp_path / "never.pid") is None


def test_live_pid_file_is_read_back(tmp_path):
    record = {
        "pid": os.getpid(),
        "created": psutil.Process().create_time(),
        "log": str(tmp_path / "a.log"),
        "info": {"url": "u"},
    }
    (tmp_path / "a.pid").write_text(json.dumps(record))
    job = jobs.read_job(tmp_path / "a.pid")
    assert (job.pid, job.log_file, job.info) == (os.getpid(), tmp_path / "a.log", {"url": "u"})


def test_unstartable_command_is_a_readable_error(tmp_path):
    with pytest.raises(RVCError, match="cannot start .*missing-program: No such file or directory; run the installer"):
        jobs.start_job([str(tmp_path / "missing-program")], tmp_path / "x.pid", tmp_path / "x.log")
    assert not (tmp_path / "x.pid").exists()


def test_read_progress():
    root = RunLayout.named("voice").root
    assert jobs.read_progress("voice") is None
    root.mkdir(parents=True)
    progress = {"status": "training", "epoch": 2, "epochs": 5, "step": 40, "losses": {"loss/g/total": 31.5}}
    (root / "progress.json").write_text(json.dumps(progress))
    assert jobs.read_progress("voice") == progress
    (root / "progress.json").write_text("{half")
    assert jobs.read_progress("voice") is None
    (root / "progress.json").write_text("[1, 2]")
    assert jobs.read_progress("voice") is None


def test_tail_file(tmp_path):
    log = tmp_path / "train.log"
    assert jobs.tail_file(log) == ""
    log.write_text("".join(f"line {i} " + "x" * 300 + "\n" for i in range(100)))
    tail = jobs.tail_file(log, 3).splitlines()
    assert [line.split()[1] for line in tail] == ["97", "98", "99"]
    assert len(jobs.tail_file(log, 1000).splitlines()) == 100
    assert jobs.tail_file(log, 0) == ""


def test_training_command_runs_the_trainer_module(tmp_path):
    command = jobs.training_command(tmp_path / "train_options.json")
    assert command == [sys.executable, "-m", "rvc.train.trainer", "--options", str(tmp_path / "train_options.json")]


def test_tensorboard_is_one_child_per_run_with_its_url():
    root = RunLayout.named("voice").root
    url = jobs.start_tensorboard("voice")
    try:
        assert url.startswith(f"http://{jobs.TENSORBOARD_HOST}:") and url.endswith("/")
        assert (root / "eval").is_dir()
        job = jobs.read_job(root / "tensorboard.pid")
        assert job.info == {"url": url} and job.log_file == root / "tensorboard.log"
        assert jobs.start_tensorboard("voice") == url
    finally:
        assert jobs.stop_job(root / "tensorboard.pid", grace=5.0)
    assert not _alive(job.pid)
