"""Every TrainOptions field is reachable from the CLI, from the Train tab's controls, and survives a preset.

The fields are enumerated from `TrainOptions` itself: an option added there without a control, a
flag or a preset key fails here, and so does an option that a flag or control sets by mistake.
"""

from __future__ import annotations

import argparse
import dataclasses

import gradio as gr
import pytest

from rvc import cli
from rvc.errors import RVCError
from rvc.option_spec import OptionField, option_fields
from rvc.train.options import TrainOptions
from tabs import train as train_tab
from tabs.option_controls import control_value

DEFAULT = TrainOptions(name="voice")

# One value per option that differs from its default and is valid on its own.
CHANGED = {
    "sample_rate": 48000, "vocoder": "RefineGAN", "version": "v1", "use_f0": False, "epochs": 12, "batch_size": 4,
    "save_every": 3, "keep_latest_only": False, "export_every_save": False, "pretrained": False,
    "pretrained_g": "/pre/G.pth", "pretrained_d": "/pre/D.pth", "optimizer": "AdamW", "lr_g": 3e-4, "lr_d": 2e-4,
    "betas": (0.5, 0.9), "eps": 1e-7, "weight_decay": 0.01, "gradient_centralization": False, "warmup_epochs": 4,
    "warmup_shape": "cosine", "lr_decay": 0.998, "grad_clip": 500.0, "head_start": "generator",
    "head_start_steps": 40, "running_loss_window": 20, "precision": "bf16", "cache_in_memory": True,
    "mel_loss": "single-scale", "device": "cuda", "gpus": [0, 1], "cpu_processes": 3, "seed": 7, "author": "Ada",
    "holdout": 0,
}  # fmt: skip
IMPLIED = {"gpus": {"device": "cuda"}}
"""Documented couplings: `--gpus` without `--device` trains on CUDA."""
FIELDS = [item.name for item in option_fields(TrainOptions)]


def _cli_words(item: OptionField, value) -> list[str]:
    """The command-line words that set option `item` to `value`."""
    if item.kind is bool:
        return [item.flag if value else "--no-" + item.flag[2:]]
    if item.kind is tuple:
        return [item.flag, *map(str, value)]
    if item.kind is list:
        return [item.flag, "-".join(map(str, value))]
    return [item.flag, str(value)]


def _cli_options(argv: list[str]) -> TrainOptions:
    from rvc.commands import train as train_command

    parser = argparse.ArgumentParser()
    train_command.add_arguments(parser)
    return train_command.options_from_args(parser.parse_args(["--name", "voice", *argv]))


def _changed(name: str) -> TrainOptions:
    return dataclasses.replace(DEFAULT, **{name: CHANGED[name]})


def test_every_field_has_a_changed_value():
    assert (
        sorted(CHANGED)
        == sorted(FIELDS)
        == sorted(f.name for f in dataclasses.fields(TrainOptions) if f.name != "name")
    )
    for name in FIELDS:
        assert CHANGED[name] != getattr(DEFAULT, name), name


@pytest.mark.parametrize("item", list(option_fields(TrainOptions)), ids=FIELDS)
def test_flag_changes_exactly_its_field(item):
    options = _cli_options(_cli_words(item, CHANGED[item.name]))
    assert options == dataclasses.replace(_changed(item.name), **IMPLIED.get(item.name, {}))


def test_no_flag_keeps_every_default():
    assert _cli_options([]) == DEFAULT


@pytest.fixture(scope="module")
def page():
    """The Train tab built in Blocks: its components by label, and the inputs of its Start training event."""
    with gr.Blocks() as demo, gr.Tab("Train"):
        train_tab.build()
    by_label: dict[str, list] = {}
    for block in demo.blocks.values():
        if isinstance(block, gr.components.Component):
            by_label.setdefault(block.label, []).append(block)
    (start,) = [fn for fn in demo.fns.values() if fn.fn is train_tab.start_training]
    return by_label, start.inputs


@pytest.mark.parametrize("item", list(option_fields(TrainOptions)), ids=FIELDS)
def test_control_changes_exactly_its_field(item, page):
    by_label, start_inputs = page
    (component,) = by_label[item.label]
    assert start_inputs[1 + train_tab.TRAINING_FIELDS.index(item.name)] is component
    values = train_tab.ui_from_options(DEFAULT)
    values[item.name] = component.preprocess(control_value(TrainOptions, item.name, CHANGED[item.name]))
    assert train_tab.options_from_ui("voice", values) == _changed(item.name)


def test_start_training_reads_every_training_control(page):
    _, start_inputs = page
    assert len(start_inputs) == 1 + len(FIELDS) == 1 + len(train_tab.TRAINING_FIELDS)


@pytest.fixture
def presets(tmp_path, monkeypatch):
    folder = tmp_path / "presets"
    monkeypatch.setattr(train_tab, "PRESETS_DIR", folder)
    return folder


@pytest.mark.parametrize("name", FIELDS)
def test_preset_round_trips_a_changed_field(name, presets):
    options = _changed(name)
    shown = train_tab.ui_from_options(options)
    assert train_tab.save_preset("one", "voice", *[shown[key] for key in train_tab.TRAINING_FIELDS])[0].startswith("✅")
    assert TrainOptions.load(presets / "one.json") == options
    loaded = train_tab.load_preset("one")[:-1]
    assert train_tab.options_from_ui("voice", dict(zip(train_tab.TRAINING_FIELDS, loaded, strict=True))) == options


def test_preset_with_every_field_changed_round_trips_through_tab_and_cli(presets, tmp_path):
    # use_f0=False only goes with the HiFi-GAN vocoder, so that one field is changed in a second preset.
    every = [dataclasses.replace(DEFAULT, **{**CHANGED, "use_f0": True}), dataclasses.replace(DEFAULT, use_f0=False)]
    for options in every:
        path = options.save(tmp_path / "every.json")
        assert TrainOptions.load(path) == options
        assert cli.main(["train", "--name", "voice", "--preset", str(path), "--save-preset", str(tmp_path / "again.json")]) == 0  # fmt: skip
        assert TrainOptions.load(tmp_path / "again.json") == options
        shown = train_tab.ui_from_options(options)
        train_tab.save_preset("every", "voice", *[shown[key] for key in train_tab.TRAINING_FIELDS])
        loaded = train_tab.load_preset("every")[:-1]
        assert train_tab.options_from_ui("voice", dict(zip(train_tab.TRAINING_FIELDS, loaded, strict=True))) == options
    changed = {name for name in FIELDS if any(getattr(o, name) != getattr(DEFAULT, name) for o in every)}
    assert changed == set(FIELDS)


@pytest.mark.parametrize("item", [i for i in option_fields(TrainOptions) if i.kind is int and i.spec.low is not None])
def test_declared_lower_bound_is_the_validated_one(item):
    TrainOptions(name="voice", **{item.name: int(item.spec.low)})
    with pytest.raises(RVCError, match="invalid training option"):
        TrainOptions(name="voice", **{item.name: int(item.spec.low) - 1})
