"""Browser microphone mode of the Realtime tab: routes on the app's own server that convert the page's microphone.

The page (`realtime_client.js` with the `realtime_worklet.js` AudioWorklet) captures the microphone at the
AudioContext's rate, sends it here and plays back what comes back. Protocol, all under `/realtime/`:
- `POST open`, a JSON body `{"voice", "options", "settings", "rate", "record"}` (the first message: which voice,
  the conversion options and stream settings as plain values) -> `{"session", "rate", "block_samples",
  "latency"}`, or `{"error"}` with status 400 (unknown voice, bad option, rate the engine refuses).
- `POST stream/<session>`, a body of little-endian float32 mono samples at `rate` (any count) -> the converted
  samples ready now (float32, possibly none), the live readout as JSON in the `X-RVC-Readout` header. The
  page keeps one request in flight and sends what it captured meanwhile; more than two blocks waiting drop
  the oldest (counted), so a slow model costs audio, never a growing delay.
- `POST update/<session>`, `{"options": {...}}` -> new conversion options while streaming (pitch, index rate...).
- `POST close/<session>` -> `{"recording": path or null, "readout": {...}}`.
- `GET client.js`, `GET worklet.js`: the page scripts.

Plain HTTP rather than a WebSocket: uvicorn accepts WebSockets only with the `websockets` or `wsproto`
package, which Gradio does not install; a small request per block on a kept-alive connection costs about a
millisecond more. Served by the app's server, it works wherever the page loads (`--host`, `--share`).
"""

from __future__ import annotations

import json
import re
import secrets
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Route

from rvc.errors import RVCError
from rvc.realtime.blocks import BlockConverter, BlockQueue, StreamMeter, convert_timed

PREFIX = "/realtime"
SCRIPTS = {"client.js": "realtime_client.js", "worklet.js": "realtime_worklet.js"}
IDLE_SECONDS = 30.0
"""A session with no request for this long is closed (the page was closed or lost its connection)."""
MAX_BODY_SECONDS = 5.0
"""Longest audio one stream request may carry."""
RECORD_TOKEN = re.compile(r"[0-9a-f]{16,64}")
RATES = range(8000, 192_001)

EngineFactory = Callable[[str, dict, dict, int], BlockConverter]


def recording_path(token: str) -> Path:
    """Where the recording named by `token` (hex, made by the tab) goes: the output folder."""
    from rvc.settings import ensure_output_dir

    if not RECORD_TOKEN.fullmatch(token):
        raise RVCError("bad recording name: it must be 16 to 64 hex digits")
    return ensure_output_dir() / f"realtime_{token}.wav"


class StreamClosed(RVCError):
    """A request for a stream that is not open (stopped, expired or never opened)."""


class BrowserStream:
    """One page's stream: the converter, its input queue and meter; requests are converted one at a time."""

    def __init__(self, engine: BlockConverter, recording: Path | None, voice: str = "") -> None:
        from rvc.realtime.recording import RecordingConverter

        self.engine = engine
        self.voice = voice
        self.recorder = RecordingConverter(engine, recording) if recording else None
        self.converter: BlockConverter = self.recorder or engine
        self.meter = StreamMeter(engine)
        self.inputs = BlockQueue(engine.block_samples)
        self.seen = time.monotonic()
        self._lock = threading.Lock()

    def feed(self, samples: np.ndarray) -> np.ndarray:
        """Queue `(N,)` samples and convert every whole block waiting -> the converted samples, `(M,)`."""
        with self._lock:
            self.seen = time.monotonic()
            self.inputs.push(samples, time.perf_counter(), self.engine.rate)
            out = []
            while (item := self.inputs.pop(timeout=0)) is not None:
                out.append(convert_timed(self.converter, self.meter, item[0]))
            return np.concatenate(out) if out else np.zeros(0, dtype=np.float32)

    def update(self, change: dict[str, Any]) -> None:
        """Apply `{"options": {...}, "voice": ...}` from the page: new options, and the voice when it changed."""
        from rvc.realtime.engine_loader import update_engine

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


