"""Weight norm helpers: on-disk names both ways, the N(0, std) init landing in g/v, folding."""

from __future__ import annotations

import torch
from torch import nn

from rvc.models.weight_norm import fold_weight_norm, state_dict_from_disk, state_dict_to_disk, weight_norm


def test_names_convert_both_ways_and_keep_order():
    memory = {
        "dec.ups.0.parametrizations.weight.original0": 1,
        "dec.ups.0.parametrizations.weight.original1": 2,
        "dec.ups.0.bias": 3,
        "parametrizations.weight.original0": 4,
        "emb_g.weight": 5,
    }
    disk = state_dict_to_disk(memory)
    assert list(disk) == ["dec.ups.0.weight_g", "dec.ups.0.weight_v", "dec.ups.0.bias", "weight_g", "emb_g.weight"]
    assert list(disk.values()) == [1, 2, 3, 4, 5]
    assert state_dict_from_disk(disk) == memory
    assert state_dict_from_disk(memory) == memory  # in-memory names pass unchanged


def test_names_that_merely_look_alike_are_left_alone():
    keys = {"dec.weight_gain": 0, "flow.my_weight_v.bias": 0, "x.parametrizations.bias.original0": 0}
    assert state_dict_to_disk(keys) == keys
    assert state_dict_from_disk(keys) == keys


def test_disk_names_load_into_a_parametrized_layer():
    torch.manual_seed(0)
    source = weight_norm(nn.Conv1d(3, 4, 5))
    target = weight_norm(nn.Conv1d(3, 4, 5))
    target.load_state_dict(state_dict_from_disk(state_dict_to_disk(source.state_dict())))
    assert torch.equal(target.weight, source.weight)


def test_wrapping_keeps_the_layers_weight_and_stores_g_over_dim_0():
    torch.manual_seed(0)
    conv = nn.ConvTranspose1d(64, 32, 16)
    initial = conv.weight.detach().clone()
    layer = weight_norm(conv)
    g = layer.parametrizations.weight.original0
    assert g.shape == (64, 1, 1)  # dim 0 of a transposed conv weight is its input channels
    torch.testing.assert_close(layer.weight, initial)


def test_fold_keeps_values_and_removes_parametrizations():
    torch.manual_seed(0)
    model = nn.Sequential(weight_norm(nn.Conv1d(2, 3, 3)), nn.ReLU(), weight_norm(nn.Conv1d(3, 1, 1)))
    x = torch.randn(1, 2, 8)
    expected = model(x)
    fold_weight_norm(model)
    assert sorted(model.state_dict()) == ["0.bias", "0.weight", "2.bias", "2.weight"]
    assert type(model[0]) is nn.Conv1d
    torch.testing.assert_close(model(x), expected)
