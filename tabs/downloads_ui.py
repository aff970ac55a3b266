"""UI side of prerequisite downloads: the banner's "download missing" button and the Download tab's
weights section (any built-in embedder, RMVPE, or a pretrained pair), all with byte progress."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import gradio as gr

from rvc.configs import SAMPLE_RATES
from rvc.errors import RVCError
from rvc.prerequisites import (
    DEFAULT_EMBEDDER,
    EMBEDDERS,
    VOCODER_FOLDERS,
    Prerequisite,
    embedder_items,
    missing,
    no_pretrained_message,
    pretrained_items,
    rmvpe_items,
)

_PROGRESS_STEP = 0.01  # report at most every 1% of a file, so the page is not flooded with updates


def _fetch(items: list[Prerequisite], progress: Callable[..., None]) -> str:
    """Download the items that are missing, reporting bytes per file; return a one-line Markdown outcome."""
    from rvc.downloads import download_missing

    todo = [item for item in items if not item.present]
    if not todo:
        return "✅ Nothing to download: " + ", ".join(f"`{item.path}`" for item in items) + " already present."
    last: dict[str, float] = {}

    def show(item: Prerequisite, done: int, total: int | None) -> None:
        fraction = done / total if total else 0.0
        if item.name in last and fraction - last[item.name] < _PROGRESS_STEP and done != total:
            return
        last[item.name] = fraction
        position = todo.index(item) + 1
        progress((done, total), desc=f"Downloading {item.name} ({position}/{len(todo)})", unit="bytes")

    try:
        fetched = download_missing(todo, progress=show)
    except RVCError as error:
        saved = sum(item.present for item in todo)
        prefix = f"Saved {saved} file(s), then: " if saved else ""
        return f"❌ {prefix}{error}"
    return f"✅ Downloaded {len(fetched)} file(s)."


def download_missing_prerequisites(progress: gr.Progress = gr.Progress()) -> str:  # noqa: B008 - gradio injects it
    """Fetch every missing essential file in turn; return a one-line Markdown outcome."""
    items = missing()
    if not items:
        return "✅ Nothing to download: every prerequisite file is present."
    return _fetch(items, progress)


def download_embedder(name: str, progress: gr.Progress = gr.Progress()) -> str:  # noqa: B008
    """Fetch a built-in content embedder (config + weights)."""
    return _fetch(embedder_items(name), progress)


def download_rmvpe(progress: gr.Progress = gr.Progress()) -> str:  # noqa: B008
    """Fetch the RMVPE pitch predictor."""
    return _fetch(rmvpe_items(), progress)


def pretrained_availability(sample_rate: int, vocoder: str, version: str, use_f0: bool) -> str:
    """Whether a public pretrained exists for the choice, and where it is (or would be) saved."""
    items = pretrained_items(int(sample_rate), vocoder, version, bool(use_f0))
    if not items:
        return "⚠️ " + no_pretrained_message(int(sample_rate), vocoder, version, bool(use_f0))
    where = " and ".join(f"`{item.path}`" for item in items)
    if all(item.present for item in items):
        return f"✅ Present: {where}."
    return f"A public pretrained exists; it will be saved as {where}."


def download_pretrained(
    sample_rate: int,
    vocoder: str,
    version: str,
    use_f0: bool,
    progress: gr.Progress = gr.Progress(),  # noqa: B008
) -> str:
    """Fetch the pretrained G/D pair for the choice, or explain that none exists."""
    items = pretrained_items(int(sample_rate), vocoder, version, bool(use_f0))
    if not items:
        return "⚠️ " + no_pretrained_message(int(sample_rate), vocoder, version, bool(use_f0))
    return _fetch(items, progress)


def download_custom_pretrained(
    name: str,
    g_link: str,
    d_link: str,
    progress: gr.Progress = gr.Progress(),  # noqa: B008
) -> str:
    """Fetch and check a community pretrained pair; where it went and how to train on it."""
    from rvc.tools.custom_pretrained import fetch_custom_pretrained

    def show(kind: str, done: int, total: int | None) -> None:
        progress((done, total), desc=f"Downloading {kind}", unit="bytes")

    try:
        g, d = fetch_custom_pretrained(name, g_link, d_link, progress=show)
    except RVCError as error:
        return f"❌ {error}"
    return (
        f"✅ Saved and checked `{g}` and `{d}`. To train on them, pick `{g.parent.name}` under the Train tab's "
        f"Custom pretrained pair (`--pretrained-g {g} --pretrained-d {d}` on the command line)."
    )


def add_download_button(
    refresh: Callable[[], Sequence[str]], refresh_outputs: Sequence[gr.Component], outcome: gr.Markdown
) -> None:
    """Add a "Download missing prerequisites" button that writes its result to `outcome` (placed by the caller, e.g.
    below the button's row); re-run `refresh` afterwards."""
    button = gr.Button("Download missing prerequisites", size="sm", variant="primary")
    button.click(download_missing_prerequisites, outputs=outcome, api_visibility="private").then(
        refresh, outputs=list(refresh_outputs), api_visibility="private"
    )


def build_weights_section() -> None:
    """Controls to fetch any catalogued weights: a built-in embedder, RMVPE, or a pretrained G/D pair."""
    gr.Markdown("### Prerequisite weights")
    with gr.Row():
        embedder = gr.Dropdown(list(EMBEDDERS), value=DEFAULT_EMBEDDER, label="Content embedder")
        get_embedder = gr.Button("Download embedder")
        get_rmvpe = gr.Button("Download RMVPE pitch predictor")
    with gr.Row():
        rate = gr.Dropdown(list(SAMPLE_RATES), value=40000, label="Sample rate")
        vocoder = gr.Dropdown(list(VOCODER_FOLDERS), value="HiFi-GAN", label="Vocoder")
        version = gr.Radio(["v2", "v1"], value="v2", label="Version")
        pitch = gr.Checkbox(value=True, label="Pitch guidance")
    choice = [rate, vocoder, version, pitch]
    availability = gr.Markdown(lambda: pretrained_availability(40000, "HiFi-GAN", "v2", True))
    get_pretrained = gr.Button("Download pretrained")
    with gr.Accordion("Custom pretrained (a community G/D pair from two links)", open=False):
        with gr.Row():
            custom_name = gr.Textbox(label="Name", placeholder="e.g. klm", scale=1)
            g_link = gr.Textbox(label="G (generator) link", placeholder="https://huggingface.co/…/G.pth", scale=2)
            d_link = gr.Textbox(label="D (discriminator) link", placeholder="https://huggingface.co/…/D.pth", scale=2)
        get_custom = gr.Button("Download custom pretrained")
    outcome = gr.Markdown()
    for control in choice:
        control.change(pretrained_availability, choice, availability, api_visibility="private")
    get_embedder.click(download_embedder, embedder, outcome, api_visibility="private")
    get_rmvpe.click(download_rmvpe, None, outcome, api_visibility="private")
    get_custom.click(download_custom_pretrained, [custom_name, g_link, d_link], outcome, api_visibility="private")
    get_pretrained.click(download_pretrained, choice, outcome, api_visibility="private").then(
        pretrained_availability, choice, availability, api_visibility="private"
    )
