"""RefineGAN (Applio layout): key layout at every rate, exact output length, gradients, fold, layout detection."""

from __future__ import annotations

import math

import pytest
import torch

from rvc.errors import RVCError
from rvc.models.vocoders.refinegan import RefineGAN, detect_refinegan_layout, resample_down
from rvc.models.vocoders.sources import MergedSineSource
from rvc.models.weight_norm import state_dict_to_disk
from tests.models.vocoder_checks import (
    HOP,
    UPSAMPLE_RATES,
    build_at_rate,
    check_folded_weight_norm_gives_the_same_audio,
    check_gradients_reach_every_parameter,
    check_output_is_frames_times_hop,
    check_weight_normed_layers_keep_torch_default_init,
    model_cache,
)

# (in, out) channels of each up-sampling stage's input conv, and the branch kernels (training.md §4.5).
STAGES = [(640, 256), (320, 128), (160, 64), (80, 32)]
BRANCH_KERNELS = [3, 7, 11]


def expected_keys() -> dict[str, tuple[int, ...]]:
    """On-disk `dec.*` keys (without the prefix) and shapes of Applio's RefineGAN; the same at every rate."""
    keys = {
        "m_source.merge.0.weight": (1, 1),
        "pre_conv.weight_g": (16, 1, 1),
        "pre_conv.weight_v": (16, 1, 7),
        "pre_conv.bias": (16,),
        "mel_conv.weight_g": (256, 1, 1),
        "mel_conv.weight_v": (256, 192, 7),
        "mel_conv.bias": (256,),
        "cond.weight": (256, 256, 1),
        "cond.bias": (256,),
        "conv_post.weight_g": (1, 1, 1),
        "conv_post.weight_v": (1, 32, 7),
    }
    for i, (c_in, c_out) in enumerate([(16, 32), (32, 64), (64, 128), (128, 256)]):
        keys[f"downsample_blocks.{i}.weight_g"] = (c_out, 1, 1)
        keys[f"downsample_blocks.{i}.weight_v"] = (c_out, c_in, 7)
        keys[f"downsample_blocks.{i}.bias"] = (c_out,)
    for i, (n, o) in enumerate(STAGES):
        stage = f"upsample_conv_blocks.{i}"
        keys[f"{stage}.input_conv.weight"] = (o, n, 7)
        keys[f"{stage}.input_conv.bias"] = (o,)
        for j, k in enumerate(BRANCH_KERNELS):
            keys[f"{stage}.blocks.{j}.0.weight"] = (o,)
            keys[f"{stage}.blocks.{j}.2.weight"] = (o,)
            for convs in ("convs1", "convs2"):
                for layer in range(3):
                    prefix = f"{stage}.blocks.{j}.1.{convs}.{layer}"
                    keys[f"{prefix}.weight_g"] = (o, 1, 1)
                    keys[f"{prefix}.weight_v"] = (o, o, k)
                    keys[f"{prefix}.bias"] = (o,)
    return keys


def build(sr: int) -> RefineGAN:
    return build_at_rate(RefineGAN, sr, BRANCH_KERNELS)


@pytest.fixture(scope="module")
def models():
    """One model per sample rate, built on first use and shared by the tests of this module."""
    return model_cache(build)


@pytest.mark.parametrize("sr", sorted(HOP))
def test_state_dict_matches_applio_layout(models, sr):
    on_disk = {k: tuple(v.shape) for k, v in state_dict_to_disk(models(sr).state_dict()).items()}
    assert on_disk == expected_keys()


@pytest.mark.parametrize("sr", sorted(HOP))
def test_output_is_frames_times_hop(models, sr):
    check_output_is_frames_times_hop(models(sr), sr)


@pytest.mark.parametrize("sr", [40000, 44100])
def test_gradients_reach_every_parameter(models, sr):
    check_gradients_reach_every_parameter(models(sr))


def test_folded_weight_norm_gives_the_same_audio(models):
    check_folded_weight_norm_gives_the_same_audio(models(44100), build(44100))


@pytest.mark.parametrize("sr", [40000, 44100])
def test_weight_normed_layers_keep_torch_default_init(models, sr):
    check_weight_normed_layers_keep_torch_default_init(models(sr))


def test_initial_values_follow_applio(models):
    model = models(40000)
    noise_scales = [
        p for name, p in model.named_parameters() if name.endswith((".0.weight", ".2.weight")) and ".blocks." in name
    ]
    assert len(noise_scales) == 4 * 3 * 2
    assert all(torch.all(p == 1e-4) for p in noise_scales)
    input_conv = model.upsample_conv_blocks[0].input_conv.weight
    assert input_conv.std().item() == pytest.approx(0.01, rel=0.05)


