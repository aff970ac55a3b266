"""Content features as the synthesizer takes them: index blending, ×2 upsampling to the pitch frames, protect.

One definition for offline conversion (`rvc.infer.pipeline`) and the streaming engine (`rvc.realtime.render`).
"""

from __future__ import annotations

import numpy as np
import torch

from rvc.infer.options import ConversionOptions
from rvc.infer.pipeline import StageTimer


def blend_and_protect(
    feats: torch.Tensor,
    index: object | None,
    options: ConversionOptions,
    f0: np.ndarray | None,
    frames: int,
    first: int = 0,
    timer: StageTimer | None = None,
) -> torch.Tensor:
    """Embedder features `[1, F, C]` (20 ms frames) -> `[1, frames, C]` per 10 ms frame (`frames` <= 2F).

    With an index and `index_rate` > 0, frames from `first` on are blended with their nearest index entries (the
    earlier ones are context left as they are); then each frame is repeated to the 10 ms pitch frames; with
    `protect` < 0.5, unvoiced frames (`f0` `[frames]` Hz <= 0) keep that share of the blending (the rest comes
    from the unblended features), so breaths and consonants are not smeared by the index.
    """
    timer = timer or StageTimer()
    original = feats
    indexed = index is not None and options.index_rate > 0
    if indexed:
        with timer("retrieval"):
            blended = index.blend(feats[0, first:].cpu().numpy(), options.index_rate)
        feats = torch.cat((feats[:, :first], torch.from_numpy(blended)[None].to(feats.device)), dim=1)
    feats = feats.repeat_interleave(2, dim=1)[:, :frames]
    if f0 is not None and indexed and options.protect < 0.5:
        mask = torch.from_numpy(np.where(f0[:frames] > 0, 1.0, options.protect).astype(np.float32))
        mask = mask[None, :, None].to(feats.device)
        feats = feats * mask + original.repeat_interleave(2, dim=1)[:, :frames] * (1.0 - mask)
    return feats
