"""Gradio controls built from option metadata (`rvc.option_spec`), and their values turned back into options.

A tab lays out its rows and accordions itself and asks here for each option's control, so labels,
ranges, choices and help text come from the options dataclass and are never written twice.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import gradio as gr

from rvc.errors import RVCError
from rvc.option_spec import OptionField, option_field, option_fields

_RADIO_MAX_CHOICES = 5


def _shown(item: OptionField, value: Any) -> Any:
    """A field value as the control shows it (None as the spec's `none_text` where the control lists choices)."""
    if value is None:
        return item.spec.none_text if item.spec.choices else None
    if isinstance(value, tuple | list):
        return " ".join(map(str, value))
    return value


def _choices(item: OptionField) -> list[Any]:
    """The control's list: the choices, led by the `none_text` entry where None is allowed."""
    choices = list(item.spec.choices)
    if item.optional:
        choices.insert(0, item.spec.none_text)
    return choices


def option_control(cls: type, name: str, value: Any = None, **overrides: Any) -> gr.components.Component:
    """The control for option `name` of `cls` showing `value` (its default when None); `overrides` go to Gradio.

    `value` may be a function returning a field value: Gradio calls it at each page load (e.g. a saved setting).
    `overrides` may replace the offered `choices` of a list control.
    """
    item = option_field(cls, name)
    spec = item.spec

    def initial(convert: Callable[[Any], Any] = lambda shown: shown) -> Any:
        def show(raw: Any) -> Any:
            return convert(_shown(item, item.default if raw is None else raw))

        return (lambda: show(value())) if callable(value) else show(value)

    common: dict[str, Any] = {"label": item.label, "info": spec.help[:1].upper() + spec.help[1:] + "."}
    common.update(overrides)
    if spec.widget == "file":
        common.pop("info")
        return gr.File(type="filepath", file_types=[".txt", ".csv"], **common)
    if item.kind is bool:
        return gr.Checkbox(value=initial(bool), **common)
    if spec.choices:
        few = len(spec.choices) <= _RADIO_MAX_CHOICES and not spec.custom
        listed = {"choices": _choices(item), "value": initial(), **common}
        if spec.widget == "radio" or (few and spec.widget != "dropdown"):
            return gr.Radio(**listed)
        return gr.Dropdown(allow_custom_value=spec.custom, **listed)
    if spec.widget == "dropdown":
        open_list = {"choices": [], "value": initial(lambda shown: shown or None), "allow_custom_value": True}
        return gr.Dropdown(**{**open_list, **common})
    if item.kind in (int, float) and spec.step is not None and spec.widget != "number":
        low = spec.low if spec.ui_low is None else spec.ui_low
        high = spec.high if spec.ui_high is None else spec.ui_high
        return gr.Slider(low, high, value=initial(), step=spec.step, **common)
    if item.kind in (int, float):
        limits = {key: bound for key, bound in (("minimum", spec.low), ("maximum", spec.high)) if bound is not None}
        return gr.Number(value=initial(), precision=0 if item.kind is int else None, **limits, **common)
    return gr.Textbox(value=initial(lambda shown: "" if shown is None else str(shown)), **common)


def option_value(cls: type, name: str, raw: Any) -> Any:
    """The field value of option `name` from its control's value `raw` (empty -> None or the default)."""
    item = option_field(cls, name)
    if item.spec.widget == "file":
        raw = getattr(raw, "name", raw)
    empty = raw is None or (isinstance(raw, str) and raw.strip() in ("", item.spec.none_text))
    if empty:
        if item.optional:
            return None
        if item.kind is str:
            return item.default if item.spec.choices else ""
        raise RVCError(f"{item.label} is empty; enter a value")
    if item.kind is bool:
        return bool(raw)
    if item.spec.parse is not None and isinstance(raw, str):
        try:
            return item.spec.parse(raw.strip())
        except ValueError as error:
            raise RVCError(f"{item.label}: {error}") from None
    if item.kind in (int, float, str):
        try:
            return item.kind(raw.strip() if isinstance(raw, str) else raw)
        except (TypeError, ValueError):
            raise RVCError(f"{item.label}: {raw!r} is not a valid {item.kind.__name__}") from None
    if item.kind in (tuple, list):
        parts = raw.replace(",", " ").split() if isinstance(raw, str) else list(raw)
        try:
            values = [item.item_kind(part) for part in parts]
        except (TypeError, ValueError):
            raise RVCError(f"{item.label}: {raw!r} is not a list of {item.item_kind.__name__} values") from None
        return tuple(values) if item.kind is tuple else values
    return raw


def ui_option_names(cls: type) -> list[str]:
    """The option fields of `cls` the UI offers (spec `ui=True`), in declaration order."""
    return [item.name for item in option_fields(cls) if item.spec.ui]
