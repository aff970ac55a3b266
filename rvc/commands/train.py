"""`python -m rvc train`: start (and follow), or stop, the training process of a run.

Every training option has a flag; `--preset FILE` loads a JSON preset first and flags given
explicitly override it. The trainer resumes from the run's latest checkpoint by itself, so
running the same command again after a stop continues the run.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import time
from pathlib import Path

from rvc.errors import RVCError
from rvc.train.layout import RunLayout
from rvc.train.options import (
    HEAD_STARTS,
    MEL_LOSSES,
    OPTIMIZERS,
    PRECISIONS,
    SAMPLE_RATES,
    VOCODERS,
    WARMUP_SHAPES,
    TrainOptions,
    parse_gpus,
)

_DEFAULTS = {
    f.name: f.default_factory() if f.default_factory is not dataclasses.MISSING else f.default
    for f in dataclasses.fields(TrainOptions)
}
_FOLLOW_POLL_SECONDS = 0.5


def _vocoder(text: str) -> str:
    from rvc.prerequisites import normalize_vocoder

    try:
        return normalize_vocoder(text)
    except RVCError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _grad_clip(text: str) -> float | None:
    if text.strip().lower() == "off":
        return None
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number or 'off'") from None


def _gpus(text: str) -> list[int]:
    try:
        return parse_gpus(text)
    except RVCError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _option(parser: argparse._ActionsContainer, flag: str, dest: str, help_text: str, **kwargs) -> None:
    """A training-option flag: absent from the namespace unless given, so a preset's value survives."""
    default = _DEFAULTS[dest]
    if default is None or default == []:
        shown = "off" if dest == "grad_clip" else "none"
    else:
        shown = " ".join(map(str, default)) if isinstance(default, tuple) else default
    parser.add_argument(flag, dest=dest, default=argparse.SUPPRESS, help=f"{help_text} (default: {shown})", **kwargs)


