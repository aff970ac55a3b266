"""The "Check dataset" button: findings and fixes for the folder typed in a dataset textbox (Train and Utilities tabs)."""

from __future__ import annotations

import logging
from pathlib import Path

import gradio as gr

from rvc.errors import RVCError

log = logging.getLogger(__name__)


def _histogram_png(report, folder: Path) -> Path:
    """The report's pitch histogram drawn into a PNG in `folder`."""
    import numpy as np

    from rvc.tools import plots

    figure = plots.histogram_figure(
        np.asarray(report.histogram_edges), np.asarray(report.histogram_counts), f"Pitch ({report.pitch_method})"
    )
    return plots.save_figure(figure, folder / f"{Path(report.folder).name or 'dataset'}_pitch_histogram.png")


def check_dataset_folder(folder: str, progress=None) -> tuple[str, str | None]:
    """(report text, pitch-histogram PNG or None) for the dataset folder typed by the user."""
    from rvc.settings import ensure_output_dir
    from rvc.tools.dataset_check import check_dataset, format_dataset_report

    folder = (folder or "").strip().strip('"')
    if not folder:
        return "Error: type the dataset folder first (the folder that holds your recordings).", None
    report_progress = (lambda fraction, text: progress(fraction, desc=text)) if progress is not None else None
    try:
        report = check_dataset(folder, progress=report_progress)
        histogram = _histogram_png(report, ensure_output_dir() / "utilities")
    except RVCError as error:
        return f"Error: {error}", None
    except Exception as error:
        log.exception("dataset check failed")
        return f"Unexpected error ({type(error).__name__}: {error}); details are in the console.", None
    return format_dataset_report(report), str(histogram)


def build_dataset_check(dataset: gr.Textbox | gr.Dropdown) -> None:
    """A "Check dataset" button under `dataset` with its report box and pitch histogram."""
    button = gr.Button("Check dataset", variant="secondary")
    result = gr.Code(label="Dataset check", language=None, interactive=False, lines=14, max_lines=40, visible=False)
    histogram = gr.Image(label="Pitch histogram", type="filepath", interactive=False, height=260, visible=False)

    def run(folder: str, progress=gr.Progress()):  # noqa: B008 - gradio injects it
        text, image = check_dataset_folder(folder, progress)
        return gr.Code(value=text, visible=True), gr.Image(value=image, visible=image is not None)

    button.click(run, inputs=[dataset], outputs=[result, histogram])
