"""Voice Blender tab in a real browser: blend two voices of the logs folder and find the result on disk, loadable."""

from __future__ import annotations

from rvc.models import load_voice
from tests.tools.voices import tiny_voice


def test_blend_two_voices_in_the_tab(page, shared_app, tmp_path):
    url, app_folder = shared_app
    logs = app_folder / "logs"
    first = tiny_voice(logs / "dora" / "dora.pth", seed=1)
    second = tiny_voice(logs / "eve" / "eve.pth", seed=2)
    page.goto(url)
    page.get_by_role("tab", name="Voice Blender").click()
    page.get_by_label("Voice 1", exact=True).fill(str(first))
    page.keyboard.press("Enter")
    page.get_by_label("Voice 2", exact=True).fill(str(second))
    page.keyboard.press("Enter")
    page.get_by_label("Name of the blended voice").fill("doraeve")
    page.get_by_role("button", name="Blend", exact=True).click()
    outcome = page.locator("#blend-outcome")
    outcome.get_by_text("saved").wait_for(timeout=60_000)
    page.screenshot(path=str(tmp_path / "voice_blender.png"), full_page=True)  # for a look when it fails
    text = outcome.inner_text()
    target = logs / "doraeve" / "doraeve.pth"
    assert f"saved {target} (40000 Hz, v2, HiFi-GAN; weights 0.5, 0.5)" in text
    voice = load_voice(target)
    assert voice.metadata["model_name"] == "doraeve"
    assert [source["file"] for source in voice.metadata["blend_sources"]] == ["dora.pth", "eve.pth"]
