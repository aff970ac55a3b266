"""Vocoders (the synthesizer's `dec`): a name -> class registry; class modules are imported on first use."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from rvc.errors import RVCError

if TYPE_CHECKING:
    from torch import nn

VOCODER_NAMES = ("HiFi-GAN", "MRF HiFi-GAN", "RefineGAN")

_F0_CLASSES = {
    "HiFi-GAN": ("rvc.models.vocoders.hifigan_nsf", "HiFiGANNSF"),
    "MRF HiFi-GAN": ("rvc.models.vocoders.hifigan_mrf", "HiFiGANMRF"),
    "RefineGAN": ("rvc.models.vocoders.refinegan", "RefineGAN"),
}
_NO_F0_CLASSES = {"HiFi-GAN": ("rvc.models.vocoders.hifigan_nsf", "HiFiGAN")}


def vocoder_class(name: str, use_f0: bool = True) -> type:
    """The decoder class for vocoder `name` with (`use_f0`) or without pitch guidance."""
    if name not in VOCODER_NAMES:
        raise RVCError(f"Unknown vocoder {name!r}: use one of {', '.join(VOCODER_NAMES)}.")
    classes = _F0_CLASSES if use_f0 else _NO_F0_CLASSES
    if name not in classes:
        raise RVCError(f"The {name} vocoder needs pitch guidance (f0); use HiFi-GAN for a voice without f0.")
    module_name, class_name = classes[name]
    return getattr(importlib.import_module(module_name), class_name)


def build_vocoder(
    name: str,
    *,
    initial_channel: int,
    resblock_kernel_sizes: list[int],
    resblock_dilation_sizes: list[list[int]],
    upsample_rates: list[int],
    upsample_initial_channel: int,
    upsample_kernel_sizes: list[int],
    gin_channels: int,
    sr: int,
    use_f0: bool = True,
) -> nn.Module:
    """Decoder `name` mapping a latent `[B, C, T]` (+ f0 `[B, T]`, speaker `[B, gin, 1]`) to audio `[B, 1, T*hop]`."""
    return vocoder_class(name, use_f0)(
        initial_channel=initial_channel,
        resblock_kernel_sizes=resblock_kernel_sizes,
        resblock_dilation_sizes=resblock_dilation_sizes,
        upsample_rates=upsample_rates,
        upsample_initial_channel=upsample_initial_channel,
        upsample_kernel_sizes=upsample_kernel_sizes,
        gin_channels=gin_channels,
        sr=sr,
    )
