"""RefineGAN vocoder in Applio's current layout, the one most shared RefineGAN voices use.

A sine source at the output rate is expanded to 16 channels (a 32nd of `upsample_initial_channel`) and taken
down, stage by stage, by the reverse up-sampling rates (Kaiser-windowed sinc resampling, then a 7-tap conv
doubling the channels); the deepest result joins the projected latent and the way back up (linear
interpolation + parallel residual blocks) concatenates the stored source skips. Keys: `m_source.merge.0`,
`pre_conv` (wn), `downsample_blocks.{i}` (wn), `mel_conv` (wn), `cond`, `upsample_conv_blocks.{i}.input_conv`,
`….blocks.{j}.{0,2}` (AdaIN), `….blocks.{j}.1.convs{1,2}.{l}` (wn), `conv_post` (wn, no bias).

Two older RefineGAN layouts exist (the Dec-2024 fork's and the fork's 2025 one); they cannot be loaded into
this module. `detect_refinegan_layout` tells them apart so callers can refuse them by name.
"""

from __future__ import annotations

import math
import re

import torch
import torch.nn.functional as F
from torch import nn

from rvc.errors import RVCError
from rvc.models.commons import mean_of_branches
from rvc.models.vocoders.resampling import resample_down
from rvc.models.vocoders.resblock import ResBlock
from rvc.models.vocoders.sources import MergedSineSource
from rvc.models.vocoders.windows import Window
from rvc.models.weight_norm import fold_weight_norm, weight_norm

STAGES = 4
LRELU_SLOPE = 0.2
SOURCE_DIVISOR = 2 ** (STAGES + 1)
"""The down-sampling path doubles the source's channels at each of the 4 stages, and its last output fills half of
the first up-sampling stage's input: the source starts with `upsample_initial_channel / 2**5` channels (Applio's
16 at its 512)."""
_SOURCE_CONV_KEY = re.compile(r"(^|\.)source_conv\.")
_FIRST_DOWNSAMPLE_WEIGHT = re.compile(
    r"(^|\.)downsample_blocks\.0\.(weight_v|weight|parametrizations\.weight\.original1)$"
)


def detect_refinegan_layout(state_dict: dict) -> str:
    """Which RefineGAN weight layout a (voice or decoder) state dict holds: "A" (Applio, ours), "H" or "D".

    "D" (Codename fork, Dec 2024) has a `source_conv`; "H" (fork 2025) has single-input strided
    `downsample_blocks.0` convs (`[128, 1, k]`); "A" has 16-channel ones (`[32, 16, 7]`).
    Raises ValueError when the dict holds no RefineGAN decoder at all.
    """
    if any(_SOURCE_CONV_KEY.search(key) for key in state_dict):
        return "D"
    for key, tensor in state_dict.items():
        if _FIRST_DOWNSAMPLE_WEIGHT.search(key):
            return "H" if tensor.shape[1] == 1 else "A"
    raise ValueError("no RefineGAN decoder weights (downsample_blocks / source_conv) in this state dict")


class AdaIN(nn.Module):
    """Adds learned-scale Gaussian noise per channel, then LeakyReLU(0.2). [B, C, T] -> [B, C, T]."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.full((channels,), 1e-4))
        self.noise = True
        """Add the noise (off only for a deterministic export, e.g. an ONNX parity check)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """[B, C, T] -> [B, C, T]."""
        if not self.noise:
            return F.leaky_relu(x, LRELU_SLOPE)
        noise = torch.randn_like(x) * self.weight[None, :, None]
        return F.leaky_relu(noise.add_(x), LRELU_SLOPE)


