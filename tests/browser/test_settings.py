"""In the browser: the conversion precision saved in the Settings tab is what the Inference tab starts with."""

from __future__ import annotations

import json
import re

import pytest

expect = pytest.importorskip("playwright.sync_api", reason="browser test skipped: playwright is not installed").expect

TIMEOUT_MS = 60_000


def radio_block(page, panel, label: str):
    """The Gradio radio block whose title is exactly `label`, inside `panel` (the innermost `.block` holding it)."""
    title = page.locator("[data-testid=block-info]", has_text=re.compile(f"^{re.escape(label)}$"))
    return panel.locator(".block", has=title).last


def visible_panel(page):
    return page.get_by_role("tabpanel").filter(visible=True).first


def test_saved_conversion_precision_is_the_inference_tabs_starting_value(page, shared_app, tmp_path):
    url, app_folder = shared_app
    page.goto(url)
    page.get_by_role("tab", name="Settings", exact=True).click()
    settings = visible_panel(page)
    choice = radio_block(page, settings, "Conversion precision")
    expect(choice.get_by_role("radio", name="auto")).to_be_checked(timeout=TIMEOUT_MS)
    choice.get_by_text("fp32", exact=True).click()
    settings.get_by_role("button", name="Save settings").click()
    expect(settings.get_by_text(re.compile("^✅ Saved to"))).to_be_visible(timeout=TIMEOUT_MS)
    assert json.loads((app_folder / "settings.json").read_text())["conversion_precision"] == "fp32"

    page.reload()
    page.get_by_role("tab", name="Inference", exact=True).click()
    inference = visible_panel(page)
    inference.get_by_role("button", name=re.compile("device and randomness", re.IGNORECASE)).click()
    precision = radio_block(page, inference, "Precision")
    expect(precision.get_by_role("radio", name="fp32")).to_be_checked(timeout=TIMEOUT_MS)
    expect(precision.get_by_role("radio", name="auto")).not_to_be_checked()
    page.screenshot(path=str(tmp_path / "inference_precision.png"), full_page=True)
