"""Browser microphone mode of the Realtime tab: a WebSocket on the app's own server that converts the page's microphone.

The page (`realtime_client.js` with the `realtime_worklet.js` AudioWorklet) captures the microphone at the
AudioContext's rate, sends it here and plays back what comes back. Protocol, on the WebSocket `/realtime/stream`:
- The page's first message is JSON `{"voice", "options", "settings", "rate", "record"}` (which voice, the
  conversion options and stream settings as plain values); the answer is `{"opened": {"rate", "block_samples",
  "latency"}}`, or `{"error", "fatal": true}` and the socket closes (unknown voice, bad option, refused rate).
- Then the page sends binary messages of little-endian float32 mono samples at `rate` (any count, as captured).
  Each converted block comes back as one binary message of `block_samples` float32, followed by the text
  `{"readout": {...}, "through": n}`: the live figures and how many of the samples received so far the block
  reaches (the page times its round trip from that). Conversion runs beside the receiving, so the page never
  waits; more than two blocks waiting drop the oldest (counted), so a slow model costs audio, never delay.
- `{"update": {"options": {...}, "voice": ...}}` changes the options (and voice) while streaming ->
  `{"updated": {"voice"}}`, or `{"error", "fatal": false}` and the stream goes on as it was.
- `{"close": true}` -> `{"closed": {"recording": path or null, "readout": {...}}}`, then the socket closes. A page
  that goes away without it (closed tab, lost network) has its stream closed the same way, recording included.
Also `GET /realtime/client.js`, `/realtime/worklet.js` and `/realtime/playback.js` (the worklet's playback queue):
the page scripts. Served by the app's server, this works wherever the page loads (`--host`, `--share`); uvicorn
takes WebSockets through the `websockets` package.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import BaseRoute, Route, WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect, WebSocketDisconnected

from rvc.errors import RVCError
from rvc.realtime.blocks import BlockConverter, BlockQueue, StreamMeter, convert_timed

PREFIX = "/realtime"
SCRIPTS = {
    "client.js": "realtime_client.js",
    "worklet.js": "realtime_worklet.js",
    "playback.js": "realtime_playback.js",
}
MAX_MESSAGE_SECONDS = 5.0
"""Longest audio one binary message may carry."""
POLL_SECONDS = 0.2
"""How long the converter waits for a whole block before it looks whether the stream was closed."""
RECORD_TOKEN = re.compile(r"[0-9a-f]{16,64}")
RATES = range(8000, 192_001)
GONE = (WebSocketDisconnect, WebSocketDisconnected)
"""What sending to or receiving from a page that went away (or a socket already closed) raises."""

EngineFactory = Callable[[str, dict, dict, int], BlockConverter]


def recording_path(token: str) -> Path:
    """Where the recording named by `token` (hex, made by the tab) goes: the output folder."""
    from rvc.settings import ensure_output_dir

    if not RECORD_TOKEN.fullmatch(token):
        raise RVCError("bad recording name: it must be 16 to 64 hex digits")
    return ensure_output_dir() / f"realtime_{token}.wav"


def error_text(error: Exception) -> str:
    """The RVCError's message, or one line naming an unexpected error."""
    if isinstance(error, RVCError):
        return str(error)
    first_line = next(iter(str(error).splitlines()), "")
    return f"unexpected error ({type(error).__name__}: {first_line})"


