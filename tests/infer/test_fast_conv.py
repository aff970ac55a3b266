"""The channels-last convolutions give the same audio as the plain vocoders, for every vocoder type."""

from __future__ import annotations

import copy

import pytest
import torch
from torch import nn

from rvc.configs import load_config
from rvc.infer.fast_conv import ChannelsLastConv1d, ChannelsLastConvTranspose1d, channels_last_convs
from rvc.models.synthesizer import Synthesizer
from rvc.models.synthesizer_config import SynthesizerConfig
from rvc.models.weight_norm import fold_weight_norm


@pytest.mark.parametrize(
    ("layer", "twin"),
    [
        (nn.Conv1d(8, 6, 5, stride=2, padding=3, dilation=2), ChannelsLastConv1d),
        (nn.ConvTranspose1d(8, 4, 16, stride=10, padding=3, output_padding=1), ChannelsLastConvTranspose1d),
    ],
)
def test_single_layers_match(layer, twin):
    torch.manual_seed(0)
    x = torch.randn(2, 8, 50)
    with torch.inference_mode():
        torch.testing.assert_close(twin(layer)(x), layer(x), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize(("vocoder", "use_f0"), [("HiFi-GAN", True), ("HiFi-GAN", False), ("MRF HiFi-GAN", True)])
def test_vocoders_match_the_plain_modules(vocoder, use_f0):
    torch.manual_seed(0)
    config = SynthesizerConfig.from_json_config(load_config(32000, "v2")).replace(upsample_initial_channel=64)
    model = Synthesizer(**config.as_kwargs(), use_f0=use_f0, vocoder=vocoder)
    fold_weight_norm(model)
    plain = model.dec.eval()
    fast = copy.deepcopy(plain)
    assert channels_last_convs(fast) > 0
    assert not any(isinstance(module, (nn.Conv1d, nn.ConvTranspose1d)) for module in fast.modules())
    z = torch.randn(1, 192, 40)
    f0 = torch.full((1, 40), 180.0) if use_f0 else None
    g = torch.randn(1, 256, 1)
    with torch.inference_mode():
        torch.manual_seed(3)
        expected = plain(z, f0, g)
        torch.manual_seed(3)
        actual = fast(z, f0, g)
    assert actual.shape == expected.shape == (1, 1, 40 * 320)
    torch.testing.assert_close(actual.contiguous(), expected, rtol=1e-4, atol=1e-5)
