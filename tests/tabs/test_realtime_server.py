"""The browser-microphone WebSocket on a served Gradio app with fake converters: the protocol end to end."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from typing import ClassVar

import numpy as np
import pytest
import soundfile as sf
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from rvc.errors import RVCError
from tabs import realtime_server
from tests.app_server import free_port
from tests.realtime.fake_audio import Passthrough

RATE = 16000
BLOCK = 160
TIMEOUT = 30


class Negate(Passthrough):
    """Returns minus its input, and keeps the options it was updated with."""

    def __init__(self, rate: int) -> None:
        super().__init__(rate, BLOCK, latency=0.02)
        self.updates = []

    def process(self, block):
        return -super().process(block)

    def update(self, options=None, models=None):
        self.updates.append((options, models))


class Gated(Negate):
    """A `Negate` whose first block waits until `release` is set (a slow model)."""

    def __init__(self, rate: int) -> None:
        super().__init__(rate)
        self.release = threading.Event()
        self.started = threading.Event()

    def process(self, block):
        self.started.set()
        self.release.wait(TIMEOUT)
        return super().process(block)


@pytest.fixture(scope="module")
def served():
    """A served app with the realtime routes; `served.make` is the factory the next stream calls."""
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
    Server.socket = f"ws://127.0.0.1:{port}/realtime/stream"
    try:
        yield Server
    finally:
        demo.close()


def receive_json(socket) -> dict:
    """The next message, which must be text JSON."""
    message = socket.recv(timeout=TIMEOUT)
    assert isinstance(message, str), f"expected a JSON message, got {len(message)} bytes"
    return json.loads(message)


def receive_block(socket) -> tuple[np.ndarray, dict]:
    """One converted block and the readout message that follows it."""
    message = socket.recv(timeout=TIMEOUT)
    assert isinstance(message, bytes), f"expected audio, got {message}"
    return np.frombuffer(message, dtype="<f4"), receive_json(socket)


def open_stream(socket, **extra) -> dict:
    """Open a stream on the connected `socket`; the server's `opened` answer."""
    socket.send(json.dumps({"voice": "alice", "rate": RATE, **extra}))
    answer = receive_json(socket)
    assert "opened" in answer, answer
    return answer["opened"]


def close_stream(socket) -> dict:
    """Ask the server to close; its `closed` answer (the socket is closed after it)."""
    socket.send(json.dumps({"close": True}))
    closed = receive_json(socket)["closed"]
    with pytest.raises(ConnectionClosed):
        socket.recv(timeout=TIMEOUT)
    return closed


