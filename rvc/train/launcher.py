"""Training runs as child processes (on `rvc.processes`): start, check, stop, progress, log, TensorBoard.

The trainer runs as `python -m rvc.train.trainer --options logs/<run>/train_options.json` in its
own process group, so stopping it ends its DDP workers and data loaders too; it resumes from the
run's latest checkpoint by itself, so starting a stopped run again continues it.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

from rvc.errors import RVCError
from rvc.processes import (
    LOCALHOST,
    STOP_GRACE_SECONDS,
    Job,
    free_port,
    is_running,
    read_job,
    start_job,
    stop_job,
    tail_file,
)
from rvc.train import progress as progress_file
from rvc.train.checkpoint_files import resume_pair
from rvc.train.layout import RunLayout
from rvc.train.options import TrainOptions
from rvc.train.progress import TrainingProgress

TENSORBOARD_HOST = LOCALHOST


@dataclass(frozen=True, kw_only=True)
class TrainingJob(Job):
    """A training run's child process; `name` is the run, `options_file` what it was started with."""

    name: str
    options_file: Path


def training_command(options_file: Path) -> list[str]:
    """The command line of the training process for an options JSON."""
    return [sys.executable, "-m", "rvc.train.trainer", "--options", str(options_file)]


def check_can_train(options: TrainOptions) -> None:
    """Raise RVCError, before any process starts, when run `options.name` cannot train now: preprocess and extract
    have not made its config and filelist, or it has already trained all `options.epochs` epochs (the trainer
    would only log that and stop). A finished run whose checkpoints were deleted trains again from scratch."""
    layout = RunLayout.named(options.name)
    missing = [path.name for path in (layout.config, layout.filelist) if not path.is_file()]
    if missing:
        raise RVCError(
            f"run {options.name!r} is not ready to train: {' and '.join(missing)} "
            f"{'is' if len(missing) == 1 else 'are'} missing; preprocess and extract it first"
        )
    progress = read_progress(options.name)
    finished = progress is not None and progress.status == progress_file.FINISHED
    if finished and progress.epoch >= options.epochs and resume_pair(layout.root) is not None:
        raise RVCError(
            f"run {options.name!r} has already trained its {progress.epoch} epochs; raise the total epochs "
            "(Total epochs, or --epochs) to train on from its last checkpoint"
        )


def start_training(options: TrainOptions) -> TrainingJob:
    """Write the run's `train_options.json` and start the trainer on it (it resumes from the latest checkpoint)."""
    layout = RunLayout.named(options.name)
    if is_training(options.name):
        raise RVCError(
            f"run {options.name!r} is already training; stop it first (Stop button or "
            f"`python -m rvc train --name {options.name} --stop`)"
        )
    options_file = layout.train_options
    options.save(options_file)
    job = start_job(training_command(options_file), layout.train_pid, layout.train_log)
    return TrainingJob(
        pid=job.pid, pid_file=job.pid_file, log_file=job.log_file, process=job.process,
        name=options.name, options_file=options_file,
    )  # fmt: skip


def is_training(name: str) -> bool:
    """True while a training process of run `name` is alive."""
    return is_running(RunLayout.named(name).train_pid)


def stop_training(name: str, grace: float = STOP_GRACE_SECONDS) -> bool:
    """Stop run `name`'s training tree; the run stays resumable (checkpoints are written atomically)."""
    return stop_job(RunLayout.named(name).train_pid, grace)


def read_progress(name: str) -> TrainingProgress | None:
    """What the trainer last reported for run `name`, or None before it wrote anything readable."""
    return progress_file.read_progress(RunLayout.named(name).progress)


def tail_log(name: str, lines: int = 40) -> str:
    """The last `lines` lines of run `name`'s `train.log`."""
    return tail_file(RunLayout.named(name).train_log, lines)


def start_tensorboard(name: str) -> str:
    """Serve run `name`'s TensorBoard logs from a child process (one per run); return its URL."""
    layout = RunLayout.named(name)
    pid_file = layout.root / "tensorboard.pid"
    running = read_job(pid_file)
    if running is not None and running.info.get("url"):
        return running.info["url"]
    layout.eval_dir.mkdir(parents=True, exist_ok=True)
    port = free_port()
    url = f"http://{TENSORBOARD_HOST}:{port}/"
    command = [
        sys.executable, "-m", "tensorboard.main",
        "--logdir", str(layout.eval_dir), "--host", TENSORBOARD_HOST, "--port", str(port),
    ]  # fmt: skip
    start_job(command, pid_file, layout.root / "tensorboard.log", info={"url": url})
    return url
