"""What the MRF HiFi-GAN and RefineGAN tests share: reference per-rate geometry, a per-rate model cache, inputs,
and the checks every f0 vocoder must pass (exact length, gradients everywhere, fold keeps the audio)."""

from __future__ import annotations

import math
from collections.abc import Callable

import pytest
import torch
from torch import nn
from torch.nn.utils import parametrize

UPSAMPLE_RATES = {32000: [10, 8, 2, 2], 40000: [10, 10, 2, 2], 44100: [7, 7, 3, 3], 48000: [12, 10, 2, 2]}
UPSAMPLE_KERNELS = {32000: [20, 16, 4, 4], 40000: [16, 16, 4, 4], 44100: [14, 14, 6, 6], 48000: [24, 20, 4, 4]}
HOP = {32000: 320, 40000: 400, 44100: 441, 48000: 480}


def build_at_rate(vocoder_class: type[nn.Module], sr: int, kernel_sizes: list[int]) -> nn.Module:
    """`vocoder_class` with the reference v2 geometry at `sr` (latent 192, 512 channels, speaker 256)."""
    return vocoder_class(
        initial_channel=192,
        resblock_kernel_sizes=kernel_sizes,
        resblock_dilation_sizes=[[1, 3, 5]] * 3,
        upsample_rates=UPSAMPLE_RATES[sr],
        upsample_initial_channel=512,
        upsample_kernel_sizes=UPSAMPLE_KERNELS[sr],
        gin_channels=256,
        sr=sr,
    )


def model_cache(build: Callable[[int], nn.Module]) -> Callable[[int], nn.Module]:
    """`get(sr)`: the model `build(sr)` makes under seed 0, built on first use and then shared."""
    cache: dict[int, nn.Module] = {}

    def get(sr: int) -> nn.Module:
        if sr not in cache:
            torch.manual_seed(0)
            cache[sr] = build(sr)
        return cache[sr]

    return get


def inputs(frames: int = 3) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Latent `[2, 192, frames]`, f0 `[2, frames]` Hz with unvoiced frames, speaker `[2, 256, 1]`."""
    generator = torch.Generator().manual_seed(1)
    x = torch.randn(2, 192, frames, generator=generator)
    f0 = torch.tensor([[110.0, 220.0, 0.0], [0.0, 300.0, 450.0]])[:, :frames]
    g = torch.randn(2, 256, 1, generator=generator)
    return x, f0, g


def check_output_is_frames_times_hop(model: nn.Module, sr: int) -> None:
    """Three frames give exactly `3 * hop` finite samples inside (-1, 1)."""
    with torch.no_grad():
        audio = model.eval()(*inputs())
    assert audio.shape == (2, 1, 3 * HOP[sr])
    assert torch.isfinite(audio).all() and audio.abs().max() < 1


def check_gradients_reach_every_parameter(model: nn.Module) -> None:
    """One backward pass leaves a non-zero gradient on every parameter."""
    model.train().zero_grad()
    model(*inputs()).square().mean().backward()
    silent = [name for name, p in model.named_parameters() if p.grad is None or not p.grad.abs().sum() > 0]
    assert silent == []


def check_folded_weight_norm_gives_the_same_audio(model: nn.Module, folded: nn.Module) -> None:
    """`folded` (a fresh build of `model`'s class) loaded with `model`'s weights and folded sounds the same."""
    folded.eval().load_state_dict(model.state_dict())
    folded.remove_weight_norm()
    assert not any("parametrizations" in key for key in folded.state_dict())
    with torch.no_grad():
        torch.manual_seed(5)
        expected = model.eval()(*inputs())
        torch.manual_seed(5)
        actual = folded(*inputs())
    torch.testing.assert_close(actual, expected, atol=1e-6, rtol=1e-5)


def check_weight_normed_layers_keep_torch_default_init(model: nn.Module) -> None:
    """Every weight-normed layer of a fresh `model` has torch's default weight scale, as the references' effectively do.

    Torch draws conv weights from U(-b, b), b = 1/sqrt(fan_in) (std b/sqrt(3)); the references' N(0, 0.01) draw
    runs after weight norm and changes nothing (training.md §4.4). Layers of under 100 weights are too noisy to judge.
    """
    checked = 0
    for name, layer in model.named_modules():
        if not parametrize.is_parametrized(layer, "weight"):
            continue
        weight = layer.weight.detach()
        if weight.numel() < 100:
            continue
        fan_in = weight[0].numel()
        expected = 1 / math.sqrt(3 * fan_in)
        assert weight.std().item() == pytest.approx(expected, rel=0.15), name
        checked += 1
    assert checked > 0
