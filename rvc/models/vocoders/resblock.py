"""HiFi-GAN's residual block type "1", shared by the HiFi-GAN decoders and RefineGAN's parallel branches."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from rvc.models.commons import get_padding
from rvc.models.weight_norm import weight_norm


class ResBlock(nn.Module):
    """Per dilation d, `x + conv2(lrelu(conv1_d(lrelu(x))))` with weight-normed convs. `[B, C, T]` -> same.

    Args:
        channels: channels in and out.
        kernel_size: kernel of every conv (odd).
        dilations: dilation of each unit's first conv; the second conv is not dilated.
        slope: LeakyReLU negative slope (0.1 in HiFi-GAN, 0.2 in RefineGAN).
    """

    def __init__(
        self,
        channels: int,
        kernel_size: int = 3,
        dilations: tuple[int, ...] = (1, 3, 5),
        *,
        slope: float = 0.1,
    ) -> None:
        super().__init__()
        self.slope = slope
        self.convs1 = nn.ModuleList(self._conv(channels, kernel_size, d) for d in dilations)
        self.convs2 = nn.ModuleList(self._conv(channels, kernel_size, 1) for _ in dilations)

    @staticmethod
    def _conv(channels: int, kernel_size: int, dilation: int) -> nn.Module:
        conv = nn.Conv1d(channels, channels, kernel_size, dilation=dilation, padding=get_padding(kernel_size, dilation))
        return weight_norm(conv)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """`[B, C, T]` -> `[B, C, T]`; the input tensor is left untouched."""
        for conv1, conv2 in zip(self.convs1, self.convs2):
            y = F.leaky_relu_(conv1(F.leaky_relu(x, self.slope)), self.slope)
            x = conv2(y).add_(x)
        return x
