"""Voice Blender tab: mix 2 to 4 compatible voices, with weights, into a new voice in the logs folder."""

from __future__ import annotations

from pathlib import Path

import gradio as gr

from rvc import paths
from rvc.errors import RVCError
from rvc.infer.library import voice_choices

SLOTS = 4
"""Voice pickers shown; the library (`rvc.tools.blend`) and the CLI take more."""


def _slot_update(value: str | None, choices: list[tuple[str, str]]) -> dict:
    """A dropdown update with `value` kept selectable even when it is an uploaded file outside the logs folder."""
    known = {path for _label, path in choices}
    extra = [(Path(value).name, value)] if value and value not in known else []
    return gr.update(choices=choices + extra, value=value)


def refresh_choices(*voices: str | None) -> list[dict]:
    """Re-list the voices in the logs folder, keeping what each picker holds."""
    choices = voice_choices()
    return [_slot_update(voice, choices) for voice in voices]


def add_uploads(files: list[str] | None, *voices: str | None) -> list[dict]:
    """Put uploaded `.pth` files into the empty pickers, in order."""
    pending = list(files or [])
    choices = voice_choices()
    filled = []
    for voice in voices:
        if not voice and pending:
            voice = pending.pop(0)
        filled.append(_slot_update(voice, choices))
    return filled


def blend(name: str, *slots: str | float | None) -> str:
    """Blend the picked voices (`slots` = SLOTS voices, then SLOTS weights) into `logs/<name>/<name>.pth`."""
    from rvc.tools.blend import blend_voices
    from rvc.tools.import_voice import check_voice_name

    voices, weights = slots[:SLOTS], slots[SLOTS:]
    picked = [(voice, float(weight or 0)) for voice, weight in zip(voices, weights, strict=True) if voice]
    try:
        if len(picked) < 2:
            raise RVCError("pick at least two voices to blend.")
        if not (name or "").strip():
            raise RVCError("type a name for the blended voice, e.g. my-blend.")
        name = check_voice_name(name)
        folder = paths.run_dir(name)
        if folder.exists():
            raise RVCError(f"a voice folder named {name!r} already exists in {folder.parent}; pick another name.")
        result = blend_voices(
            [voice for voice, _ in picked], [weight for _, weight in picked], folder / f"{name}.pth", name=name
        )
    except RVCError as error:
        return f"❌ {error}"
    return f"✅ {result.describe()}"


def build() -> None:
    """Add the tab's components to the current `gr.Tab`."""
    gr.Markdown(
        "Mix voices of the same sample rate, version, vocoder and pitch guidance into a new voice. Each weight is "
        "that voice's share (weights are scaled to sum 1; 0 leaves a voice out). The result is saved as "
        "`logs/<name>/<name>.pth` and records its sources. Same as `python -m rvc blend`."
    )
    choices = voice_choices()
    pickers, sliders = [], []
    for slot in range(SLOTS):
        with gr.Row(equal_height=True):
            pickers.append(
                gr.Dropdown(
                    choices,
                    value=choices[slot][1] if slot < 2 and slot < len(choices) else None,
                    label=f"Voice {slot + 1}" + ("" if slot < 2 else " (optional)"),
                    allow_custom_value=True,
                    scale=4,
                )
            )
            sliders.append(gr.Slider(0, 1, value=0.5, step=0.05, label=f"Weight {slot + 1}", scale=2))
    with gr.Row():
        uploads = gr.File(label="…or add .pth voices from your computer", file_count="multiple", file_types=[".pth"])
        refresh = gr.Button("Refresh voice list", size="sm")
    name = gr.Textbox(label="Name of the blended voice", placeholder="my-blend")
    button = gr.Button("Blend", variant="primary")
    outcome = gr.Markdown(elem_id="blend-outcome")
    gr.on(None, lambda: [gr.update(choices=voice_choices())] * SLOTS, None, pickers, api_visibility="private")
    refresh.click(refresh_choices, pickers, pickers, api_visibility="private")
    uploads.upload(add_uploads, [uploads, *pickers], pickers, api_visibility="private")
    button.click(blend, [name, *pickers, *sliders], outcome, api_visibility="private").then(
        refresh_choices, pickers, pickers, api_visibility="private"
    )
