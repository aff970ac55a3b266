"""Piper voices: fetched on first use with the verified downloader into tts/piper/<voice>/, clear error if unloadable."""

from __future__ import annotations

import json

import pytest

from rvc import paths, prerequisites
from rvc.errors import RVCError
from rvc.tts import get_engine
from tests.local_http import FileServer

VOICE = "en_US-lessac-medium"
REMOTE = "en/en_US/lessac/medium"
CONFIG = {"num_symbols": 10, "num_speakers": 1, "audio": {"sample_rate": 22050}, "espeak": {"voice": "en-us"}}


@pytest.fixture
def mirror(monkeypatch):
    """A local server laid out like rhasspy/piper-voices, with a stand-in (not loadable) model."""
    with FileServer() as server:
        server.files[f"/{REMOTE}/{VOICE}.onnx"] = b"not an onnx graph" * 64
        server.files[f"/{REMOTE}/{VOICE}.onnx.json"] = json.dumps(CONFIG).encode()
        monkeypatch.setenv(prerequisites.PIPER_BASE_URL_ENV, server.base_url)
        yield server


def test_voice_files_live_in_the_weights_folder_and_come_from_piper_voices():
    model, config = prerequisites.piper_voice_items(VOICE)
    assert model.path == paths.weights_dir() / "tts" / "piper" / VOICE / f"{VOICE}.onnx"
    assert config.path == model.path.with_name(f"{VOICE}.onnx.json")
    assert model.url == f"{prerequisites.PIPER_DEFAULT_BASE_URL}/{REMOTE}/{VOICE}.onnx"
    assert {item.name for item in prerequisites.catalogue()} >= {model.name, config.name}
    with pytest.raises(RVCError, match="not a Piper voice name.*en_US-lessac-medium"):
        prerequisites.piper_voice_items("../../etc")


def test_first_use_downloads_then_an_unloadable_model_says_how_to_fix_it(mirror):
    engine = get_engine("piper")
    assert "downloads on first use" in {voice.name: voice for voice in engine.voices()}[VOICE].description
    with pytest.raises(RVCError, match=f"cannot load the Piper voice {VOICE}.*download --piper-voice {VOICE}"):
        engine.synthesize("Hello.", VOICE)
    folder = paths.piper_voice_dir(VOICE)
    assert (folder / f"{VOICE}.onnx").read_bytes() == mirror.files[f"/{REMOTE}/{VOICE}.onnx"]
    assert json.loads((folder / f"{VOICE}.onnx.json").read_text()) == CONFIG
    assert sorted(path.name for path in folder.iterdir()) == [f"{VOICE}.onnx", f"{VOICE}.onnx.json"]
    assert "downloads on first use" not in {voice.name: voice for voice in engine.voices()}[VOICE].description
    # present files are not fetched again
    requests_before = len(mirror.requests)
    with pytest.raises(RVCError, match="cannot load"):
        engine.synthesize("Hello.", VOICE)
    assert len(mirror.requests) == requests_before


def test_download_command_fetches_and_lists_piper_voices(mirror, capsys):
    from rvc.cli import main

    assert main(["download", "--piper-voice", VOICE]) == 0
    assert (paths.piper_voice_dir(VOICE) / f"{VOICE}.onnx").is_file()
    assert main(["download", "--list"]) == 0
    listing = capsys.readouterr().out
    assert f"[present] piper/{VOICE}/{VOICE}.onnx" in listing
    assert "[missing] piper/en_GB-alan-medium/en_GB-alan-medium.onnx" in listing
    assert "get it: python -m rvc download --piper-voice en_GB-alan-medium" in listing


def test_doctor_reports_the_engines(mirror):
    from rvc.commands.doctor import tts_lines
    from rvc.downloads import download_missing

    assert "0 voice(s) downloaded" in tts_lines()[1]
    download_missing(prerequisites.piper_voice_items(VOICE))
    lines = tts_lines()
    assert lines[0].startswith("  espeak    ready")
    assert f"1 voice(s) downloaded: {VOICE}" in lines[1]
    assert "not fetched yet" in lines[2]
