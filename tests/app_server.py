"""Start the app as a user does (`python app.py --no-browser`) with every data location in a test folder."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
START_SECONDS = 90


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def app_env(folder: Path, **extra: str) -> dict[str, str]:
    """Environment for an app subprocess with every data location inside `folder` (`extra` added)."""
    return dict(
        os.environ,
        GRADIO_ANALYTICS_ENABLED="False",
        RVC_WEIGHTS_DIR=str(folder / "weights"),
        RVC_LOGS_DIR=str(folder / "logs"),
        RVC_OUTPUTS_DIR=str(folder / "outputs"),
        RVC_SETTINGS=str(folder / "settings.json"),
        **extra,
    )


def get(url: str) -> tuple[int, str]:
    """Status and body of a GET request."""
    with urllib.request.urlopen(url, timeout=5) as response:
        return response.status, response.read().decode("utf-8")


@contextmanager
def running_app(folder: Path, **extra_env: str) -> Iterator[str]:
    """The app serving on a free 127.0.0.1 port with its data in `folder`; yields its base URL, stops it after."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "app.py", "--no-browser", "--port", str(port)],
        cwd=ROOT,
        env=app_env(folder, **extra_env),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + START_SECONDS
    try:
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"app exited with {process.returncode}: {process.stdout.read().decode()}")
            try:
                if get(url + "/")[0] == 200:
                    break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"app did not answer within {START_SECONDS} s")
            time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        process.communicate(timeout=30)
