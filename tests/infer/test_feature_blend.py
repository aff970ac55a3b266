"""The one index-blend + protect step that offline conversion and the streaming engine share."""

from __future__ import annotations

import numpy as np
import torch

from rvc.infer.feature_blend import blend_and_protect
from rvc.infer.options import ConversionOptions


class ZeroIndex:
    """An index whose nearest entries are all zero vectors: blending scales features by 1 - index_rate."""

    def __init__(self) -> None:
        self.asked: list[int] = []

    def blend(self, feats: np.ndarray, rate: float) -> np.ndarray:
        self.asked.append(len(feats))
        return (feats * (1.0 - rate)).astype(np.float32)


FEATS = torch.arange(1, 7, dtype=torch.float32).reshape(1, 3, 2)  # 3 frames of 20 ms, 2 channels


def test_without_an_index_frames_are_only_repeated_to_the_pitch_frames():
    out = blend_and_protect(FEATS, None, ConversionOptions(index_rate=0.75), None, 5)
    torch.testing.assert_close(out, FEATS.repeat_interleave(2, dim=1)[:, :5])


def test_only_frames_from_first_on_are_blended():
    index = ZeroIndex()
    out = blend_and_protect(FEATS, index, ConversionOptions(index_rate=0.75, protect=0.5), None, 6, first=1)
    assert index.asked == [2]
    torch.testing.assert_close(out[:, :2], FEATS[:, :1].repeat_interleave(2, dim=1))
    torch.testing.assert_close(out[:, 2:], 0.25 * FEATS[:, 1:].repeat_interleave(2, dim=1))


def test_protect_keeps_unvoiced_frames_closer_to_the_unblended_features():
    f0 = np.array([200.0, 200.0, 0.0, 0.0, 200.0, 200.0])
    out = blend_and_protect(FEATS, ZeroIndex(), ConversionOptions(index_rate=1.0, protect=0.25), f0, 6)
    upsampled = FEATS.repeat_interleave(2, dim=1)
    torch.testing.assert_close(out[:, [0, 1, 4, 5]], torch.zeros(1, 4, 2))  # voiced: fully blended (to zero)
    torch.testing.assert_close(out[:, 2:4], 0.75 * upsampled[:, 2:4])  # unvoiced: 25% blended, 75% original
