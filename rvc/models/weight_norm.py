"""Weight normalisation: parametrized layers in memory, legacy `weight_g`/`weight_v` names on disk, fold for speed."""

from __future__ import annotations

import re

from torch import nn
from torch.nn.utils import parametrize
from torch.nn.utils.parametrizations import weight_norm as _parametrized_weight_norm

_IN_MEMORY = re.compile(r"(^|\.)parametrizations\.weight\.original([01])$")
_ON_DISK = re.compile(r"(^|\.)weight_([gv])$")
_DISK_SUFFIX = {"0": "weight_g", "1": "weight_v"}
_MEMORY_SUFFIX = {"g": "parametrizations.weight.original0", "v": "parametrizations.weight.original1"}


def weight_norm(module: nn.Module) -> nn.Module:
    """Wrap `module.weight` in a weight-norm parametrization (g over dim 0); g and v reproduce its current weight.

    The layer keeps torch's default init, as in the references: their N(0, 0.01) `init_weights` runs after wrapping,
    writes only the computed `weight` and so changes nothing (training.md §4.4, initialisation note).
    """
    return _parametrized_weight_norm(module, name="weight")


def fold_weight_norm(module: nn.Module) -> nn.Module:
    """Replace every weight-norm parametrization below `module` by its current plain weight, in place.

    Fold a model that was built or loaded, not a `copy.deepcopy` of one that stays in use: torch gives a copy the
    same parametrized layer classes, and removing the parametrization from one edits the class both share.
    """
    for layer in module.modules():
        if parametrize.is_parametrized(layer, "weight"):
            parametrize.remove_parametrizations(layer, "weight", leave_parametrized=True)
    return module


def state_dict_to_disk(state_dict: dict) -> dict:
    """Rename `…parametrizations.weight.original0/1` keys to the on-disk `…weight_g/weight_v` (order kept)."""
    return _rename_suffixes(state_dict, _IN_MEMORY, _DISK_SUFFIX)


def state_dict_from_disk(state_dict: dict) -> dict:
    """Rename on-disk `…weight_g/weight_v` keys to the parametrization names; in-memory names pass unchanged."""
    return _rename_suffixes(state_dict, _ON_DISK, _MEMORY_SUFFIX)


def _rename_suffixes(state_dict: dict, pattern: re.Pattern, suffixes: dict[str, str]) -> dict:
    """Copy of `state_dict` (order kept) with each key's `pattern` match replaced by `suffixes[its group 2]`."""
    renamed = {}
    for key, value in state_dict.items():
        match = pattern.search(key)
        if match:
            key = key[: match.start()] + match.group(1) + suffixes[match.group(2)]
        renamed[key] = value
    return renamed
