"""Loss averages for logging: over a window of N steps, and over each epoch."""

from __future__ import annotations

from collections import defaultdict

from rvc.errors import RVCError


class WindowAverage:
    """Mean of each loss term over consecutive windows of `window` steps.

    `add` returns the averages when a window completes and None otherwise. Windows run over
    global steps, across epoch boundaries, so no step is dropped; `state_dict` lets a resumed
    run finish the window it was in.
    """

    def __init__(self, window: int):
        if not isinstance(window, int) or window < 1:
            raise RVCError(f"average running loss window must be a whole number of steps >= 1, got {window!r}")
        self.window = window
        self._sums: dict[str, float] = defaultdict(float)
        self._count = 0

    def add(self, losses: dict[str, float]) -> dict[str, float] | None:
        """Record one step's losses; at the end of a window return their means and start a new window."""
        for name, value in losses.items():
            self._sums[name] += float(value)
        self._count += 1
        if self._count < self.window:
            return None
        means = {name: total / self._count for name, total in self._sums.items()}
        self._sums.clear()
        self._count = 0
        return means

    def state_dict(self) -> dict:
        """The partial window, for checkpoints."""
        return {"window": self.window, "sums": dict(self._sums), "count": self._count}

    def load_state_dict(self, state: dict) -> None:
        """Continue the partial window saved by `state_dict` (dropped when the window size changed)."""
        if state.get("window") == self.window:
            self._sums = defaultdict(float, state["sums"])
            self._count = int(state["count"])


class EpochMean:
    """Mean of each loss term over all steps of an epoch."""

    def __init__(self):
        self._sums: dict[str, float] = defaultdict(float)
        self._count = 0

    def add(self, losses: dict[str, float]) -> None:
        """Record one step's losses."""
        for name, value in losses.items():
            self._sums[name] += float(value)
        self._count += 1

    def finish(self) -> dict[str, float]:
        """Means since the last `finish` (empty if no step was recorded), and reset."""
        means = {name: total / self._count for name, total in self._sums.items()} if self._count else {}
        self._sums.clear()
        self._count = 0
        return means
