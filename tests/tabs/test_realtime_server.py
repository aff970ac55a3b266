"""The browser-microphone routes on a served Gradio app with fake converters: the protocol end to end over HTTP."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any, ClassVar

import numpy as np
import pytest
import soundfile as sf

from rvc.errors import RVCError
from tabs import realtime_server
from tests.app_server import free_port
from tests.realtime.fake_audio import Passthrough

RATE = 16000
BLOCK = 160


class Negate(Passthrough):
    """Returns minus its input, and keeps the options it was updated with."""

    def __init__(self, rate: int) -> None:
        super().__init__(rate, BLOCK, latency=0.02)
        self.updates = []

    def process(self, block):
        return -super().process(block)

    def update(self, options=None, models=None):
        self.updates.append((options, models))


@pytest.fixture(scope="module")
def served():
    """A served app with the realtime routes; `served.make` is the factory the next `open` calls."""
    import gradio as gr

    class Server:
        make = staticmethod(lambda voice, options, settings, rate: Negate(rate))
        opened: ClassVar[list] = []

    def factory(voice, options, settings, rate):
        Server.opened.append((voice, options, settings, rate))
        return Server.make(voice, options, settings, rate)

    with gr.Blocks() as demo:
        gr.Markdown("realtime routes")
    port = free_port()
    demo.queue().launch(prevent_thread_lock=True, server_port=port, quiet=True)
    realtime_server.install_routes(demo.app, factory)
    Server.url = f"http://127.0.0.1:{port}/realtime/"
    try:
        yield Server
    finally:
        demo.close()


def post(url: str, body: bytes | dict) -> tuple[int, Any, bytes]:
    """Status, headers and body of a POST (JSON for a dict body, raw float32 bytes otherwise)."""
    data = json.dumps(body).encode() if isinstance(body, dict) else body
    request = urllib.request.Request(url, data=data, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def open_stream(served, **extra) -> dict:
    status, _headers, body = post(served.url + "open", {"voice": "alice", "rate": RATE, **extra})
    assert status == 200, body
    return json.loads(body)


def test_blocks_round_trip_in_order_whatever_the_chunk_sizes(served):
    opened = open_stream(served, options={"pitch": 3}, settings={"block": 0.01})
    assert opened["rate"] == RATE and opened["block_samples"] == BLOCK and opened["latency"] == 0.02
    assert served.opened[-1] == ("alice", {"pitch": 3}, {"block": 0.01}, RATE)
    source = np.random.default_rng(0).uniform(-1, 1, 1000).astype(np.float32)
    heard, readout = [], None
    for start, stop in ((0, 100), (100, 350), (350, 700), (700, 1000)):
        status, headers, body = post(served.url + f"stream/{opened['session']}", source[start:stop].tobytes())
        assert status == 200 and headers["Content-Type"] == "application/octet-stream"
        heard.append(np.frombuffer(body, dtype="<f4"))
        readout = json.loads(headers["X-RVC-Readout"])
    heard = np.concatenate(heard)
    assert len(heard) == 6 * BLOCK  # whole blocks only: 40 samples wait for the next request
    np.testing.assert_array_equal(heard, -source[: 6 * BLOCK])
    assert readout["blocks"] == 6 and readout["dropped"] == 0 and readout["algorithmic"] == 0.02
    assert readout["input_db"] > -10

    status, _headers, body = post(served.url + f"close/{opened['session']}", {})
    assert status == 200 and json.loads(body)["readout"]["blocks"] == 6
    status, _headers, body = post(served.url + f"stream/{opened['session']}", source[:BLOCK].tobytes())
    assert status == 404 and "this stream is closed" in json.loads(body)["error"]


def test_a_backlog_beyond_two_blocks_drops_the_oldest(served):
    session = open_stream(served)["session"]
    source = np.arange(5 * BLOCK, dtype=np.float32) / (5 * BLOCK)
    _status, headers, body = post(served.url + f"stream/{session}", source.tobytes())
    np.testing.assert_array_equal(np.frombuffer(body, dtype="<f4"), -source[3 * BLOCK :])
    assert json.loads(headers["X-RVC-Readout"])["dropped"] == 3


@pytest.mark.parametrize(
    ("first", "message"),
    [
        ({"rate": RATE}, "choose a voice first"),
        ({"voice": "alice", "rate": "fast"}, "audio rate 'fast' is not a sample rate"),
        ({"voice": "alice", "rate": RATE, "options": [1]}, "options and settings must be JSON objects"),
        ({"voice": "alice", "rate": RATE, "record": "../../etc/passwd"}, "bad recording name"),
    ],
)
def test_bad_first_messages_get_a_readable_error(served, first, message):
    status, _headers, body = post(served.url + "open", first)
    assert status == 400 and message in json.loads(body)["error"]


def test_a_voice_that_fails_to_load_is_reported_and_the_server_keeps_serving(served, monkeypatch):
    def broken(voice, options, settings, rate):
        raise RVCError(f"voice file {voice}.pth is not a voice: re-export it")

    monkeypatch.setattr(served, "make", broken)
    status, _headers, body = post(served.url + "open", {"voice": "bad", "rate": RATE})
    assert status == 400 and json.loads(body) == {"error": "voice file bad.pth is not a voice: re-export it"}
    status, _headers, body = post(served.url + "open", b"{not json")
    assert status == 400 and "must be JSON" in json.loads(body)["error"]
    monkeypatch.undo()
    assert open_stream(served)["session"]


def test_recording_keeps_the_converted_stream(served, tmp_path):
    token = "ab" * 16
    session = open_stream(served, record=token)["session"]
    source = np.full(2 * BLOCK, 0.25, dtype=np.float32)
    post(served.url + f"stream/{session}", source.tobytes())
    _status, _headers, body = post(served.url + f"close/{session}", {})
    path = json.loads(body)["recording"]
    assert path == str(tmp_path / "outputs" / f"realtime_{token}.wav")
    audio, rate = sf.read(path, dtype="float32")
    assert rate == RATE
    np.testing.assert_allclose(audio, -source, atol=1 / 32767)


def test_options_change_while_streaming(served, monkeypatch):
    engines = []
    monkeypatch.setattr(
        served, "make", lambda voice, options, settings, rate: engines.append(Negate(rate)) or engines[-1]
    )
    session = open_stream(served)["session"]
    status, _headers, body = post(served.url + f"update/{session}", {"options": {"pitch": 5, "index_rate": 0.2}})
    assert status == 200 and json.loads(body) == {"voice": "alice"}
    options, models = engines[0].updates[0]
    assert (options.pitch, options.index_rate, models) == (5, 0.2, None)
    monkeypatch.setattr("rvc.infer.library.resolve_voice", lambda voice: f"logs/{voice}.pth")
    monkeypatch.setattr("rvc.infer.conversion.load_models", lambda path, options: f"models of {path}")
    status, _headers, body = post(served.url + f"update/{session}", {"options": {}, "voice": "bob"})
    assert status == 200 and json.loads(body) == {"voice": "bob"}
    assert engines[0].updates[-1][1] == "models of logs/bob.pth"
    status, _headers, body = post(served.url + f"update/{session}", {"options": {"pitch": 999}})
    assert status == 400 and "pitch" in json.loads(body)["error"].lower()


def test_idle_streams_are_closed_and_scripts_are_served(served, monkeypatch):
    session = open_stream(served)["session"]
    monkeypatch.setattr(realtime_server, "IDLE_SECONDS", -1.0)
    open_stream(served)
    status, _headers, _body = post(served.url + f"stream/{session}", np.zeros(BLOCK, np.float32).tobytes())
    assert status == 404
    for name, marker in (("client.js", "export async function start"), ("worklet.js", "registerProcessor")):
        with urllib.request.urlopen(served.url + name, timeout=10) as response:
            assert response.headers["Content-Type"].startswith("text/javascript")
            assert marker in response.read().decode()
    with pytest.raises(urllib.error.HTTPError, match="404"):
        urllib.request.urlopen(served.url + "app.py", timeout=10)
