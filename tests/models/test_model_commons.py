"""Model helpers: masks, segment slicing, the WaveNet gate, banded relative-position attention."""

from __future__ import annotations

import torch

from rvc.models.attention import RelativeMultiHeadAttention, relative_band
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


def _dense_relative_attention(attention: RelativeMultiHeadAttention, x: torch.Tensor, mask: torch.Tensor):
    """The textbook formula, term by term: logits q_i.k_j + q_i.a_(j-i), values sum_j w_ij (v_j + b_(j-i))."""
    batch, channels, length = x.shape
    heads, d, window = attention.n_heads, attention.k_channels, attention.window_size
    q = attention.conv_q(x).view(batch, heads, d, length).transpose(2, 3) / d**0.5
    k = attention.conv_k(x).view(batch, heads, d, length).transpose(2, 3)
    v = attention.conv_v(x).view(batch, heads, d, length).transpose(2, 3)
    rel_k = torch.zeros(length, length, d)
    rel_v = torch.zeros(length, length, d)
    for i in range(length):
        for j in range(length):
            if abs(j - i) <= window:
                rel_k[i, j] = attention.emb_rel_k[0, j - i + window]
                rel_v[i, j] = attention.emb_rel_v[0, j - i + window]
    scores = q @ k.transpose(-2, -1) + torch.einsum("bhid,ijd->bhij", q, rel_k)
    weights = torch.softmax(scores.masked_fill(mask == 0, -1e4), dim=-1)
    out = weights @ v + torch.einsum("bhij,ijd->bhid", weights, rel_v)
    return attention.conv_o(out.transpose(2, 3).reshape(batch, channels, length))


def test_banded_relative_attention_equals_the_dense_formula():
    torch.manual_seed(0)
    attention = RelativeMultiHeadAttention(8, 8, n_heads=2, window_size=3)
    for length in (2, 4, 11):
        x = torch.randn(2, 8, length)
        mask = sequence_mask(torch.tensor([length, max(length - 2, 1)])).float()
        attn_mask = mask.unsqueeze(2) * mask.unsqueeze(-1)
        torch.testing.assert_close(attention(x, attn_mask), _dense_relative_attention(attention, x, attn_mask))


def test_relative_band_marks_offsets_outside_the_sequence():
    columns, inside = relative_band(4, 2, torch.device("cpu"))
    assert columns.tolist()[0] == [0, 0, 0, 1, 2] and inside.tolist()[0] == [False, False, True, True, True]
    assert columns.tolist()[3] == [1, 2, 3, 3, 3] and inside.tolist()[3] == [True, True, True, False, False]
