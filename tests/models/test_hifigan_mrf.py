"""MRF HiFi-GAN: reference key layout per sample rate, exact output length, gradients, fold, harmonic source."""

from __future__ import annotations

import math

import pytest
import torch

from rvc.models.vocoders.hifigan_mrf import HiFiGANMRF
from rvc.models.vocoders.sources import HarmonicSource, harmonic_excitation
from rvc.models.weight_norm import state_dict_to_disk
from tests.models.vocoder_checks import (
    HOP,
    UPSAMPLE_KERNELS,
    build_at_rate,
    check_folded_weight_norm_gives_the_same_audio,
    check_gradients_reach_every_parameter,
    check_output_is_frames_times_hop,
    check_weight_normed_layers_keep_torch_default_init,
    model_cache,
)

# Per-rate geometry of the reference configs and the resulting kernel shapes (training.md §3.1, §3.4, §4.5).
NOISE_CONV_KERNELS = {32000: [64, 8, 4, 1], 40000: [80, 8, 4, 1], 44100: [125, 17, 5, 1], 48000: [80, 8, 4, 1]}
STAGE_IN = [512, 256, 128, 64]
STAGE_OUT = [256, 128, 64, 32]
MRF_KERNELS = [3, 7, 11]


def expected_keys(sr: int) -> dict[str, tuple[int, ...]]:
    """On-disk `dec.*` keys (without the prefix) and shapes of the reference MRF HiFi-GAN at `sr`."""
    keys = {
        "m_source.l_linear.weight": (1, 9),
        "m_source.l_linear.bias": (1,),
        "conv_pre.weight_g": (512, 1, 1),
        "conv_pre.weight_v": (512, 192, 7),
        "conv_pre.bias": (512,),
        "cond.weight": (512, 256, 1),
        "cond.bias": (512,),
        "conv_post.weight_g": (1, 1, 1),
        "conv_post.weight_v": (1, 32, 7),
        "conv_post.bias": (1,),
    }
    for i, (c_in, c_out) in enumerate(zip(STAGE_IN, STAGE_OUT)):
        keys[f"upsamples.{i}.weight_g"] = (c_in, 1, 1)
        keys[f"upsamples.{i}.weight_v"] = (c_in, c_out, UPSAMPLE_KERNELS[sr][i])
        keys[f"upsamples.{i}.bias"] = (c_out,)
        keys[f"noise_convs.{i}.weight"] = (c_out, 1, NOISE_CONV_KERNELS[sr][i])
        keys[f"noise_convs.{i}.bias"] = (c_out,)
        for j, k in enumerate(MRF_KERNELS):
            for layer in range(3):
                for conv in ("conv1", "conv2"):
                    prefix = f"mrfs.{i}.{j}.layers.{layer}.{conv}"
                    keys[f"{prefix}.weight_g"] = (c_out, 1, 1)
                    keys[f"{prefix}.weight_v"] = (c_out, c_out, k)
                    keys[f"{prefix}.bias"] = (c_out,)
    return keys


def build(sr: int) -> HiFiGANMRF:
    return build_at_rate(HiFiGANMRF, sr, MRF_KERNELS)


@pytest.fixture(scope="module")
def models():
    """One model per sample rate, built on first use and shared by the tests of this module."""
    return model_cache(build)


@pytest.mark.parametrize("sr", sorted(HOP))
def test_state_dict_matches_reference_layout(models, sr):
    model = models(sr)
    on_disk = {k: tuple(v.shape) for k, v in state_dict_to_disk(model.state_dict()).items()}
    assert on_disk == expected_keys(sr)


@pytest.mark.parametrize("sr", sorted(HOP))
def test_output_is_frames_times_hop(models, sr):
    check_output_is_frames_times_hop(models(sr), sr)


@pytest.mark.parametrize("sr", [40000, 44100])
def test_gradients_reach_every_parameter(models, sr):
    check_gradients_reach_every_parameter(models(sr))


@pytest.mark.parametrize("sr", [40000, 44100])
def test_weight_normed_layers_keep_torch_default_init(models, sr):
    check_weight_normed_layers_keep_torch_default_init(models(sr))


@pytest.mark.parametrize("sr", [44100])
def test_folded_weight_norm_gives_the_same_audio(models, sr):
    check_folded_weight_norm_gives_the_same_audio(models(sr), build(sr))


def test_excitation_is_a_continuous_sine_with_harmonics(monkeypatch):
    monkeypatch.setattr(torch, "randn_like", torch.zeros_like)
    monkeypatch.setattr(torch, "rand", lambda *size, **kw: torch.zeros(*size, **kw))
    samples = 20000
    f0 = torch.full((1, samples, 1), 441.0)
    f0[:, 15000:] = 0.0
    excitation = harmonic_excitation(f0, 44100, harmonic_num=2)
    n = torch.arange(1, 15001, dtype=torch.float64)
    for k in range(3):
        expected = 0.1 * torch.sin(2 * math.pi * 0.01 * (k + 1) * n)
        torch.testing.assert_close(excitation[0, :15000, k].double(), expected, atol=2e-4, rtol=0)
    assert excitation[0, 15000:].abs().max() == 0


def test_excitation_noise_levels_and_random_harmonic_phase():
    torch.manual_seed(3)
    f0 = torch.zeros(1, 40000, 1)
    f0[:, :20000] = 200.0
    excitation = harmonic_excitation(f0, 40000, harmonic_num=8)
    unvoiced = excitation[0, 20000:]
    assert unvoiced.std().item() == pytest.approx(0.1 / 3, rel=0.05)
    voiced_residual = excitation[0, :20000, 0] - 0.1 * torch.sin(2 * math.pi * 0.005 * torch.arange(1, 20001))
    assert voiced_residual.std().item() == pytest.approx(0.003, rel=0.1)
    first_samples = excitation[0, 0, 1:] - 0.1 * torch.sin(2 * math.pi * 0.005 * torch.arange(2, 10))
    assert first_samples.abs().max() > 0.01


def test_harmonic_source_merges_nine_sines_into_one_channel():
    source = HarmonicSource(40000)
    with torch.no_grad():
        source.l_linear.weight.zero_()
        source.l_linear.bias.fill_(0.5)
        out = source(torch.full((2, 100, 1), 150.0))
    assert source.l_linear.in_features == 9
    assert out.shape == (2, 100, 1)
    torch.testing.assert_close(out, torch.full_like(out, math.tanh(0.5)))
