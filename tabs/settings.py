"""Settings tab: theme, output folder, training and conversion precision, stored in the settings file."""

from __future__ import annotations

from pathlib import Path

import gradio as gr
from gradio.context import Context

from rvc import paths
from rvc.configs import CONVERSION_PRECISIONS
from rvc.errors import RVCError
from rvc.settings import (
    PRECISIONS,
    THEMES,
    Settings,
    ensure_output_dir,
    load_settings,
    resolve_output_dir,
    save_settings,
    validate,
)


def current() -> Settings:
    """The saved settings, or the defaults when the file is unusable (the status line says why)."""
    try:
        return load_settings()
    except RVCError:
        return Settings()


def status_text() -> str:
    """Where the settings live and whether the file could be read."""
    try:
        load_settings()
    except RVCError as error:
        return f"⚠️ {error}. Saving here replaces the file."
    return f"Settings file: `{paths.settings_path()}`"


def save(theme: str, output_dir: str, precision: str, conversion_precision: str, launched_theme: str) -> str:
    """Validate and store the four settings; return a one-line result for the status area."""
    try:
        settings = Settings(
            theme=theme,
            output_dir=(output_dir or "").strip(),
            precision=precision,
            conversion_precision=conversion_precision,
        )
        folder = ensure_output_dir(validate(settings))
        path = save_settings(settings)
    except RVCError as error:
        return f"❌ Not saved: {error}"
    note = " Restart the app to apply the new theme." if theme != launched_theme else ""
    return f"✅ Saved to `{path}`. Converted audio goes to `{folder}`.{note}"


def serve_from(page: gr.Blocks, folder: Path) -> None:
    """Let the running `page` hand out files from `folder`: Gradio returns result files only from the folders
    allowed at launch (`allowed_paths`), so an output folder chosen later must join them."""
    if str(folder) not in page.allowed_paths:
        page.allowed_paths.append(str(folder))


def build(launched_theme: str) -> None:
    """Add the tab's components to the current `gr.Tab`; `launched_theme` is the theme the page uses now."""
    gr.Markdown(
        "Choices here are saved to the settings file: the output folder applies to the next conversion, "
        "the two precisions to the Train and conversion tabs on the next page load, the theme after a restart."
    )
    theme = gr.Dropdown(
        choices=list(THEMES),
        value=lambda: current().theme,
        label="Theme",
        info="Colours and fonts of this page; applies after restarting the app.",
    )
    output_dir = gr.Textbox(
        value=lambda: current().output_dir,
        label="Output folder",
        placeholder=str(paths.outputs_dir()),
        info="Where converted audio is written. Leave empty for the default shown; relative paths start at the project folder.",
    )
    precision = gr.Radio(
        choices=list(PRECISIONS),
        value=lambda: current().precision,
        label="Training precision",
        info="Default precision of the Train tab (on reload). fp16 and bf16 halve memory and speed up CUDA GPUs "
        "(bf16 needs an Ampere or newer card); the CPU uses fp32.",
    )
    conversion_precision = gr.Radio(
        choices=list(CONVERSION_PRECISIONS),
        value=lambda: current().conversion_precision,
        label="Conversion precision",
        info="Default precision of the Inference, TTS and Realtime tabs (on reload): auto runs bf16 only on CPUs "
        "with native bf16 (AVX-512 BF16/AMX) where it is faster, else fp32; bf16 is slow on other CPUs.",
    )
    save_button = gr.Button("Save settings", variant="primary")
    status = gr.Markdown(status_text)
    launched = gr.State(launched_theme)
    page = Context.root_block

    def save_and_serve(*values: str) -> str:
        message = save(*values)
        if page is not None:
            serve_from(page, resolve_output_dir(current()))
        return message

    save_button.click(
        save_and_serve,
        inputs=[theme, output_dir, precision, conversion_precision, launched],
        outputs=status,
        api_visibility="private",
    )
