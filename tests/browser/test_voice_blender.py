"""Voice Blender tab in a real browser: blend two voices of the logs folder and find the result on disk, loadable."""

from __future__ import annotations

from rvc.models import load_voice
from tests.app_server import running_app
from tests.tools.voices import tiny_voice


def test_blend_two_voices_in_the_tab(page, tmp_path):
    logs = tmp_path / "logs"
    first = tiny_voice(logs / "alice" / "alice.pth", seed=1)
    second = tiny_voice(logs / "bob" / "bob.pth", seed=2)
    with running_app(tmp_path) as url:
        page.goto(url)
        page.get_by_role("tab", name="Voice Blender").click()
        page.get_by_label("Voice 1", exact=True).fill(str(first))
        page.keyboard.press("Enter")
        page.get_by_label("Voice 2", exact=True).fill(str(second))
        page.keyboard.press("Enter")
        page.get_by_label("Name of the blended voice").fill("alibob")
        page.get_by_role("button", name="Blend", exact=True).click()
        outcome = page.locator("#blend-outcome")
        outcome.get_by_text("saved").wait_for(timeout=60_000)
        page.screenshot(path=str(tmp_path / "voice_blender.png"), full_page=True)  # for a look when it fails
        text = outcome.inner_text()
    target = logs / "alibob" / "alibob.pth"
    assert f"saved {target} (40000 Hz, v2, HiFi-GAN; weights 0.5, 0.5)" in text
    voice = load_voice(target)
    assert voice.metadata["model_name"] == "alibob"
    assert [source["file"] for source in voice.metadata["blend_sources"]] == ["alice.pth", "bob.pth"]
