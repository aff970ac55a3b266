"""The page as a user sees it: every tab opens in a real browser."""

from __future__ import annotations

import pytest

from tests.app_server import running_app

TAB_NAMES = ["Inference", "Train", "TTS", "Voice Blender", "Utilities", "Download", "Settings"]


@pytest.fixture(scope="module")
def app_url(tmp_path_factory):
    with running_app(tmp_path_factory.mktemp("browser_app")) as url:
        yield url


def test_each_tab_opens_and_shows_its_own_controls(page, app_url, tmp_path):
    page.goto(app_url)
    for name in TAB_NAMES:
        page.get_by_role("tab", name=name, exact=True).click()
        panel = page.get_by_role("tabpanel").filter(visible=True).first
        panel.wait_for(state="visible")
        assert panel.get_by_role("button").count() + panel.locator("input, textarea").count() > 0, name
        text = panel.inner_text().lower()
        assert "planned" not in text and "coming" not in text, name
    page.screenshot(path=str(tmp_path / "settings.png"))
