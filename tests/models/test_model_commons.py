"""Model helpers: masks, segment slicing, the WaveNet gate, relative-position skewing."""

from __future__ import annotations

import torch

from rvc.models.attention import absolute_to_relative, relative_to_absolute
from rvc.models.commons import gated_activation, rand_slice_segments, sequence_mask, slice_segments


def test_sequence_mask():
    assert sequence_mask(torch.tensor([3, 1])).tolist() == [[True, True, True], [True, False, False]]
    assert sequence_mask(torch.tensor([2]), 4).tolist() == [[True, True, False, False]]


def test_slice_segments_2d_and_3d():
    x = torch.arange(20.0).reshape(2, 10)
    assert slice_segments(x, torch.tensor([0, 6]), 4).tolist() == [[0, 1, 2, 3], [16, 17, 18, 19]]
    wave = torch.arange(40.0).reshape(2, 2, 10)
    sliced = slice_segments(wave, torch.tensor([3, 1]), 2)
    assert sliced.tolist() == [[[3, 4], [13, 14]], [[21, 22], [31, 32]]]


def test_rand_slice_segments_stays_inside_each_length():
    torch.manual_seed(0)
    x = torch.arange(3 * 12.0).reshape(3, 1, 12)
    lengths = torch.tensor([12, 5, 4])
    for _ in range(50):
        sliced, starts = rand_slice_segments(x, lengths, 4)
        assert ((starts >= 0) & (starts + 4 <= lengths)).all()
        assert torch.equal(sliced[:, 0, 0], x[torch.arange(3), 0, starts])
    assert starts[2] == 0


def test_gated_activation():
    x = torch.tensor([[[0.5], [-1.0], [2.0], [0.0]]])
    condition = torch.tensor([[[0.5], [1.0], [0.0], [1.0]]])
    expected = torch.tanh(torch.tensor([1.0, 0.0])) * torch.sigmoid(torch.tensor([2.0, 1.0]))
    torch.testing.assert_close(gated_activation(x, condition, 2)[0, :, 0], expected)
    unconditioned = torch.tanh(x[0, :2, 0]) * torch.sigmoid(x[0, 2:, 0])
    torch.testing.assert_close(gated_activation(x, None, 2)[0, :, 0], unconditioned)


def test_relative_absolute_skews_index_by_offset():
    length = 5
    relative = torch.arange(2 * length - 1.0).expand(1, 1, length, -1)  # value = offset index
    absolute = relative_to_absolute(relative)
    i, j = torch.meshgrid(torch.arange(length), torch.arange(length), indexing="ij")
    assert torch.equal(absolute[0, 0], (j - i + length - 1).float())
    weights = torch.rand(1, 2, length, length)
    back = absolute_to_relative(weights)
    assert back.shape == (1, 2, length, 2 * length - 1)
    for row in range(length):
        for col in range(length):
            assert back[0, 1, row, col - row + length - 1] == weights[0, 1, row, col]
    assert torch.equal(relative_to_absolute(back), weights)
