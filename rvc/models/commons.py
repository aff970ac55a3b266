"""Small tensor helpers shared by the model modules: masks, segment slicing, padding."""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn


def get_padding(kernel_size: int, dilation: int = 1) -> int:
    """Padding that keeps the length of a stride-1 convolution with an odd `kernel_size`."""
    return (kernel_size * dilation - dilation) // 2


def sequence_mask(lengths: torch.Tensor, max_length: int | None = None) -> torch.Tensor:
    """Boolean mask `[B, T]` that is True at positions below each of `lengths` `[B]`."""
    if max_length is None:
        max_length = int(lengths.max())
    positions = torch.arange(max_length, dtype=lengths.dtype, device=lengths.device)
    return positions.unsqueeze(0) < lengths.unsqueeze(1)


def slice_segments(x: torch.Tensor, starts: torch.Tensor, segment_size: int) -> torch.Tensor:
    """Window of `segment_size` steps of the last axis of `x` `[B, T]` or `[B, C, T]` from `starts` `[B]` per sample."""
    offsets = starts.to(device=x.device, dtype=torch.long).unsqueeze(1) + torch.arange(segment_size, device=x.device)
    if x.dim() == 3:
        offsets = offsets.unsqueeze(1).expand(-1, x.size(1), -1)
    return torch.gather(x, -1, offsets)


def rand_slice_segments(x: torch.Tensor, lengths: torch.Tensor, segment_size: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Random window of `segment_size` frames per sample of `x` `[B, C, T]` within `lengths`: (slices, starts `[B]`)."""
    last_start = lengths - segment_size + 1
    starts = (torch.rand(x.size(0)).to(device=x.device) * last_start).to(dtype=torch.long)
    return slice_segments(x, starts, segment_size), starts


def gated_activation(x: torch.Tensor, condition: torch.Tensor | None, channels: int) -> torch.Tensor:
    """WaveNet gate: `tanh(a) * sigmoid(b)` of the two channel halves of `x + condition` `[B, 2C, T]` -> `[B, C, T]`."""
    if condition is not None:
        x = x + condition
    return torch.tanh(x[:, :channels]) * torch.sigmoid(x[:, channels:])


def mean_of_branches(branches: Sequence[nn.Module], x: torch.Tensor) -> torch.Tensor:
    """Mean of `branch(x)` over the parallel `branches` (HiFi-GAN's multi-receptive-field fusion). `[B, C, T]` -> same."""
    total = branches[0](x)
    for branch in branches[1:]:
        total += branch(x)
    return total.div_(len(branches))
