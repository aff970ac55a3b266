"""Scripting the app with gradio_client: `/convert` by keyword, the same call the README shows."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from gradio_client import Client, handle_file
from gradio_client.exceptions import AppError

from rvc import paths
from rvc.jobs import free_port


@pytest.fixture
def client(installed):
    """The whole app served on 127.0.0.1 in this process, with the test voice installed as `alice`."""
    import app

    paths.run_dir("alice").mkdir(parents=True)
    shutil.copy(installed["voice"], paths.run_dir("alice") / "alice.pth")
    demo = app.build_app("Soft")
    port = free_port()
    demo.queue().launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True)
    try:
        yield Client(f"http://127.0.0.1:{port}/", verbose=False)
    finally:
        demo.close()


def rms(path: str) -> float:
    audio, _rate = sf.read(path)
    return float(np.sqrt(np.mean(np.square(audio))))


def test_only_the_conversion_endpoints_are_public(client):
    api = client.view_api(print_info=False, return_format="dict")
    assert sorted(api["named_endpoints"]) == ["/convert", "/convert_batch"]
    assert api["unnamed_endpoints"] == {}
    names = [parameter["parameter_name"] for parameter in api["named_endpoints"]["/convert"]["parameters"]]
    assert names[:2] == ["voice", "input"] and {"pitch", "noise_scale", "effects", "index_path"} <= set(names)


def test_convert_by_keyword_returns_the_converted_audio(client, installed):
    fast = {"f0_method": "pm", "device": "cpu", "seed": 0}
    # The README's "Scripting with gradio_client" example, with the test's voice and input.
    path = client.predict(voice="alice", input=handle_file(str(installed["speech"])), pitch=2, **fast,
                          api_name="/convert")  # fmt: skip
    audio, rate = sf.read(path)
    assert rate == 32000 and len(audio) == 48000
    assert rms(path) > 1e-4, "the random-weight voice is quiet, but never silent"
    quieter = client.predict(voice="alice", input=handle_file(str(installed["speech"])), pitch=2, **fast,
                             effects={"gain": {"gain_db": -20.0}}, api_name="/convert")  # fmt: skip
    assert rms(quieter) == pytest.approx(rms(path) / 10, rel=0.05)


def test_errors_come_back_as_one_readable_line(client, installed):
    with pytest.raises(AppError, match="Voice 'zoe' not found"):
        client.predict(voice="zoe", input=handle_file(str(installed["speech"])), api_name="/convert")
    with pytest.raises(AppError, match="effects is not valid JSON"):
        client.predict(voice="alice", input=str(installed["speech"]), effects="{reverb", api_name="/convert")


def test_convert_batch_converts_a_server_folder(client, installed, tmp_path):
    source = tmp_path / "in"
    source.mkdir()
    shutil.copy(installed["speech"], source / "a.wav")
    (source / "b.wav").write_bytes(b"RIFFjunk")
    report = client.predict(voice="alice", input_dir=str(source), output_dir=str(tmp_path / "out"), f0_method="pm",
                            device="cpu", output_format="flac", api_name="/convert_batch")  # fmt: skip
    assert report["converted"] == [str(tmp_path / "out" / "a.flac")]
    assert [Path(item[0]).name for item in report["failed"]] == ["b.wav"]
    assert report["stopped"] is False
