"""Every `ConversionOptions` field is reachable from the CLI (`infer`, `batch-infer`) and from the Inference tab.

One field at a time: setting its flag, or changing its control, changes exactly that field and nothing else.
"""

from __future__ import annotations

import argparse
import dataclasses
import importlib

import gradio as gr
import pytest

from rvc.cli import COMMANDS as CLI_COMMANDS
from rvc.commands.infer import options_from_args
from rvc.infer.effects import EFFECTS
from rvc.infer.options import ConversionOptions
from rvc.option_spec import OptionField, option_field
from tabs import inference

FIELDS = [item.name for item in dataclasses.fields(ConversionOptions)]
COMMANDS = {
    "infer": ["-m", "voice.pth", "-i", "in.wav", "-o", "out.wav"],
    "batch-infer": ["-m", "voice.pth", "-i", "in", "-o", "out"],
}


def command_parser(command: str) -> argparse.ArgumentParser:
    """The parser `python -m rvc <command>` uses."""
    parser = argparse.ArgumentParser(prog=f"python -m rvc {command}")
    importlib.import_module(CLI_COMMANDS[command][0]).add_arguments(parser)
    return parser


def other_value(item: OptionField):
    """A valid value of the field that is not its default."""
    if item.spec.choices:
        return next(choice for choice in item.spec.choices if choice != item.default)
    if item.kind in (int, float):
        candidate = (item.default or 0) + 1
        if item.spec.high is not None and candidate > item.spec.high:
            candidate = item.spec.low
        return item.kind(candidate)
    return f"{item.name}.txt"


def cli_arguments(item: OptionField) -> list[str]:
    """The flag (and its text) that sets the field to a non-default value."""
    if item.kind is bool:
        return [item.flag] if not item.default else ["--no-" + item.flag.removeprefix("--")]
    if item.spec.repeat:
        return [item.flag, next(iter(EFFECTS))]
    return [item.flag, str(other_value(item))]


def changed_fields(before: dict, after: dict) -> set[str]:
    return {name for name in before.keys() | after.keys() if before.get(name) != after.get(name)}


@pytest.mark.parametrize("command", sorted(COMMANDS))
@pytest.mark.parametrize("name", FIELDS)
def test_each_field_has_a_flag_that_changes_only_that_field(command, name):
    parser = command_parser(command)
    defaults = options_from_args(parser.parse_args(COMMANDS[command]))
    assert ConversionOptions(**defaults) == ConversionOptions()
    changed = options_from_args(
        parser.parse_args([*COMMANDS[command], *cli_arguments(option_field(ConversionOptions, name))])
    )
    assert changed_fields(defaults, changed) == {name}
    ConversionOptions(**changed)


def control_change(control: gr.components.Component, item: OptionField):
    """A different valid value for `control` (the UI form of a value, e.g. a choice or a file path)."""
    if isinstance(control, gr.Checkbox):
        return not control.value
    if isinstance(control, gr.Radio | gr.Dropdown):
        offered = [value for _label, value in control.choices if value != control.value]
        return offered[0] if offered else other_value(item)
    if isinstance(control, gr.Slider):
        step = control.step or 1
        return control.value + step if control.value + step <= control.maximum else control.minimum
    if isinstance(control, gr.Number):
        return (control.value or 0) + 1
    if isinstance(control, gr.File):
        return "/data/pitch.txt"
    return f"{item.name} text"


@pytest.fixture(scope="module")
def tab_controls() -> dict[str, gr.components.Component]:
    with gr.Blocks(), gr.Tab("Inference"):
        return inference.build()


def start_values(controls: dict) -> dict:
    return {key: controls[key].value for key in inference.control_keys()}


def test_every_field_has_a_control(tab_controls):
    for name in FIELDS:
        if name == inference.EFFECTS_KEY:
            assert {inference.effect_key(effect) for effect in EFFECTS} <= set(tab_controls)
        else:
            assert isinstance(tab_controls.get(name), gr.components.Component), f"{name} has no control"
    assert set(tab_controls) == set(inference.control_keys())


@pytest.mark.parametrize("name", FIELDS)
def test_each_control_changes_only_its_field(tab_controls, name):
    values = start_values(tab_controls)
    before = inference.collect_options(values)
    ConversionOptions(**before)
    if name == inference.EFFECTS_KEY:
        key = inference.effect_key(next(iter(EFFECTS)))
        changed = {**values, key: not values[key]}
    else:
        changed = {**values, name: control_change(tab_controls[name], option_field(ConversionOptions, name))}
    after = inference.collect_options(changed)
    assert changed_fields(before, after) == {name}
    ConversionOptions(**after)


def test_effect_parameters_reach_the_effects_mapping(tab_controls):
    values = start_values(tab_controls)
    name, (_label, params) = next(iter(EFFECTS.items()))
    values[inference.effect_key(name)] = True
    values[inference.effect_key(name, params[0].name)] = params[0].high
    assert inference.collect_options(values)["effects"][name][params[0].name] == params[0].high
