"""Recordings dropped in the browser become a dataset folder (`rvc.train.dataset_folder`), typed into the Train
tab's dataset box for preprocessing."""

from __future__ import annotations

import gradio as gr

from rvc.errors import RVCError


def dataset_choices() -> list[str]:
    """The folders of the datasets made by uploads, for the dataset picker."""
    from rvc.train.dataset_folder import uploaded_datasets

    return [str(folder) for folder in uploaded_datasets()]


def upload_recordings(name: str, files: list[str] | None) -> tuple[str, dict]:
    """Copy the uploaded `files` into dataset `name`; the result line, and the dataset box set to its folder."""
    from rvc.train.dataset_folder import add_recordings

    try:
        added = add_recordings(name, files or [])
    except (RVCError, OSError) as error:
        return f"❌ {error}", gr.update()
    lines = [f"✅ Added {len(added.added)} recording(s) to `{added.folder}` ({added.total} in it now)."]
    lines += [f"- skipped {file}: {reason}" for file, reason in added.skipped]
    if not added.added:
        return "\n".join(lines), gr.update()
    return "\n".join(lines), gr.update(choices=dataset_choices(), value=str(added.folder))


def build_dataset_upload(dataset: gr.Dropdown) -> None:
    """An accordion to upload recordings into a named dataset; the `dataset` picker then lists and picks it."""
    with gr.Accordion("...or upload recordings into a new dataset", open=False):
        with gr.Row():
            name = gr.Textbox(label="Dataset name", placeholder="e.g. alice", scale=1)
            files = gr.File(
                label="Recordings (audio files, or .zip files of them)", file_count="multiple", type="filepath", scale=3
            )
        button = gr.Button("Add to dataset")
        result = gr.Markdown()
    button.click(upload_recordings, inputs=[name, files], outputs=[result, dataset], api_visibility="private")
