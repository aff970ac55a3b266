"""Training runs small enough for real trainer steps in tests: a narrow synthesizer config and a tiny discriminator.

The real discriminators dominate a CPU step (about two minutes on a loaded test machine); tests of how
options reach the training loop swap in `TinyDiscriminator`, which has the same call contract.
"""

from __future__ import annotations

import json

import numpy as np
import torch
from torch import nn

from rvc.configs import load_config
from rvc.paths import run_dir


def tiny_config(sample_rate: int = 32000) -> dict:
    """The rate's v2 config with a narrow synthesizer and 0.2 s training slices (same layout and keys)."""
    config = load_config(sample_rate)
    config["model"].update(
        inter_channels=16, hidden_channels=16, filter_channels=32, n_layers=1, upsample_initial_channel=32
    )
    config["train"]["segment_size"] = 20 * config["data"]["hop_length"]
    return config


def write_tiny_config(name: str, sample_rate: int = 32000) -> None:
    """Create run `name` with its tiny `config.json` (enough for `Trainer` and `build_models`)."""
    folder = run_dir(name)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "config.json").write_text(json.dumps(tiny_config(sample_rate)))


class TinyDiscriminator(nn.Module):
    """Two strided convs with the discriminators' contract: (y, y_hat) [B, 1, L] -> (real, fake, maps_real, maps_fake)."""

    def __init__(self) -> None:
        super().__init__()
        self.convs = nn.ModuleList([nn.Conv1d(1, 4, 15, stride=8, padding=7), nn.Conv1d(4, 1, 3, padding=1)])

    def _one(self, x: torch.Tensor) -> tuple[torch.Tensor, list[torch.Tensor]]:
        maps = []
        for conv in self.convs:
            x = torch.nn.functional.leaky_relu(conv(x), 0.1)
            maps.append(x)
        return x.flatten(1), maps

    def forward(self, y: torch.Tensor, y_hat: torch.Tensor):
        """Logits and feature maps of the real and the generated waveform."""
        real, maps_real = self._one(y)
        fake, maps_fake = self._one(y_hat)
        return [real], [fake], [maps_real], [maps_fake]


def use_tiny_discriminator(monkeypatch=None) -> None:
    """Make the trainer build `TinyDiscriminator` (it imports `build_discriminator` at model-building time).

    With pytest's `monkeypatch` the swap ends with the test; without it (a child process) it lasts.
    """
    from rvc.models import discriminators

    def build(vocoder: str, version: str) -> TinyDiscriminator:
        return TinyDiscriminator()

    if monkeypatch is None:
        discriminators.build_discriminator = build
    else:
        monkeypatch.setattr(discriminators, "build_discriminator", build)


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
