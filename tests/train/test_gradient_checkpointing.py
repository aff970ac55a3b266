"""Gradient checkpointing of the vocoder's residual blocks: same outputs and gradients, fewer saved activations."""

from __future__ import annotations

import pytest
import torch

from rvc.models.vocoders import build_vocoder
from rvc.train.gradient_checkpointing import enable_gradient_checkpointing

FRAMES, SR = 12, 32000


def _vocoder(name: str) -> torch.nn.Module:
    torch.manual_seed(0)
    return build_vocoder(
        name, initial_channel=8, resblock_kernel_sizes=[3, 7], resblock_dilation_sizes=[[1, 3], [1, 3]],
        upsample_rates=[10, 8, 2, 2], upsample_kernel_sizes=[20, 16, 4, 4], gin_channels=4, sr=SR,
        # RefineGAN's skip paths have fixed widths that only fit its real 512 channels.
        upsample_initial_channel=512 if name == "RefineGAN" else 32,
    )  # fmt: skip


def _loss_and_grads(model: torch.nn.Module) -> tuple[torch.Tensor, list[torch.Tensor]]:
    g = torch.Generator().manual_seed(1)
    x = torch.randn(2, 8, FRAMES, generator=g)
    f0 = 100 + 100 * torch.rand(2, FRAMES, generator=g)
    speaker = torch.randn(2, 4, 1, generator=g)
    torch.manual_seed(2)  # the sine phases and RefineGAN's noise
    audio = model(x, f0, speaker)
    loss = (audio**2).mean() + audio.abs().mean()
    loss.backward()
    return loss.detach(), [p.grad.clone() for p in model.parameters()]


def _saved_tensors(model: torch.nn.Module) -> int:
    """Elements autograd keeps for the backward pass of one forward."""
    kept = []

    def pack(tensor):
        kept.append(tensor.numel())
        return tensor

    x, f0, speaker = torch.randn(2, 8, FRAMES), 150 + torch.zeros(2, FRAMES), torch.randn(2, 4, 1)
    with torch.autograd.graph.saved_tensors_hooks(pack, lambda tensor: tensor):
        model(x, f0, speaker)
    return sum(kept)


@pytest.mark.parametrize("name", ["HiFi-GAN", "MRF HiFi-GAN", "RefineGAN"])
def test_checkpointed_vocoder_gives_the_same_loss_and_gradients_with_less_kept(name):
    plain, checkpointed = _vocoder(name), _vocoder(name)
    assert enable_gradient_checkpointing(checkpointed) > 0
    loss, grads = _loss_and_grads(plain)
    loss_ckpt, grads_ckpt = _loss_and_grads(checkpointed)
    torch.testing.assert_close(loss_ckpt, loss, rtol=0, atol=0)
    for a, b in zip(grads_ckpt, grads, strict=True):
        torch.testing.assert_close(a, b, rtol=1e-5, atol=1e-7)
    assert _saved_tensors(checkpointed) < 0.6 * _saved_tensors(plain)


def test_nested_blocks_are_wrapped_once_and_inference_is_unchanged():
    model = _vocoder("RefineGAN")
    x, f0 = torch.randn(1, 8, FRAMES), 150 + torch.zeros(1, FRAMES)
    with torch.no_grad():
        torch.manual_seed(3)
        before = model(x, f0, None)
        # RefineGAN: the four ParallelResBlocks, not the ResBlocks inside them.
        assert enable_gradient_checkpointing(model) == 4
        torch.manual_seed(3)
        after = model(x, f0, None)
    assert torch.equal(before, after)
