"""HiFi-GAN NSF and plain HiFi-GAN decoders: geometry per rate, sine source, init, weight-norm fold, gradients."""

from __future__ import annotations

import math

import pytest
import torch

from rvc.configs import SAMPLE_RATES, load_config
from rvc.errors import RVCError
from rvc.models.vocoders import VOCODER_NAMES, build_vocoder
from rvc.models.vocoders.hifigan_nsf import HiFiGAN, HiFiGANNSF
from rvc.models.vocoders.sources import SineGenerator, SineSource
from rvc.models.vocoders.upsampling import source_conv_geometry, source_strides, upsample_padding
from tests.models.vocoder_checks import check_weight_normed_layers_keep_torch_default_init

# training.md §3.4: per stage (rate, kernel, padding, output_padding, source stride, source kernel, source padding).
GEOMETRY = {
    32000: [(10, 20, 5, 0, 32, 64, 16), (8, 16, 4, 0, 4, 8, 2), (2, 4, 1, 0, 2, 4, 1), (2, 4, 1, 0, 1, 1, 0)],
    40000: [(10, 16, 3, 0, 40, 80, 20), (10, 16, 3, 0, 4, 8, 2), (2, 4, 1, 0, 2, 4, 1), (2, 4, 1, 0, 1, 1, 0)],
    44100: [(7, 14, 4, 1, 63, 125, 31), (7, 14, 4, 1, 9, 17, 4), (3, 6, 2, 1, 3, 5, 1), (3, 6, 2, 1, 1, 1, 0)],
    48000: [(12, 24, 6, 0, 40, 80, 20), (10, 20, 5, 0, 4, 8, 2), (2, 4, 1, 0, 2, 4, 1), (2, 4, 1, 0, 1, 1, 0)],
}
ALL_RATE_SETS = [(sr, version) for sr in SAMPLE_RATES for version in ("v2", "v1")]
# A tiny geometry for the registry's error paths (they raise before any decoder is built).
TINY_GEOMETRY = {
    "initial_channel": 192,
    "resblock_kernel_sizes": [3],
    "resblock_dilation_sizes": [[1]],
    "upsample_rates": [2],
    "upsample_initial_channel": 4,
    "upsample_kernel_sizes": [4],
    "gin_channels": 0,
    "sr": 16000,
}


pytestmark = pytest.mark.usefixtures("one_thread")


def make(sample_rate: int, version: str = "v2", use_f0: bool = True, channels: int = 512, gin: int = 256):
    model = load_config(sample_rate, version)["model"]
    return build_vocoder(
        "HiFi-GAN",
        initial_channel=192,
        resblock_kernel_sizes=model["resblock_kernel_sizes"],
        resblock_dilation_sizes=model["resblock_dilation_sizes"],
        upsample_rates=model["upsample_rates"],
        upsample_initial_channel=channels,
        upsample_kernel_sizes=model["upsample_kernel_sizes"],
        gin_channels=gin,
        sr=sample_rate,
        use_f0=use_f0,
    )


@pytest.mark.parametrize("sample_rate", SAMPLE_RATES)
def test_stage_geometry_matches_reference_table(sample_rate):
    decoder = make(sample_rate)
    for stage, row in enumerate(GEOMETRY[sample_rate]):
        rate, kernel, padding, output_padding, stride, noise_kernel, noise_padding = row
        up, noise = decoder.ups[stage], decoder.noise_convs[stage]
        assert (up.stride[0], up.kernel_size[0], up.padding[0], up.output_padding[0]) == (
            rate,
            kernel,
            padding,
            output_padding,
        )
        assert (noise.stride[0], noise.kernel_size[0], noise.padding[0]) == (stride, noise_kernel, noise_padding)


def test_geometry_helpers_keep_exact_lengths():
    for rate, kernel in [(10, 20), (8, 16), (10, 16), (12, 24), (2, 4), (7, 14), (3, 6), (5, 10), (9, 18)]:
        padding, output_padding = upsample_padding(rate, kernel)
        frames = 13
        assert (frames - 1) * rate - 2 * padding + kernel + output_padding == frames * rate
    for stride in [1, 2, 3, 4, 9, 40, 48, 63, 64]:
        kernel, padding = source_conv_geometry(stride)
        samples = 11 * stride
        assert (samples + 2 * padding - kernel) // stride + 1 == 11
    assert source_strides([7, 7, 3, 3]) == [63, 9, 3, 1]


@pytest.mark.parametrize("use_f0", [True, False], ids=["nsf", "plain"])
@pytest.mark.parametrize(("sample_rate", "version"), ALL_RATE_SETS)
def test_output_length_is_frames_times_hop(sample_rate, version, use_f0):
    torch.manual_seed(0)
    decoder = make(sample_rate, version, use_f0, channels=32, gin=8).eval()
    hop = math.prod(load_config(sample_rate, version)["model"]["upsample_rates"])
    assert hop == load_config(sample_rate, version)["data"]["hop_length"]
    for frames in (1, 7):
        f0 = torch.full((2, frames), 200.0) if use_f0 else None
        with torch.inference_mode():
            audio = decoder(torch.randn(2, 192, frames), f0, torch.randn(2, 8, 1))
        assert audio.shape == (2, 1, frames * hop)


