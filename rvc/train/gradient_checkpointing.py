"""Gradient checkpointing for low-VRAM GPUs: the vocoder's residual blocks are recomputed in the backward pass.

Only the activations at each block's input are kept during the forward pass; the block's inner ones are
recomputed when its gradient is needed (`torch.utils.checkpoint`, non-reentrant, RNG state preserved so
RefineGAN's noise is drawn the same again). Weights, outputs and gradients are those of the plain model;
only memory and time change. It is applied to a built generator, so the model classes stay as they are.
"""

from __future__ import annotations

import functools

import torch
from torch import nn
from torch.utils.checkpoint import checkpoint


def _heavy_block_types() -> tuple[type[nn.Module], ...]:
    """The residual blocks that hold most of a vocoder's activations (HiFi-GAN, MRF HiFi-GAN, RefineGAN)."""
    from rvc.models.vocoders.hifigan_mrf import MRFBlock
    from rvc.models.vocoders.refinegan import ParallelResBlock
    from rvc.models.vocoders.resblock import ResBlock

    return (ResBlock, MRFBlock, ParallelResBlock)


def _checkpointed(forward, *inputs: torch.Tensor) -> torch.Tensor:
    """`forward(*inputs)`, checkpointed while training with gradients; a plain call otherwise (inference)."""
    if torch.is_grad_enabled() and any(x.requires_grad for x in inputs if isinstance(x, torch.Tensor)):
        return checkpoint(forward, *inputs, use_reentrant=False)
    return forward(*inputs)


def enable_gradient_checkpointing(model: nn.Module) -> int:
    """Checkpoint every outermost heavy residual block inside `model`; returns how many blocks were wrapped."""
    heavy = _heavy_block_types()
    wrapped: list[str] = []
    for name, module in model.named_modules():
        if not isinstance(module, heavy) or any(name.startswith(outer + ".") for outer in wrapped):
            continue
        module.forward = functools.partial(_checkpointed, module.forward)
        wrapped.append(name)
    return len(wrapped)
