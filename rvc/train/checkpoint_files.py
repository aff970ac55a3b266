"""Which G_/D_ checkpoint pair of a run to resume from, and which pairs a new save makes stale.

"Keep only the latest" saves overwrite `G_2333333.pth`/`D_2333333.pth` (the reference's tag);
numbered saves are `G_<step>.pth`/`D_<step>.pth`. The tag is larger than any realistic step, so
picking by the number in the name (as the reference does) would reload an old latest-tag pair
forever once numbered saves take over. We pick by the global step stored in the file, then by
modification time; and a numbered save removes the latest-tag pair it supersedes.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

LATEST_TAG = 2333333
"""Name number of the pair that "keep only the latest" overwrites (the reference's)."""


@dataclass(frozen=True)
class CheckpointPair:
    """A run's `G_<number>.pth` and `D_<number>.pth`, with the step stored in G (None if the file has none)."""

    number: int
    generator: Path
    discriminator: Path
    step: int | None
    mtime: float

    @property
    def rank(self) -> tuple[int, float]:
        """Sort key: the stored step (else the name number of a numbered save, which is its step), then mtime."""
        if self.step is not None:
            return self.step, self.mtime
        return (self.number if self.number != LATEST_TAG else -1), self.mtime


def stored_step(path: Path) -> int | None:
    """The global step a checkpoint records (None when it has none or cannot be read); tensors are not read."""
    import torch

    try:
        data = torch.load(path, map_location="cpu", weights_only=True, mmap=True)
    except Exception:  # noqa: BLE001 - an unreadable file only loses its rank; loading it later says why
        return None
    step = data.get("step") if isinstance(data, dict) else None
    return step if isinstance(step, int) else None


def checkpoint_pairs(folder: Path) -> list[CheckpointPair]:
    """Every complete G_/D_ pair in `folder`, newest (highest rank) first."""
    numbers: dict[int, set[str]] = {}
    for path in folder.glob("[GD]_*.pth"):
        stem = path.stem[2:]
        if stem.isdigit():
            numbers.setdefault(int(stem), set()).add(path.name[0])
    pairs = []
    for number, kinds in numbers.items():
        if kinds != {"G", "D"}:
            continue
        g, d = folder / f"G_{number}.pth", folder / f"D_{number}.pth"
        mtime = min(g.stat().st_mtime, d.stat().st_mtime)
        pairs.append(CheckpointPair(number, g, d, stored_step(g), mtime))
    return sorted(pairs, key=lambda pair: pair.rank, reverse=True)


def resume_pair(folder: Path) -> CheckpointPair | None:
    """The pair to resume from: the highest stored step, then the newest; None when the run has no pair."""
    pairs = checkpoint_pairs(folder)
    return pairs[0] if pairs else None


def prune_after_save(folder: Path, saved: int, keep_latest_only: bool) -> list[Path]:
    """Delete what the save of pair `saved` made stale; returns the deleted files.

    Keep-latest deletes every other pair; a numbered save (its number is its step) deletes the
    latest-tag pair when that one is not ahead of it.
    """
    stale = []
    tag_step = stored_step(folder / f"G_{LATEST_TAG}.pth") if not keep_latest_only else None
    for path in folder.glob("[GD]_*.pth"):
        stem = path.stem[2:]
        if not stem.isdigit() or int(stem) == saved:
            continue
        if keep_latest_only or (int(stem) == LATEST_TAG and (tag_step is None or tag_step <= saved)):
            stale.append(path)
    for path in stale:
        path.unlink(missing_ok=True)
    return sorted(stale)
