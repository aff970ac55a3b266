"""Every training option in one validated record, saved and loaded as JSON (presets, the child process).

Imports nothing heavy, so the UI and the CLI can build and check options before training starts.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from pathlib import Path

from rvc.atomic_files import write_text_atomic
from rvc.configs import PRECISIONS, SAMPLE_RATES, VERSIONS
from rvc.errors import RVCError
from rvc.models.vocoders import VOCODER_NAMES
from rvc.paths import check_run_name

VOCODERS = VOCODER_NAMES
OPTIMIZERS = ("Ranger2020", "AdamW", "RAdam")
WARMUP_SHAPES = ("linear", "cosine")
HEAD_STARTS = ("none", "generator", "discriminator")
MEL_LOSSES = ("multi-scale", "single-scale")


@dataclass
class TrainOptions:
    """What a user chooses for one training run (see `python -m rvc train --help` for each meaning)."""

    name: str
    sample_rate: int = 40000
    vocoder: str = "HiFi-GAN"
    version: str = "v2"
    use_f0: bool = True
    epochs: int = 200
    batch_size: int = 8
    save_every: int = 10
    keep_latest_only: bool = True
    export_every_save: bool = True
    pretrained: bool = True
    pretrained_g: str | None = None
    pretrained_d: str | None = None
    optimizer: str = "Ranger2020"
    lr_g: float = 1e-4
    lr_d: float = 1e-4
    betas: tuple[float, float] = (0.8, 0.99)
    eps: float = 1e-8
    weight_decay: float = 0.0
    gradient_centralization: bool = True
    warmup_epochs: int = 0
    warmup_shape: str = "linear"
    lr_decay: float = 0.999875
    grad_clip: float | None = None
    head_start: str = "none"
    head_start_steps: int = 0
    running_loss_window: int = 50
    precision: str = "fp32"
    cache_in_memory: bool = False
    mel_loss: str = "multi-scale"
    device: str = "cpu"
    gpus: list[int] = field(default_factory=list)
    cpu_processes: int = 1
    seed: int = 1234
    author: str | None = None
    holdout: int = 1

    def __post_init__(self):
        self.betas = tuple(self.betas)
        self.gpus = list(self.gpus)
        self.validate()

    def validate(self) -> None:
        """Raise RVCError naming the first option out of range."""
        check_run_name(self.name)
        checks = [
            (self.sample_rate in SAMPLE_RATES, f"sample rate must be one of {SAMPLE_RATES}"),
            (self.vocoder in VOCODERS, f"vocoder must be one of {', '.join(VOCODERS)}"),
            (self.version in VERSIONS, f"version must be one of {', '.join(VERSIONS)}"),
            (self.use_f0 or self.vocoder == "HiFi-GAN", "MRF HiFi-GAN and RefineGAN need pitch guidance"),
            (_whole(self.epochs, 1), "epochs must be a whole number >= 1"),
            (_whole(self.batch_size, 1), "batch size must be a whole number >= 1"),
            (_whole(self.save_every, 1), "save every N epochs must be a whole number >= 1"),
            (self.optimizer in OPTIMIZERS, f"optimizer must be one of {', '.join(OPTIMIZERS)}"),
            (self.lr_g > 0 and self.lr_d > 0, "learning rates must be > 0"),
            (all(0 <= b < 1 for b in self.betas) and len(self.betas) == 2, "betas must be two numbers in [0, 1)"),
            (self.eps > 0 and self.weight_decay >= 0, "eps must be > 0 and weight decay >= 0"),
            (_whole(self.warmup_epochs, 0), "warmup epochs must be a whole number >= 0 (0 = off)"),
            (self.warmup_shape in WARMUP_SHAPES, f"warmup shape must be one of {', '.join(WARMUP_SHAPES)}"),
            (0 < self.lr_decay <= 1, "LR decay (gamma) must be in (0, 1]"),
            (self.grad_clip is None or self.grad_clip > 0, "gradient-norm limit must be > 0, or off"),
            (self.head_start in HEAD_STARTS, f"head start must be one of {', '.join(HEAD_STARTS)}"),
            (_whole(self.head_start_steps, 0), "head-start steps must be a whole number >= 0"),
            (_whole(self.running_loss_window, 1), "average running loss window must be a whole number of steps >= 1"),
            (self.precision in PRECISIONS, f"precision must be one of {', '.join(PRECISIONS)}"),
            (self.mel_loss in MEL_LOSSES, f"mel loss must be one of {', '.join(MEL_LOSSES)}"),
            (_whole(self.cpu_processes, 1), "CPU processes must be a whole number >= 1"),
            (all(_whole(g, 0) for g in self.gpus), "GPU ids must be whole numbers >= 0"),
            (_whole(self.holdout, 0), "held-out slices must be a whole number >= 0"),
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


def parse_gpus(text: str) -> list[int]:
    """GPU ids from "0", "0-1" or "0,2" ("-" separates ids, as in Applio)."""
    text = text.strip()
    if not text:
        return []
    try:
        return [int(part) for part in text.replace(",", "-").split("-") if part != ""]
    except ValueError:
        raise RVCError(f"GPU list {text!r} is not like 0 or 0-1; separate GPU ids with '-'") from None


def _whole(value, minimum: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= minimum
