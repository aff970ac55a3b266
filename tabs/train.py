"""Train tab: build a voice from a dataset folder."""

from __future__ import annotations

import gradio as gr


def build() -> None:
    """Add the tab's components to the current `gr.Tab`."""
    gr.Markdown("Training (preprocess → extract → train → index → export a voice) arrives with the training pipeline.")