def _narrow(channels: int, sr: int = 44100) -> RefineGAN:
    """The reference geometry at `sr` with `channels` instead of 512 entering the first stage."""
    torch.manual_seed(0)
    return RefineGAN(
        initial_channel=192, resblock_kernel_sizes=BRANCH_KERNELS, resblock_dilation_sizes=[[1, 3, 5]] * 3,
        upsample_rates=UPSAMPLE_RATES[sr], upsample_initial_channel=channels, gin_channels=256, sr=sr,
    )  # fmt: skip


@pytest.mark.parametrize("channels", [32, 64])
def test_narrow_widths_scale_the_source_path_with_the_stages(channels):
    """Tests train narrow vocoders: the source path starts at a 32nd of the first stage's width (Applio's 16 at
    512), so every skip still fills a quarter of its stage's input, and the keys stay Applio's."""
    model = _narrow(channels)
    on_disk = {k: tuple(v.shape) for k, v in state_dict_to_disk(model.state_dict()).items()}
    assert set(on_disk) == set(expected_keys())
    source = channels // 32
    assert on_disk["pre_conv.weight_v"] == (source, 1, 7)
    for i, (c_in, c_out) in enumerate(STAGES):
        assert on_disk[f"downsample_blocks.{i}.weight_v"] == (source * 2 ** (i + 1), source * 2**i, 7)
        assert on_disk[f"upsample_conv_blocks.{i}.input_conv.weight"] == (
            c_out * channels // 512,
            c_in * channels // 512,
            7,
        )
    check_output_is_frames_times_hop(model, 44100)


def test_widths_that_do_not_halve_down_to_the_source_are_refused():
    with pytest.raises(RVCError, match="multiple of 32 .* not 48"):
        _narrow(48)


def test_detects_the_three_refinegan_layouts(models):
    ours = state_dict_to_disk({f"dec.{k}": v for k, v in models(40000).state_dict().items()})
    assert detect_refinegan_layout(ours) == "A"
    assert detect_refinegan_layout(models(40000).state_dict()) == "A"
    fork_2025 = {
        "dec.m_source.merge.0.weight": torch.zeros(1, 1),
        "dec.pre_conv.weight_v": torch.zeros(256, 1, 7),
        "dec.downsample_blocks.0.weight_g": torch.zeros(128, 1, 1),
        "dec.downsample_blocks.0.weight_v": torch.zeros(128, 1, 80),
    }
    assert detect_refinegan_layout(fork_2025) == "H"
    fork_2024 = {
        "dec.source_conv.weight_v": torch.zeros(16, 1, 7),
        "dec.downsample_blocks.0.1.convs1.0.weight_v": torch.zeros(32, 16, 7),
    }
    assert detect_refinegan_layout(fork_2024) == "D"
    with pytest.raises(ValueError, match="no RefineGAN decoder"):
        detect_refinegan_layout({"dec.ups.0.weight_v": torch.zeros(512, 256, 16)})


def test_merged_sine_source_is_a_scaled_sine_through_tanh(monkeypatch):
    monkeypatch.setattr(torch, "randn_like", torch.zeros_like)
    source = MergedSineSource(48000)
    with torch.no_grad():
        source.merge[0].weight.fill_(2.0)
        out = source(torch.full((1, 480, 1), 1000.0))
    assert source.merge[0].bias is None
    expected = torch.tanh(2.0 * 0.1 * torch.sin(2 * math.pi * torch.arange(1, 481) / 48))
    assert out.shape == (1, 480, 1)
    torch.testing.assert_close(out[0, :, 0], expected, atol=1e-5, rtol=0)


@pytest.mark.parametrize("rate", [2, 3, 7, 12])
def test_source_downsampling_keeps_length_and_survives_half_precision(rate):
    x = torch.randn(2, 16, rate * 50, generator=torch.Generator().manual_seed(4))
    full = resample_down(x, rate)
    half = resample_down(x.half(), rate)
    assert full.shape == (2, 16, 50)
    assert half.dtype == torch.float16 and torch.isfinite(half).all()
    torch.testing.assert_close(half.float(), full, atol=5e-3, rtol=0)


def test_five_stage_v1_configs_are_refused_with_a_clear_message():
    from rvc.configs import load_config
    from rvc.errors import RVCError
    from rvc.models.vocoders.refinegan import RefineGAN

    model = load_config(32000, "v1")["model"]
    with pytest.raises(RVCError, match="RefineGAN has 4 up-sampling stages, but this config has 5"):
        RefineGAN(
            initial_channel=192,
            resblock_kernel_sizes=model["resblock_kernel_sizes"],
            resblock_dilation_sizes=model["resblock_dilation_sizes"],
            upsample_rates=model["upsample_rates"],
            upsample_initial_channel=512,
            gin_channels=256,
            sr=32000,
        )
