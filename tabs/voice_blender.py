"""Voice Blender tab: mix two voices into a new one."""

from __future__ import annotations

import gradio as gr


def build() -> None:
    """Add the tab's components to the current `gr.Tab`."""
    gr.Markdown("Blending two compatible voices into a new voice file is planned for this tab.")
