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


def test_a_page_load_lists_the_voices_and_runs_made_since_the_app_started(page, shared_app):
    """The pickers were filled once, when the app built the page: a voice trained or imported later was missing from
    every tab (even after reloading the page) until Refresh was pressed in each one."""
    from tests.tools.voices import tiny_voice

    url, folder = shared_app
    tiny_voice(folder / "logs" / "latecomer" / "latecomer.pth", seed=7)
    page.goto(url)
    checks = [
        ("Inference", "Voice"),
        ("TTS", "Voice"),
        ("Realtime", "Voice"),
        ("Voice Blender", "Voice 3 (optional)"),
        ("Utilities", "Voice file"),
        ("Train", "Run name"),
    ]
    for tab, label in checks:
        page.get_by_role("tab", name=tab, exact=True).click()
        panel = page.get_by_role("tabpanel").filter(visible=True).first
        panel.get_by_label(label, exact=True).first.click()
        options = page.get_by_role("option").filter(has_text="latecomer")
        options.first.wait_for(timeout=5_000)
        page.keyboard.press("Escape")


def test_realtime_stream_sliders_fit_their_boxes(page, shared_app, tmp_path):
    """The seven stream settings shared one row: at 1400 px each box was too narrow for its slider, whose range
    labels were cut off (1 for 0.05-1 s blocks, 40 for the gains)."""
    page.goto(shared_app[0])
    page.get_by_role("tab", name="Realtime", exact=True).click()
    page.get_by_label("range slider for Output gain (dB)").wait_for()
    page.screenshot(path=str(tmp_path / "realtime.png"), full_page=True)  # for a look when it fails
    overflowing = page.evaluate(
        """() => [...document.querySelectorAll('[role=tabpanel] input[type=range]')]
            .filter(slider => slider.offsetParent !== null)
            .map(slider => slider.closest('.block'))
            .filter(box => box.scrollWidth > box.clientWidth + 1)
            .map(box => box.querySelector('input[type=range]').getAttribute('aria-label'))"""
    )
    assert overflowing == []


def test_prerequisite_download_outcome_spans_the_banner_below_its_buttons(page, tmp_path):
    """The outcome line sat in the buttons' row as a third, narrow column: a failed download's explanation (link and
    path included) wrapped into a tall strip beside the buttons."""
    from tests.app_server import free_port, running_app

    dead_mirror = f"http://127.0.0.1:{free_port()}/res"  # nothing listens: every download fails at once
    with running_app(tmp_path / "app", RVC_DOWNLOAD_BASE_URL=dead_mirror) as url:
        page.goto(url)
        button = page.get_by_role("button", name="Download missing prerequisites")
        button.click()
        outcome = page.get_by_text("cannot download").first
        outcome.wait_for(timeout=30_000)
        page.screenshot(path=str(tmp_path / "banner.png"))  # for a look when it fails
        tabs = page.get_by_role("tablist").first.bounding_box()
        below, text = button.bounding_box(), outcome.bounding_box()
        assert text["y"] >= below["y"] + below["height"]
        assert text["width"] > 0.8 * tabs["width"]
