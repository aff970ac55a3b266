"""Utilities tab: inspect voice files and audio."""

from __future__ import annotations

import gradio as gr


def build() -> None:
    """Add the tab's components to the current `gr.Tab`."""
    gr.Markdown(
        "Voice-file information, pitch-curve extraction and audio analysis are planned for this tab. "
        "Until then, `python -m rvc info VOICE.pth` shows a voice file's rate, version, vocoder and training."
    )
