"""Waiting on child processes in tests: poll a condition, tell a live process from a finished one."""

from __future__ import annotations

import time
from collections.abc import Callable

import psutil


def wait_for(condition: Callable[[], bool], timeout: float = 15.0) -> None:
    """Poll `condition` every 50 ms; fail the test if it is still false after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def alive(pid: int) -> bool:
    """Whether process `pid` exists and has not finished (a zombie counts as finished)."""
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False
