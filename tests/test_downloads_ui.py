"""The UI's "download missing prerequisites" action: byte progress, outcome line, failure message."""

from __future__ import annotations

from rvc import prerequisites
from tabs.downloads_ui import download_missing_prerequisites, download_pretrained, pretrained_availability
from tests.local_http import FileServer


class RecordingProgress:
    """Stands in for gr.Progress: records (progress, desc) calls."""

    def __init__(self) -> None:
        self.calls: list[tuple[tuple[int, int | None], str]] = []

    def __call__(self, progress, desc=None, total=None, unit="steps") -> None:
        self.calls.append((progress, desc))


def serve_all_essentials(server: FileServer) -> dict[str, bytes]:
    """Put a small distinct body for every essential prerequisite on the server."""
    bodies = {}
    for index, item in enumerate(prerequisites.essential_items()):
        bodies[item.name] = bytes([index]) * (100_000 + index)
        server.files["/" + item.remote_path] = bodies[item.name]
    return bodies


def test_downloads_every_missing_file_with_progress(monkeypatch):
    with FileServer() as server:
        monkeypatch.setenv(prerequisites.BASE_URL_ENV, server.base_url)
        bodies = serve_all_essentials(server)
        progress = RecordingProgress()
        outcome = download_missing_prerequisites(progress)
    items = prerequisites.essential_items()
    assert outcome == f"✅ Downloaded {len(items)} file(s)."
    for item in items:
        assert item.path.read_bytes() == bodies[item.name]
    assert all(status.present for status in prerequisites.check_all())
    finals = [call for call in progress.calls if call[0][0] == call[0][1]]
    assert len(finals) == len(items)
    assert finals[0][1] == f"Downloading {items[0].name} (1/{len(items)})"
    assert len(progress.calls) < 20 * len(items)  # throttled, not one update per chunk
    assert download_missing_prerequisites(RecordingProgress()).startswith("✅ Nothing to download")


def test_failure_reports_what_was_saved_and_why(monkeypatch):
    with FileServer() as server:
        monkeypatch.setenv(prerequisites.BASE_URL_ENV, server.base_url)
        serve_all_essentials(server)
        del server.files["/predictors/rmvpe.pt"]
        outcome = download_missing_prerequisites(RecordingProgress())
    assert outcome.startswith("❌ Saved 2 file(s), then: ")
    assert "HTTP 404" in outcome and "rmvpe.pt" in outcome


def test_pretrained_availability_and_download(monkeypatch):
    assert "from scratch" in pretrained_availability(44100, "HiFi-GAN", "v2", True)
    assert "from scratch" in download_pretrained(40000, "MRF HiFi-GAN", "v2", True, RecordingProgress())
    g_path, d_path = prerequisites.pretrained_for(40000, "HiFi-GAN")
    assert pretrained_availability(40000, "HiFi-GAN", "v2", True) == (
        f"A public pretrained exists; it will be saved as `{g_path}` and `{d_path}`."
    )
    with FileServer() as server:
        monkeypatch.setenv(prerequisites.BASE_URL_ENV, server.base_url)
        server.files["/pretrained_v2/f0G40k.pth"] = b"G" * 3000
        server.files["/pretrained_v2/f0D40k.pth"] = b"D" * 4000
        assert download_pretrained("40000", "HiFi-GAN", "v2", True, RecordingProgress()) == "✅ Downloaded 2 file(s)."
    assert g_path.read_bytes() == b"G" * 3000 and d_path.read_bytes() == b"D" * 4000
    assert pretrained_availability(40000, "HiFi-GAN", "v2", True).startswith("✅ Present")


def test_download_tab_builds_weights_section():
    import gradio as gr

    from tabs import download

    with gr.Blocks() as demo:
        download.build()
    names = {getattr(fn.fn, "__name__", "") for fn in demo.fns.values()}
    assert {"download_embedder", "download_rmvpe", "download_pretrained", "pretrained_availability"} <= names
