"""Every training option in one validated record, saved and loaded as JSON (presets, the child process).

Imports nothing heavy, so the UI and the CLI can build and check options before training starts.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from pathlib import Path

from rvc.atomic_files import write_text_atomic
from rvc.configs import PRECISIONS, SAMPLE_RATES, VERSIONS
from rvc.errors import RVCError
from rvc.models.vocoders import VOCODER_NAMES
from rvc.option_spec import option
from rvc.paths import check_run_name
from rvc.train.heldout import SCORES

OPTIMIZERS = ("Ranger2020", "AdamW", "RAdam", "AdamW-bf16", "Prodigy", "DiffGrad", "Ranger21")
"""The names `rvc.train.optimizers` builds (kept here so the options import no torch)."""
WARMUP_SHAPES = ("linear", "cosine")
LR_SCHEDULES = ("exponential", "cosine", "constant")
HEAD_STARTS = ("none", "generator", "discriminator")
MEL_LOSSES = ("multi-scale", "single-scale", "multi-resolution-stft")
MAX_D_STEPS = 3
_OPTIMIZER_DEFAULT = "the optimizer's default"
DEVICES = ("auto", "cpu", "cuda")
"""Training devices; `auto` is CUDA when present, else the CPU; `--gpus` picks the CUDA devices."""

_MODEL, _SCHEDULE, _OPTIMIZER, _LOSSES, _DEVICES = "model", "schedule", "optimizer", "losses and logging", "devices"


DEFAULT_GRAD_CLIP = 1000.0
"""The Codename fork's generator and discriminator gradient-norm limit (training.md §10.3). Ranger2020 and RAdam
take their first five steps as plain momentum steps (lr x mean gradient, no second-moment normalisation): from
scratch the KL term's gradients reach norms of 1e4-1e6 and, unclipped, those steps diverge to NaN
(bench/from_scratch.py). The fork clipped at this value in every run, pretrained or not."""


def parse_gpus(text: str) -> list[int]:
    """GPU ids from "0", "0-1", "0,2" or "0 2" ("-" separates ids, as in Applio)."""
    parts = text.replace(",", "-").replace(" ", "-").split("-")
    try:
        return [int(part) for part in parts if part.strip()]
    except ValueError:
        raise RVCError(f"GPU list {text.strip()!r} is not like 0 or 0-1; separate GPU ids with '-'") from None


def parse_grad_clip(text: str) -> float | None:
    """A gradient-norm limit from "250" or "off" (None)."""
    if text.strip().lower() == "off":
        return None
    try:
        return float(text)
    except ValueError:
        raise ValueError(f"{text!r} is not a number or 'off'") from None


def parse_optional_float(text: str) -> float | None:
    """A number, or None from "default" (the optimizer's own value)."""
    if text.strip().lower() in ("", "default", _OPTIMIZER_DEFAULT):
        return None
    try:
        return float(text)
    except ValueError:
        raise ValueError(f"{text!r} is not a number or 'default'") from None


def _vocoder(text: str) -> str:
    """A vocoder's display name from any spelling of it (hifi-gan, mrf-hifi-gan, refinegan, any case)."""
    from rvc.prerequisites import normalize_vocoder

    return normalize_vocoder(text)


@dataclass
class TrainOptions:
    """What a user chooses for one training run; `name` is the run, every other field an option.

    Each option's help, range, choices and flag live in its metadata (`rvc.option_spec`): the flags
    of `python -m rvc train` and the Train tab's controls are generated from them.
    """

    name: str
    sample_rate: int = option(40000, help="training sample rate", group=_MODEL, choices=SAMPLE_RATES)
    vocoder: str = option(
        "HiFi-GAN", help="vocoder (any case; also hifi-gan, mrf-hifi-gan, refinegan)", group=_MODEL,
        choices=VOCODER_NAMES, parse=_vocoder,
    )  # fmt: skip
    version: str = option("v2", help="voice version (v2: 768-d features, v1: 256-d)", group=_MODEL, choices=VERSIONS)
    use_f0: bool = option(
        True, help="pitch guidance (--no-f0: HiFi-GAN only)", label="Pitch guidance", flag="--f0", group=_MODEL
    )
    epochs: int = option(200, help="total epochs N >= 1", label="Total epochs", group=_SCHEDULE, metavar="N",
                         low=1, ui_high=10000, step=1)  # fmt: skip
    batch_size: int = option(
        8, help="batch size per process N >= 1", label="Batch size (per process)", group=_SCHEDULE, metavar="N",
        low=1, ui_high=64, step=1,
    )  # fmt: skip
    save_every: int = option(
        10, help="save a checkpoint every N epochs", label="Save every N epochs", group=_SCHEDULE, metavar="N",
        low=1, ui_high=500, step=1,
    )  # fmt: skip
    keep_latest_only: bool = option(
        True, help="keep only the latest G_/D_ checkpoint", label="Keep only the latest checkpoint", group=_SCHEDULE
    )
    export_every_save: bool = option(
        True, help="export a voice <name>_<E>e_<S>s.pth at each save", label="Export a voice at each save",
        group=_SCHEDULE,
    )  # fmt: skip
    pretrained: bool = option(
        True, help="start from the pretrained G/D for the rate and vocoder", label="Start from pretrained G/D",
        group=_MODEL,
    )  # fmt: skip
    pretrained_g: str | None = option(
        None, help="custom pretrained generator .pth", label="Custom pretrained G (.pth)", group=_MODEL,
        metavar="PATH", none_text="the public one",
    )  # fmt: skip
    pretrained_d: str | None = option(
        None, help="custom pretrained discriminator .pth", label="Custom pretrained D (.pth)", group=_MODEL,
        metavar="PATH", none_text="the public one",
    )  # fmt: skip
    optimizer: str = option(
        "Ranger2020", help="Ranger2020 = RAdam + LookAhead (k=6, a=0.5); AdamW-bf16 keeps its moments in bf16; "
        "Prodigy learns its step size (LR 1.0 scales it); DiffGrad, Ranger21 from pytorch-optimizer",
        group=_OPTIMIZER, choices=OPTIMIZERS,
    )  # fmt: skip
    lr_g: float | None = option(
        None, help="initial learning rate of the generator, or 'default'", label="Initial LR of the generator",
        group=_OPTIMIZER, metavar="LR|default", none_text=f"{_OPTIMIZER_DEFAULT} (1e-4; Prodigy 1.0)",
        parse=parse_optional_float,
    )  # fmt: skip
    lr_d: float | None = option(
        None, help="initial learning rate of the discriminator, or 'default'", label="Initial LR of the discriminator",
        group=_OPTIMIZER, metavar="LR|default", none_text=f"{_OPTIMIZER_DEFAULT} (1e-4; Prodigy 1.0)",
        parse=parse_optional_float,
    )  # fmt: skip
    betas: tuple[float, float] = option(
        (0.8, 0.99), help="Adam betas B1 B2, each in [0, 1)", label="Adam betas (β1 β2)", group=_OPTIMIZER,
        metavar=("B1", "B2"),
    )  # fmt: skip
    eps: float | None = option(
        None, help="optimizer epsilon > 0, or 'default'", label="ε", group=_OPTIMIZER, metavar="EPS|default",
        none_text=f"{_OPTIMIZER_DEFAULT} (AdamW 1e-9, others 1e-8)", parse=parse_optional_float,
    )  # fmt: skip
    weight_decay: float | None = option(
        None, help="decoupled weight decay >= 0, or 'default'", group=_OPTIMIZER, low=0, metavar="WD|default",
        none_text=f"{_OPTIMIZER_DEFAULT} (AdamW 0.01, others 0)", parse=parse_optional_float,
    )  # fmt: skip
    gradient_centralization: bool = option(
        True, help="Ranger2020/Ranger21 gradient centralization (Ranger2020: not on biases or weight-norm magnitudes)",
        label="Gradient centralization (Ranger2020, Ranger21)", group=_OPTIMIZER,
    )  # fmt: skip
    warmup_epochs: int = option(
        0, help="LR warmup length N epochs: 0 = off", label="Warmup epochs (0 = off)", group=_OPTIMIZER,
        metavar="N", low=0, ui_high=100, step=1,
    )  # fmt: skip
    warmup_shape: str = option("linear", help="warmup curve", group=_OPTIMIZER, choices=WARMUP_SHAPES)
    lr_schedule: str = option(
        "exponential", help="LR after the warmup: exponential decay by γ per epoch, cosine annealing to η_min "
        "at the last epoch, or constant", label="LR schedule after warmup", group=_OPTIMIZER, choices=LR_SCHEDULES,
    )  # fmt: skip
    lr_decay: float = option(
        0.999875, help="exponential LR decay per epoch after warmup (gamma)", label="LR decay per epoch (γ)",
        group=_OPTIMIZER, high=1,
    )  # fmt: skip
    lr_min: float = option(
        3e-5, help="cosine annealing: the LR it anneals to (η_min >= 0, below the initial LR)",
        label="Cosine annealing floor (η_min)", group=_OPTIMIZER, metavar="LR", low=0,
    )  # fmt: skip
    grad_clip: float | None = option(
        DEFAULT_GRAD_CLIP, help=f"gradient-norm limit X > 0, or 'off' (default {DEFAULT_GRAD_CLIP:g}, the fork's: "
        "it bounds the first steps from scratch, which Ranger2020/RAdam take without Adam's normalisation)",
        label="Gradient-norm limit (empty = off)", group=_OPTIMIZER, metavar="X|off", none_text="off",
        parse=parse_grad_clip,
    )  # fmt: skip
    head_start: str = option(
        "none", help="train only G or only D for the first --head-start-steps steps",
        label="Head start: train only G or only D first", group=_OPTIMIZER, choices=HEAD_STARTS,
    )  # fmt: skip
    head_start_steps: int = option(
        0, help="length of the head start N steps", label="Head-start steps", group=_OPTIMIZER, metavar="N", low=0
    )
    running_loss_window: int = option(
        50, help="average running loss over N steps (0 = off; about 15-25 % of the steps per epoch), logged to "
        "TensorBoard and printed", label="Average running loss window (steps, 0 = off)", group=_LOSSES,
        metavar="N", low=0, ui_high=10000, step=1,
    )  # fmt: skip
    precision: str = option(
        "fp32", help="fp16/bf16 fall back to fp32 where unsupported (the tab starts with the saved setting)",
        group=_DEVICES, choices=PRECISIONS,
    )  # fmt: skip
    cache_in_memory: bool = option(
        False, help="keep the whole dataset in memory: on the GPU when training on one, else in RAM",
        label="Cache dataset in memory (GPU when training on one)", group=_DEVICES,
    )  # fmt: skip
    mel_loss: str = option(
        "multi-scale", help="spectral reconstruction loss: multi-scale mel (RefineGAN: Applio's 7 scales), "
        "single-scale mel, or multi-resolution STFT", label="Spectral loss", group=_LOSSES, choices=MEL_LOSSES,
    )  # fmt: skip
    d_steps: int = option(
        1, help="discriminator updates per generator update (on the same batch)", label="D steps per G step",
        group=_LOSSES, metavar="N", low=1, high=MAX_D_STEPS, step=1,
    )  # fmt: skip
    device: str = option(
        "auto", help="auto (CUDA when present, else cpu), cpu or cuda (--gpus implies cuda)", group=_DEVICES,
        choices=DEVICES,
    )  # fmt: skip
    gpus: list[int] = option(
        factory=list, help="CUDA GPU ids like 0 or 0-1: one DDP process per GPU (NCCL; gloo on Windows)",
        label="GPUs", group=_DEVICES, metavar="IDS", none_text="none", parse=parse_gpus,
    )  # fmt: skip
    cpu_processes: int = option(
        1, help="DDP processes on the CPU with gloo (1 = no DDP)", label="CPU processes (DDP with gloo)",
        group=_DEVICES, metavar="N", low=1,
    )  # fmt: skip
    tf32: bool = option(
        False, help="TF32 matmuls and convolutions on Ampere+ GPUs (faster, slightly less exact)", label="TF32",
        group=_DEVICES,
    )  # fmt: skip
    cudnn_benchmark: bool = option(
        True, help="let cuDNN pick the fastest convolution algorithms", label="cuDNN benchmark", group=_DEVICES
    )
    deterministic: bool = option(
        False, help="deterministic cuDNN convolutions (reproducible, slower)", label="cuDNN deterministic",
        group=_DEVICES,
    )  # fmt: skip
    gradient_checkpointing: bool = option(
        False, help="recompute the vocoder's residual blocks in the backward pass: less GPU memory, slower steps",
        label="Gradient checkpointing (low VRAM)", group=_DEVICES,
    )  # fmt: skip
    seed: int = option(1234, help="random seed", group=_SCHEDULE)
    author: str | None = option(
        None, help="author name stored in the exported voice", label="Author (stored in the voice)", group=_MODEL
    )
    holdout: int = option(
        1, help="held-out slices scored each epoch (0 = none)", label="Held-out slices scored per epoch",
        group=_SCHEDULE, metavar="N", low=0,
    )  # fmt: skip
    best_score: str = option(
        "mel_l1", help="held-out score that picks the best voice <name>_best.pth and watches for overtraining "
        "(mel_l1: the reconstruction error, steady and comparable across runs)",
        label="Held-out score that picks the best voice", group=_SCHEDULE, choices=tuple(SCORES),
    )  # fmt: skip
    overtrain_saves: int = option(
        5, help="warn of overtraining when the held-out score has not improved for N saves (0 = off)",
        label="Overtraining warning after N saves without improvement (0 = off)", group=_SCHEDULE, metavar="N",
        low=0, ui_high=50, step=1,
    )  # fmt: skip
    overtrain_stop: bool = option(
        False, help="stop the run when the overtraining warning fires (exports the latest voice, keeps the best)",
        label="Stop when overtraining is detected", group=_SCHEDULE,
    )  # fmt: skip

    def __post_init__(self):
        self.betas = tuple(self.betas)
        self.gpus = list(self.gpus)
        self.validate()

    def validate(self) -> None:
        """Raise RVCError naming the first option out of range."""
        check_run_name(self.name)
        checks = [
            (self.sample_rate in SAMPLE_RATES, f"sample rate must be one of {SAMPLE_RATES}"),
            (self.vocoder in VOCODER_NAMES, f"vocoder must be one of {', '.join(VOCODER_NAMES)}"),
            (self.version in VERSIONS, f"version must be one of {', '.join(VERSIONS)}"),
            (self.use_f0 or self.vocoder == "HiFi-GAN", "MRF HiFi-GAN and RefineGAN need pitch guidance"),
            (_whole(self.epochs, 1), "epochs must be a whole number >= 1"),
            (_whole(self.batch_size, 1), "batch size must be a whole number >= 1"),
            (_whole(self.save_every, 1), "save every N epochs must be a whole number >= 1"),
            (self.optimizer in OPTIMIZERS, f"optimizer must be one of {', '.join(OPTIMIZERS)}"),
            (all(lr is None or lr > 0 for lr in (self.lr_g, self.lr_d)), "learning rates must be > 0"),
            (all(0 <= b < 1 for b in self.betas) and len(self.betas) == 2, "betas must be two numbers in [0, 1)"),
            (self.eps is None or self.eps > 0, "eps must be > 0 (or default)"),
            (self.weight_decay is None or self.weight_decay >= 0, "weight decay must be >= 0 (or default)"),
            (_whole(self.warmup_epochs, 0), "warmup epochs must be a whole number >= 0 (0 = off)"),
            (self.warmup_shape in WARMUP_SHAPES, f"warmup shape must be one of {', '.join(WARMUP_SHAPES)}"),
            (self.lr_schedule in LR_SCHEDULES, f"LR schedule must be one of {', '.join(LR_SCHEDULES)}"),
            (0 < self.lr_decay <= 1, "LR decay (gamma) must be in (0, 1]"),
            (self.lr_min >= 0, "cosine annealing floor (eta_min) must be >= 0"),
            (self.grad_clip is None or self.grad_clip > 0, "gradient-norm limit must be > 0, or off"),
            (self.head_start in HEAD_STARTS, f"head start must be one of {', '.join(HEAD_STARTS)}"),
            (_whole(self.head_start_steps, 0), "head-start steps must be a whole number >= 0"),
            (
                _whole(self.running_loss_window, 0),
                "average running loss window must be 0 (off) or a whole number of steps >= 1",
            ),
            (self.precision in PRECISIONS, f"precision must be one of {', '.join(PRECISIONS)}"),
            (self.mel_loss in MEL_LOSSES, f"spectral loss must be one of {', '.join(MEL_LOSSES)}"),
            (_whole(self.d_steps, 1) and self.d_steps <= MAX_D_STEPS, f"D steps per G step must be 1 to {MAX_D_STEPS}"),
            (_whole(self.cpu_processes, 1), "CPU processes must be a whole number >= 1"),
            (
                not (self.device.startswith("cuda") and self.cpu_processes > 1 and not self.gpus),
                (
                    f"{self.cpu_processes} CPU processes train on the CPU, not on {self.device}; for several GPUs "
                    "give --gpus 0-1 instead, or choose device cpu (or auto) to keep the CPU processes"
                ),
            ),
            (all(_whole(g, 0) for g in self.gpus), "GPU ids must be whole numbers >= 0"),
            (_whole(self.holdout, 0), "held-out slices must be a whole number >= 0"),
            (self.best_score in SCORES, f"held-out score must be one of {', '.join(SCORES)}"),
            (_whole(self.overtrain_saves, 0), "overtraining warning saves must be a whole number >= 0 (0 = off)"),
            (not self.overtrain_stop or self.overtrain_saves >= 1, "stopping on overtraining needs N saves >= 1"),
        ]
        for ok, message in checks:
            if not ok:
                raise RVCError(f"invalid training option: {message}")

    def pretrained_notice(self) -> str | None:
        """Why the public pretrained G/D asked for cannot be used (none exists, or not downloaded), else None."""
        from rvc.prerequisites import pretrained_notice

        if not self.pretrained or (self.pretrained_g and self.pretrained_d):
            return None
        return pretrained_notice(self.sample_rate, self.vocoder, self.version, self.use_f0)

    @property
    def world_size(self) -> int:
        """Number of training processes: one per GPU, or `cpu_processes` on the CPU."""
        return len(self.gpus) if self.gpus else self.cpu_processes

    def to_json(self) -> str:
        """The options as JSON (a preset, or what the launcher hands the training process)."""
        return json.dumps(dataclasses.asdict(self), indent=2)

    @classmethod
    def from_json(cls, text: str, **overrides) -> TrainOptions:
        """Options from JSON; unknown keys are refused so a typo in a preset is not silently ignored."""
        try:
            data = json.loads(text)
        except ValueError as error:
            raise RVCError(f"training preset is not valid JSON: {error}") from None
        data.update(overrides)
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise RVCError(f"unknown training option(s) {', '.join(unknown)}; check the preset")
        return cls(**data)

    def save(self, path: Path) -> Path:
        """Write the options as a JSON preset, atomically (temp file + rename)."""
        return write_text_atomic(path, self.to_json())

    @classmethod
    def load(cls, path: Path, **overrides) -> TrainOptions:
        """Read a JSON preset (options given in `overrides` win)."""
        path = Path(path)
        if not path.is_file():
            raise RVCError(f"training preset {path} not found; pick one from the presets folder or save one first")
        return cls.from_json(path.read_text(encoding="utf-8"), **overrides)


def _whole(value, minimum: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= minimum
