"""In the browser: the Train tab plots a run's held-out scores beside its losses and shows the overtraining warning,
read from the run's progress file (written here instead of training)."""

from __future__ import annotations

import io

import numpy as np

from rvc.train.progress import BestRecord, EpochRecord, TrainingProgress, write_progress

TIMEOUT_MS = 120_000
PLOT = "#train-heldout-plot img"
WARNING = "possible overtraining: held-out mel L1 has not improved for 2 saves since epoch 2 (0.8)"


def _colored_pixels(png: bytes) -> int:
    """Pixels whose colour is clearly not grey (plot lines; axes, text and background are grey or white)."""
    from PIL import Image

    rgb = np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(int)
    return int(((rgb.max(axis=2) - rgb.min(axis=2)) > 60).sum())


def _plot_pixels(page, plot) -> int:
    """Coloured pixels of the image `plot` as the page shows it (cut from a full-page screenshot).

    Scrolled into view and waited for first: the page loads images lazily, when they come near the viewport.
    """
    plot.scroll_into_view_if_needed()
    page.wait_for_function(f"() => {{ const i = document.querySelector('{PLOT}'); return i && i.naturalWidth > 0 }}")
    box, scroll = plot.bounding_box(), page.evaluate("window.scrollY")
    clip = {"x": box["x"], "y": box["y"] + scroll, "width": box["width"], "height": box["height"]}
    return _colored_pixels(page.screenshot(full_page=True, clip=clip))


def _write_run(folder) -> None:
    mel = {1: 1.0, 2: 0.8, 3: 0.9, 4: 0.95}
    history = tuple(
        EpochRecord(e, 10 * e, {"loss/g/total": 40.0 - e, "loss/d/total": 3.0, "validation/mel_l1": m})
        for e, m in mel.items()
    )
    progress = TrainingProgress(
        status="finished", epoch=4, epochs=10, step=40, steps_per_epoch=10, history=history, message="stopped early",
        best=BestRecord(2, 20, "mel_l1", {"mel_l1": 0.8}, saves_since=2), warning=WARNING,
    )  # fmt: skip
    write_progress(folder / "logs" / "voice" / "progress.json", progress)


def test_held_out_plot_and_overtraining_warning(page, shared_app, tmp_path):
    url, app_folder = shared_app
    _write_run(app_folder)
    page.goto(url)
    page.get_by_role("tab", name="Train", exact=True).click()
    plot = page.locator(PLOT)
    plot.wait_for(state="attached", timeout=TIMEOUT_MS)
    empty = _plot_pixels(page, plot)
    run = page.get_by_label("Run name")
    run.fill("voice")
    run.press("Enter")
    page.get_by_text(WARNING).wait_for(timeout=TIMEOUT_MS)
    assert page.get_by_text("Best held-out voice voice_best.pth: epoch 2, step 20, mel L1 0.8000").is_visible()
    drawn = empty
    for _ in range(60):
        drawn = _plot_pixels(page, plot)
        if drawn > empty + 200:
            break
        page.wait_for_timeout(500)
    page.screenshot(path=str(tmp_path / "train_heldout.png"), full_page=True)
    assert plot.is_visible() and drawn > empty + 200, (empty, drawn)
