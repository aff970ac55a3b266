"""Download tab: fetch voices and prerequisite weights."""

from __future__ import annotations

import gradio as gr

from tabs.downloads_ui import build_weights_section


def build() -> None:
    """Add the tab's components to the current `gr.Tab`."""
    gr.Markdown(
        "Downloading voices from a link arrives with the voice downloader; "
        "`python -m rvc doctor` lists which prerequisite weights are missing and how to get them."
    )
    build_weights_section()
