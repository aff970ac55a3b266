"""HiFi-GAN decoders: the NSF one driven by a sine source at f0 (f0 voices) and the plain one (no-f0 voices).

Parameter layout (the `dec.*` keys of mainline RVC, Applio and Codename voices): `conv_pre`, `cond`,
`ups.{i}` (wn ConvTranspose1d), `resblocks.{3i+j}.convs1/convs2.{l}` (wn), `conv_post` (no bias); the NSF decoder
adds `m_source.l_linear` and `noise_convs.{i}`. Odd rates (44.1 kHz: 7·7·3·3) use the Dec-2024 fork's geometry.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from rvc.models.commons import mean_of_branches
from rvc.models.vocoders.resblock import ResBlock
from rvc.models.vocoders.sources import SineSource
from rvc.models.vocoders.upsampling import source_conv, source_strides, upsample_conv
from rvc.models.vocoders.windows import Window, context_bounds, crop_frames, crop_samples
from rvc.models.weight_norm import fold_weight_norm, weight_norm

LRELU_SLOPE = 0.1


class HiFiGAN(nn.Module):
    """Plain HiFi-GAN decoder (no-f0 voices): latent `[B, C, T]` + speaker `[B, gin, 1]` -> audio `[B, 1, T*hop]`.

    Args:
        initial_channel: channels of the latent input (192).
        resblock_kernel_sizes: kernel of each residual block of a stage (3, 7, 11).
        resblock_dilation_sizes: dilations of each residual block.
        upsample_rates: up-sampling factor per stage; their product is the hop length.
        upsample_initial_channel: channels after `conv_pre` (512), halved by every stage.
        upsample_kernel_sizes: transposed-conv kernel per stage.
        gin_channels: speaker-embedding channels (0: no speaker conditioning).
        sr: output sample rate in Hz (unused by the plain decoder; kept so every vocoder is built alike).
    """

    def __init__(
        self,
        initial_channel: int,
        resblock_kernel_sizes: list[int],
        resblock_dilation_sizes: list[list[int]],
        upsample_rates: list[int],
        upsample_initial_channel: int,
        upsample_kernel_sizes: list[int],
        gin_channels: int = 0,
        sr: int | None = None,
    ) -> None:
        super().__init__()
        self.num_kernels = len(resblock_kernel_sizes)
        self.upp = math.prod(upsample_rates)
        self.conv_pre = nn.Conv1d(initial_channel, upsample_initial_channel, 7, 1, padding=3)
        channels = [upsample_initial_channel // 2 ** (i + 1) for i in range(len(upsample_rates))]
        self.ups = nn.ModuleList()
        for i, (rate, kernel_size) in enumerate(zip(upsample_rates, upsample_kernel_sizes)):
            conv = upsample_conv(upsample_initial_channel // 2**i, channels[i], rate, kernel_size)
            self.ups.append(weight_norm(conv))
        self.resblocks = nn.ModuleList(
            ResBlock(stage_channels, kernel_size, tuple(dilations), slope=LRELU_SLOPE)
            for stage_channels in channels
            for kernel_size, dilations in zip(resblock_kernel_sizes, resblock_dilation_sizes)
        )
        self.conv_post = nn.Conv1d(channels[-1], 1, 7, 1, padding=3, bias=False)
        if gin_channels:
            self.cond = nn.Conv1d(gin_channels, upsample_initial_channel, 1)

    def _stage_blocks(self, x: torch.Tensor, stage: int) -> torch.Tensor:
        """Mean of the stage's residual blocks applied to `x` `[B, C, T]`."""
        return mean_of_branches(self.resblocks[stage * self.num_kernels : (stage + 1) * self.num_kernels], x)

    def _decode(self, x: torch.Tensor, g: torch.Tensor | None, source: torch.Tensor | None) -> torch.Tensor:
        """Shared body: `x` `[B, C, T]`, speaker `g`, excitation `source` `[B, 1, T*hop]` or None -> `[B, 1, T*hop]`."""
        x = self.conv_pre(x)
        if g is not None:
            x += self.cond(g)
        for stage, up in enumerate(self.ups):
            x = up(F.leaky_relu_(x, LRELU_SLOPE))
            if source is not None:
                x += self.noise_convs[stage](source)
            x = self._stage_blocks(x, stage)
        return torch.tanh_(self.conv_post(F.leaky_relu_(x)))

    def forward(
        self,
        x: torch.Tensor,
        f0: torch.Tensor | None = None,
        g: torch.Tensor | None = None,
        window: Window | None = None,
    ) -> torch.Tensor:
        """Latent `x` `[B, C, T]`, `f0` ignored (None), speaker `g` `[B, gin, 1]` -> audio `[B, 1, T*hop]`
        (`[B, 1, (stop - start)*hop]` of frames `window` = (start, stop) only, see `rvc.models.vocoders.windows`)."""
        return self._decode_window(x, g, None, window)

    def _decode_window(
        self, x: torch.Tensor, g: torch.Tensor | None, source: torch.Tensor | None, window: Window | None
    ) -> torch.Tensor:
        """`_decode` over `window`'s frames and their context only, the context's audio cut off again."""
        if window is None:
            return self._decode(x, g, source)
        bounds = context_bounds(x.shape[-1], window)
        if source is not None:
            source = crop_frames(source, (bounds[0] * self.upp, bounds[1] * self.upp))
        return crop_samples(self._decode(crop_frames(x, bounds), g, source), bounds, window, self.upp)

    def remove_weight_norm(self) -> None:
        """Fold weight norm into plain weights for faster inference (same output)."""
        fold_weight_norm(self)


class HiFiGANNSF(HiFiGAN):
    """NSF HiFi-GAN decoder: the plain decoder plus a sine source at f0 added after every up-sampling stage.

    Takes the arguments of `HiFiGAN`; `sr` is required (it sets the sine frequencies).
    """

    def __init__(
        self,
        initial_channel: int,
        resblock_kernel_sizes: list[int],
        resblock_dilation_sizes: list[list[int]],
        upsample_rates: list[int],
        upsample_initial_channel: int,
        upsample_kernel_sizes: list[int],
        gin_channels: int,
        sr: int,
    ) -> None:
        super().__init__(
            initial_channel,
            resblock_kernel_sizes,
            resblock_dilation_sizes,
            upsample_rates,
            upsample_initial_channel,
            upsample_kernel_sizes,
            gin_channels,
            sr,
        )
        self.m_source = SineSource(sr, harmonic_num=0)
        self.noise_convs = nn.ModuleList()
        for i, stride in enumerate(source_strides(upsample_rates)):
            self.noise_convs.append(source_conv(upsample_initial_channel // 2 ** (i + 1), stride))

    def forward(
        self, x: torch.Tensor, f0: torch.Tensor, g: torch.Tensor | None = None, window: Window | None = None
    ) -> torch.Tensor:
        """Latent `x` `[B, C, T]`, `f0` `[B, T]` Hz, speaker `g` `[B, gin, 1]` -> audio `[B, 1, T*hop]`
        (frames `window` only; the source is made for all T frames so the random draws stay the same)."""
        return self._decode_window(x, g, self.m_source(f0, self.upp), window)