class BrowserStream:
    """One page's stream: the converter, its input queue (fed as samples arrive) and meter; one block at a time."""

    def __init__(self, engine: BlockConverter, recording: Path | None, voice: str = "") -> None:
        from rvc.realtime.recording import RecordingConverter

        self.engine = engine
        self.voice = voice
        self.recorder = RecordingConverter(engine, recording) if recording else None
        self.converter: BlockConverter = self.recorder or engine
        self.meter = StreamMeter(engine)
        self.inputs = BlockQueue(engine.block_samples)
        self.received = 0
        """Samples received so far; a block's position in the stream is counted in these."""
        self._lock = threading.Lock()

    def push(self, samples: np.ndarray) -> None:
        """Queue `(N,)` received samples (never waits for a conversion)."""
        self.inputs.push(samples, self.received / self.engine.rate, self.engine.rate)
        self.received += len(samples)

    def convert_next(self, timeout: float) -> tuple[np.ndarray, int] | None:
        """The next whole block converted, `(block_samples,)`, and the received samples it reaches; None when no
        block came within `timeout` seconds."""
        item = self.inputs.pop(timeout=timeout)
        if item is None:
            return None
        block, start = item
        with self._lock:
            out = convert_timed(self.converter, self.meter, block)
        return out, round(start * self.engine.rate) + len(block)

    def update(self, change: dict[str, Any]) -> None:
        """Apply `{"options": {...}, "voice": ...}` from the page: new options, and the voice when it changed."""
        from rvc.realtime.engine_loader import update_engine

        if not isinstance(change, dict):
            raise RVCError("an update is a JSON object with options (an object) and voice (a text)")
        options, voice = change.get("options", {}), change.get("voice") or self.voice
        if not isinstance(options, dict) or not isinstance(voice, str):
            raise RVCError("an update is a JSON object with options (an object) and voice (a text)")
        with self._lock:
            update_engine(self.engine, options, voice if voice != self.voice else None)
            self.voice = voice

    def readout(self) -> dict:
        """The meter's figures (latency is measured by the page, which knows its playback queue)."""
        return self.meter.readout(dropped=self.inputs.dropped)

    def close(self) -> str | None:
        """Finish the recording; its path, or None when not recording."""
        with self._lock:
            return str(self.recorder.close()) if self.recorder else None


def open_stream(request: Any, factory: EngineFactory | None = None) -> BrowserStream:
    """A new stream from the page's first message; RVCError when it cannot be used."""
    from rvc.realtime.engine_loader import open_engine

    if not isinstance(request, dict):
        raise RVCError("the first message must be a JSON object with voice, options, settings and rate")
    voice, options, settings = request.get("voice"), request.get("options", {}), request.get("settings", {})
    rate = request.get("rate")
    if not voice or not isinstance(voice, str):
        raise RVCError("choose a voice first (voices are listed from the logs folder; press Refresh)")
    if not isinstance(options, dict) or not isinstance(settings, dict):
        raise RVCError("options and settings must be JSON objects")
    if not isinstance(rate, int) or rate not in RATES:
        raise RVCError(f"the page's audio rate {rate!r} is not a sample rate in Hz")
    record = request.get("record")
    recording = recording_path(record) if record else None
    engine = (factory or open_engine)(voice, options, settings, rate)
    return BrowserStream(engine, recording, voice)