class BrowserStreams:
    """The open browser streams (owner: the routes made by `routes`), closed on request or when idle."""

    def __init__(self, factory: EngineFactory | None = None) -> None:
        self._factory = factory
        self._streams: dict[str, BrowserStream] = {}
        self._lock = threading.Lock()

    def open(self, request: dict[str, Any]) -> tuple[str, BrowserStream]:
        """A new stream from the page's first message; RVCError when it cannot be used."""
        from rvc.realtime.engine_loader import open_engine

        self.close_idle()
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
        engine = (self._factory or open_engine)(voice, options, settings, rate)
        stream = BrowserStream(engine, recording, voice)
        session = secrets.token_hex(16)
        with self._lock:
            self._streams[session] = stream
        return session, stream

    def get(self, session: str) -> BrowserStream:
        """The open stream `session`; RVCError when it is unknown or was closed."""
        with self._lock:
            stream = self._streams.get(session)
        if stream is None:
            raise StreamClosed("this stream is closed (stopped, or idle too long); press Start again")
        return stream

    def close(self, session: str) -> BrowserStream | None:
        """Close and forget `session` (None when it is not open)."""
        with self._lock:
            stream = self._streams.pop(session, None)
        if stream is not None:
            stream.close()
        return stream

    def close_idle(self) -> None:
        """Close the streams no page asked anything of for `IDLE_SECONDS`."""
        now = time.monotonic()
        with self._lock:
            idle = [session for session, stream in self._streams.items() if now - stream.seen > IDLE_SECONDS]
        for session in idle:
            self.close(session)

    def sessions(self) -> list[str]:
        """The open sessions."""
        with self._lock:
            return list(self._streams)


def _error(error: Exception, status: int = 400) -> JSONResponse:
    """`{"error": message}`: the RVCError's text, or one line naming an unexpected error."""
    if isinstance(error, RVCError):
        return JSONResponse({"error": str(error)}, status_code=status)
    first_line = next(iter(str(error).splitlines()), "")
    return JSONResponse({"error": f"unexpected error ({type(error).__name__}: {first_line})"}, status_code=500)


def routes(factory: EngineFactory | None = None) -> list[Route]:
    """The browser-stream routes with their own stream table; `factory(voice, options, settings, rate)` opens a
    converter (default: `rvc.realtime.engine_loader.open_engine`)."""
    streams = BrowserStreams(factory)
    folder = Path(__file__).resolve().parent

    async def open_stream(request: Request) -> Response:
        try:
            body = json.loads(await request.body())
            session, stream = await run_in_threadpool(streams.open, body)
        except json.JSONDecodeError:
            return _error(RVCError("the first message must be JSON"))
        except Exception as error:  # noqa: BLE001 - the page shows one line
            return _error(error)
        engine = stream.engine
        answer = {"session": session, "rate": engine.rate, "block_samples": engine.block_samples}
        return JSONResponse({**answer, "latency": engine.latency})

    async def feed(request: Request) -> Response:
        try:
            stream = streams.get(request.path_params["session"])
            body = await request.body()
            if len(body) % 4 or len(body) > 4 * MAX_BODY_SECONDS * stream.engine.rate:
                raise RVCError("a stream request carries float32 samples, at most 5 s of them")
            out = await run_in_threadpool(stream.feed, np.frombuffer(body, dtype="<f4"))
        except Exception as error:  # noqa: BLE001 - the page shows one line
            return _error(error, 404 if isinstance(error, StreamClosed) else 400)
        headers = {"X-RVC-Readout": json.dumps(stream.readout()), "Cache-Control": "no-store"}
        return Response(out.astype("<f4").tobytes(), media_type="application/octet-stream", headers=headers)

    async def update(request: Request) -> Response:
        try:
            stream = streams.get(request.path_params["session"])
            await run_in_threadpool(stream.update, json.loads(await request.body()))
        except Exception as error:  # noqa: BLE001 - the page shows one line
            return _error(error)
        return JSONResponse({"voice": stream.voice})

    async def close(request: Request) -> Response:
        stream = await run_in_threadpool(streams.close, request.path_params["session"])
        if stream is None:
            return JSONResponse({"recording": None, "readout": None})
        return JSONResponse({"recording": stream.close(), "readout": stream.readout()})

    async def script(request: Request) -> Response:
        name = SCRIPTS.get(request.path_params["name"])
        if name is None:
            return Response("not found", status_code=404)
        return FileResponse(folder / name, media_type="text/javascript", headers={"Cache-Control": "no-cache"})

    return [
        Route(f"{PREFIX}/open", open_stream, methods=["POST"]),
        Route(f"{PREFIX}/stream/{{session}}", feed, methods=["POST"]),
        Route(f"{PREFIX}/update/{{session}}", update, methods=["POST"]),
        Route(f"{PREFIX}/close/{{session}}", close, methods=["POST"]),
        Route(f"{PREFIX}/{{name:str}}", script, methods=["GET"]),
    ]


def install_routes(app: Starlette, factory: EngineFactory | None = None) -> None:
    """Serve `routes(factory)` from the running app, ahead of Gradio's own.

    Added to the app Gradio made rather than passed to it as `app_kwargs={"routes": ...}`: that way Gradio's
    plots stopped drawing their lines (the Train tab's loss and held-out plots stayed empty).
    """
    app.router.routes[:0] = routes(factory)
