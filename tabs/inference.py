"""Inference tab: convert audio with a trained voice."""

from __future__ import annotations

import gradio as gr


def build() -> None:
    """Add the tab's components to the current `gr.Tab`."""
    gr.Markdown(
        "Voice conversion (audio + voice file + optional index → converted audio) arrives with the conversion pipeline."
    )
