"""UI of the voice import (link, path or dropped file) and the voice library (details, rename, delete, pack)."""

from __future__ import annotations

from pathlib import Path

import gradio as gr

from rvc.errors import RVCError

LIBRARY_HEADERS = ["Voice", "Sample rate", "Version", "Vocoder", "Pitch", "Size", "Index", "File"]
_PROGRESS_STEP = 0.01  # report at most every 1% of the download, so the page is not flooded with updates


def format_size(size: int) -> str:
    """Bytes as KB/MB/GB with one decimal."""
    value, unit = float(size), "bytes"
    for unit in ("bytes", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            break
        value /= 1024
    return f"{size} bytes" if unit == "bytes" else f"{value:.1f} {unit}"


def library_rows() -> list[list[str]]:
    """One row per voice in the logs folder (unreadable voices say why in the Vocoder column)."""
    from rvc.tools.voice_library import list_voices

    rows = []
    for voice in list_voices():
        if voice.problem:
            details = ["?", "?", f"unreadable: {voice.problem[:120]}", "?"]
        else:
            details = [f"{voice.sample_rate} Hz", voice.version, voice.vocoder, "yes" if voice.use_f0 else "no"]
        index = voice.index.name if voice.index else "none"
        rows.append([voice.name, *details, format_size(voice.size_bytes), index, str(voice.path)])
    return rows


def refresh_library(selected: str | None = None) -> tuple[list[list[str]], dict]:
    """The library table and the voice picker (keeping `selected` when it still exists)."""
    rows = library_rows()
    files = [row[-1] for row in rows]
    return rows, gr.update(choices=files, value=selected if selected in files else None)


def import_from_ui(
    source: str,
    upload: str | None,
    name: str,
    progress: gr.Progress = gr.Progress(),  # noqa: B008 - gradio injects it
) -> tuple[str, list[list[str]], dict]:
    """Import the dropped file, or else the link/path; return the outcome line and the refreshed library."""
    from rvc.tools.import_voice import import_file, import_voice

    last = [-1.0]

    def show(done: int, total: int | None) -> None:
        fraction = done / total if total else 0.0
        if fraction - last[0] < _PROGRESS_STEP and done != total:
            return
        last[0] = fraction
        progress((done, total), desc="Downloading the voice", unit="bytes")

    name = (name or "").strip() or None
    try:
        if upload:
            result = import_file(upload, name, file_name=Path(upload).name)
        elif (source or "").strip():
            result = import_voice(source.strip(), name, progress=show)
        else:
            raise RVCError("paste a link or a path, or drop a .pth or .zip file, then press Import.")
        outcome = f"✅ {result.describe()}"
    except RVCError as error:
        outcome = f"❌ {error}"
    return (outcome, *refresh_library())


def rename_from_ui(path: str | None, new_name: str) -> tuple[str, list[list[str]], dict]:
    """Rename the picked voice; return the outcome line and the refreshed library (the renamed voice picked)."""
    from rvc.tools.voice_library import rename_voice

    try:
        if not path:
            raise RVCError("pick a voice in the library first.")
        renamed = rename_voice(path, new_name or "")
    except RVCError as error:
        return (f"❌ {error}", *refresh_library(path))
    return (f"✅ Renamed to `{renamed}`.", *refresh_library(str(renamed)))


def delete_from_ui(path: str | None, confirmed: bool) -> tuple[str, list[list[str]], dict, bool]:
    """Delete the picked voice once confirmed; return the outcome, the refreshed library and an unticked box."""
    from rvc.tools.voice_library import delete_voice

    try:
        if not path:
            raise RVCError("pick a voice in the library first.")
        removed = delete_voice(path, bool(confirmed))
    except RVCError as error:
        return (f"❌ {error}", *refresh_library(path), False)
    return ("✅ Deleted " + ", ".join(f"`{file}`" for file in removed) + ".", *refresh_library(), False)


def pack_from_ui(path: str | None) -> tuple[str, dict]:
    """Pack the picked voice and its index into a zip in the output folder; the outcome line and the file."""
    from rvc.tools.voice_library import default_pack_path, pack_voice

    try:
        if not path:
            raise RVCError("pick a voice in the library first.")
        target = pack_voice(path, default_pack_path(path))
    except (RVCError, OSError) as error:
        return f"❌ {error}", gr.update(value=None, visible=False)
    return f"✅ Packed `{Path(path).stem}` into `{target}`.", gr.update(value=str(target), visible=True)


def build_import_and_library() -> None:
    """Controls to import a voice, and the voice library below them."""
    gr.Markdown(
        "### Import a voice\nA link to a `.pth` or `.zip` (Hugging Face `…/blob/…` links work too), a local path, "
        "or a dropped file. The voice is checked (zip paths and sizes, weights-only loading, index width) before "
        "it lands in `logs/<name>/`, where the Inference tab finds it. Same as `python -m rvc import-voice`."
    )
    with gr.Row():
        source = gr.Textbox(
            label="Link or path", placeholder="https://huggingface.co/…/resolve/main/voice.zip", scale=3
        )
        name = gr.Textbox(label="Name (optional)", placeholder="from the file name", scale=1)
    upload = gr.File(label="…or drop a .pth or .zip here", file_types=[".pth", ".zip"], type="filepath")
    button = gr.Button("Import voice", variant="primary")
    outcome = gr.Markdown(elem_id="import-outcome")

    gr.Markdown("### Voice library\nEvery voice in the logs folder, with its paired index.")
    table = gr.Dataframe(headers=LIBRARY_HEADERS, interactive=False, wrap=True, elem_id="voice-library")
    refresh = gr.Button("Refresh library", size="sm")
    with gr.Row(equal_height=True):
        picked = gr.Dropdown([], label="Voice", scale=3)
        new_name = gr.Textbox(label="New name", scale=2)
        rename = gr.Button("Rename", scale=1)
    with gr.Row(equal_height=True):
        confirm = gr.Checkbox(label="yes, delete the voice and its index", value=False)
        delete = gr.Button("Delete", variant="stop")
    with gr.Row(equal_height=True):
        pack = gr.Button("Pack as .zip (voice + index) to share", scale=1)
        packed = gr.File(label="Packed voice", interactive=False, visible=False, scale=2)
    library_outcome = gr.Markdown(elem_id="library-outcome")

    gr.on(None, refresh_library, None, [table, picked], api_visibility="private")
    refresh.click(refresh_library, picked, [table, picked], api_visibility="private")
    button.click(import_from_ui, [source, upload, name], [outcome, table, picked], api_visibility="private")
    rename.click(rename_from_ui, [picked, new_name], [library_outcome, table, picked], api_visibility="private")
    delete.click(delete_from_ui, [picked, confirm], [library_outcome, table, picked, confirm], api_visibility="private")
    pack.click(pack_from_ui, picked, [library_outcome, packed], api_visibility="private")
