"""Download tab in a real browser: import a voice zip from a local HTTP server and see it in the voice library."""

from __future__ import annotations

import zipfile

from rvc.testing.model_fixtures import save_random_index
from tests.local_http import FileServer
from tests.tools.voices import tiny_voice


def test_import_from_a_link_shows_the_voice_in_the_library(page, shared_app, tmp_path):
    url, app_folder = shared_app
    voice = tiny_voice(tmp_path / "src" / "carol.pth", seed=3)
    index = save_random_index(tmp_path / "src" / "carol.index", dim=768, vectors=200)
    archive = tmp_path / "carol.zip"
    with zipfile.ZipFile(archive, "w") as bundle:
        bundle.write(voice, "carol/carol.pth")
        bundle.write(index, "carol/added_IVF4_Flat_nprobe_1_carol_v2.index")
    with FileServer() as server:
        server.files["/someone/voices/resolve/main/carol.zip"] = archive.read_bytes()
        page.goto(url)
        page.get_by_role("tab", name="Download").click()
        page.get_by_label("Link or path").fill(server.url("someone/voices/resolve/main/carol.zip"))
        page.get_by_role("button", name="Import voice").click()
        page.locator("#import-outcome").get_by_text("imported").wait_for(timeout=60_000)
        library = page.locator("#voice-library")
        library.get_by_test_id("cell-0-6").get_by_text("carol.index", exact=True).wait_for(timeout=10_000)
        page.screenshot(path=str(tmp_path / "download_import.png"), full_page=True)  # for a look when it fails
        outcome, table = page.locator("#import-outcome").inner_text(), library.inner_text()
    folder = app_folder / "logs" / "carol"
    assert f"imported 'carol' into {folder} with its index carol.index: 40000 Hz, v2, HiFi-GAN." in outcome
    assert sorted(path.name for path in folder.iterdir()) == ["carol.index", "carol.pth"]
    for cell in ("carol", "40000 Hz", "v2", "HiFi-GAN", "carol.index"):
        assert cell in table