class StreamSocket:
    """One page's WebSocket: receives samples and commands, and sends converted blocks as they are ready."""

    def __init__(self, websocket: WebSocket, factory: EngineFactory | None) -> None:
        self.websocket = websocket
        self.factory = factory
        self.stream: BrowserStream | None = None
        self.stopping = threading.Event()
        self._send_lock = asyncio.Lock()

    async def send(self, message: dict | bytes) -> None:
        """One message to the page (text JSON for a dict), never interleaved with another."""
        async with self._send_lock:
            if isinstance(message, bytes):
                await self.websocket.send_bytes(message)
            else:
                await self.websocket.send_text(json.dumps(message))

    async def serve(self) -> None:
        """Open the stream from the first message, then receive until the page closes it or goes away."""
        await self.websocket.accept()
        try:
            first = await self.websocket.receive()
            if first["type"] == "websocket.disconnect":
                return
            self.stream = await run_in_threadpool(open_stream, json.loads(first.get("text") or "null"), self.factory)
        except json.JSONDecodeError:
            await self.fail(RVCError("the first message must be JSON"))
            return
        except Exception as error:  # noqa: BLE001 - the page shows one line
            await self.fail(error)
            return
        engine = self.stream.engine
        opened = {"rate": engine.rate, "block_samples": engine.block_samples, "latency": engine.latency}
        closing, converting = False, None
        try:
            await self.send({"opened": opened})
            converting = asyncio.create_task(self.convert())
            closing = await self.receive()
        except GONE:
            pass
        finally:
            self.stopping.set()
            if converting is not None:
                await converting
            recording = await run_in_threadpool(self.stream.close)
        if closing:
            with contextlib.suppress(*GONE):
                await self.send({"closed": {"recording": recording, "readout": self.stream.readout()}})
                await self.websocket.close()

    async def fail(self, error: Exception) -> None:
        """Tell the page why the stream cannot go on, and close the socket."""
        with contextlib.suppress(*GONE):
            await self.send({"error": error_text(error), "fatal": True})
            await self.websocket.close()

    async def receive(self) -> bool:
        """Take the page's messages until `{"close": true}` (True) or the page went away (False)."""
        stream = self.stream
        limit = 4 * MAX_MESSAGE_SECONDS * stream.engine.rate
        while not self.stopping.is_set():
            message = await self.websocket.receive()
            if message["type"] == "websocket.disconnect":
                return False
            if message.get("bytes") is not None:
                body = message["bytes"]
                if len(body) % 4 or len(body) > limit:
                    await self.send({"error": "audio messages carry float32 samples, at most 5 s", "fatal": False})
                    continue
                stream.push(np.frombuffer(body, dtype="<f4"))
                continue
            try:
                command = json.loads(message.get("text") or "null")
            except json.JSONDecodeError:
                command = None
            if isinstance(command, dict) and command.get("close"):
                return True
            if isinstance(command, dict) and "update" in command:
                try:
                    await run_in_threadpool(stream.update, command["update"])
                except Exception as error:  # noqa: BLE001 - the page shows one line
                    await self.send({"error": error_text(error), "fatal": False})
                else:
                    await self.send({"updated": {"voice": stream.voice}})
                continue
            await self.send({"error": 'unknown command: send {"update": ...} or {"close": true}', "fatal": False})
        return False

    async def convert(self) -> None:
        """Convert whole blocks as they arrive and send each with the readout, until the stream stops."""
        stream = self.stream
        while not self.stopping.is_set():
            try:
                done = await run_in_threadpool(stream.convert_next, POLL_SECONDS)
            except Exception as error:  # noqa: BLE001 - the page shows one line; the app keeps serving
                self.stopping.set()
                await self.fail(error)
                return
            if done is None:
                continue
            out, through = done
            try:
                await self.send(out.astype("<f4").tobytes())
                await self.send({"readout": stream.readout(), "through": through})
            except GONE:
                self.stopping.set()
                return


def routes(factory: EngineFactory | None = None) -> list[BaseRoute]:
    """The browser-stream WebSocket and the page scripts; `factory(voice, options, settings, rate)` opens a
    converter (default: `rvc.realtime.engine_loader.open_engine`)."""
    folder = Path(__file__).resolve().parent

    async def stream_socket(websocket: WebSocket) -> None:
        await StreamSocket(websocket, factory).serve()

    async def script(request: Request) -> Response:
        name = SCRIPTS.get(request.path_params["name"])
        if name is None:
            return Response("not found", status_code=404)
        return FileResponse(folder / name, media_type="text/javascript", headers={"Cache-Control": "no-cache"})

    return [
        WebSocketRoute(f"{PREFIX}/stream", stream_socket),
        Route(f"{PREFIX}/{{name:str}}", script, methods=["GET"]),
    ]


def install_routes(app: Starlette, factory: EngineFactory | None = None) -> None:
    """Serve `routes(factory)` from the running app, ahead of Gradio's own.

    Added to the app Gradio made rather than passed to it as `app_kwargs={"routes": ...}`: that way Gradio's
    plots stopped drawing their lines (the Train tab's loss and held-out plots stayed empty).
    """
    app.router.routes[:0] = routes(factory)
