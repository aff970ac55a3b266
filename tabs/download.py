"""Download tab: fetch the prerequisite weights (content embedders, RMVPE, pretrained G/D pairs)."""

from __future__ import annotations

import gradio as gr

from tabs.downloads_ui import build_weights_section


def build() -> None:
    """Add the tab's components to the current `gr.Tab`."""
    gr.Markdown(
        "Fetch the weights conversion and training need. "
        "`python -m rvc doctor` lists which are missing and where each one goes."
    )
    build_weights_section()
