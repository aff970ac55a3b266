"""Download tab: import shared voices, the voice library, and the prerequisite weights (embedders, RMVPE,
pretrained G/D pairs)."""

from __future__ import annotations

import gradio as gr

from tabs.downloads_ui import build_weights_section
from tabs.voices_ui import build_import_and_library


def build() -> None:
    """Add the tab's components to the current `gr.Tab`."""
    build_import_and_library()
    gr.Markdown(
        "Fetch the weights conversion and training need. "
        "`python -m rvc doctor` lists which are missing and where each one goes."
    )
    build_weights_section()
