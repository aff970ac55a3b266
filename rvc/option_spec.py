"""One definition per option: dataclass fields carry their help, range, choices and flag as metadata.

An options dataclass (`ConversionOptions`, `TrainOptions`) declares each field with `option(...)`.
`add_option_arguments` turns those fields into argparse flags and `values_from_args` reads them back,
so the CLI never repeats an option list; the UI builds its controls from the same metadata
(`tabs/option_controls.py`). Imports nothing heavy.
"""

from __future__ import annotations

import argparse
import dataclasses
import types
import typing
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from rvc.errors import RVCError

_META_KEY = "option"


@dataclass(frozen=True)
class OptionSpec:
    """How one option is offered to people: text, allowed values, CLI flag and UI hints.

    help: one sentence for `--help` and the UI's info line.
    label: UI label ("" = the field name in words).
    flag: CLI flag ("" = `--field-name`); `aliases` are extra flags.
    group: CLI argument group and UI section the option belongs to ("" = none).
    choices: allowed values, offered as CLI choices and a UI list; with `custom`, only suggestions.
    low, high: the valid range (checked by the dataclass); `ui_low`/`ui_high` narrow the UI slider.
    step: UI slider step (None = a number box).
    none_text: what None means, shown in help and as the UI's empty choice (e.g. "the voice's rate").
    parse: CLI text -> value, for what `type` cannot say (e.g. "off" -> None); may raise ValueError or RVCError.
    repeat: the CLI flag may be given several times; `combine` turns the list of parsed values into the value.
    widget: UI widget where the type does not decide it ("file", "textbox", "number", "radio", "dropdown").
    cli, ui: offered there (False where a surface builds its own control, e.g. the Inference tab's index picker).
    """

    help: str
    label: str = ""
    flag: str = ""
    aliases: tuple[str, ...] = ()
    group: str = ""
    choices: tuple[Any, ...] = ()
    custom: bool = False
    low: float | None = None
    high: float | None = None
    ui_low: float | None = None
    ui_high: float | None = None
    step: float | None = None
    metavar: str | tuple[str, ...] | None = None
    none_text: str = "none"
    parse: Callable[[str], Any] | None = None
    repeat: bool = False
    combine: Callable[[list[Any]], Any] | None = None
    widget: str = ""
    cli: bool = True
    ui: bool = True


def option(default: Any = dataclasses.MISSING, *, factory: Callable[[], Any] | None = None, **spec: Any) -> Any:
    """A dataclass field with `default` (or `factory`) and an `OptionSpec` built from `spec` as metadata."""
    metadata = {_META_KEY: OptionSpec(**spec)}
    if factory is not None:
        return dataclasses.field(default_factory=factory, metadata=metadata)
    return dataclasses.field(default=default, metadata=metadata)


@dataclass(frozen=True)
class OptionField:
    """A field of an options dataclass with what the CLI and the UI need to offer it."""

    name: str
    spec: OptionSpec
    kind: type
    """The value type without `None`: bool, int, float, str, tuple, list or dict."""
    item_kind: type | None
    """Element type of a tuple or list field (None otherwise)."""
    length: int | None
    """Fixed length of a tuple field (None otherwise)."""
    optional: bool
    """None is a valid value."""
    default: Any
    """The dataclass default (factories called), or MISSING when the field is required."""

    @property
    def flag(self) -> str:
        """The CLI flag, `--field-name` unless the spec names one."""
        return self.spec.flag or "--" + self.name.replace("_", "-")

    @property
    def label(self) -> str:
        """The UI label, the field name in words unless the spec names one."""
        return self.spec.label or self.name.replace("_", " ").capitalize()


def option_fields(cls: type) -> Iterator[OptionField]:
    """The fields of dataclass `cls` declared with `option(...)`, in declaration order."""
    hints = typing.get_type_hints(cls)
    for item in dataclasses.fields(cls):
        spec = item.metadata.get(_META_KEY)
        if spec is None:
            continue
        kind, item_kind, length, optional = _describe(hints[item.name])
        if item.default_factory is not dataclasses.MISSING:
            default = item.default_factory()
        else:
            default = item.default
        yield OptionField(item.name, spec, kind, item_kind, length, optional, default)


def option_field(cls: type, name: str) -> OptionField:
    """The option field `name` of `cls` (KeyError when it is not one)."""
    for item in option_fields(cls):
        if item.name == name:
            return item
    raise KeyError(f"{cls.__name__} has no option {name!r}")


