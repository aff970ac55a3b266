"""TTS tab: speak text, then convert it with a voice."""

from __future__ import annotations

import gradio as gr


def build() -> None:
    """Add the tab's components to the current `gr.Tab`."""
    gr.Markdown("Text-to-speech followed by voice conversion is planned for this tab.")
