"""The training progress contract: what the trainer writes to `logs/<run>/progress.json` and the UI and CLI read.

One typed record (`TrainingProgress`) and its JSON form, written atomically by `write_progress` and
read back by `read_progress`, which answers None for a missing or unreadable file instead of raising.
Imports nothing heavy.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rvc.atomic_files import write_json_atomic

STARTING, TRAINING, FINISHED, FAILED = "starting", "training", "finished", "failed"
STATUSES = (STARTING, TRAINING, FINISHED, FAILED)
_RECORD_KEYS = ("epoch", "step")


@dataclass(frozen=True)
class EpochRecord:
    """One finished epoch: its number, the global step at its end, its mean losses and validation scores by tag."""

    epoch: int
    step: int
    values: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class BestRecord:
    """The save with the best held-out score so far: its epoch and step, the score that picks it (`score`),
    all its held-out scores by name, and how many later saves have not beaten it."""

    epoch: int
    step: int
    score: str
    scores: dict[str, float]
    saves_since: int = 0

    @property
    def value(self) -> float:
        """The picking score's value at the best save."""
        return self.scores[self.score]

    def to_dict(self) -> dict[str, Any]:
        """The JSON form."""
        return {
            "epoch": self.epoch,
            "step": self.step,
            "score": self.score,
            "scores": dict(self.scores),
            "saves_since": self.saves_since,
        }

    @classmethod
    def from_dict(cls, data: Any) -> BestRecord:
        """The record a JSON object describes; ValueError/TypeError if it is not one."""
        if not isinstance(data, dict):
            raise TypeError("best record is not a JSON object")
        scores, score = _numbers(data.get("scores")), str(data.get("score"))
        if score not in scores:
            raise ValueError(f"best record lacks its score {score!r}")
        numbers = [_whole_or_none(data.get(key)) for key in ("epoch", "step", "saves_since")]
        if None in numbers:
            raise ValueError("best record lacks its epoch, step or saves_since")
        epoch, step, saves_since = numbers
        return cls(epoch, step, score, scores, saves_since)


@dataclass(frozen=True)
class TrainingProgress:
    """Where a training run stands: status, position, latest and averaged losses, ETA and per-epoch history.

    status: one of `STATUSES`; `message` says why a run finished or failed.
    losses: the latest step's values by tag ("loss/g/total", "grad/norm_d", ...).
    averaged: the latest running average over `running_loss_window` steps (empty before the first window).
    updated: ISO time of the write ("" when unknown).
    best: the best held-out save so far (None without held-out slices or before the first save).
    warning: the overtraining warning while the held-out score has stalled ("" when none).
    """

    status: str = STARTING
    epoch: int | None = None
    epochs: int | None = None
    step: int | None = None
    steps_per_epoch: int | None = None
    losses: dict[str, float] = field(default_factory=dict)
    averaged: dict[str, float] = field(default_factory=dict)
    eta_seconds: float | None = None
    history: tuple[EpochRecord, ...] = ()
    message: str = ""
    updated: str = ""
    best: BestRecord | None = None
    warning: str = ""

    @property
    def active(self) -> bool:
        """The trainer said it is still working (only true while its process lives; the caller checks that)."""
        return self.status in (STARTING, TRAINING)

    def to_dict(self) -> dict[str, Any]:
        """The JSON form: flat fields, each history entry as {"epoch", "step", tag: value, ...}."""
        return {
            "status": self.status,
            "epoch": self.epoch,
            "epochs": self.epochs,
            "step": self.step,
            "steps_per_epoch": self.steps_per_epoch,
            "losses": dict(self.losses),
            "averaged": dict(self.averaged),
            "eta_seconds": self.eta_seconds,
            "history": [{"epoch": r.epoch, "step": r.step, **r.values} for r in self.history],
            "message": self.message,
            "updated": self.updated,
            "best": self.best.to_dict() if self.best is not None else None,
            "warning": self.warning,
        }

    @classmethod
    def from_dict(cls, data: Any) -> TrainingProgress:
        """The progress a JSON object describes (missing keys take their defaults); ValueError/TypeError if not one."""
        if not isinstance(data, dict):
            raise TypeError("progress is not a JSON object")
        status = data.get("status", STARTING)
        if status not in STATUSES:
            raise ValueError(f"unknown status {status!r}")
        return cls(
            status=status,
            epoch=_whole_or_none(data.get("epoch")),
            epochs=_whole_or_none(data.get("epochs")),
            step=_whole_or_none(data.get("step")),
            steps_per_epoch=_whole_or_none(data.get("steps_per_epoch")),
            losses=_numbers(data.get("losses")),
            averaged=_numbers(data.get("averaged")),
            eta_seconds=_number_or_none(data.get("eta_seconds")),
            history=tuple(_record(entry) for entry in data.get("history") or []),
            message=str(data.get("message") or ""),
            updated=str(data.get("updated") or ""),
            best=BestRecord.from_dict(data["best"]) if data.get("best") is not None else None,
            warning=str(data.get("warning") or ""),
        )


def write_progress(path: Path, progress: TrainingProgress) -> Path:
    """Write `progress` as JSON to `path` atomically (readers never see half a file); returns the path."""
    return write_json_atomic(path, progress.to_dict())


def read_progress(path: Path) -> TrainingProgress | None:
    """The progress stored at `path`; None when there is none yet or the file is not a progress record."""
    try:
        return TrainingProgress.from_dict(json.loads(Path(path).read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError):
        return None


def _record(entry: Any) -> EpochRecord:
    if not isinstance(entry, dict) or any(_whole_or_none(entry.get(key)) is None for key in _RECORD_KEYS):
        raise ValueError(f"history entry {entry!r} lacks its epoch and step")
    values = {tag: value for tag, value in entry.items() if tag not in _RECORD_KEYS}
    return EpochRecord(entry["epoch"], entry["step"], _numbers(values))


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _whole_or_none(value: Any) -> int | None:
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError(f"{value!r} is not a whole number")
    return value


def _number_or_none(value: Any) -> float | None:
    if value is None:
        return None
    if not _is_number(value):
        raise ValueError(f"{value!r} is not a number")
    return float(value)


def _numbers(table: Any) -> dict[str, float]:
    if table is None:
        return {}
    if not isinstance(table, dict) or not all(_is_number(value) for value in table.values()):
        raise ValueError(f"{table!r} is not a table of numbers")
    return {str(tag): float(value) for tag, value in table.items()}
