"""Prerequisites banner: which weight files (embedder, RMVPE, pretrained models) are present or missing."""

from __future__ import annotations

from collections.abc import Sequence

import gradio as gr

from rvc.prerequisites import PrerequisiteStatus, check_all
from tabs.downloads_ui import add_download_button

_GROUP_TITLES = {"embedder": "Content embedder", "predictor": "Pitch predictor", "pretrained": "Pretrained models"}


def summary_markdown(statuses: Sequence[PrerequisiteStatus]) -> str:
    """One line: all present, or how many files are missing per group and what they are for."""
    missing = [status for status in statuses if not status.present]
    if not missing:
        return f"✅ All {len(statuses)} prerequisite files are present."
    groups = []
    for group, title in _GROUP_TITLES.items():
        in_group = [status for status in statuses if status.group == group]
        absent = sum(not status.present for status in in_group)
        if absent:
            groups.append(f"{title.lower()} {absent} of {len(in_group)}")
    return (
        f"⚠️ {len(missing)} of {len(statuses)} prerequisite files are missing ({'; '.join(groups)}). "
        "Conversion needs the embedder and RMVPE; training from a pretrained needs the pretrained models. "
        "See the details below for how to get each one."
    )


def details_markdown(statuses: Sequence[PrerequisiteStatus]) -> str:
    """A table of every prerequisite: present or missing, its purpose, and the fix or its location."""
    rows = ["| | File | What it is | Location or fix |", "|---|---|---|---|"]
    for status in statuses:
        mark = "✅" if status.present else "❌"
        where = f"`{status.path}`" if status.present else status.fix
        rows.append(f"| {mark} | `{status.name}` | {status.description} | {_cell(where)} |")
    return "\n".join(rows)


def _cell(text: str) -> str:
    """Escape a value for a Markdown table cell."""
    return text.replace("|", "\\|").replace("\n", " ")


def refresh() -> tuple[str, str]:
    """Re-check the disk; return (summary, details) Markdown."""
    statuses = check_all()
    return summary_markdown(statuses), details_markdown(statuses)


def build() -> None:
    """Add the banner (summary line, details, re-check and download buttons) to the current layout."""
    with gr.Group():
        summary = gr.Markdown(lambda: summary_markdown(check_all()), padding=True)
        with gr.Accordion("Prerequisite details", open=False):
            details = gr.Markdown(lambda: details_markdown(check_all()))
        outcome = gr.Markdown(render=False)
        with gr.Row():
            recheck = gr.Button("Re-check prerequisites", size="sm")
            add_download_button(refresh, [summary, details], outcome)
        outcome.render()  # below the buttons, as wide as the banner
    recheck.click(refresh, outputs=[summary, details], api_visibility="private")
