"""Gradio controls generated from option metadata, and their values read back into field values."""

from __future__ import annotations

from dataclasses import dataclass
from types import SimpleNamespace

import gradio as gr
import pytest

from rvc.errors import RVCError
from rvc.option_spec import option, option_field, option_fields
from tabs.option_controls import option_control, option_value, ui_option_names


def _limit(text: str) -> float | None:
    if text == "off":
        return None
    return float(text)


@dataclass(frozen=True)
class Knobs:
    """One field per kind of control the generator makes."""

    share: float = option(0.5, help="a share of something", low=0, high=1, step=0.01)
    steps: int = option(3, help="how many", low=0, high=50, ui_high=7, step=1)
    count: int = option(2, help="a count", low=0, high=100, widget="number")
    ratio: float = option(1.5, help="a free number")
    mode: str = option("a", help="which mode", choices=("a", "b"))
    method: str = option("x", help="a method", choices=("x", "y", "z", "w", "v", "u"), custom=True)
    rate: int | None = option(None, help="a rate", choices=(16000, 48000), none_text="as it is")
    loud: bool = option(True, help="be loud")
    pair: tuple[float, float] = option((0.8, 0.99), help="two numbers")
    seed: int | None = option(None, help="a seed", none_text="random")
    limit: float | None = option(None, help="a limit", parse=_limit, none_text="off")
    pitch_file: str = option("", help="a pitch file", widget="file")
    index: str = option("", help="an index", widget="dropdown")
    note: str = option("", help="free text", label="Your note")
    hidden: str = option("", help="CLI only", ui=False)


def control(name: str, value=None, **overrides) -> gr.components.Component:
    with gr.Blocks():
        return option_control(Knobs, name, value, **overrides)


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("share", gr.Slider),
        ("steps", gr.Slider),
        ("count", gr.Number),
        ("ratio", gr.Number),
        ("mode", gr.Radio),
        ("method", gr.Dropdown),
        ("rate", gr.Radio),
        ("loud", gr.Checkbox),
        ("pair", gr.Textbox),
        ("seed", gr.Number),
        ("pitch_file", gr.File),
        ("index", gr.Dropdown),
        ("note", gr.Textbox),
    ],
)
def test_each_kind_of_field_gets_its_control(name, kind):
    assert type(control(name)) is kind


def test_label_and_info_come_from_the_spec():
    share = control("share")
    assert (share.label, share.info) == ("Share", "A share of something.")
    assert control("note").label == "Your note"


def test_slider_range_is_the_ui_range_where_one_is_given():
    steps = control("steps")
    assert (steps.minimum, steps.maximum, steps.step) == (0, 7, 1)
    share = control("share")
    assert (share.minimum, share.maximum) == (0, 1)
    count = control("count")
    assert (count.minimum, count.maximum, count.precision) == (0, 100, 0)


def test_optional_choices_lead_with_what_none_means():
    rate = control("rate")
    assert [value for _label, value in rate.choices] == ["as it is", 16000, 48000]
    assert rate.value == "as it is"
    assert option_value(Knobs, "rate", "as it is") is None
    assert option_value(Knobs, "rate", 48000) == 48000


def test_custom_choices_accept_typed_values():
    method = control("method")
    assert method.allow_custom_value is True
    assert option_value(Knobs, "method", "hybrid[x+y]") == "hybrid[x+y]"


def test_every_default_survives_the_round_trip_through_its_control():
    for item in option_fields(Knobs):
        if item.spec.ui:
            assert option_value(Knobs, item.name, control(item.name).value) == item.default, item.name


def test_values_are_read_back_as_the_field_type():
    assert option_value(Knobs, "steps", 4.0) == 4 and isinstance(option_value(Knobs, "steps", 4.0), int)
    assert option_value(Knobs, "pair", "0.5, 0.9") == (0.5, 0.9)
    assert option_value(Knobs, "limit", "off") is None and option_value(Knobs, "limit", "2.5") == 2.5
    assert option_value(Knobs, "seed", None) is None and option_value(Knobs, "seed", 7) == 7
    assert option_value(Knobs, "pitch_file", SimpleNamespace(name="/tmp/f0.txt")) == "/tmp/f0.txt"
    assert option_value(Knobs, "pitch_file", None) == ""
    assert option_value(Knobs, "mode", "") == "a"
    assert option_value(Knobs, "loud", False) is False


def test_bad_values_name_the_control():
    with pytest.raises(RVCError, match="Pair: 'a b' is not a list of float values"):
        option_value(Knobs, "pair", "a b")
    with pytest.raises(RVCError, match="Count is empty"):
        option_value(Knobs, "count", None)
    with pytest.raises(RVCError, match="Ratio: 'many' is not a valid float"):
        option_value(Knobs, "ratio", "many")


def test_a_value_function_is_read_again_at_each_page_load():
    saved = {"loud": False}
    loud = control("loud", value=lambda: saved["loud"])
    assert loud.value is False
    load, _triggers, _inputs = loud.load_event_to_attach
    saved["loud"] = True
    assert load() is True
    pair = control("pair", value=lambda: (0.1, 0.2))
    assert pair.value == "0.1 0.2"


def test_overrides_reach_gradio_and_may_replace_the_choices():
    index = control("index", choices=[("alice · a.index", "/logs/alice/a.index")], scale=3)
    assert index.choices == [("alice · a.index", "/logs/alice/a.index")] and index.scale == 3
    assert option_value(Knobs, "index", "/logs/alice/a.index") == "/logs/alice/a.index"
    mode = control("mode", choices=["b"], value="b")
    assert mode.choices == [("b", "b")] and mode.value == "b"


def test_ui_option_names_leave_out_fields_the_ui_does_not_offer():
    names = ui_option_names(Knobs)
    assert "hidden" not in names and names[0] == "share" and len(names) == len(list(option_fields(Knobs))) - 1
    assert option_field(Knobs, "hidden").spec.cli
