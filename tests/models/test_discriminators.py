"""Discriminators: D_*.pth key table per set, output and feature-map shapes, batching, gradients, errors."""

from __future__ import annotations

import pytest
import torch

from rvc.errors import RVCError
from rvc.models.discriminators import MultiPeriodDiscriminator, build_discriminator
from rvc.models.weight_norm import state_dict_to_disk

# training.md §5.1: (key suffix, weight_g, weight_v, bias) of each member type.
SCALE = [
    ("convs.0", (16, 1, 1), (16, 1, 15), (16,)),
    ("convs.1", (64, 1, 1), (64, 4, 41), (64,)),
    ("convs.2", (256, 1, 1), (256, 4, 41), (256,)),
    ("convs.3", (1024, 1, 1), (1024, 4, 41), (1024,)),
    ("convs.4", (1024, 1, 1), (1024, 4, 41), (1024,)),
    ("convs.5", (1024, 1, 1), (1024, 1024, 5), (1024,)),
    ("conv_post", (1, 1, 1), (1, 1024, 3), (1,)),
]
PERIOD = [
    ("convs.0", (32, 1, 1, 1), (32, 1, 5, 1), (32,)),
    ("convs.1", (128, 1, 1, 1), (128, 32, 5, 1), (128,)),
    ("convs.2", (512, 1, 1, 1), (512, 128, 5, 1), (512,)),
    ("convs.3", (1024, 1, 1, 1), (1024, 512, 5, 1), (1024,)),
    ("convs.4", (1024, 1, 1, 1), (1024, 1024, 5, 1), (1024,)),
    ("conv_post", (1, 1, 1, 1), (1, 1024, 3, 1), (1,)),
]
RESOLUTION = [
    ("convs.0", (32, 1, 1, 1), (32, 1, 3, 9), (32,)),
    ("convs.1", (32, 1, 1, 1), (32, 32, 3, 9), (32,)),
    ("convs.2", (32, 1, 1, 1), (32, 32, 3, 9), (32,)),
    ("convs.3", (32, 1, 1, 1), (32, 32, 3, 9), (32,)),
    ("convs.4", (32, 1, 1, 1), (32, 32, 3, 3), (32,)),
    ("conv_post", (1, 1, 1, 1), (1, 32, 3, 3), (1,)),
]
MEMBERS = {
    ("HiFi-GAN", "v2"): [SCALE] + [PERIOD] * 8,
    ("MRF HiFi-GAN", "v2"): [SCALE] + [PERIOD] * 8,
    ("HiFi-GAN", "v1"): [SCALE] + [PERIOD] * 6,
    ("RefineGAN", "v2"): [SCALE] + [PERIOD] * 5 + [RESOLUTION] * 3,
}
# Logit lengths for a 1000-sample input: scale 1000/4^4 -> 4; period p: ceil(1000/p) through four stride-3 convs
# (mainline: the fifth conv keeps its length) times p; resolution (n_fft, hop, win): bins x frames halved 3 times.
LENGTH = 1000
LOGITS_V2 = [4, 14, 15, 15, 14, 22, 17, 23, 37]
LOGITS_REFINEGAN = [4, 14, 15, 15, 14, 22, 513, 1025, 771]


def expected_keys(members: list) -> dict[str, tuple[int, ...]]:
    keys = {}
    for index, table in enumerate(members):
        for suffix, g, v, b in table:
            prefix = f"discriminators.{index}.{suffix}"
            keys[f"{prefix}.bias"] = b
            keys[f"{prefix}.weight_g"] = g
            keys[f"{prefix}.weight_v"] = v
    return keys


@pytest.fixture(scope="module")
def v2_set() -> MultiPeriodDiscriminator:
    torch.manual_seed(0)
    return build_discriminator("HiFi-GAN", "v2")


@pytest.fixture(scope="module")
def refinegan_set() -> MultiPeriodDiscriminator:
    torch.manual_seed(0)
    return build_discriminator("RefineGAN", "v2")


def waveforms() -> tuple[torch.Tensor, torch.Tensor]:
    generator = torch.Generator().manual_seed(2)
    return torch.randn(2, 1, LENGTH, generator=generator) * 0.3, torch.randn(2, 1, LENGTH, generator=generator) * 0.3


@pytest.mark.parametrize(("vocoder", "version"), sorted(MEMBERS))
def test_state_dict_matches_the_checkpoint_table(vocoder, version, v2_set, refinegan_set):
    if (vocoder, version) == ("HiFi-GAN", "v2"):
        model = v2_set
    elif vocoder == "RefineGAN":
        model = refinegan_set
    else:
        model = build_discriminator(vocoder, version)
    on_disk = {k: tuple(v.shape) for k, v in state_dict_to_disk(model.state_dict()).items()}
    assert on_disk == expected_keys(MEMBERS[(vocoder, version)])


@pytest.mark.parametrize(("fixture", "logits"), [("v2_set", LOGITS_V2), ("refinegan_set", LOGITS_REFINEGAN)])
def test_outputs_and_feature_maps_per_member(request, fixture, logits):
    model = request.getfixturevalue(fixture)
    y, y_hat = waveforms()
    with torch.no_grad():
        real, fake, real_maps, fake_maps = model(y, y_hat)
    assert [tuple(o.shape) for o in real] == [(2, n) for n in logits]
    assert [tuple(o.shape) for o in fake] == [(2, n) for n in logits]
    assert [len(maps) for maps in real_maps] == [7] + [6] * (len(logits) - 1)
    assert [m.shape for m in real_maps[1]] == [m.shape for m in fake_maps[1]]
    assert real_maps[1][0].shape == (2, 32, 167, 2)
    assert real_maps[0][0].shape == (2, 16, LENGTH)


