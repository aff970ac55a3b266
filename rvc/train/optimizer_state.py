"""Optimizer state across a resume: what a checkpoint records about its optimizer, and whether the stored
state may be loaded into the optimizer the user chose now.

A checkpoint records the optimizer's name and the hyper-parameters of its param groups (whatever
the optimizer keeps there, so a new optimizer needs no change here). On resume the stored state is
loaded only when it was made by the same optimizer (or, for another tool's file without our record,
when its layout fits); otherwise training starts with fresh optimizer state and says so in one line.
After loading, the current options (betas, eps, weight decay, GC, ...) are put back, because loading
a state dict replaces them with the stored ones.
"""

from __future__ import annotations

from typing import Any

import torch

SETTINGS_KEY = "optimizer_settings"
"""Top-level checkpoint entry with the optimizer's name, class and param-group hyper-parameters."""
_NOT_SETTINGS = ("params", "lr", "initial_lr")
_CHOSEN = ("lr", "initial_lr", "betas", "eps", "weight_decay", "use_gc", "fused", "foreach")
"""Group entries the options (or the runtime) choose; the rest, e.g. Prodigy's learned step size `d`, is state."""
_PLAIN = (bool, int, float, str, type(None))


def _plain(value: Any) -> bool:
    """Whether `value` is a plain (checkpoint-safe, comparable) value or a tuple/list of them."""
    if isinstance(value, (tuple, list)):
        return all(isinstance(item, _PLAIN) for item in value)
    return isinstance(value, _PLAIN)


def recorded_settings(name: str, optimizer: torch.optim.Optimizer) -> dict[str, Any]:
    """What a checkpoint records: `name` (as the user chose it), the class, and each group's hyper-parameters."""
    groups = [
        {key: value for key, value in group.items() if key not in _NOT_SETTINGS and _plain(value)}
        for group in optimizer.param_groups
    ]
    return {"name": name, "class": type(optimizer).__qualname__, "groups": groups}


def mark_initial_lr(optimizer: torch.optim.Optimizer, base_lr: float) -> None:
    """Give each param group an `initial_lr` (torch's LR schedulers need it to resume, e.g. Applio's)."""
    for group in optimizer.param_groups:
        group.setdefault("initial_lr", base_lr)


def _misfit(optimizer: torch.optim.Optimizer, saved: dict[str, Any]) -> str | None:
    """Why the stored state dict `saved` cannot drive `optimizer` (None when it fits)."""
    groups = saved.get("param_groups")
    if not isinstance(groups, list) or len(groups) != len(optimizer.param_groups):
        return "a different number of parameter groups"
    params: dict[Any, torch.Tensor] = {}
    for stored, group in zip(groups, optimizer.param_groups, strict=True):
        if len(stored.get("params", ())) != len(group["params"]):
            return "a different number of parameters"
        keys = set(stored) - set(_NOT_SETTINGS)
        wanted = set(group) - set(_NOT_SETTINGS)
        if keys != wanted:
            different = sorted(keys ^ wanted)
            return f"other settings ({', '.join(different[:3])})"
        params.update(zip(stored["params"], group["params"], strict=True))
    for index, state in saved.get("state", {}).items():
        param = params.get(index)
        if param is None:
            return "state for a parameter this model lacks"
        for key, value in state.items():
            if isinstance(value, torch.Tensor) and value.dim() > 0 and value.shape != param.shape:
                return f"{key!r} of shape {list(value.shape)} for a parameter of shape {list(param.shape)}"
    return None


def _changes(before: list[dict[str, Any]], after: list[dict[str, Any]]) -> list[str]:
    """`key old → new` for every hyper-parameter that differs between two `groups` records."""
    changes = []
    for old, new in zip(before, after, strict=False):
        for key in sorted(set(old) | set(new)):
            if key in _CHOSEN and old.get(key) != new.get(key):
                changes.append(f"{key} {old.get(key)} → {new.get(key)}")
    return list(dict.fromkeys(changes))


def restore_optimizer(optimizer: torch.optim.Optimizer, name: str, stored: dict[str, Any]) -> str | None:
    """Load the optimizer state of a checkpoint's entries `stored` when it fits; a one-line notice, or None.

    The current hyper-parameters (and LR) of `optimizer` are kept in any case.
    """
    saved = stored.get("optimizer")
    if not isinstance(saved, dict) or not saved.get("param_groups"):
        return f"the checkpoint has no optimizer state; starting fresh {name} state"
    record = stored.get(SETTINGS_KEY)
    current = recorded_settings(name, optimizer)
    if isinstance(record, dict) and (record.get("name"), record.get("class")) != (name, current["class"]):
        return f"optimizer changed from {record.get('name')} to {name}; starting fresh optimizer state"
    problem = _misfit(optimizer, saved)
    if problem is not None:
        made_by = record.get("name") if isinstance(record, dict) else "another optimizer or tool"
        return f"the checkpoint's optimizer state ({made_by}) does not fit {name}: {problem}; starting fresh state"
    wanted = [{key: value for key, value in group.items() if key in _CHOSEN} for group in optimizer.param_groups]
    optimizer.load_state_dict(saved)
    for group, values in zip(optimizer.param_groups, wanted, strict=True):
        group.update(values)
    changes = _changes(record.get("groups", []), current["groups"]) if isinstance(record, dict) else []
    if changes:
        return f"{name} settings changed since the checkpoint ({', '.join(changes)}); using the new ones"
    return None
