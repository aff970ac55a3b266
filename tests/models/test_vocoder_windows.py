"""Vocoding a window of frames (plus context) gives the samples a full pass gives there, for each vocoder and rate."""

from __future__ import annotations

import pytest
import torch

from rvc.configs import load_config
from rvc.models.synthesizer import Synthesizer
from rvc.models.synthesizer_config import SynthesizerConfig
from rvc.models.vocoders.windows import CONTEXT_FRAMES, context_bounds
from rvc.models.weight_norm import fold_weight_norm

FRAMES = 100
WINDOW = (40, 60)


def tiny_decoder(rate: int, vocoder: str, use_f0: bool) -> torch.nn.Module:
    """The vocoder of a `rate` v2 voice with 32 initial channels (the receptive field does not depend on width)."""
    torch.manual_seed(0)
    config = SynthesizerConfig.from_json_config(load_config(rate, "v2")).replace(upsample_initial_channel=32)
    model = Synthesizer(**config.as_kwargs(), use_f0=use_f0, vocoder=vocoder)
    fold_weight_norm(model)
    return model.dec.eval()


@pytest.mark.parametrize(
    ("rate", "vocoder", "use_f0"),
    [
        (32000, "HiFi-GAN", True),
        (40000, "HiFi-GAN", True),
        (44100, "HiFi-GAN", True),
        (48000, "HiFi-GAN", True),
        (40000, "HiFi-GAN", False),
        (40000, "MRF HiFi-GAN", True),
        (44100, "MRF HiFi-GAN", True),
    ],
)
def test_window_matches_the_full_pass(rate, vocoder, use_f0):
    """RefineGAN is left out: it vocodes the whole latent and cuts (its noise is drawn per activation)."""
    dec = tiny_decoder(rate, vocoder, use_f0)
    torch.manual_seed(1)
    z = torch.randn(1, 192, FRAMES)
    f0 = torch.linspace(120.0, 260.0, FRAMES)[None] if use_f0 else None
    g = torch.randn(1, 256, 1)
    hop = dec.upp
    with torch.inference_mode():
        torch.manual_seed(5)
        full = dec(z, f0, g)
        torch.manual_seed(5)
        part = dec(z, f0, g, window=WINDOW)
    assert part.shape == (1, 1, (WINDOW[1] - WINDOW[0]) * hop)
    expected = full[..., WINDOW[0] * hop : WINDOW[1] * hop]
    torch.testing.assert_close(part, expected, rtol=1e-4, atol=1e-6)
    assert expected.abs().max() > 1e-4


def test_a_window_without_enough_context_would_differ():
    """The check above can fail: with the context cut off, the window's edges change (the context is needed)."""
    dec = tiny_decoder(44100, "HiFi-GAN", True)
    z = torch.randn(1, 192, FRAMES)
    f0 = torch.full((1, FRAMES), 200.0)
    g = torch.randn(1, 256, 1)
    with torch.inference_mode():
        torch.manual_seed(5)
        full = dec(z, f0, g)[..., WINDOW[0] * dec.upp : WINDOW[1] * dec.upp]
        torch.manual_seed(5)
        source = dec.m_source(f0, dec.upp)[..., WINDOW[0] * dec.upp : WINDOW[1] * dec.upp]
        bare = dec._decode(z[..., WINDOW[0] : WINDOW[1]], g, source)
    assert (bare - full).abs().max() > 1e-4


def test_context_bounds_stay_inside_the_latent():
    assert context_bounds(FRAMES, (0, 10)) == (0, 10 + CONTEXT_FRAMES)
    assert context_bounds(FRAMES, (90, FRAMES)) == (90 - CONTEXT_FRAMES, FRAMES)
    with pytest.raises(ValueError):
        context_bounds(FRAMES, (10, FRAMES + 1))