def test_real_and_fake_halves_equal_separate_runs(v2_set):
    y, y_hat = waveforms()
    with torch.no_grad():
        real, fake, real_maps, _ = v2_set(y, y_hat)
        for index in (0, 3):
            member = v2_set.discriminators[index]
            real_alone, real_alone_maps = member(y)
            fake_alone, _ = member(y_hat)
            torch.testing.assert_close(real[index], real_alone, atol=1e-5, rtol=1e-4)
            torch.testing.assert_close(fake[index], fake_alone, atol=1e-5, rtol=1e-4)
            torch.testing.assert_close(real_maps[index][-2], real_alone_maps[-2], atol=1e-5, rtol=1e-4)
    assert not torch.allclose(real[3], fake[3])


def test_gradients_reach_every_parameter_and_the_generated_audio(refinegan_set):
    y, y_hat = waveforms()
    y_hat.requires_grad_(True)
    refinegan_set.zero_grad()
    real, fake, _, _ = refinegan_set(y, y_hat)
    loss = sum(((1 - r) ** 2).mean() + (f**2).mean() for r, f in zip(real, fake))
    loss.backward()
    silent = [name for name, p in refinegan_set.named_parameters() if p.grad is None or not p.grad.abs().sum() > 0]
    assert silent == []
    assert y_hat.grad.abs().sum() > 0


def _flat(maps: list[list[torch.Tensor]]) -> list[torch.Tensor]:
    return [m for member in maps for m in member]


def test_generator_pass_gives_forwards_values_and_gradient_to_the_audio_only(refinegan_set):
    y, y_hat = waveforms()
    reference = y_hat.clone().requires_grad_(True)
    _, fake, real_maps, fake_maps = refinegan_set(y, reference)
    loss = sum(((1 - f) ** 2).mean() for f in fake)
    loss = loss + sum((r.detach() - f).abs().mean() for r, f in zip(_flat(real_maps), _flat(fake_maps)))
    loss.backward()
    refinegan_set.zero_grad(set_to_none=True)

    y_hat.requires_grad_(True)
    fake_g, real_maps_g, fake_maps_g = refinegan_set.generator_pass(y, y_hat)
    pairs = zip(fake_g + _flat(real_maps_g) + _flat(fake_maps_g), fake + _flat(real_maps) + _flat(fake_maps))
    for ours, theirs in pairs:
        torch.testing.assert_close(ours, theirs, atol=1e-5, rtol=1e-4)
    assert len(_flat(fake_maps_g)) == len(_flat(fake_maps))
    assert not any(m.requires_grad for m in _flat(real_maps_g))
    loss_g = sum(((1 - f) ** 2).mean() for f in fake_g)
    loss_g = loss_g + sum((r - f).abs().mean() for r, f in zip(_flat(real_maps_g), _flat(fake_maps_g)))
    loss_g.backward()
    torch.testing.assert_close(y_hat.grad, reference.grad, atol=1e-6, rtol=1e-4)
    assert all(p.grad is None and p.requires_grad for p in refinegan_set.parameters())


def test_unknown_vocoder_or_version_is_refused():
    with pytest.raises(RVCError, match="Unknown vocoder 'WaveNet'"):
        build_discriminator("WaveNet", "v2")
    with pytest.raises(RVCError, match="Unknown model version 'v3'"):
        build_discriminator("HiFi-GAN", "v3")


@pytest.mark.parametrize("period", [2, 7])
def test_rows_last_fold_equals_the_usual_layout_with_gradients(period):
    from rvc.models.discriminators import ROWS_LAST_MAX_PERIOD, DiscriminatorP, _run_convs

    assert period <= ROWS_LAST_MAX_PERIOD
    torch.manual_seed(0)
    member = DiscriminatorP(period)
    y = waveforms()[0]
    results = []
    for run in (member, lambda x: _run_convs(x.view(2, 1, -1, period), member.convs, member.conv_post)):
        audio = y[..., : LENGTH - LENGTH % period].clone().requires_grad_(True)
        member.zero_grad(set_to_none=True)
        logits, maps = run(audio)
        (((1 - logits) ** 2).mean() + sum(m.abs().mean() for m in maps)).backward()
        results.append((logits, maps, audio.grad, [p.grad for p in member.parameters()]))
    (logits, maps, audio_grad, grads), (logits_ref, maps_ref, audio_grad_ref, grads_ref) = results
    torch.testing.assert_close(logits, logits_ref, atol=1e-5, rtol=1e-4)
    assert [m.shape for m in maps] == [m.shape for m in maps_ref]
    for ours, theirs in zip(maps, maps_ref, strict=True):
        torch.testing.assert_close(ours, theirs, atol=1e-5, rtol=1e-4)
    torch.testing.assert_close(audio_grad, audio_grad_ref, atol=1e-7, rtol=1e-4)
    for ours, theirs in zip(grads, grads_ref, strict=True):
        torch.testing.assert_close(ours, theirs, atol=1e-6, rtol=1e-4)
