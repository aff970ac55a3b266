"""Download tab: fetch voices and prerequisite weights."""

from __future__ import annotations

import gradio as gr


def build() -> None:
    """Add the tab's components to the current `gr.Tab`."""
    gr.Markdown(
        "Downloading voices from a link and fetching prerequisite weights arrive with the downloader; "
        "`python -m rvc doctor` lists what is missing and how to get it."
    )
