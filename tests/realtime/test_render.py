"""Rendering one window's tail: the flow runs over the tail and its reach only, and that changes nothing."""

from __future__ import annotations

import pytest
import torch

from rvc.infer.conversion import load_models
from rvc.infer.options import ConversionOptions
from rvc.realtime import render
from rvc.realtime.render import flow_reach, flow_tail

OPTIONS = ConversionOptions(f0_method="pm", device="cpu", seed=0)
FRAMES = 90
TAIL = 30


@pytest.fixture
def models(stream_installed):
    """The test voice's models with its flow made non-trivial (the couplings' output layers start at zero, which
    makes an identity flow), put back as they were afterwards: the voice is shared through the model cache."""
    models = load_models(stream_installed["voice"], OPTIONS)
    posts = [coupling.post.weight for coupling in models.voice.model.flow.flows[::2]]
    saved = [weight.detach().clone() for weight in posts]
    generator = torch.Generator().manual_seed(0)
    with torch.no_grad():
        for weight in posts:
            weight.copy_(0.05 * torch.randn(weight.shape, generator=generator))
    try:
        yield models
    finally:
        with torch.no_grad():
            for weight, old in zip(posts, saved, strict=True):
                weight.copy_(old)


def test_the_flow_over_the_tail_and_its_reach_gives_the_latent_of_the_whole_window(models, monkeypatch):
    flow = models.voice.model.flow
    assert flow_reach(flow) == 24  # four couplings of three kernel-5 layers
    generator = torch.Generator().manual_seed(1)
    z_p = torch.randn(1, 2 * flow.flows[0].half_channels, FRAMES, generator=generator)
    mask = torch.ones(1, 1, FRAMES)
    g = models.voice.model.emb_g(torch.tensor([0])).unsqueeze(-1)
    with torch.inference_mode():
        whole = flow(z_p, mask, g=g, reverse=True)[:, :, -TAIL:]
        cropped = flow_tail(flow, z_p, mask, g, TAIL)
        monkeypatch.setattr(render, "flow_reach", lambda flow: 0)
        too_short = flow_tail(flow, z_p, mask, g, TAIL)
    assert cropped.shape == whole.shape == (1, z_p.shape[1], TAIL)
    torch.testing.assert_close(cropped, whole, atol=1e-5, rtol=1e-5)
    assert (too_short - whole).abs().max() > 1e-2  # the reach is needed: less context changes the latent
