"""Long work as child processes: start with a pid file and a log, check, stop the whole tree, tail the log.

Knows nothing about what the processes do; callers such as the training launcher build on it.
A job runs in its own process group (POSIX session / Windows process group), so stopping it ends
every process it started (DDP workers, data loaders) and nothing else. The pid file holds
the pid and the process creation time, so a pid reused by an unrelated process after a crash
or a reboot is never mistaken for the job (stale pid files are removed on sight).
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from rvc.atomic_files import write_text_atomic
from rvc.errors import RVCError
from rvc.paths import PROJECT_ROOT

STOP_GRACE_SECONDS = 10.0
LOCALHOST = "127.0.0.1"
_CREATE_TIME_TOLERANCE = 0.05


@dataclass(frozen=True)
class Job:
    """A running child process: its pid, the pid file that records it and the log it appends to."""

    pid: int
    pid_file: Path
    log_file: Path
    info: dict = field(default_factory=dict)
    process: subprocess.Popen | None = field(default=None, compare=False, repr=False)


def start_job(command: list[str], pid_file: Path, log_file: Path, info: dict | None = None) -> Job:
    """Start `command` in its own process group, stdout/stderr appended to `log_file`, pid recorded in `pid_file`.

    `info` (JSON-able) is stored beside the pid, e.g. a URL the job serves. Refuses while the job is alive.
    """
    pid_file, log_file = Path(pid_file), Path(log_file)
    running = read_job(pid_file)
    if running is not None:
        raise RVCError(f"{pid_file.stem} is already running (pid {running.pid}); stop it first")
    log_file.parent.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(PROJECT_ROOT), os.environ.get("PYTHONPATH")]))
    with open(log_file, "ab") as log:
        try:
            process = subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=env,
                **_new_group_flags(),
            )
        except OSError as error:
            raise RVCError(
                f"cannot start {command[0]}: {error.strerror or error}; run the installer again (run-install) "
                "to repair the environment"
            ) from None
    info = dict(info or {})
    record = {"pid": process.pid, "created": _create_time(process.pid), "log": str(log_file), "info": info}
    write_text_atomic(pid_file, json.dumps(record))
    return Job(process.pid, pid_file, log_file, info, process)


def read_job(pid_file: Path) -> Job | None:
    """The job recorded in `pid_file` if its process is still alive; a stale pid file is deleted."""
    pid_file = Path(pid_file)
    try:
        record = json.loads(pid_file.read_text(encoding="utf-8"))
        pid, created, log_file, info = int(record["pid"]), record["created"], Path(record["log"]), record["info"]
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError):
        pid_file.unlink(missing_ok=True)
        return None
    if not _is_alive(pid, created):
        pid_file.unlink(missing_ok=True)
        return None
    return Job(pid, pid_file, log_file, info)


def is_running(pid_file: Path) -> bool:
    """True while the job recorded in `pid_file` is alive."""
    return read_job(pid_file) is not None


def stop_job(pid_file: Path, grace: float = STOP_GRACE_SECONDS) -> bool:
    """End the recorded job's whole process tree (terminate, wait `grace` s, then kill); False if none ran."""
    job = read_job(pid_file)
    if job is None:
        return False
    if sys.platform == "win32":
        subprocess.run(["taskkill", "/F", "/T", "/PID", str(job.pid)], capture_output=True, check=False)
        stopped = _wait_until(lambda: not _is_alive(job.pid, None), grace)
    else:
        _signal_group(job.pid, signal.SIGTERM)
        stopped = _wait_until(lambda: not _group_alive(job.pid), grace)
        if not stopped:
            _signal_group(job.pid, signal.SIGKILL)
            stopped = _wait_until(lambda: not _group_alive(job.pid), grace)
    if not stopped:
        raise RVCError(f"could not stop process {job.pid} ({pid_file}); end it with your system's task manager")
    Path(pid_file).unlink(missing_ok=True)
    return True


def tail_file(path: Path, lines: int = 40) -> str:
    """The last `lines` lines of a text file ('' when it does not exist yet)."""
    path = Path(path)
    if lines <= 0 or not path.is_file():
        return ""
    with open(path, "rb") as handle:
        handle.seek(0, os.SEEK_END)
        size = handle.tell()
        block, data = 8192, b""
        while size > 0 and data.count(b"\n") <= lines:
            step = min(block, size)
            size -= step
            handle.seek(size)
            data = handle.read(step) + data
    text = data.decode("utf-8", errors="replace")
    return "\n".join(text.splitlines()[-lines:])


def _new_group_flags() -> dict:
    """Popen arguments that put the child at the head of its own process group."""
    if sys.platform == "win32":
        return {"creationflags": subprocess.CREATE_NEW_PROCESS_GROUP}
    return {"start_new_session": True}


def _create_time(pid: int) -> float | None:
    import psutil

    try:
        return psutil.Process(pid).create_time()
    except psutil.Error:
        return None


def _is_alive(pid: int, created: float | None) -> bool:
    """The process exists, is not a zombie and (when `created` is known) is the one that was recorded."""
    import psutil

    try:
        process = psutil.Process(pid)
        if process.status() == psutil.STATUS_ZOMBIE:
            return False
        return created is None or abs(process.create_time() - created) < _CREATE_TIME_TOLERANCE
    except psutil.Error:
        return False


def _group_alive(pgid: int) -> bool:
    """Any process of group `pgid` still running (zombies waiting for a parent do not count)."""
    import psutil

    for process in psutil.process_iter():
        try:
            if os.getpgid(process.pid) == pgid and process.status() != psutil.STATUS_ZOMBIE:
                return True
        except (OSError, psutil.Error):
            continue
    return False


def _signal_group(pgid: int, signum: int) -> None:
    try:
        os.killpg(pgid, signum)
    except (ProcessLookupError, PermissionError):
        pass


def _wait_until(condition, timeout: float) -> bool:
    """Poll `condition` every 50 ms for up to `timeout` seconds; True once it holds."""
    deadline = time.monotonic() + timeout
    while True:
        if condition():
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.05)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((LOCALHOST, 0))
        return sock.getsockname()[1]
