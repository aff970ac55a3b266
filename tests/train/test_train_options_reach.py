"""Every TrainOptions field is reachable from the CLI, from the Train tab's controls, and survives a preset.

The fields are enumerated from `TrainOptions` itself: an option added there without a control, a
flag or a preset key fails here, and so does an option that a flag or control sets by mistake.
"""

from __future__ import annotations

import argparse
import dataclasses

import gradio as gr
import pytest
from gradio.helpers import special_args

from rvc import cli, paths
from rvc.errors import RVCError
from rvc.option_spec import OptionField, option_field, option_fields
from rvc.train.extract import ExtractOptions
from rvc.train.options import TrainOptions
from rvc.train.preprocess import PreprocessOptions
from tabs import train as train_tab
from tabs.option_controls import control_value, ui_option_names

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
    "holdout": 0, "best_score": "pesq", "overtrain_saves": 3, "overtrain_stop": True,
    "lr_schedule": "cosine", "lr_min": 1e-5, "d_steps": 2, "tf32": True, "cudnn_benchmark": False,
    "deterministic": True, "gradient_checkpointing": True,
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


def _event(demo: gr.Blocks, handler):
    """The one event of `demo` that calls `handler`."""
    (event,) = [fn for fn in demo.fns.values() if fn.fn is handler]
    return event


@pytest.fixture(scope="module")
def page():
    """The Train tab built in Blocks: its components by label, and the Blocks."""
    with gr.Blocks() as demo, gr.Tab("Train"):
        train_tab.build()
    by_label: dict[str, list] = {}
    for block in demo.blocks.values():
        if isinstance(block, gr.components.Component):
            by_label.setdefault(block.label, []).append(block)
    return by_label, demo


@pytest.mark.parametrize("item", list(option_fields(TrainOptions)), ids=FIELDS)
def test_control_changes_exactly_its_field(item, page):
    by_label, demo = page
    start_inputs = _event(demo, train_tab.start_training).inputs
    (component,) = by_label[item.label]
    assert start_inputs[1 + train_tab.TRAINING_FIELDS.index(item.name)] is component
    values = train_tab.ui_from_options(DEFAULT)
    values[item.name] = component.preprocess(control_value(TrainOptions, item.name, CHANGED[item.name]))
    assert train_tab.options_from_ui("voice", values) == _changed(item.name)


def test_start_training_reads_every_training_control(page):
    start_inputs = _event(page[1], train_tab.start_training).inputs
    assert len(start_inputs) == 1 + len(FIELDS) == 1 + len(train_tab.TRAINING_FIELDS)


@pytest.fixture
def presets():
    """The presets folder (a temporary one: `isolated_paths`)."""
    return paths.presets_dir()


@pytest.mark.parametrize("name", FIELDS)
def test_preset_round_trips_a_changed_field(name, presets):
    options = _changed(name)
    shown = train_tab.ui_from_options(options)
    message, _ = train_tab.save_preset("one", "voice", *[shown[key] for key in train_tab.TRAINING_FIELDS])
    assert message.startswith("✅")
    assert TrainOptions.load(presets / "one.json") == options
    loaded = train_tab.load_preset("one")[:-1]
    assert train_tab.options_from_ui("voice", dict(zip(train_tab.TRAINING_FIELDS, loaded, strict=True))) == options


def test_preset_with_every_field_changed_round_trips_through_tab_and_cli(presets, tmp_path):
    # use_f0=False only goes with the HiFi-GAN vocoder, so that one field is changed in a second preset.
    every = [dataclasses.replace(DEFAULT, **{**CHANGED, "use_f0": True}), dataclasses.replace(DEFAULT, use_f0=False)]
    for options in every:
        path = options.save(tmp_path / "every.json")
        assert TrainOptions.load(path) == options
        again = tmp_path / "again.json"
        assert cli.main(["train", "--name", "voice", "--preset", str(path), "--save-preset", str(again)]) == 0
        assert TrainOptions.load(again) == options
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


# Per step: a changed value for each option its controls offer, and the event's leading inputs
# (run name, dataset, workers / the shared training options) before the option controls.
STEPS = {
    PreprocessOptions: (
        train_tab.run_preprocess, ["voice", "/data", 1, 40000],
        {"cut_mode": "simple", "chunk_seconds": 4.0, "overlap_seconds": 0.2, "high_pass": False, "normalize": "post",
         "noise_reduction": True, "noise_strength": 0.5},
    ),
    ExtractOptions: (
        train_tab.run_extract, ["voice", 40000, "v2", True],
        {"f0_method": "pm", "hop": 128, "embedder": "spin", "mute_files": 0, "device": "cuda"},
    ),
}  # fmt: skip


@pytest.mark.parametrize("cls", list(STEPS), ids=lambda cls: cls.__name__)
def test_every_step_option_is_reachable_from_its_controls(cls, page, monkeypatch):
    runner, lead, changed = STEPS[cls]
    by_label, demo = page
    names = ui_option_names(cls)
    assert sorted(changed) == sorted(names)
    event = _event(demo, runner)
    controls = [by_label[option_field(cls, key).label] for key in names]
    assert event.inputs[len(lead) :] == [control for (control,) in controls]
    seen = []

    def capture(*args, **kwargs):
        seen.append(next(arg for arg in (*args, *kwargs.values()) if isinstance(arg, cls)))
        raise RVCError("captured")

    monkeypatch.setattr("rvc.train.preprocess.preprocess_dataset", capture)
    monkeypatch.setattr("rvc.train.extract.extract_run", capture)

    def run(values: list) -> cls:
        args, progress_index, _, _ = special_args(runner, [*lead, *values])
        assert progress_index == len(lead) and isinstance(args[progress_index], gr.Progress)
        assert runner(*args) == "❌ captured"
        return seen.pop()

    defaults = [control_value(cls, key, option_field(cls, key).default) for key in names]
    default = run(defaults)
    for index, key in enumerate(names):
        (control,) = controls[index]
        values = list(defaults)
        values[index] = control.preprocess(control_value(cls, key, changed[key]))
        assert run(values) == dataclasses.replace(default, **{key: changed[key]}), key
