"""The files of one training run under `logs/<name>/`, named as Applio names them."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from rvc.paths import run_dir


@dataclass(frozen=True)
class RunLayout:
    """Where each step of a run reads and writes; `root` is `logs/<name>`."""

    root: Path

    @classmethod
    def named(cls, name: str) -> RunLayout:
        """The layout of the run called `name` in the logs folder."""
        return cls(run_dir(name))

    @property
    def name(self) -> str:
        return self.root.name

    @property
    def sliced_audios(self) -> Path:
        """Slices at the training sample rate (float32 wav) and their cached spectrograms."""
        return self.root / "sliced_audios"

    @property
    def sliced_audios_16k(self) -> Path:
        """The same slices at 16 kHz, for pitch and content features."""
        return self.root / "sliced_audios_16k"

    @property
    def f0_coarse(self) -> Path:
        """Coarse pitch 1..255 per 10 ms frame: `f0/<slice>.wav.npy`."""
        return self.root / "f0"

    @property
    def f0_hz(self) -> Path:
        """Pitch in Hz per 10 ms frame (0 = unvoiced): `f0_voiced/<slice>.wav.npy`."""
        return self.root / "f0_voiced"

    @property
    def features(self) -> Path:
        """Content features `[T, C]` at 50 frames/s: `extracted/<slice>.npy`."""
        return self.root / "extracted"

    @property
    def mute(self) -> Path:
        """Silent reference items (same sub-folders) mixed into the filelist."""
        return self.root / "mute"

    @property
    def config(self) -> Path:
        return self.root / "config.json"

    @property
    def filelist(self) -> Path:
        return self.root / "filelist.txt"

    @property
    def model_info(self) -> Path:
        return self.root / "model_info.json"

    @property
    def train_options(self) -> Path:
        """The options the training process runs with (`TrainOptions` as JSON)."""
        return self.root / "train_options.json"

    @property
    def train_pid(self) -> Path:
        return self.root / "train.pid"

    @property
    def train_log(self) -> Path:
        return self.root / "train.log"

    @property
    def progress(self) -> Path:
        """Live training progress for the UI (written by the trainer)."""
        return self.root / "progress.json"

    @property
    def eval_dir(self) -> Path:
        """TensorBoard event files."""
        return self.root / "eval"

    def index_path(self) -> Path:
        """The run's retrieval index, `<name>.index` (Applio pairs it with `<name>.pth`)."""
        return self.root / f"{self.name}.index"