def test_plain_decoder_has_no_source_and_ignores_f0():
    decoder = make(40000, use_f0=False, channels=32, gin=8)
    assert isinstance(decoder, HiFiGAN) and not isinstance(decoder, HiFiGANNSF)
    keys = decoder.state_dict().keys()
    assert not any(key.startswith(("m_source", "noise_convs")) for key in keys)
    assert isinstance(make(40000, channels=32, gin=8), HiFiGANNSF)


def test_forward_leaves_inputs_untouched():
    torch.manual_seed(0)
    decoder = make(44100, channels=32, gin=8).eval()
    x, f0, g = torch.randn(1, 192, 5), torch.full((1, 5), 150.0), torch.randn(1, 8, 1)
    copies = (x.clone(), f0.clone(), g.clone())
    with torch.inference_mode():
        decoder(x, f0, g)
    for original, copy in zip((x, f0, g), copies):
        assert torch.equal(original, copy)


def test_sine_phase_is_continuous_across_frames():
    sample_rate, upp, f0_hz = 40000, 400, 123.4
    generator = SineGenerator(sample_rate, noise_std=0.0)
    sine, voiced = generator(torch.full((1, 6), f0_hz), upp)
    n = torch.arange(1, 6 * upp + 1, dtype=torch.float64)
    expected = 0.1 * torch.sin(2 * math.pi * f0_hz * n / sample_rate)
    assert sine.shape == voiced.shape == (1, 6 * upp, 1)
    assert torch.allclose(sine[0, :, 0].double(), expected, atol=2e-4)
    assert voiced.all()


def test_sine_follows_a_pitch_change_without_a_phase_jump():
    generator = SineGenerator(32000, noise_std=0.0)
    sine, _ = generator(torch.tensor([[100.0, 100.0, 300.0, 300.0]]), 320)
    steps = sine[0, :, 0].diff().abs()
    assert steps.max() < 2 * math.pi * 300 / 32000 * 0.1 * 1.01  # no step larger than the fastest slope


def test_unvoiced_frames_carry_only_noise():
    torch.manual_seed(0)
    generator = SineGenerator(40000)
    f0 = torch.tensor([[0.0] * 50 + [220.0] * 50])
    source, voiced = generator(f0, 400)
    unvoiced_part, voiced_part = source[0, : 50 * 400, 0], source[0, 50 * 400 :, 0]
    assert voiced[0, : 50 * 400].sum() == 0 and voiced[0, 50 * 400 :].all()
    assert abs(unvoiced_part.std().item() - 0.1 / 3) < 0.002
    assert abs(unvoiced_part.mean().item()) < 0.002
    assert 0.06 < voiced_part.std().item() < 0.08  # 0.1 / sqrt(2) sine plus 0.003 noise


def test_sine_source_output_shape_and_range():
    source = SineSource(48000)
    excitation = source(torch.full((3, 4), 440.0), 480)
    assert excitation.shape == (3, 1, 4 * 480)
    assert excitation.abs().max() < 1


@pytest.mark.parametrize("sample_rate", [40000, 44100])
@pytest.mark.parametrize("use_f0", [True, False])
def test_upsampling_and_resblock_weights_keep_torch_default_init(sample_rate, use_f0):
    """From scratch the references' ups/ResBlock layers keep torch's init: N(0, 0.01) there made training diverge."""
    torch.manual_seed(0)
    decoder = make(sample_rate, use_f0=use_f0)
    check_weight_normed_layers_keep_torch_default_init(decoder)
    for layer in [*decoder.ups, *decoder.resblocks[0].convs1, *decoder.resblocks[11].convs2]:
        g = layer.parametrizations.weight.original0.detach()
        v = layer.parametrizations.weight.original1.detach()
        assert torch.allclose(g.flatten(), v.flatten(1).norm(dim=1), rtol=1e-5)


def test_remove_weight_norm_gives_the_same_audio():
    torch.manual_seed(0)
    decoder = make(44100, channels=64, gin=8).eval()
    x, f0, g = torch.randn(1, 192, 6), torch.full((1, 6), 180.0), torch.randn(1, 8, 1)
    with torch.inference_mode():
        torch.manual_seed(5)
        expected = decoder(x, f0, g)
        decoder.remove_weight_norm()
        torch.manual_seed(5)
        actual = decoder(x, f0, g)
    assert not any("parametrizations" in key for key in decoder.state_dict())
    torch.testing.assert_close(actual, expected, rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("use_f0", [True, False], ids=["nsf", "plain"])
@pytest.mark.parametrize("sample_rate", [40000, 44100])
def test_gradients_reach_every_decoder_parameter(sample_rate, use_f0):
    torch.manual_seed(0)
    decoder = make(sample_rate, use_f0=use_f0, channels=32, gin=8).train()
    f0 = torch.full((2, 4), 200.0) if use_f0 else None
    audio = decoder(torch.randn(2, 192, 4), f0, torch.randn(2, 8, 1))
    audio.pow(2).mean().backward()
    no_gradient = [name for name, p in decoder.named_parameters() if p.grad is None or not p.grad.abs().sum() > 0]
    assert no_gradient == []


def test_registry_names_and_errors():
    assert VOCODER_NAMES == ("HiFi-GAN", "MRF HiFi-GAN", "RefineGAN")
    with pytest.raises(RVCError, match="Unknown vocoder 'WaveNet'"):
        build_vocoder("WaveNet", **TINY_GEOMETRY)
    for name in ("MRF HiFi-GAN", "RefineGAN"):
        with pytest.raises(RVCError, match="needs pitch guidance"):
            build_vocoder(name, **TINY_GEOMETRY, use_f0=False)