def test_blocks_round_trip_in_order_whatever_the_chunk_sizes(served):
    with connect(served.socket) as socket:
        opened = open_stream(socket, options={"pitch": 3}, settings={"block": 0.01})
        assert opened == {"rate": RATE, "block_samples": BLOCK, "latency": 0.02}
        assert served.opened[-1] == ("alice", {"pitch": 3}, {"block": 0.01}, RATE)
        source = np.random.default_rng(0).uniform(-1, 1, 1000).astype(np.float32)
        heard, readouts = [], []
        for start, stop in ((0, 100), (100, 350), (350, 700), (700, 1000)):
            socket.send(source[start:stop].tobytes())
            for _ in range(stop // BLOCK - start // BLOCK):  # the whole blocks this chunk completes
                block, readout = receive_block(socket)
                heard.append(block)
                readouts.append(readout)
        np.testing.assert_array_equal(np.concatenate(heard), -source[: 6 * BLOCK])
        assert [message["through"] for message in readouts] == [BLOCK * (k + 1) for k in range(6)]
        readout = readouts[-1]["readout"]
        assert readout["blocks"] == 6 and readout["dropped"] == 0 and readout["algorithmic"] == 0.02
        assert readout["input_db"] > -10
        closed = close_stream(socket)  # the 40 samples past the last whole block are never converted
        assert closed["recording"] is None and closed["readout"]["blocks"] == 6


def made_engines(served, monkeypatch, kind) -> list:
    """Make the server build `kind(rate)` engines; returns the list they are appended to as they are made."""
    engines: list = []

    def make(voice, options, settings, rate):
        engines.append(kind(rate))
        return engines[-1]

    monkeypatch.setattr(served, "make", make)
    return engines


def test_a_backlog_beyond_two_blocks_drops_the_oldest_while_the_model_is_busy(served, monkeypatch):
    engines = made_engines(served, monkeypatch, Gated)
    with connect(served.socket) as socket:
        open_stream(socket)
        source = np.arange(6 * BLOCK, dtype=np.float32) / (6 * BLOCK)
        socket.send(source[:BLOCK].tobytes())
        assert engines[0].started.wait(TIMEOUT)  # block 0 is being converted; the next five arrive meanwhile
        socket.send(source[BLOCK:].tobytes())
        engines[0].release.set()
        heard, readouts = zip(*(receive_block(socket) for _ in range(3)), strict=True)
        np.testing.assert_array_equal(np.concatenate(heard), -np.concatenate([source[:BLOCK], source[4 * BLOCK :]]))
        assert [message["through"] for message in readouts] == [BLOCK, 5 * BLOCK, 6 * BLOCK]
        assert readouts[-1]["readout"]["dropped"] == 3
        close_stream(socket)


@pytest.mark.parametrize(
    ("first", "message"),
    [
        ({"rate": RATE}, "choose a voice first"),
        ({"voice": "alice", "rate": "fast"}, "audio rate 'fast' is not a sample rate"),
        ({"voice": "alice", "rate": RATE, "options": [1]}, "options and settings must be JSON objects"),
        ({"voice": "alice", "rate": RATE, "record": "../../etc/passwd"}, "bad recording name"),
        ("{not json", "must be JSON"),
        (b"\x00\x00\x00\x00", "must be a JSON object"),
    ],
)
def test_bad_first_messages_get_a_readable_error_and_the_socket_closes(served, first, message):
    with connect(served.socket) as socket:
        socket.send(json.dumps(first) if isinstance(first, dict) else first)
        answer = receive_json(socket)
        assert answer["fatal"] is True and message in answer["error"]
        with pytest.raises(ConnectionClosed):
            socket.recv(timeout=TIMEOUT)


def test_a_voice_that_fails_to_load_is_reported_and_the_server_keeps_serving(served, monkeypatch):
    def broken(voice, options, settings, rate):
        raise RVCError(f"voice file {voice}.pth is not a voice: re-export it")

    monkeypatch.setattr(served, "make", broken)
    with connect(served.socket) as socket:
        socket.send(json.dumps({"voice": "bad", "rate": RATE}))
        assert receive_json(socket) == {"error": "voice file bad.pth is not a voice: re-export it", "fatal": True}
    monkeypatch.undo()
    with connect(served.socket) as socket:
        open_stream(socket)
        close_stream(socket)


def test_a_model_error_while_streaming_is_reported_and_ends_the_stream(served, monkeypatch):
    class Broken(Negate):
        def process(self, block):
            raise RuntimeError("out of memory\nat layer 3")

    monkeypatch.setattr(served, "make", lambda voice, options, settings, rate: Broken(rate))
    with connect(served.socket) as socket:
        open_stream(socket)
        socket.send(np.zeros(BLOCK, np.float32).tobytes())
        assert receive_json(socket) == {"error": "unexpected error (RuntimeError: out of memory)", "fatal": True}
        with pytest.raises(ConnectionClosed):
            socket.recv(timeout=TIMEOUT)


def test_recording_keeps_the_converted_stream(served, tmp_path):
    token = "ab" * 16
    with connect(served.socket) as socket:
        open_stream(socket, record=token)
        source = np.full(2 * BLOCK, 0.25, dtype=np.float32)
        socket.send(source.tobytes())
        receive_block(socket)
        receive_block(socket)
        path = close_stream(socket)["recording"]
        assert path == str(tmp_path / "outputs" / f"realtime_{token}.wav")
        audio, rate = sf.read(path, dtype="float32")
        assert rate == RATE
        np.testing.assert_allclose(audio, -source, atol=1 / 32767)


def test_a_page_that_goes_away_has_its_recording_finished(served, tmp_path, monkeypatch):
    from rvc.realtime.recording import RecordingConverter

    finished = threading.Event()
    close = RecordingConverter.close
    monkeypatch.setattr(RecordingConverter, "close", lambda self: finished.set() or close(self))
    token = "cd" * 16
    with connect(served.socket) as socket:
        open_stream(socket, record=token)
        socket.send(np.full(BLOCK, 0.5, dtype=np.float32).tobytes())
        receive_block(socket)
    assert finished.wait(TIMEOUT)
    audio, _rate = sf.read(tmp_path / "outputs" / f"realtime_{token}.wav", dtype="float32")
    np.testing.assert_allclose(audio, np.full(BLOCK, -0.5), atol=1 / 32767)


def test_options_change_while_streaming(served, monkeypatch):
    engines = made_engines(served, monkeypatch, Negate)
    with connect(served.socket) as socket:
        open_stream(socket)
        socket.send(json.dumps({"update": {"options": {"pitch": 5, "index_rate": 0.2}}}))
        assert receive_json(socket) == {"updated": {"voice": "alice"}}
        options, models = engines[0].updates[0]
        assert (options.pitch, options.index_rate, models) == (5, 0.2, None)
        monkeypatch.setattr("rvc.infer.library.resolve_voice", lambda voice: f"logs/{voice}.pth")
        monkeypatch.setattr("rvc.infer.conversion.load_models", lambda path, options: f"models of {path}")
        socket.send(json.dumps({"update": {"options": {}, "voice": "bob"}}))
        assert receive_json(socket) == {"updated": {"voice": "bob"}}
        assert engines[0].updates[-1][1] == "models of logs/bob.pth"
        socket.send(json.dumps({"update": {"options": {"pitch": 999}}}))
        answer = receive_json(socket)
        assert answer["fatal"] is False and "pitch" in answer["error"].lower()
        socket.send(np.full(BLOCK, 0.5, dtype=np.float32).tobytes())
        np.testing.assert_array_equal(receive_block(socket)[0], np.full(BLOCK, -0.5, dtype=np.float32))
        close_stream(socket)


def test_the_page_scripts_are_served(served):
    scripts = (
        ("client.js", "export async function start"),
        ("worklet.js", "registerProcessor"),
        ("playback.js", "export class PlaybackQueue"),
    )
    for name, marker in scripts:
        with urllib.request.urlopen(served.url + name, timeout=10) as response:
            assert response.headers["Content-Type"].startswith("text/javascript")
            assert marker in response.read().decode()
    with pytest.raises(urllib.error.HTTPError, match="404"):
        urllib.request.urlopen(served.url + "app.py", timeout=10)
