"""Training checkpoints `G_*.pth` / `D_*.pth` in the reference layout, written atomically, read safely.

Layout (Applio / Codename fork): `model` (state dict, weight norm as `weight_g`/`weight_v`), `iteration`
(the epoch), `optimizer` (its state dict), `learning_rate` (float), plus `scaler` when AMP is used.
We add `scheduler` (LR schedule state) and `step` (global step) so a resume continues exactly; the
reference loaders ignore keys they do not know, so our checkpoints and pretrained files stay interchangeable.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rvc.errors import RVCError
from rvc.models.torch_files import load_torch_file, save_torch_file

if TYPE_CHECKING:
    import torch


SPEAKER_TABLE = "emb_g.weight"


@dataclass(frozen=True)
class CheckpointState:
    """What `load_checkpoint` restored besides the weights."""

    epoch: int
    step: int | None
    learning_rate: float
    optimizer_loaded: bool
    missing: tuple[str, ...] = ()
    unexpected: tuple[str, ...] = ()
    stored: dict[str, Any] = field(default_factory=dict)
    """Every top-level entry of the file but `model` (optimizer state, extras a trainer saved)."""


def _unwrap(model: torch.nn.Module) -> torch.nn.Module:
    """The module inside a DistributedDataParallel wrapper (or the model itself)."""
    return getattr(model, "module", model)


def save_checkpoint(
    path: str | os.PathLike[str],
    model: torch.nn.Module,
    optimizer: torch.optim.Optimizer,
    *,
    epoch: int,
    learning_rate: float,
    step: int | None = None,
    scheduler: Any = None,
    scaler: Any = None,
    extra: dict[str, Any] | None = None,
) -> Path:
    """Write a G_/D_ checkpoint atomically: model (weight_g/weight_v names), optimizer, LR, epoch[, step, schedule].

    `extra` adds top-level entries (plain values and tensors only) that `load_checkpoint` returns in `stored`.
    """
    from rvc.models.weight_norm import state_dict_to_disk

    data: dict[str, Any] = {
        "model": state_dict_to_disk(_unwrap(model).state_dict()),
        "iteration": int(epoch),
        "optimizer": optimizer.state_dict(),
        "learning_rate": float(learning_rate),
    }
    if scaler is not None:
        data["scaler"] = scaler.state_dict()
    if scheduler is not None:
        data["scheduler"] = scheduler.state_dict()
    if step is not None:
        data["step"] = int(step)
    data.update(extra or {})
    return save_torch_file(data, path)


def read_checkpoint(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Load a checkpoint or pretrained file (weights-only) and check it holds a `model` state dict."""
    path = Path(path)
    data = load_torch_file(path)
    if not isinstance(data, dict):
        raise RVCError(
            f"{path} is not a training checkpoint: it holds a {type(data).__name__}. "
            "Pick a G_/D_ file of a training run or a pretrained pair."
        )
    if "model" not in data and isinstance(data.get("weight"), dict):
        raise RVCError(
            f"{path} is a voice file, not a training checkpoint (G_/D_ or pretrained); "
            "training needs the G_/D_ files of a run or a pretrained pair."
        )
    if not isinstance(data.get("model"), dict) or not data["model"]:
        keys = ", ".join(map(str, list(data)[:8])) or "none"
        raise RVCError(
            f"{path} is not a training checkpoint: it has no 'model' state dict (top-level keys: {keys}). "
            "Pick a G_/D_ file of a training run or a pretrained pair."
        )
    return data


def load_checkpoint(
    path: str | os.PathLike[str],
    model: torch.nn.Module,
    optimizer: torch.optim.Optimizer | None = None,
    *,
    scheduler: Any = None,
    scaler: Any = None,
    strict: bool = True,
    resize_speakers: bool = False,
) -> CheckpointState:
    """Restore `model` (and, when given and stored, optimizer / scheduler / scaler) from a checkpoint.

    Shapes must match. With `strict=False` (pretrained files) weights the file lacks keep their
    initial values and weights the model lacks are ignored; both are listed in the result.
    With `resize_speakers` a speaker table (`emb_g.weight`) with another number of rows is cut or
    extended (new rows keep the model's initial values), as when a pretrained had 109 speakers.
    """
    from rvc.models.weight_norm import state_dict_from_disk

    path = Path(path)
    data = read_checkpoint(path)
    target = _unwrap(model)
    state = state_dict_from_disk(data["model"])
    stored_name = dict(zip(state, data["model"]))
    expected = target.state_dict()
    if resize_speakers and SPEAKER_TABLE in state and SPEAKER_TABLE in expected:
        rows = min(len(state[SPEAKER_TABLE]), len(expected[SPEAKER_TABLE]))
        resized = expected[SPEAKER_TABLE].clone()
        resized[:rows] = state[SPEAKER_TABLE][:rows]
        state[SPEAKER_TABLE] = resized
    for key, tensor in state.items():
        if key in expected and tuple(tensor.shape) != tuple(expected[key].shape):
            raise RVCError(
                f"{path} does not fit this model: {stored_name[key]!r} is {list(tensor.shape)} in the file but "
                f"{list(expected[key].shape)} here. Its sample rate, version or vocoder differ; pick matching files."
            )
    missing = tuple(key for key in expected if key not in state)
    unexpected = tuple(key for key in state if key not in expected)
    if strict and (missing or unexpected):
        example = f"lacks {missing[0]!r}" if missing else f"has {unexpected[0]!r}, which this model does not"
        raise RVCError(
            f"{path} does not fit this model: it {example} ({len(missing)} missing, {len(unexpected)} extra). "
            "Its vocoder or architecture differ; pick files made for the same settings."
        )
    target.load_state_dict({key: state.get(key, value) for key, value in expected.items()})
    optimizer_loaded = False
    try:
        if optimizer is not None and isinstance(data.get("optimizer"), dict) and data["optimizer"]:
            optimizer.load_state_dict(data["optimizer"])
            optimizer_loaded = True
        if scheduler is not None and isinstance(data.get("scheduler"), dict):
            scheduler.load_state_dict(data["scheduler"])
        if scaler is not None and isinstance(data.get("scaler"), dict) and data["scaler"]:
            scaler.load_state_dict(data["scaler"])
    except (ValueError, KeyError, RuntimeError) as error:
        raise RVCError(
            f"{path} has optimizer or schedule state for different settings ({str(error).splitlines()[0][:120]}); "
            "resume with the settings the run started with, or start a fresh run."
        ) from None
    step = data.get("step")
    return CheckpointState(
        epoch=int(data.get("iteration", 0)),
        step=int(step) if isinstance(step, int) else None,
        learning_rate=float(data.get("learning_rate", 0.0)),
        optimizer_loaded=optimizer_loaded,
        missing=missing,
        unexpected=unexpected,
        stored={key: value for key, value in data.items() if key != "model"},
    )


def latest_checkpoint(folder: str | os.PathLike[str], prefix: str = "G_") -> Path | None:
    """The `<prefix><number>.pth` in `folder` with the largest number (as the reference picks), or None."""
    folder = Path(folder)
    if not folder.is_dir():
        return None
    pattern = re.compile(rf"^{re.escape(prefix)}(\d+)\.pth$")
    numbered = [(int(match.group(1)), path) for path in folder.iterdir() if (match := pattern.match(path.name))]
    return max(numbered)[1] if numbered else None
