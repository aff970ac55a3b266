"""MRF HiFi-GAN vocoder: a harmonic-plus-noise source injected into a HiFi-GAN whose stages use MRF blocks.

Parameter layout (the `dec.*` keys of Applio and Codename voices, identical in every snapshot):
`m_source.l_linear`, `conv_pre` (wn), `cond`, `upsamples.{i}` (wn), `noise_convs.{i}`,
`mrfs.{i}.{j}.layers.{l}.conv1/conv2` (wn), `conv_post` (wn, with bias).
Odd up-sampling rates (44.1 kHz: 7·7·3·3) use the Dec-2024 fork's transposed-conv and source-conv geometry.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from rvc.models.commons import get_padding, mean_of_branches
from rvc.models.vocoders.sources import HarmonicSource
from rvc.models.vocoders.upsampling import source_conv, source_strides, upsample_conv
from rvc.models.vocoders.windows import Window, context_bounds, crop_frames, crop_samples
from rvc.models.weight_norm import fold_weight_norm, weight_norm

LRELU_SLOPE = 0.1


class MRFLayer(nn.Module):
    """Residual unit `x + conv2(lrelu(conv1(lrelu(x))))`; conv1 dilated, conv2 not. [B, C, T] -> [B, C, T]."""

    def __init__(self, channels: int, kernel_size: int, dilation: int) -> None:
        super().__init__()
        self.conv1 = weight_norm(
            nn.Conv1d(channels, channels, kernel_size, padding=get_padding(kernel_size, dilation), dilation=dilation)
        )
        self.conv2 = weight_norm(nn.Conv1d(channels, channels, kernel_size, padding=kernel_size // 2))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """[B, C, T] -> [B, C, T]."""
        y = self.conv1(F.leaky_relu(x, LRELU_SLOPE))
        return self.conv2(F.leaky_relu(y, LRELU_SLOPE, inplace=True)).add_(x)


class MRFBlock(nn.Module):
    """MRF layers of one kernel size applied in sequence, one per dilation. [B, C, T] -> [B, C, T]."""

    def __init__(self, channels: int, kernel_size: int, dilations: list[int]) -> None:
        super().__init__()
        self.layers = nn.ModuleList(MRFLayer(channels, kernel_size, d) for d in dilations)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """[B, C, T] -> [B, C, T]."""
        for layer in self.layers:
            x = layer(x)
        return x


class HiFiGANMRF(nn.Module):
    """MRF HiFi-GAN decoder: latent [B, 192, T] + f0 [B, T] Hz + speaker [B, gin, 1] -> audio [B, 1, T·hop].

    Args:
        initial_channel: channels of the latent input (192).
        resblock_kernel_sizes: kernel size of each MRF block of a stage (3, 7, 11).
        resblock_dilation_sizes: dilations of the layers of each MRF block.
        upsample_rates: up-sampling factor per stage; their product is the hop length.
        upsample_initial_channel: channels after `conv_pre` (512), halved by every stage.
        upsample_kernel_sizes: transposed-conv kernel per stage.
        gin_channels: speaker-embedding channels (0: no speaker conditioning).
        sr: output sample rate in Hz (sets the sine frequencies).
        harmonic_num: harmonics above f0 in the source (8 in every reference).
    """

    def __init__(
        self,
        *,
        initial_channel: int,
        resblock_kernel_sizes: list[int],
        resblock_dilation_sizes: list[list[int]],
        upsample_rates: list[int],
        upsample_initial_channel: int,
        upsample_kernel_sizes: list[int],
        gin_channels: int,
        sr: int,
        harmonic_num: int = 8,
    ) -> None:
        super().__init__()
        self.upp = math.prod(upsample_rates)
        self.m_source = HarmonicSource(sr, harmonic_num)
        self.conv_pre = weight_norm(nn.Conv1d(initial_channel, upsample_initial_channel, 7, padding=3))
        self.upsamples = nn.ModuleList()
        self.noise_convs = nn.ModuleList()
        self.mrfs = nn.ModuleList()
        strides = source_strides(upsample_rates)
        for i, (rate, kernel_size) in enumerate(zip(upsample_rates, upsample_kernel_sizes)):
            channels = upsample_initial_channel // 2 ** (i + 1)
            self.upsamples.append(
                weight_norm(upsample_conv(upsample_initial_channel // 2**i, channels, rate, kernel_size))
            )
            self.noise_convs.append(source_conv(channels, strides[i]))
            self.mrfs.append(
                nn.ModuleList(MRFBlock(channels, k, d) for k, d in zip(resblock_kernel_sizes, resblock_dilation_sizes))
            )
        self.conv_post = weight_norm(nn.Conv1d(channels, 1, 7, padding=3))
        if gin_channels:
            self.cond = nn.Conv1d(gin_channels, upsample_initial_channel, 1)

    def forward(
        self, x: torch.Tensor, f0: torch.Tensor, g: torch.Tensor | None = None, window: Window | None = None
    ) -> torch.Tensor:
        """x [B, 192, T], f0 [B, T] Hz, g [B, gin, 1] -> audio [B, 1, T·hop] in (-1, 1) ([B, 1, (stop - start)·hop]
        of frames `window` only; the source is made for all T frames so the random draws stay the same)."""
        f0 = F.interpolate(f0.unsqueeze(1), scale_factor=self.upp, mode="nearest")
        source = self.m_source(f0.transpose(1, 2)).transpose(1, 2)
        if window is None:
            return self._decode(x, g, source)
        bounds = context_bounds(x.shape[-1], window)
        source = crop_frames(source, (bounds[0] * self.upp, bounds[1] * self.upp))
        return crop_samples(self._decode(crop_frames(x, bounds), g, source), bounds, window, self.upp)

    def _decode(self, x: torch.Tensor, g: torch.Tensor | None, source: torch.Tensor) -> torch.Tensor:
        """Latent `x` [B, 192, T'] and excitation `source` [B, 1, T'·hop] -> audio [B, 1, T'·hop]."""
        x = self.conv_pre(x)
        if g is not None:
            x = x + self.cond(g)
        for upsample, noise_conv, blocks in zip(self.upsamples, self.noise_convs, self.mrfs):
            x = upsample(F.leaky_relu(x, LRELU_SLOPE, inplace=True)).add_(noise_conv(source))
            x = mean_of_branches(blocks, x)
        return torch.tanh(self.conv_post(F.leaky_relu(x, inplace=True)))

    def remove_weight_norm(self) -> None:
        """Fold every weight norm into a plain weight for faster inference (same output)."""
        fold_weight_norm(self)
