"""The Inference tab's presets row: load, save and import conversion presets (`rvc.infer.presets`).

Loading sets the controls of the options the preset holds and leaves every other control as it is.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import gradio as gr

from rvc.errors import RVCError
from rvc.infer.effects import EFFECTS
from rvc.infer.options import ConversionOptions
from rvc.infer.presets import conversion_presets_dir, read_conversion_preset, save_conversion_preset
from rvc.presets import preset_file, preset_names
from tabs.inference import EFFECTS_KEY, collect_options, control_keys, effect_key
from tabs.option_controls import control_value


def list_conversion_presets() -> list[str]:
    """The conversion presets' names."""
    return preset_names(conversion_presets_dir())


def shown_values(options: dict[str, Any]) -> dict[str, Any]:
    """Control values by control key (`control_keys()`) for the options in `options`; a preset's `effects` sets
    every effect control (the effects it lacks are switched off, at their default settings)."""
    shown: dict[str, Any] = {}
    for name, value in options.items():
        if name != EFFECTS_KEY:
            shown[name] = control_value(ConversionOptions, name, value)
            continue
        for effect, (_label, params) in EFFECTS.items():
            chosen = value.get(effect)
            shown[effect_key(effect)] = chosen is not None
            for param in params:
                shown[effect_key(effect, param.name)] = (chosen or {}).get(param.name, param.default)
    return shown


def load_preset(preset: str | None) -> list:
    """An update per option control (`control_keys()` order) setting what preset `preset` holds, then the result."""
    keys = control_keys()
    try:
        if not preset:
            raise RVCError("choose a preset")
        shown = shown_values(read_conversion_preset(preset_file(conversion_presets_dir(), preset)))
    except (RVCError, OSError) as error:
        return [gr.update() for _ in keys] + [f"❌ {error}"]
    return [gr.update(value=shown[key]) if key in shown else gr.update() for key in keys] + [
        f"✅ Loaded preset `{preset}`: {len(shown)} settings."
    ]


def save_preset(preset: str | None, *values: Any) -> tuple[str, dict]:
    """Write the page's options (values in `control_keys()` order) as preset `preset`; the result and the list."""
    try:
        path = preset_file(conversion_presets_dir(), preset or "")
        save_conversion_preset(path, collect_options(dict(zip(control_keys(), values, strict=True))))
    except (RVCError, OSError) as error:
        return f"❌ Preset not saved: {error}", gr.update()
    return f"✅ Preset saved: `{path}`", gr.update(choices=list_conversion_presets(), value=path.stem)


def import_preset(upload: str | None) -> tuple[str, dict]:
    """Check an uploaded preset file (this app's or Applio's) and copy it into the presets folder."""
    try:
        if not upload:
            raise RVCError("choose a .json preset file")
        source = Path(upload)
        read_conversion_preset(source)
        target = preset_file(conversion_presets_dir(), source.stem)
        if target.exists():
            raise RVCError(f"a preset named {target.stem!r} exists already: rename the file, or load that one")
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
    except (RVCError, OSError) as error:
        return f"❌ Preset not imported: {error}", gr.update()
    return f"✅ Imported preset `{target.stem}`.", gr.update(choices=list_conversion_presets(), value=target.stem)


def build() -> Callable[[list[gr.components.Component]], None]:
    """The presets row, inside the current block; returns the function that connects it to the option controls
    (in `control_keys()` order), which the tab builds after it."""
    with gr.Accordion("Presets", open=False):
        with gr.Row():
            preset = gr.Dropdown(
                list_conversion_presets(), value=None, allow_custom_value=True, scale=3, label="Preset",
                info="Load one, or type a name and save the settings below under it.",
            )  # fmt: skip
            load_button = gr.Button("Load preset", scale=1)
            save_button = gr.Button("Save preset", scale=1)
            upload = gr.UploadButton("Import a preset file (.json)", file_types=[".json"], scale=1)
        result = gr.Markdown()

    def connect(options: list[gr.components.Component]) -> None:
        private = {"api_visibility": "private"}
        gr.on(None, lambda: gr.update(choices=list_conversion_presets()), None, preset, **private)
        load_button.click(load_preset, inputs=preset, outputs=[*options, result], **private)
        save_button.click(save_preset, inputs=[preset, *options], outputs=[result, preset], **private)
        upload.upload(import_preset, inputs=upload, outputs=[result, preset], **private)

    return connect
