"""`python -m rvc train`: start (and follow), or stop, the training process of a run.

Every training option has a flag; `--preset FILE` loads a JSON preset first and flags given
explicitly override it. The trainer resumes from the run's latest checkpoint by itself, so
running the same command again after a stop continues the run. Under `torchrun` (RANK, WORLD_SIZE,
MASTER_ADDR, MASTER_PORT set) it trains in this process as one rank of that group instead of starting a child.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from rvc.option_spec import add_option_arguments, values_from_args
from rvc.train.distributed import process_group_env
from rvc.train.layout import RunLayout
from rvc.train.options import TrainOptions

_FOLLOW_POLL_SECONDS = 0.5


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Run name, presets, start/follow/detach/stop, and a flag for every TrainOptions option (from its metadata)."""
    parser.add_argument("--name", required=True, help="training run name (the folder preprocess and extract filled)")
    control = parser.add_argument_group("running")
    control.add_argument("--preset", type=Path, help="load options from a JSON preset; flags given here override it")
    control.add_argument(
        "--save-preset", type=Path, metavar="FILE", help="write the resulting options to FILE as a preset and exit"
    )
    control.add_argument("--detach", action="store_true", help="start the training process and return at once")
    control.add_argument("--stop", action="store_true", help="stop the run's training process tree (resumable)")
    add_option_arguments(parser, TrainOptions, keep_defaults=False, groups=True)


def options_from_args(args: argparse.Namespace) -> TrainOptions:
    """The TrainOptions the arguments describe: the preset (if any), then the flags given, then the defaults."""
    given = values_from_args(args, TrainOptions)
    given["name"] = args.name
    if given.get("gpus") and "device" not in given:
        given["device"] = "cuda"
    for key in ("pretrained_g", "pretrained_d"):
        if given.get(key):
            given[key] = str(Path(given[key]).expanduser().resolve())
    if args.preset is not None:
        return TrainOptions.load(args.preset, **given)
    return TrainOptions(**given)


def run(args: argparse.Namespace) -> int:
    """Stop, write a preset, or start the training and follow its log until it exits (or return with --detach)."""
    from rvc.train import launcher

    if args.stop:
        if launcher.stop_training(args.name):
            print(f"training of run {args.name!r} stopped; run `python -m rvc train --name {args.name}` to resume")
            return 0
        print(f"no training of run {args.name!r} is running", file=sys.stderr)
        return 1
    options = options_from_args(args)
    if args.save_preset is not None:
        print(f"preset written: {options.save(args.save_preset)}")
        return 0
    notice = options.pretrained_notice()
    if notice:
        print(f"warning: {notice}", file=sys.stderr)
    if process_group_env() is not None:
        return _train_in_group(options)
    launcher.check_can_train(options)
    log_start = _size(RunLayout.named(options.name).train_log)
    job = launcher.start_training(options)
    print(f"training {options.name!r} started (pid {job.pid}); log: {job.log_file}", flush=True)
    if args.detach:
        print(f"stop it with `python -m rvc train --name {options.name} --stop`")
        return 0
    try:
        code = _follow(job, log_start)
    except KeyboardInterrupt:
        launcher.stop_training(options.name)
        print(
            f"\ntraining stopped; run the same command again to resume from the last checkpoint of {options.name!r}",
            file=sys.stderr,
        )
        return 130
    if code != 0:
        print(f"training process exited with code {code}; the log above says why", file=sys.stderr)
        return 1
    return 0


def _train_in_group(options: TrainOptions) -> int:
    """Under torchrun: train in this process as one rank of the group the environment describes."""
    from rvc.train.trainer import train

    train(options)
    return 0


def _follow(job, offset: int) -> int:
    """Print what the job appends to its log until its process exits; return its exit code."""
    with open(job.log_file, "rb") as log:
        log.seek(offset)
        while True:
            code = job.process.poll()
            chunk = log.read()
            if chunk:
                sys.stdout.write(chunk.decode("utf-8", errors="replace"))
                sys.stdout.flush()
            if code is not None and not chunk:
                return code
            if not chunk:
                time.sleep(_FOLLOW_POLL_SECONDS)


def _size(path: Path) -> int:
    return path.stat().st_size if path.is_file() else 0
