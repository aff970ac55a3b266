"""Training runs small enough for real trainer steps in tests: a narrow synthesizer config and a tiny discriminator.

The real discriminators dominate a CPU step (about two minutes on a loaded test machine); tests of how
options reach the training loop swap in `tiny_discriminator`, which has the same class and calls.
"""

from __future__ import annotations

import copy
import json
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np
import torch
from torch import nn

from rvc.configs import load_config
from rvc.models.discriminators import MultiPeriodDiscriminator
from rvc.paths import run_dir

if TYPE_CHECKING:
    from rvc.train.layout import RunLayout


def shrink_config(config: dict, frames: int = 20) -> dict:
    """A copy of run `config` with 16-channel layers, one attention layer, a 32-channel vocoder and `frames`-frame
    training slices (same layout and keys)."""
    config = copy.deepcopy(config)
    config["model"].update(
        inter_channels=16, hidden_channels=16, filter_channels=32, n_layers=1, upsample_initial_channel=32,
        gin_channels=16,
    )  # fmt: skip
    config["train"]["segment_size"] = frames * config["data"]["hop_length"]
    return config


def narrow_vocoder_config(config: dict, channels: int = 32, frames: int = 8) -> dict:
    """A copy of run `config` whose vocoder starts with `channels` channels (512 in the real ones) and whose
    training slices are `frames` frames; the encoders, the flow and their KL term keep their real size."""
    config = copy.deepcopy(config)
    config["model"]["upsample_initial_channel"] = channels
    config["train"]["segment_size"] = frames * config["data"]["hop_length"]
    return config


def tiny_config(sample_rate: int = 32000) -> dict:
    """The rate's v2 config, shrunk (`shrink_config`)."""
    return shrink_config(load_config(sample_rate))


def write_tiny_config(name: str, sample_rate: int = 32000) -> None:
    """Create run `name` with its tiny `config.json` (enough for `Trainer` and `build_models`)."""
    folder = run_dir(name)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "config.json").write_text(json.dumps(tiny_config(sample_rate)))


class TinyMember(nn.Module):
    """One small 1-D discriminator: waveforms `[B, 1, L]` -> (logits `[B, L/16]`, feature maps)."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv1d(1, 4, 9, stride=4, padding=4)
        self.post = nn.Conv1d(4, 1, 5, stride=4, padding=2)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, list[torch.Tensor]]:
        hidden = nn.functional.leaky_relu(self.conv(x), 0.1)
        logits = self.post(hidden)
        return logits.flatten(1), [hidden, logits]


def tiny_discriminator(vocoder: str = "HiFi-GAN", version: str = "v2") -> MultiPeriodDiscriminator:
    """The real discriminator set's class (same calls, `generator_pass` included) with one tiny member."""
    discriminator = MultiPeriodDiscriminator(periods=())
    discriminator.discriminators = nn.ModuleList([TinyMember()])
    return discriminator


def use_tiny_discriminator(monkeypatch=None) -> None:
    """Make the trainer build `tiny_discriminator()` (it imports `build_discriminator` at model-building time).

    With pytest's `monkeypatch` the swap ends with the test; without it (a child process) it lasts.
    """
    from rvc.models import discriminators

    if monkeypatch is None:
        discriminators.build_discriminator = tiny_discriminator
    else:
        monkeypatch.setattr(discriminators, "build_discriminator", tiny_discriminator)


def tiny_discriminator_worker(rank: int, worker: Callable[..., None], *args) -> None:
    """Run `worker(rank, *args)` in a spawned process with the tiny discriminator (see `spawn_with_tiny_discriminator`)."""
    use_tiny_discriminator()
    worker(rank, *args)


def spawn_with_tiny_discriminator(monkeypatch) -> None:
    """Make `torch.multiprocessing.spawn` start each process through `tiny_discriminator_worker`, so DDP processes
    spawned by the trainer build the tiny discriminator too (a monkeypatch does not reach a spawned process)."""
    spawn = torch.multiprocessing.spawn

    def spawn_tiny(fn, args=(), nprocs=1, join=True, **kwargs):
        return spawn(tiny_discriminator_worker, args=(fn, *args), nprocs=nprocs, join=join, **kwargs)

    monkeypatch.setattr(torch.multiprocessing, "spawn", spawn_tiny)


def tiny_trainer_main(argv: list[str], hold_at_step: int | None = None, hold_seconds: float = 600.0) -> int:
    """`python -m rvc.train.trainer` (`argv`) with the tiny discriminator.

    With `hold_at_step` the process stops before the step after `hold_at_step` (that step done and logged) and
    sleeps until it is stopped, so a test stops a run at a known point instead of racing a fast step. After
    `hold_seconds` it trains on, so a test that fails before stopping it leaves no process behind for good.
    """
    from rvc.train import trainer

    use_tiny_discriminator()
    if hold_at_step is not None:
        train_step = trainer.Trainer.train_step

        def held_step(self, batch):
            if self.step == hold_at_step:
                time.sleep(hold_seconds)
            return train_step(self, batch)

        trainer.Trainer.train_step = held_step
    return trainer.main(argv)


def shrink_run_config(layout: RunLayout) -> None:
    """Shrink the `config.json` of a prepared run (`RunLayout`) in place (`shrink_config`)."""
    layout.config.write_text(json.dumps(shrink_config(json.loads(layout.config.read_text(encoding="utf-8")))))


def make_tiny_run(name: str, sample_rate: int = 32000, slices: int = 2, seconds: float = 1.0) -> None:
    """Run `name` ready to train: tiny config, `slices` synthetic slices with random features, their filelist."""
    from rvc.testing.synthetic_speech import synth_speech, write_wav
    from rvc.train.filelist import write_filelist
    from rvc.train.layout import RunLayout

    write_tiny_config(name, sample_rate)
    layout = RunLayout.named(name)
    frames_16k = int(seconds * 16000)
    for i in range(slices):
        slice_name = f"0_{i}_0"
        clip = synth_speech(seconds, sample_rate, speaker=0, seed=i)
        write_wav(layout.sliced_audios / f"{slice_name}.wav", clip.audio, sample_rate, subtype="FLOAT")
        layout.features.mkdir(parents=True, exist_ok=True)
        features = np.random.default_rng(i).standard_normal(((frames_16k - 80) // 320, 768)).astype(np.float32)
        np.save(layout.features / f"{slice_name}.npy", features)
        for folder, values in (
            (layout.f0_coarse, np.full(frames_16k // 160 + 1, 60)),
            (layout.f0_hz, clip.f0[: frames_16k // 160 + 1]),
        ):
            folder.mkdir(parents=True, exist_ok=True)
            np.save(folder / f"{slice_name}.wav.npy", values)
    write_filelist(layout, sample_rate, mute_files=0)
