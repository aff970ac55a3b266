"""The page as a user sees it: every tab opens in a real browser."""

from __future__ import annotations

TAB_NAMES = ["Inference", "Train", "TTS", "Voice Blender", "Utilities", "Download", "Settings"]


def test_each_tab_opens_and_shows_its_own_controls(page, shared_app, tmp_path):
    page.goto(shared_app[0])
    for name in TAB_NAMES:
        page.get_by_role("tab", name=name, exact=True).click()
        panel = page.get_by_role("tabpanel").filter(visible=True).first
        panel.wait_for(state="visible")
        assert panel.get_by_role("button").count() + panel.locator("input, textarea").count() > 0, name
        text = panel.inner_text().lower()
        assert "planned" not in text and "coming" not in text, name
    page.screenshot(path=str(tmp_path / "settings.png"))
