"""Browser: the TTS tab speaks a sentence with eSpeak and converts it with a voice; both players get audio."""

from __future__ import annotations

import io
import os
import urllib.request

import numpy as np
import pytest
import soundfile as sf

from rvc.testing.model_fixtures import save_random_voice, save_tiny_embedder
from tests.app_server import running_app

SCREENSHOT = os.environ.get("RVC_TTS_SCREENSHOT")  # set to keep a picture of the tab for review


@pytest.fixture
def app_folder(tmp_path):
    """A voice in the logs folder and the tiny embedder where the app looks for ContentVec."""
    save_random_voice(tmp_path / "logs" / "alice" / "alice.pth", 32000, vocoder_channels=32)
    save_tiny_embedder(tmp_path / "weights" / "embedders" / "contentvec")
    return tmp_path


def choose(page, selector: str, text: str) -> None:
    """Pick the option containing `text` in the Gradio dropdown inside `selector` (typed for custom values)."""
    field = page.locator(f"{selector} input").first
    field.click()
    field.fill(text)
    page.locator("ul[role='listbox'] li", has_text=text).first.click()


def test_tts_tab_speaks_and_converts(page, app_folder):
    with running_app(app_folder) as url:
        page.goto(url)
        page.get_by_role("tab", name="TTS").click()
        choose(page, "#tts-rvc-voice", "alice")
        page.locator("#tts-text textarea").fill("Hello from the text to speech tab.")
        pitch_method = page.locator("#tts-options").get_by_label("Pitch method")
        pitch_method.fill("pm")
        pitch_method.press("Enter")
        page.locator("#tts-convert").click()
        status = page.locator("#tts-status textarea")
        page.wait_for_function(
            "el => el.value.startsWith('Done') || el.value.startsWith('Error')",
            arg=status.element_handle(),
            timeout=180_000,
        )
        assert status.input_value().startswith("Done: speech"), status.input_value()
        for player in ("#tts-speech", "#tts-converted"):
            # the page's waveform player decoded the file and shows its length (0:00 until then): it is playable
            duration = page.locator(f"{player} #duration").first
            page.wait_for_function(
                "el => el.textContent.trim() !== '0:00'", arg=duration.element_handle(), timeout=30_000
            )
            link = page.locator(f"{player} a[data-testid='download-link']").first.get_attribute("href")
            with urllib.request.urlopen(link if link.startswith("http") else url + link, timeout=30) as response:
                audio, rate = sf.read(io.BytesIO(response.read()))
            assert rate > 0 and len(audio) / rate > 1.0
            assert np.sqrt(np.mean(np.square(audio))) > 1e-3
        if SCREENSHOT:
            page.screenshot(path=SCREENSHOT, full_page=True)
