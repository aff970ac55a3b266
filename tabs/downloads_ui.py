"""UI side of prerequisite downloads: a button that fetches what is missing, with byte progress."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import gradio as gr

from rvc.errors import RVCError
from rvc.prerequisites import Prerequisite, missing

_PROGRESS_STEP = 0.01  # report at most every 1% of a file, so the page is not flooded with updates


def download_missing_prerequisites(progress: gr.Progress = gr.Progress()) -> str:  # noqa: B008 - gradio injects it
    """Fetch every missing essential file in turn; return a one-line Markdown outcome."""
    from rvc.downloads import download_missing

    items = missing()
    if not items:
        return "✅ Nothing to download: every prerequisite file is present."
    last: dict[str, float] = {}

    def show(item: Prerequisite, done: int, total: int | None) -> None:
        fraction = done / total if total else 0.0
        if item.name in last and fraction - last[item.name] < _PROGRESS_STEP and done != total:
            return
        last[item.name] = fraction
        position = items.index(item) + 1
        progress((done, total), desc=f"Downloading {item.name} ({position}/{len(items)})", unit="bytes")

    try:
        fetched = download_missing(items, progress=show)
    except RVCError as error:
        saved = sum(item.present for item in items)
        prefix = f"Saved {saved} file(s), then: " if saved > 0 else ""
        return f"❌ {prefix}{error}"
    return f"✅ Downloaded {len(fetched)} file(s)."


def add_download_button(refresh: Callable[[], Sequence[str]], refresh_outputs: Sequence[gr.Component]) -> None:
    """Add a "Download missing prerequisites" button and its status line; re-run `refresh` afterwards."""
    button = gr.Button("Download missing prerequisites", size="sm", variant="primary")
    outcome = gr.Markdown()
    button.click(download_missing_prerequisites, outputs=outcome, api_visibility="private").then(
        refresh, outputs=list(refresh_outputs), api_visibility="private"
    )