class ParallelResBlock(nn.Module):
    """Input conv, then the mean of `AdaIN → ResBlock(k, dilations) → AdaIN` branches, one per kernel size.

    [B, in_channels, T] -> [B, out_channels, T].
    """

    def __init__(
        self, in_channels: int, out_channels: int, kernel_sizes: list[int], dilation_sizes: list[list[int]]
    ) -> None:
        super().__init__()
        self.input_conv = nn.Conv1d(in_channels, out_channels, 7, padding=3)
        nn.init.normal_(self.input_conv.weight, 0.0, 0.01)
        self.blocks = nn.ModuleList(
            nn.Sequential(
                AdaIN(out_channels),
                ResBlock(out_channels, k, tuple(d), slope=LRELU_SLOPE),
                AdaIN(out_channels),
            )
            for k, d in zip(kernel_sizes, dilation_sizes)
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """[B, in_channels, T] -> [B, out_channels, T]."""
        return mean_of_branches(self.blocks, self.input_conv(x))


class RefineGAN(nn.Module):
    """RefineGAN decoder (Applio layout): latent [B, 192, T] + f0 [B, T] Hz + speaker [B, gin, 1] -> [B, 1, T·hop].

    Args:
        initial_channel: channels of the latent input (192).
        resblock_kernel_sizes: kernel size of each parallel branch of a stage (3, 7, 11).
        resblock_dilation_sizes: dilations of each branch's residual units ((1, 3, 5) each).
        upsample_rates: up-sampling factor per stage (4 stages); their product is the hop length.
        upsample_initial_channel: channels entering the first stage (512), halved by every stage; a multiple of 32
            (the source path starts with a 32nd of it: Applio's 16 channels at 512; narrower only in tests).
        gin_channels: speaker-embedding channels (0: no speaker conditioning).
        sr: output sample rate in Hz (sets the sine frequency).
        upsample_kernel_sizes: not used (stages up-sample by linear interpolation, not transposed convs);
            accepted so that every vocoder is built from the same config.
    """

    def __init__(
        self,
        *,
        initial_channel: int,
        resblock_kernel_sizes: list[int],
        resblock_dilation_sizes: list[list[int]],
        upsample_rates: list[int],
        upsample_initial_channel: int,
        gin_channels: int,
        sr: int,
        upsample_kernel_sizes: list[int] | None = None,
    ) -> None:
        super().__init__()
        if len(upsample_rates) != STAGES:
            raise RVCError(
                f"RefineGAN has {STAGES} up-sampling stages, but this config has {len(upsample_rates)} "
                f"({list(upsample_rates)}, a v1 layout): train RefineGAN voices with the v2 configs"
            )
        self.upsample_rates = tuple(upsample_rates)
        self.downsample_rates = tuple(reversed(self.upsample_rates))
        if upsample_initial_channel % SOURCE_DIVISOR:
            raise RVCError(
                f"RefineGAN needs upsample_initial_channel to be a multiple of {SOURCE_DIVISOR} (512 in the "
                f"shipped configs), not {upsample_initial_channel}: fix the run's config.json"
            )
        self.upp = math.prod(upsample_rates)
        self.m_source = MergedSineSource(sr)
        source = upsample_initial_channel // SOURCE_DIVISOR
        self.pre_conv = weight_norm(nn.Conv1d(1, source, 7, padding=3))
        self.downsample_blocks = nn.ModuleList(
            weight_norm(nn.Conv1d(source * 2**i, source * 2 ** (i + 1), 7, padding=3))
            for i in range(len(upsample_rates))
        )
        channels = upsample_initial_channel
        self.mel_conv = weight_norm(nn.Conv1d(initial_channel, channels // 2, 7, padding=3))
        if gin_channels:
            self.cond = nn.Conv1d(gin_channels, channels // 2, 1)
        self.upsample_conv_blocks = nn.ModuleList()
        for _ in upsample_rates:
            self.upsample_conv_blocks.append(
                ParallelResBlock(
                    channels + channels // 4, channels // 2, resblock_kernel_sizes, resblock_dilation_sizes
                )
            )
            channels //= 2
        self.conv_post = weight_norm(nn.Conv1d(channels, 1, 7, padding=3, bias=False))

    def forward(
        self, x: torch.Tensor, f0: torch.Tensor, g: torch.Tensor | None = None, window: Window | None = None
    ) -> torch.Tensor:
        """x [B, 192, T], f0 [B, T] Hz, g [B, gin, 1] -> audio [B, 1, T·hop] in (-1, 1) ([B, 1, (stop - start)·hop]
        of frames `window`, cut from a full pass: the AdaIN noise is drawn per activation, so a shorter pass would
        draw other numbers for a seed)."""
        audio = self._full(x, f0, g)
        if window is None:
            return audio
        return audio[..., window[0] * self.upp : window[1] * self.upp]

    def _full(self, x: torch.Tensor, f0: torch.Tensor, g: torch.Tensor | None) -> torch.Tensor:
        """x [B, 192, T], f0 [B, T] Hz, g [B, gin, 1] -> audio [B, 1, T·hop]."""
        frames = x.shape[-1]
        f0 = F.interpolate(f0.unsqueeze(1), size=frames * self.upp, mode="linear")
        source = self.m_source(f0.transpose(1, 2)).transpose(1, 2)
        h = self.pre_conv(source)
        skips = []
        for rate, block in zip(self.downsample_rates, self.downsample_blocks):
            h = F.leaky_relu(h, LRELU_SLOPE)
            skips.append(h)
            h = block(resample_down(h, rate))
        mel = self.mel_conv(x)
        if g is not None:
            mel = mel + self.cond(g)
        x = torch.cat([mel, h], dim=1)
        for rate, block, skip in zip(self.upsample_rates, self.upsample_conv_blocks, reversed(skips)):
            x = F.interpolate(F.leaky_relu(x, LRELU_SLOPE), scale_factor=float(rate), mode="linear")
            x = block(torch.cat([x, skip], dim=1))
        return torch.tanh(self.conv_post(F.leaky_relu(x, LRELU_SLOPE)))

    def remove_weight_norm(self) -> None:
        """Fold every weight norm into a plain weight for faster inference (same output)."""
        fold_weight_norm(self)
