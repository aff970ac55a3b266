"""HuBERT "base"-style content encoder (the ContentVec / HuBERT / SPIN family), inference only.

Waveform at 16 kHz → convolutional feature extractor (group norm after the first conv; stride
product 320, so 50 frames/s) → layer norm + linear projection → convolutional positional
embedding (weight norm folded into a plain conv at load) → layer norm → post-LN transformer
layers. `final_proj` is the 768→256 head that RVC v1 voices read their features through.

Parameter names are our own; `rvc.features.embedders` maps the Hugging Face and fairseq layouts
onto them. Only the post-LN "base" variant is built: every built-in embedder is one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

BASE_CONV_LAYERS: tuple[tuple[int, int, int], ...] = ((512, 10, 5),) + ((512, 3, 2),) * 4 + ((512, 2, 2),) * 2

ACTIVATIONS: dict[str, Callable[[torch.Tensor], torch.Tensor]] = {"gelu": F.gelu, "relu": F.relu}


@dataclass(frozen=True)
class HubertConfig:
    """Shape of a HuBERT-base-style encoder; defaults are HuBERT base / ContentVec.

    `conv_layers` lists `(channels, kernel, stride)` per feature-extractor conv;
    `final_proj_size` is None when the checkpoint has no `final_proj`.
    """

    hidden_size: int = 768
    num_layers: int = 12
    num_heads: int = 12
    ffn_size: int = 3072
    conv_layers: tuple[tuple[int, int, int], ...] = BASE_CONV_LAYERS
    conv_bias: bool = False
    feature_norm: bool = True
    pos_conv_kernel: int = 128
    pos_conv_groups: int = 16
    layer_norm_eps: float = 1e-5
    activation: str = "gelu"
    final_proj_size: int | None = 256


class ConvBlock(nn.Module):
    """One feature-extractor conv (+ optional per-channel group norm) and GELU: `[B, C, N] -> [B, C', N']`."""

    def __init__(self, in_channels: int, channels: int, kernel: int, stride: int, bias: bool, norm: bool):
        super().__init__()
        self.conv = nn.Conv1d(in_channels, channels, kernel, stride=stride, bias=bias)
        self.norm = nn.GroupNorm(channels, channels) if norm else None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """`[B, C, N] -> [B, C', N']`."""
        x = self.conv(x)
        if self.norm is not None:
            x = self.norm(x)
        return F.gelu(x)


class PositionalConv(nn.Module):
    """Grouped conv over time whose output is added to the frames: `[B, T, C] -> [B, T, C]`."""

    def __init__(self, channels: int, kernel: int, groups: int):
        super().__init__()
        self.conv = nn.Conv1d(channels, channels, kernel, padding=kernel // 2, groups=groups)
        self.trim = 1 if kernel % 2 == 0 else 0

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """`[B, T, C] -> [B, T, C]` (the extra frame of an even kernel is dropped)."""
        y = self.conv(x.transpose(1, 2))
        if self.trim:
            y = y[:, :, : -self.trim]
        return F.gelu(y).transpose(1, 2)


class SelfAttention(nn.Module):
    """Multi-head self-attention without masking: `[B, T, C] -> [B, T, C]`."""

    def __init__(self, channels: int, heads: int):
        super().__init__()
        self.heads = heads
        self.q_proj = nn.Linear(channels, channels)
        self.k_proj = nn.Linear(channels, channels)
        self.v_proj = nn.Linear(channels, channels)
        self.out_proj = nn.Linear(channels, channels)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """`[B, T, C] -> [B, T, C]`."""
        batch, frames, channels = x.shape
        shape = (batch, frames, self.heads, channels // self.heads)
        q, k, v = (proj(x).view(shape).transpose(1, 2) for proj in (self.q_proj, self.k_proj, self.v_proj))
        y = F.scaled_dot_product_attention(q, k, v)
        return self.out_proj(y.transpose(1, 2).reshape(batch, frames, channels))


class EncoderLayer(nn.Module):
    """Post-LN transformer layer (attention → add → norm → FFN → add → norm): `[B, T, C] -> [B, T, C]`."""

    def __init__(self, config: HubertConfig):
        super().__init__()
        self.attention = SelfAttention(config.hidden_size, config.num_heads)
        self.attention_norm = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps)
        self.ffn_in = nn.Linear(config.hidden_size, config.ffn_size)
        self.ffn_out = nn.Linear(config.ffn_size, config.hidden_size)
        self.ffn_norm = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps)
        self.activation = ACTIVATIONS[config.activation]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """`[B, T, C] -> [B, T, C]`."""
        x = self.attention_norm(x + self.attention(x))
        return self.ffn_norm(x + self.ffn_out(self.activation(self.ffn_in(x))))


class Hubert(nn.Module):
    """HuBERT-base-style encoder: `[B, N]` 16 kHz waveform → `[B, T, C]` frames at 50/s."""

    def __init__(self, config: HubertConfig):
        super().__init__()
        self.check_config(config)
        self.config = config
        blocks, in_channels = [], 1
        for index, (channels, kernel, stride) in enumerate(config.conv_layers):
            blocks.append(ConvBlock(in_channels, channels, kernel, stride, config.conv_bias, norm=index == 0))
            in_channels = channels
        self.extractor = nn.ModuleList(blocks)
        self.feature_norm = nn.LayerNorm(in_channels, eps=config.layer_norm_eps) if config.feature_norm else None
        self.feature_proj = nn.Linear(in_channels, config.hidden_size)
        self.pos_conv = PositionalConv(config.hidden_size, config.pos_conv_kernel, config.pos_conv_groups)
        self.encoder_norm = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps)
        self.layers = nn.ModuleList(EncoderLayer(config) for _ in range(config.num_layers))
        self.final_proj = (
            nn.Linear(config.hidden_size, config.final_proj_size) if config.final_proj_size is not None else None
        )

    @staticmethod
    def check_config(config: HubertConfig) -> None:
        """Raise ValueError when `config` cannot be built (unknown activation, heads not dividing the width)."""
        if config.activation not in ACTIVATIONS:
            raise ValueError(f"unsupported activation {config.activation!r}; expected one of {sorted(ACTIVATIONS)}")
        if config.num_heads < 1 or config.hidden_size % config.num_heads:
            raise ValueError(f"hidden size {config.hidden_size} is not divisible by {config.num_heads} heads")

    @property
    def min_samples(self) -> int:
        """Shortest input that yields one frame (400 samples for the base conv stack)."""
        samples = 1
        for _channels, kernel, stride in reversed(self.config.conv_layers):
            samples = (samples - 1) * stride + kernel
        return samples

    def num_frames(self, num_samples: int) -> int:
        """Frames produced for `num_samples` input samples (49 for 16 000 with the base stack)."""
        frames = num_samples
        for _channels, kernel, stride in self.config.conv_layers:
            frames = (frames - kernel) // stride + 1
        return max(frames, 0)

    def forward(self, wav: torch.Tensor, num_layers: int | None = None) -> torch.Tensor:
        """`[B, N]` waveform → `[B, T, C]` output of transformer layer `num_layers` (default: the last)."""
        x = wav.unsqueeze(1)
        for block in self.extractor:
            x = block(x)
        x = x.transpose(1, 2)
        if self.feature_norm is not None:
            x = self.feature_norm(x)
        x = self.feature_proj(x)
        x = self.encoder_norm(x + self.pos_conv(x))
        for layer in self.layers[:num_layers]:
            x = layer(x)
        return x
