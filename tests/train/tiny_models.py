"""A much smaller synthesizer config and discriminator for tests of training bookkeeping (resume, checkpoints),
where what is learned does not matter and the real sizes would make each CPU step take seconds."""

from __future__ import annotations

import copy

import torch
from torch import nn

from rvc.models.discriminators import MultiPeriodDiscriminator

DISCRIMINATOR_FACTORY = "rvc.models.discriminators.build_discriminator"
"""What the trainer calls to build its discriminator (imported at call time, so a monkeypatch reaches it)."""


def tiny_config(config: dict) -> dict:
    """`config` with 16-channel layers, one attention layer, a 32-channel vocoder and 10-frame training slices."""
    config = copy.deepcopy(config)
    config["train"]["segment_size"] = 10 * config["data"]["hop_length"]
    config["model"].update(
        inter_channels=16, hidden_channels=16, filter_channels=32, n_layers=1, upsample_initial_channel=32,
        gin_channels=16,
    )  # fmt: skip
    return config


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


def tiny_discriminator(vocoder: str, version: str) -> MultiPeriodDiscriminator:
    """A discriminator with the real interface and one tiny member (stands in for `build_discriminator`:
    `monkeypatch.setattr(DISCRIMINATOR_FACTORY, tiny_discriminator)`)."""
    discriminator = MultiPeriodDiscriminator(periods=())
    discriminator.discriminators = nn.ModuleList([TinyMember()])
    return discriminator