def _switch(parser: argparse._ActionsContainer, flag: str, dest: str, help_text: str) -> None:
    _option(parser, flag, dest, help_text, action=argparse.BooleanOptionalAction)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Run name, every TrainOptions field, presets, and start/follow/detach/stop."""
    parser.add_argument("--name", required=True, help="training run name (the folder preprocess and extract filled)")
    control = parser.add_argument_group("running")
    control.add_argument("--preset", type=Path, help="load options from a JSON preset; flags given here override it")
    control.add_argument(
        "--save-preset", type=Path, metavar="FILE", help="write the resulting options to FILE as a preset and exit"
    )
    control.add_argument("--detach", action="store_true", help="start the training process and return at once")
    control.add_argument("--stop", action="store_true", help="stop the run's training process tree (resumable)")

    model = parser.add_argument_group("model")
    _option(model, "--sample-rate", "sample_rate", "training sample rate", type=int, choices=SAMPLE_RATES)
    _option(
        model, "--vocoder", "vocoder", f"vocoder: {', '.join(VOCODERS)} (or hifi-gan, mrf-hifi-gan, refinegan)",
        type=_vocoder,
    )  # fmt: skip
    _option(model, "--version", "version", "voice version (v2: 768-d features, v1: 256-d)", choices=("v1", "v2"))
    _switch(model, "--f0", "use_f0", "pitch guidance (--no-f0: HiFi-GAN only)")
    _switch(model, "--pretrained", "pretrained", "start from the pretrained G/D for the rate and vocoder")
    _option(model, "--pretrained-g", "pretrained_g", "custom pretrained generator .pth", metavar="PATH")
    _option(model, "--pretrained-d", "pretrained_d", "custom pretrained discriminator .pth", metavar="PATH")
    _option(model, "--author", "author", "author name stored in the exported voice")

    schedule = parser.add_argument_group("schedule")
    _option(schedule, "--epochs", "epochs", "total epochs N >= 1", type=int, metavar="N")
    _option(schedule, "--batch-size", "batch_size", "batch size per process N >= 1", type=int, metavar="N")
    _option(schedule, "--save-every", "save_every", "save a checkpoint every N epochs", type=int, metavar="N")
    _switch(schedule, "--keep-latest-only", "keep_latest_only", "keep only the latest G_/D_ checkpoint")
    _switch(schedule, "--export-every-save", "export_every_save", "export a voice <name>_<E>e_<S>s.pth at each save")
    _option(schedule, "--seed", "seed", "random seed", type=int)
    _option(schedule, "--holdout", "holdout", "held-out slices scored each epoch (0 = none)", type=int, metavar="N")

    optimizer = parser.add_argument_group("optimizer")
    _option(optimizer, "--optimizer", "optimizer", "Ranger2020 = RAdam + LookAhead (k=6, a=0.5)", choices=OPTIMIZERS)
    _option(optimizer, "--lr-g", "lr_g", "initial learning rate of the generator", type=float, metavar="LR")
    _option(optimizer, "--lr-d", "lr_d", "initial learning rate of the discriminator", type=float, metavar="LR")
    _option(optimizer, "--betas", "betas", "Adam betas B1 B2", type=float, nargs=2, metavar=("B1", "B2"))
    _option(optimizer, "--eps", "eps", "optimizer epsilon", type=float)
    _option(optimizer, "--weight-decay", "weight_decay", "decoupled weight decay >= 0", type=float)
    _switch(
        optimizer, "--gradient-centralization", "gradient_centralization",
        "Ranger2020 gradient centralization (not on biases or weight-norm magnitudes)",
    )  # fmt: skip
    _option(optimizer, "--warmup-epochs", "warmup_epochs", "LR warmup length N epochs: 0 = off", type=int, metavar="N")
    _option(optimizer, "--warmup-shape", "warmup_shape", "warmup curve", choices=WARMUP_SHAPES)
    _option(optimizer, "--lr-decay", "lr_decay", "exponential LR decay per epoch after warmup (gamma)", type=float)
    _option(
        optimizer, "--grad-clip", "grad_clip", "gradient-norm limit X > 0, or 'off'", type=_grad_clip, metavar="X|off"
    )
    _option(
        optimizer, "--head-start", "head_start", "train only G or only D for the first --head-start-steps steps",
        choices=HEAD_STARTS,
    )  # fmt: skip
    _option(
        optimizer, "--head-start-steps", "head_start_steps", "length of the head start N steps", type=int, metavar="N"
    )

    logging = parser.add_argument_group("losses and logging")
    _option(
        logging, "--running-loss-window", "running_loss_window",
        "average running loss over N steps (>= 1), logged to TensorBoard and printed", type=int, metavar="N",
    )  # fmt: skip
    _option(logging, "--mel-loss", "mel_loss", "mel reconstruction loss", choices=MEL_LOSSES)

    devices = parser.add_argument_group("devices")
    _option(devices, "--precision", "precision", "fp16/bf16 fall back to fp32 where unsupported", choices=PRECISIONS)
    _switch(devices, "--cache-in-memory", "cache_in_memory", "keep the whole dataset in (GPU) memory")
    _option(devices, "--device", "device", "cpu or cuda (--gpus implies cuda)", choices=("cpu", "cuda"))
    _option(
        devices, "--gpus", "gpus", "CUDA GPU ids like 0 or 0-1: one DDP process per GPU (NCCL; gloo on Windows)",
        type=_gpus, metavar="IDS",
    )  # fmt: skip
    _option(
        devices, "--cpu-processes", "cpu_processes", "DDP processes on the CPU with gloo (1 = no DDP)",
        type=int, metavar="N",
    )  # fmt: skip


def options_from_args(args: argparse.Namespace) -> TrainOptions:
    """The TrainOptions the arguments describe: the preset (if any), then the flags given, then the defaults."""
    given = {f.name: getattr(args, f.name) for f in dataclasses.fields(TrainOptions) if hasattr(args, f.name)}
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
