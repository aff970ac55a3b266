"""Encoders of the synthesizer: phone/pitch prior encoder `enc_p`, posterior encoder `enc_q` and their WaveNet."""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from rvc.models.attention import Encoder
from rvc.models.commons import gated_activation, get_padding, sequence_mask
from rvc.models.weight_norm import weight_norm


class WaveNet(nn.Module):
    """Non-causal WaveNet stack (WaveGlow style) with gated units, global conditioning and skip sums.

    Layer i: weight-normed dilated conv `in_layers[i]` (C -> 2C), gate with slice i of `cond_layer(g)`, weight-normed
    1x1 `res_skip_layers[i]` (C -> 2C: residual + skip; the last layer C -> C: skip only).
    """

    def __init__(
        self,
        hidden_channels: int,
        kernel_size: int,
        dilation_rate: int,
        n_layers: int,
        gin_channels: int = 0,
        p_dropout: float = 0.0,
    ) -> None:
        super().__init__()
        if kernel_size % 2 == 0:
            raise ValueError(f"WaveNet needs an odd kernel_size, got {kernel_size}")
        self.hidden_channels = hidden_channels
        self.n_layers = n_layers
        self.drop = nn.Dropout(p_dropout)
        if gin_channels:
            self.cond_layer = weight_norm(nn.Conv1d(gin_channels, 2 * hidden_channels * n_layers, 1))
        self.in_layers = nn.ModuleList()
        self.res_skip_layers = nn.ModuleList()
        for i in range(n_layers):
            dilation = dilation_rate**i
            self.in_layers.append(
                weight_norm(
                    nn.Conv1d(
                        hidden_channels,
                        2 * hidden_channels,
                        kernel_size,
                        dilation=dilation,
                        padding=get_padding(kernel_size, dilation),
                    )
                )
            )
            out_channels = 2 * hidden_channels if i < n_layers - 1 else hidden_channels
            self.res_skip_layers.append(weight_norm(nn.Conv1d(hidden_channels, out_channels, 1)))

    def forward(self, x: torch.Tensor, x_mask: torch.Tensor, g: torch.Tensor | None = None) -> torch.Tensor:
        """`x` `[B, C, T]`, `x_mask` `[B, 1, T]`, `g` `[B, gin, 1]` -> summed skips `[B, C, T]`."""
        channels = self.hidden_channels
        if g is not None:
            g = self.cond_layer(g)
        output = None
        for i, (in_layer, res_skip_layer) in enumerate(zip(self.in_layers, self.res_skip_layers)):
            condition = None if g is None else g[:, 2 * channels * i : 2 * channels * (i + 1)]
            acts = self.drop(gated_activation(in_layer(x), condition, channels))
            res_skip = res_skip_layer(acts)
            if i < self.n_layers - 1:
                x = (x + res_skip[:, :channels]) * x_mask
                skip = res_skip[:, channels:]
            else:
                skip = res_skip
            output = skip if output is None else output + skip
        return output * x_mask


class TextEncoder(nn.Module):
    """Prior encoder `enc_p`: content features (+ coarse pitch) -> transformer -> mean and log-std of the prior."""

    def __init__(
        self,
        out_channels: int,
        hidden_channels: int,
        filter_channels: int,
        n_heads: int,
        n_layers: int,
        kernel_size: int,
        p_dropout: float,
        embedding_dim: int,
        use_f0: bool = True,
    ) -> None:
        super().__init__()
        self.out_channels = out_channels
        self.hidden_channels = hidden_channels
        self.emb_phone = nn.Linear(embedding_dim, hidden_channels)
        if use_f0:
            self.emb_pitch = nn.Embedding(256, hidden_channels)
        self.encoder = Encoder(hidden_channels, filter_channels, n_heads, n_layers, kernel_size, p_dropout)
        self.proj = nn.Conv1d(hidden_channels, out_channels * 2, 1)

    def forward(
        self, phone: torch.Tensor, pitch: torch.Tensor | None, lengths: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """`phone` `[B, T, E]`, `pitch` `[B, T]` or None, `lengths` `[B]` -> m, logs `[B, C, T]`, mask `[B, 1, T]`."""
        x = self.emb_phone(phone)
        if pitch is not None:
            x = x + self.emb_pitch(pitch)
        x = F.leaky_relu(x * math.sqrt(self.hidden_channels), 0.1).transpose(1, -1)
        x_mask = sequence_mask(lengths, x.size(2)).unsqueeze(1).to(x.dtype)
        x = self.encoder(x * x_mask, x_mask)
        stats = self.proj(x) * x_mask
        m, logs = torch.split(stats, self.out_channels, dim=1)
        return m, logs, x_mask


class PosteriorEncoder(nn.Module):
    """Posterior encoder `enc_q`: linear spectrogram -> WaveNet -> latent `z` sampled from N(m, exp(logs))."""

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        hidden_channels: int,
        kernel_size: int,
        dilation_rate: int,
        n_layers: int,
        gin_channels: int = 0,
    ) -> None:
        super().__init__()
        self.out_channels = out_channels
        self.pre = nn.Conv1d(in_channels, hidden_channels, 1)
        self.enc = WaveNet(hidden_channels, kernel_size, dilation_rate, n_layers, gin_channels=gin_channels)
        self.proj = nn.Conv1d(hidden_channels, out_channels * 2, 1)

    def forward(
        self, spec: torch.Tensor, lengths: torch.Tensor, g: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
        """`spec` `[B, F, T]`, `lengths` `[B]`, `g` `[B, gin, 1]` -> z, m, logs `[B, C, T]`, mask `[B, 1, T]`."""
        x_mask = sequence_mask(lengths, spec.size(2)).unsqueeze(1).to(spec.dtype)
        x = self.enc(self.pre(spec) * x_mask, x_mask, g=g)
        stats = self.proj(x) * x_mask
        m, logs = torch.split(stats, self.out_channels, dim=1)
        z = (m + torch.randn_like(m) * torch.exp(logs)) * x_mask
        return z, m, logs, x_mask
