"""Up-sampling geometry shared by the HiFi-GAN vocoders, odd 44.1 kHz rates included (training.md §3.3-3.4)."""

from __future__ import annotations

import math

from torch import nn


def upsample_padding(rate: int, kernel_size: int) -> tuple[int, int]:
    """(padding, output_padding) of a stride-`rate` transposed conv that lengthens its input exactly `rate` times.

    Even rates keep mainline RVC's `(kernel - rate) // 2`; odd rates (44.1 kHz: 7, 7, 3, 3 with kernels 14, 14, 6, 6)
    use the Dec-2024 fork's `rate // 2 + 1` with one sample of output padding.
    """
    if rate % 2 == 0:
        return (kernel_size - rate) // 2, 0
    return rate // 2 + 1, 1


def source_strides(upsample_rates: list[int]) -> list[int]:
    """Stride of each stage's source conv: the product of the up-sampling rates after that stage."""
    return [math.prod(upsample_rates[i + 1 :]) for i in range(len(upsample_rates))]


def source_conv_geometry(stride: int) -> tuple[int, int]:
    """(kernel_size, padding) of the strided conv bringing the sample-rate source down to a stage's rate.

    Even strides give mainline's `2 * stride` / `stride // 2`; odd ones (44.1 kHz: 63, 9, 3) `2 * stride - 1`.
    """
    if stride == 1:
        return 1, 0
    kernel_size = 2 * stride - stride % 2
    return kernel_size, (kernel_size - stride) // 2


def upsample_conv(in_channels: int, out_channels: int, rate: int, kernel_size: int) -> nn.ConvTranspose1d:
    """A stage's transposed conv: `[B, in_channels, T]` -> `[B, out_channels, T*rate]` (geometry of `upsample_padding`)."""
    padding, output_padding = upsample_padding(rate, kernel_size)
    return nn.ConvTranspose1d(
        in_channels, out_channels, kernel_size, rate, padding=padding, output_padding=output_padding
    )


def source_conv(channels: int, stride: int) -> nn.Conv1d:
    """A stage's source conv: excitation `[B, 1, L]` -> `[B, channels, L/stride]` (geometry of `source_conv_geometry`)."""
    kernel_size, padding = source_conv_geometry(stride)
    return nn.Conv1d(1, channels, kernel_size, stride, padding=padding)
