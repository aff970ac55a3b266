"""Transformer encoder of the phone/pitch encoder: relative-position self-attention, conv FFN, channel LayerNorm."""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn


class LayerNorm(nn.Module):
    """Layer norm over the channel axis of `[B, C, T]` (parameters `gamma`, `beta`)."""

    def __init__(self, channels: int, eps: float = 1e-5) -> None:
        super().__init__()
        self.channels = channels
        self.eps = eps
        self.gamma = nn.Parameter(torch.ones(channels))
        self.beta = nn.Parameter(torch.zeros(channels))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """`[B, C, T]` -> `[B, C, T]`."""
        x = F.layer_norm(x.transpose(1, -1), (self.channels,), self.gamma, self.beta, self.eps)
        return x.transpose(1, -1)


def relative_band(length: int, window: int, device: torch.device) -> tuple[torch.Tensor, torch.Tensor]:
    """Key position of each (query, offset) pair `[L, 2W+1]` (clamped into range) and whether it exists."""
    offsets = torch.arange(-window, window + 1, device=device)
    columns = torch.arange(length, device=device).unsqueeze(1) + offsets
    inside = (columns >= 0) & (columns < length)
    return columns.clamp(0, length - 1), inside


class RelativeMultiHeadAttention(nn.Module):
    """Multi-head self-attention with learned relative-position keys/values inside +-`window_size`, shared by heads."""

    def __init__(self, channels: int, out_channels: int, n_heads: int, p_dropout: float = 0.0, window_size: int = 10):
        super().__init__()
        if channels % n_heads:
            raise ValueError(f"channels ({channels}) must be divisible by n_heads ({n_heads})")
        self.n_heads = n_heads
        self.k_channels = channels // n_heads
        self.window_size = window_size
        self.conv_q = nn.Conv1d(channels, channels, 1)
        self.conv_k = nn.Conv1d(channels, channels, 1)
        self.conv_v = nn.Conv1d(channels, channels, 1)
        self.conv_o = nn.Conv1d(channels, out_channels, 1)
        self.drop = nn.Dropout(p_dropout)
        std = self.k_channels**-0.5
        self.emb_rel_k = nn.Parameter(torch.randn(1, 2 * window_size + 1, self.k_channels) * std)
        self.emb_rel_v = nn.Parameter(torch.randn(1, 2 * window_size + 1, self.k_channels) * std)
        for conv in (self.conv_q, self.conv_k, self.conv_v):
            nn.init.xavier_uniform_(conv.weight)

    def forward(self, x: torch.Tensor, attn_mask: torch.Tensor) -> torch.Tensor:
        """Self-attention over `x` `[B, C, T]` with `attn_mask` `[B, 1, T, T]` (0 = blocked) -> `[B, C_out, T]`.

        The relative terms exist only within +-`window_size` of the diagonal, so they are computed for those
        2W+1 offsets per query and scattered onto (or gathered from) the band: O(T*W) instead of O(T^2) work.
        """
        batch, channels, length = x.shape
        shape = (batch, self.n_heads, self.k_channels, length)
        query = self.conv_q(x).view(shape).transpose(2, 3)
        key = self.conv_k(x).view(shape).transpose(2, 3)
        value = self.conv_v(x).view(shape).transpose(2, 3)

        query = query / math.sqrt(self.k_channels)
        columns, inside = relative_band(length, self.window_size, x.device)
        band_index = columns.expand(batch, self.n_heads, -1, -1)
        relative_logits = torch.matmul(query, self.emb_rel_k[0].transpose(0, 1)) * inside
        scores = torch.matmul(query, key.transpose(-2, -1)).scatter_add(-1, band_index, relative_logits)
        scores = scores.masked_fill(attn_mask == 0, -1e4)
        weights = self.drop(F.softmax(scores, dim=-1))

        output = torch.matmul(weights, value)
        band_weights = weights.gather(-1, band_index) * inside
        output = output + torch.matmul(band_weights, self.emb_rel_v[0])
        return self.conv_o(output.transpose(2, 3).reshape(batch, channels, length))


class FeedForward(nn.Module):
    """Two "same"-padded convolutions with ReLU between, masked before each (`conv_1`, `conv_2`)."""

    def __init__(self, channels: int, filter_channels: int, kernel_size: int, p_dropout: float = 0.0) -> None:
        super().__init__()
        self.conv_1 = nn.Conv1d(channels, filter_channels, kernel_size, padding="same")
        self.conv_2 = nn.Conv1d(filter_channels, channels, kernel_size, padding="same")
        self.drop = nn.Dropout(p_dropout)

    def forward(self, x: torch.Tensor, x_mask: torch.Tensor) -> torch.Tensor:
        """`x` `[B, C, T]`, `x_mask` `[B, 1, T]` -> `[B, C, T]`."""
        x = self.drop(torch.relu(self.conv_1(x * x_mask)))
        return self.conv_2(x * x_mask) * x_mask


class Encoder(nn.Module):
    """Post-LN transformer: `n_layers` x (relative attention, residual, LayerNorm, FFN, residual, LayerNorm)."""

    def __init__(
        self,
        hidden_channels: int,
        filter_channels: int,
        n_heads: int,
        n_layers: int,
        kernel_size: int = 1,
        p_dropout: float = 0.0,
        window_size: int = 10,
    ) -> None:
        super().__init__()
        self.drop = nn.Dropout(p_dropout)
        self.attn_layers = nn.ModuleList(
            RelativeMultiHeadAttention(hidden_channels, hidden_channels, n_heads, p_dropout, window_size)
            for _ in range(n_layers)
        )
        self.norm_layers_1 = nn.ModuleList(LayerNorm(hidden_channels) for _ in range(n_layers))
        self.ffn_layers = nn.ModuleList(
            FeedForward(hidden_channels, filter_channels, kernel_size, p_dropout) for _ in range(n_layers)
        )
        self.norm_layers_2 = nn.ModuleList(LayerNorm(hidden_channels) for _ in range(n_layers))

    def forward(self, x: torch.Tensor, x_mask: torch.Tensor) -> torch.Tensor:
        """`x` `[B, C, T]`, `x_mask` `[B, 1, T]` -> `[B, C, T]` (zero outside the mask)."""
        attn_mask = x_mask.unsqueeze(2) * x_mask.unsqueeze(-1)
        x = x * x_mask
        for attention, norm_1, ffn, norm_2 in zip(
            self.attn_layers, self.norm_layers_1, self.ffn_layers, self.norm_layers_2
        ):
            x = norm_1(x + self.drop(attention(x, attn_mask)))
            x = norm_2(x + self.drop(ffn(x, x_mask)))
        return x * x_mask
