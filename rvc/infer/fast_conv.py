"""CPU speed-up of the vocoders: every 1-D convolution runs as a channels-last 2-D convolution.

oneDNN's 1-D path reorders each activation into a blocked layout and back around every convolution, and picks
slow kernels for the narrow late stages (32-128 channels over long signals). Viewed as `[B, C, 1, T]` in
channels-last memory, the same convolutions run 1.5-3x faster and the activations stay channels-last from one
layer to the next (element-wise ops keep the layout), so no copies happen in between. Results are the same up
to float rounding; `tests/infer/test_fast_conv.py` checks the HiFi-GAN and MRF HiFi-GAN vocoders against the
plain modules (RefineGAN is left alone: `randn_like` on channels-last activations draws its noise in another order).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


class _ChannelsLastConv(nn.Module):
    """The frozen weight (`[.., .., 1, K]`, channels-last), bias and 2-D geometry of a 1-D convolution."""

    def __init__(self, conv: nn.Conv1d | nn.ConvTranspose1d) -> None:
        super().__init__()
        weight = conv.weight.detach().unsqueeze(2).contiguous(memory_format=torch.channels_last)
        self.weight = nn.Parameter(weight, requires_grad=False)
        self.bias = None if conv.bias is None else nn.Parameter(conv.bias.detach(), requires_grad=False)
        self.stride = (1, conv.stride[0])
        self.padding = (0, conv.padding[0])
        self.dilation = (1, conv.dilation[0])
        self.groups = conv.groups


class ChannelsLastConv1d(_ChannelsLastConv):
    """A `nn.Conv1d` computed as `conv2d` on `[B, C, 1, T]` channels-last: `[B, Cin, T]` -> `[B, Cout, T']`."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """`[B, Cin, T]` (any memory layout) -> `[B, Cout, T']` with channels-last strides."""
        y = F.conv2d(x.unsqueeze(2), self.weight, self.bias, self.stride, self.padding, self.dilation, self.groups)
        return y.squeeze(2)


class ChannelsLastConvTranspose1d(_ChannelsLastConv):
    """A `nn.ConvTranspose1d` computed as `conv_transpose2d` on `[B, C, 1, T]` channels-last."""

    def __init__(self, conv: nn.ConvTranspose1d) -> None:
        super().__init__(conv)
        self.output_padding = (0, conv.output_padding[0])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """`[B, Cin, T]` -> `[B, Cout, T']` with channels-last strides."""
        y = F.conv_transpose2d(
            x.unsqueeze(2),
            self.weight,
            self.bias,
            self.stride,
            self.padding,
            self.output_padding,
            self.groups,
            self.dilation,
        )
        return y.squeeze(2)


def _convertible(module: nn.Module) -> bool:
    """Plain zero-padded 1-D convolutions with numeric padding and no weight-norm parametrization left."""
    from torch.nn.utils import parametrize

    return (
        isinstance(module, (nn.Conv1d, nn.ConvTranspose1d))
        and module.padding_mode == "zeros"
        and isinstance(module.padding, tuple)
        and not parametrize.is_parametrized(module)
    )


def channels_last_convs(module: nn.Module) -> int:
    """Swap every plain `Conv1d`/`ConvTranspose1d` below `module` for its channels-last twin, in place; the count."""
    swapped = 0
    for name, child in list(module.named_children()):
        if _convertible(child):
            twin = ChannelsLastConv1d(child) if isinstance(child, nn.Conv1d) else ChannelsLastConvTranspose1d(child)
            setattr(module, name, twin)
            swapped += 1
        else:
            swapped += channels_last_convs(child)
    return swapped
