"""In the browser: the Utilities tab plots a typed audio file's pitch curve and offers its F0 CSV."""

from __future__ import annotations

import numpy as np
import soundfile as sf

TIMEOUT_MS = 120_000


def test_pitch_curve_plot_and_csv(page, shared_app, tmp_path):
    url = shared_app[0]
    audio = tmp_path / "tone.wav"
    sf.write(audio, 0.5 * np.sin(2 * np.pi * 220 * np.arange(24000) / 16000), 16000)
    page.goto(url)
    page.get_by_role("tab", name="Utilities").click()
    page.get_by_role("tab", name="Pitch curve").click()
    section = page.locator(".tabitem:visible").filter(has_text="Extract pitch curve").last
    section.get_by_label("...or the path of an audio file on this machine").fill(str(audio))
    method = section.get_by_label("Pitch method")
    method.click()
    method.fill("pm")
    page.get_by_role("option", name="pm", exact=True).click()
    section.get_by_role("button", name="Extract pitch curve").click()

    plot = section.locator("img[src*='tone_pm.png']")
    plot.wait_for(timeout=TIMEOUT_MS)
    assert plot.evaluate("image => image.naturalWidth") > 500
    page.screenshot(path=str(tmp_path / "utilities_pitch.png"), full_page=True)
    csv_link = section.locator("a[href*='tone_pm_f0.csv']")
    csv_link.wait_for(timeout=TIMEOUT_MS)
    assert section.get_by_text("151 frames of 10 ms").is_visible()
    href = csv_link.get_attribute("href")
    body = page.request.get(href if href.startswith("http") else url + href).text()
    assert body.startswith("# pitch curve of tone.wav by pm") and body.count("\n") == 152
