"""The best held-out save of a run, and the overtraining signal: the picking score has not improved for K saves.

`BestTracker` is pure logic fed the held-out scores at each save; the trainer exports the voice it
picks as `<name>_best.pth` with `best_metadata` in it, and on resume `restore_best` reads that file
back so a resumed run keeps comparing against the same best.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from rvc.train.heldout import SCORES, better
from rvc.train.layout import RunLayout
from rvc.train.progress import BestRecord

SCORE_KEY, SCORES_KEY = "heldout_score", "heldout_scores"
"""Voice-file metadata of `<name>_best.pth`: the picking score's name and every held-out score by name."""


def best_voice_path(layout: RunLayout) -> Path:
    """`logs/<name>/<name>_best.pth`, next to the latest exported voice."""
    return layout.root / f"{layout.name}_best.pth"


@dataclass(frozen=True)
class Verdict:
    """What one save means: `improved` (export it as the best), the best so far, the overtraining
    warning ("" when none) and whether the run should stop (auto-stop on and the warning fired)."""

    improved: bool
    best: BestRecord | None
    warning: str
    stop: bool


class BestTracker:
    """Follows score `score` across saves; warns after `patience` saves without a strict improvement (0 = never)."""

    def __init__(
        self, score: str, patience: int, auto_stop: bool, best: BestRecord | None = None, best_file: str = "the best"
    ) -> None:
        if score not in SCORES:
            raise ValueError(f"unknown held-out score {score!r}; use one of {', '.join(SCORES)}")
        self.score, self.patience, self.auto_stop, self.best_file = score, patience, auto_stop, best_file
        self.best = best if best is not None and best.score == score else None

    def update(self, epoch: int, step: int, scores: dict[str, float]) -> Verdict:
        """Take the held-out `scores` (by name) of the save at `epoch`/`step`; a save without the score counts as
        not improving."""
        value = scores.get(self.score)
        if value is not None and (self.best is None or better(self.score, value, self.best.value)):
            self.best = BestRecord(epoch, step, self.score, dict(scores))
            return Verdict(True, self.best, "", False)
        if self.best is None:
            return Verdict(False, None, "", False)
        self.best = replace(self.best, saves_since=self.best.saves_since + 1)
        warning = self.warning()
        return Verdict(False, self.best, warning, bool(warning) and self.auto_stop)

    def warning(self) -> str:
        """The overtraining warning when the score has stalled for `patience` saves, else ""."""
        best = self.best
        if not self.patience or best is None or best.saves_since < self.patience:
            return ""
        return (
            f"possible overtraining: held-out {SCORES[self.score].label} has not improved for {best.saves_since} "
            f"saves since epoch {best.epoch} ({best.value:.4g}); {self.best_file} keeps that epoch"
        )


def best_metadata(best: BestRecord) -> dict[str, Any]:
    """Extra voice-file metadata of `<name>_best.pth` (its epoch and step are the standard entries)."""
    return {SCORE_KEY: best.score, SCORES_KEY: dict(best.scores)}


def record_from_metadata(metadata: dict[str, Any], score: str, previous: BestRecord | None) -> BestRecord | None:
    """The best record a `<name>_best.pth`'s metadata describes for picking score `score` (None when it lacks that
    score); saves since it are taken from `previous` (the progress file's record) when that is the same save."""
    scores = metadata.get(SCORES_KEY)
    if not isinstance(scores, dict) or not isinstance(scores.get(score), int | float):
        return None
    epoch, step = int(metadata.get("epoch", 0)), int(metadata.get("step", 0))
    plain = {name: float(value) for name, value in scores.items() if isinstance(value, int | float)}
    same = previous is not None and (previous.epoch, previous.step, previous.score) == (epoch, step, score)
    return BestRecord(epoch, step, score, plain, previous.saves_since if same else 0)


def restore_best(layout: RunLayout, score: str, previous: BestRecord | None) -> BestRecord | None:
    """The best record of the earlier part of a resumed run, read from its `<name>_best.pth` (None if none)."""
    from rvc.errors import RVCError
    from rvc.models.voice_file import read_voice_file

    path = best_voice_path(layout)
    if not path.is_file():
        return None
    try:
        metadata = read_voice_file(path).metadata
    except (RVCError, OSError, ValueError):
        return None
    return record_from_metadata(metadata, score, previous)


def tracker_for_run(
    layout: RunLayout, score: str, patience: int, auto_stop: bool, *, resumed: bool, previous: BestRecord | None
) -> BestTracker:
    """The tracker of a run: a resumed run keeps comparing against its `<name>_best.pth`; a new run starts afresh."""
    best = restore_best(layout, score, previous) if resumed else None
    return BestTracker(score, patience, auto_stop, best, best_voice_path(layout).name)
