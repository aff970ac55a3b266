"""Time from `python app.py --no-browser` to the first HTTP 200 on `/` (and the CPU time it took).

Usage: python bench/app_startup.py [--runs N]
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def one_start(folder: Path) -> tuple[float, float]:
    """Start the app once; return (wall seconds to first 200, CPU seconds the app used until then)."""
    port = free_port()
    env = dict(
        os.environ,
        GRADIO_ANALYTICS_ENABLED="False",
        RVC_WEIGHTS_DIR=str(folder / "weights"),
        RVC_LOGS_DIR=str(folder / "logs"),
        RVC_SETTINGS=str(folder / "settings.json"),
    )
    started = time.monotonic()
    process = subprocess.Popen(
        [sys.executable, "app.py", "--no-browser", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=1) as response:
                    if response.status == 200:
                        break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.02)
            if process.poll() is not None:
                raise SystemExit(f"app exited with {process.returncode}")
        wall = time.monotonic() - started
        cpu = cpu_seconds(process.pid)
    finally:
        process.terminate()
        process.wait(timeout=30)
    return wall, cpu


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds a running process has used (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main() -> None:
    """Print one line per start and the median."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    walls, cpus = [], []
    with tempfile.TemporaryDirectory() as folder:
        for run in range(args.runs):
            wall, cpu = one_start(Path(folder))
            walls.append(wall)
            cpus.append(cpu)
            print(f"run {run + 1}: first 200 after {wall:.2f} s wall, {cpu:.2f} s CPU; load {os.getloadavg()[0]:.1f}")
    print(
        f"median: {statistics.median(walls):.2f} s wall, {statistics.median(cpus):.2f} s CPU ({os.cpu_count()} cores)"
    )


if __name__ == "__main__":
    main()