def _describe(hint: Any) -> tuple[type, type | None, int | None, bool]:
    """(kind, item kind, tuple length, optional) of a field's type hint."""
    optional = False
    if isinstance(hint, types.UnionType) or typing.get_origin(hint) is typing.Union:
        members = [arg for arg in typing.get_args(hint) if arg is not type(None)]
        optional = len(members) < len(typing.get_args(hint))
        if len(members) != 1:
            raise TypeError(f"option type {hint!r} must be one type, optionally with None")
        hint = members[0]
    origin = typing.get_origin(hint)
    if origin is None:
        return hint, None, None, optional
    args = typing.get_args(hint)
    if origin is tuple:
        return tuple, args[0], len(args), optional
    if origin is list:
        return list, args[0], None, optional
    return origin, None, None, optional


def _default_text(item: OptionField) -> str:
    value = item.default
    if value is None or value == [] or value == {}:
        return item.spec.none_text
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, tuple):
        return " ".join(map(str, value))
    return str(value)


def _parser_for(item: OptionField) -> Callable[[str], Any]:
    """argparse `type` for the field: the spec's `parse`, turned into argparse's error on ValueError."""
    if item.spec.parse is None:
        if item.spec.repeat:
            return str
        return item.item_kind if item.item_kind is not None else item.kind
    parse = item.spec.parse

    def parse_or_refuse(text: str) -> Any:
        try:
            return parse(text)
        except (ValueError, RVCError) as error:
            raise argparse.ArgumentTypeError(str(error)) from None

    parse_or_refuse.__name__ = item.name
    return parse_or_refuse


def add_option_arguments(
    parser: argparse.ArgumentParser,
    cls: type,
    *,
    keep_defaults: bool = True,
    skip: tuple[str, ...] = (),
    groups: bool = False,
) -> None:
    """Add a flag to `parser` for each option field of `cls` (except `skip` and fields with `cli=False`).

    A field without a default is a required flag.

    keep_defaults: the namespace holds every field's default; False leaves a field out unless its flag
        is given (so a preset loaded first keeps its values).
    groups: put flags into argument groups named by each spec's `group`.
    """
    containers: dict[str, argparse._ActionsContainer] = {}
    for item in option_fields(cls):
        if not item.spec.cli or item.name in skip:
            continue
        target: argparse._ActionsContainer = parser
        if groups and item.spec.group:
            if item.spec.group not in containers:
                containers[item.spec.group] = parser.add_argument_group(item.spec.group)
            target = containers[item.spec.group]
        required = item.default is dataclasses.MISSING
        shown_default = "" if required else f" (default: {_default_text(item)})"
        kwargs: dict[str, Any] = {"dest": item.name, "help": f"{item.spec.help}{shown_default}".replace("%", "%%")}
        if item.spec.metavar is not None:
            kwargs["metavar"] = item.spec.metavar
        if item.kind is bool:
            kwargs["action"] = argparse.BooleanOptionalAction
        else:
            kwargs["type"] = _parser_for(item)
            if item.spec.choices and not item.spec.custom:
                kwargs["choices"] = item.spec.choices
            if item.spec.repeat:
                kwargs["action"] = "append"
            elif item.kind is tuple:
                kwargs["nargs"] = item.length
        if required:
            kwargs["required"] = True
        elif not keep_defaults:
            kwargs["default"] = argparse.SUPPRESS
        elif item.spec.repeat:
            kwargs["default"] = []
        else:
            kwargs["default"] = item.default
        target.add_argument(item.flag, *item.spec.aliases, **kwargs)


def values_from_args(args: argparse.Namespace, cls: type) -> dict[str, Any]:
    """Keyword values for `cls` from the flags `add_option_arguments` added (fields absent from `args` left out)."""
    values: dict[str, Any] = {}
    for item in option_fields(cls):
        if not hasattr(args, item.name):
            continue
        value = getattr(args, item.name)
        if item.spec.repeat and item.spec.combine is not None:
            value = item.spec.combine(value)
        elif item.kind is tuple and value is not None:
            value = tuple(value)
        values[item.name] = value
    return values


def check_range(name: str, value: Any, low: float | None, high: float | None) -> None:
    """RVCError unless `low <= value <= high` (a None bound is open; NaN and non-numbers are refused)."""
    numeric = not isinstance(value, bool) and isinstance(value, int | float)
    if numeric and (low is None or value >= low) and (high is None or value <= high):
        return
    if low is not None and high is not None:
        wanted = f"a number from {low} to {high}"
    else:
        wanted = f"a number >= {low}" if low is not None else f"a number <= {high}"
    raise RVCError(f"{name} = {value!r} is out of range: use {wanted}.")


def check_spec_ranges(instance: Any) -> None:
    """Check each option of a dataclass instance against its spec's `low`/`high` (None skipped where optional)."""
    for item in option_fields(type(instance)):
        value = getattr(instance, item.name)
        if value is None and item.optional:
            continue
        if item.spec.low is not None or item.spec.high is not None:
            check_range(item.name, value, item.spec.low, item.spec.high)
