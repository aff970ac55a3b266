"""Loss averages for logging: over a window of N steps, and over each epoch."""

from __future__ import annotations

from collections import defaultdict

from rvc.errors import RVCError


class WindowAverage:
    """Mean of each loss term over consecutive windows of `window` steps (`window` 0 = off).

    `add` returns the averages when a window completes and None otherwise. Windows run over
    global steps, across epoch boundaries, so no step is dropped. Each term is divided by the
    steps that reported it (during a head start the idle network reports no loss). `state_dict`
    is saved in the G checkpoint, so a resumed run finishes the window it was in.
    """

    def __init__(self, window: int):
        if not isinstance(window, int) or isinstance(window, bool) or window < 0:
            raise RVCError(f"average running loss window must be 0 (off) or a whole number of steps, got {window!r}")
        self.window = window
        self._sums: dict[str, float] = defaultdict(float)
        self._counts: dict[str, int] = defaultdict(int)
        self._steps = 0

    @property
    def enabled(self) -> bool:
        """Whether averages are kept at all (window >= 1)."""
        return self.window > 0

    def add(self, losses: dict[str, float]) -> dict[str, float] | None:
        """Record one step's losses; at the end of a window return their means and start a new window."""
        if not self.enabled:
            return None
        for name, value in losses.items():
            self._sums[name] += float(value)
            self._counts[name] += 1
        self._steps += 1
        if self._steps < self.window:
            return None
        means = {name: total / self._counts[name] for name, total in self._sums.items()}
        self._sums.clear()
        self._counts.clear()
        self._steps = 0
        return means

    def state_dict(self) -> dict:
        """The partial window, for checkpoints."""
        return {"window": self.window, "sums": dict(self._sums), "counts": dict(self._counts), "steps": self._steps}

    def load_state_dict(self, state: dict) -> None:
        """Continue the partial window saved by `state_dict` (dropped when the window size changed or it is empty)."""
        if state.get("window") == self.window and self.enabled:
            self._sums = defaultdict(float, state["sums"])
            self._counts = defaultdict(int, state["counts"])
            self._steps = int(state["steps"])


class EpochMean:
    """Mean of each loss term over the steps of an epoch that reported it."""

    def __init__(self):
        self._sums: dict[str, float] = defaultdict(float)
        self._counts: dict[str, int] = defaultdict(int)

    def add(self, losses: dict[str, float]) -> None:
        """Record one step's losses."""
        for name, value in losses.items():
            self._sums[name] += float(value)
            self._counts[name] += 1

    def finish(self) -> dict[str, float]:
        """Means since the last `finish` (empty if no step was recorded), and reset."""
        means = {name: total / self._counts[name] for name, total in self._sums.items()}
        self._sums.clear()
        self._counts.clear()
        return means
