"""Child processes with a stand-in that starts its own grandchild: start, check, stop the tree, pid files, logs."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time

import psutil
import pytest

from rvc import processes
from rvc.errors import RVCError
from tests.process_helpers import alive, wait_for

# Prints its argv, starts a grandchild that sleeps, records the grandchild pid in the file named by argv[1], sleeps.
STAND_IN = """
import pathlib, subprocess, sys, time
print("stand-in", sys.argv[1:], flush=True)
child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
pathlib.Path(sys.argv[1]).write_text(str(child.pid))
time.sleep(120)
"""

# Ignores SIGTERM, so only the escalation to SIGKILL can end it.
STUBBORN = """
import signal, time
signal.signal(signal.SIGTERM, signal.SIG_IGN)
print("ready", flush=True)
time.sleep(120)
"""


def test_job_starts_is_refused_twice_and_stop_ends_the_whole_tree(tmp_path):
    pid_file, log_file, grandchild_file = tmp_path / "job.pid", tmp_path / "logs" / "job.log", tmp_path / "gc.pid"
    job = processes.start_job([sys.executable, "-c", STAND_IN, str(grandchild_file)], pid_file, log_file, {"a": 1})
    try:
        record = json.loads(pid_file.read_text())
        assert record["pid"] == job.pid and record["log"] == str(log_file) and record["info"] == {"a": 1}
        assert processes.is_running(pid_file)
        wait_for(lambda: grandchild_file.exists() and "stand-in" in processes.tail_file(log_file))
        grandchild = int(grandchild_file.read_text())
        assert alive(grandchild)
        assert processes.tail_file(log_file, 1) == f"stand-in ['{grandchild_file}']"
        with pytest.raises(RVCError, match="job is already running"):
            processes.start_job([sys.executable, "-c", "pass"], pid_file, log_file)
    finally:
        assert processes.stop_job(pid_file, grace=5.0)
    assert not alive(job.pid) and not alive(grandchild)
    assert not processes.is_running(pid_file)
    assert not pid_file.exists()
    assert processes.stop_job(pid_file) is False
    assert job.process.wait(timeout=5) != 0


def test_log_is_appended_across_starts(tmp_path):
    pid_file, log_file = tmp_path / "job.pid", tmp_path / "job.log"
    for number in range(2):
        job = processes.start_job([sys.executable, "-c", f"print('run {number}')"], pid_file, log_file)
        job.process.wait(timeout=15)
    assert processes.tail_file(log_file, 100) == "run 0\nrun 1"


@pytest.mark.skipif(sys.platform == "win32", reason="SIGTERM escalation is POSIX")
def test_stop_kills_a_process_that_ignores_terminate(tmp_path):
    pid_file, log_file = tmp_path / "job.pid", tmp_path / "job.log"
    job = processes.start_job([sys.executable, "-c", STUBBORN], pid_file, log_file)
    wait_for(lambda: "ready" in processes.tail_file(log_file))
    started = time.monotonic()
    assert processes.stop_job(pid_file, grace=0.5)
    assert time.monotonic() - started >= 0.5
    assert job.process.wait(timeout=5) == -9
    assert not pid_file.exists()


def test_stale_pid_files_are_removed(tmp_path):
    pid_file = tmp_path / "job.pid"
    finished = subprocess.Popen([sys.executable, "-c", "pass"])
    finished.wait()
    cases = [
        {"pid": finished.pid, "created": None, "log": "x", "info": {}},  # process gone
        {"pid": os.getpid(), "created": psutil.Process().create_time() - 100, "log": "x", "info": {}},  # pid reused
    ]
    for record in cases:
        pid_file.write_text(json.dumps(record))
        assert not processes.is_running(pid_file)
        assert not pid_file.exists()
    pid_file.write_text("12 not json")
    assert processes.read_job(pid_file) is None and not pid_file.exists()
    assert processes.read_job(tmp_path / "never.pid") is None


def test_live_pid_file_is_read_back(tmp_path):
    record = {
        "pid": os.getpid(),
        "created": psutil.Process().create_time(),
        "log": str(tmp_path / "a.log"),
        "info": {"url": "u"},
    }
    (tmp_path / "a.pid").write_text(json.dumps(record))
    job = processes.read_job(tmp_path / "a.pid")
    assert (job.pid, job.log_file, job.info) == (os.getpid(), tmp_path / "a.log", {"url": "u"})
    assert processes.is_running(tmp_path / "a.pid")


def test_unstartable_command_is_a_readable_error(tmp_path):
    with pytest.raises(RVCError, match="cannot start .*missing-program: No such file or directory; run the installer"):
        processes.start_job([str(tmp_path / "missing-program")], tmp_path / "x.pid", tmp_path / "x.log")
    assert not (tmp_path / "x.pid").exists()


def test_tail_file(tmp_path):
    log = tmp_path / "train.log"
    assert processes.tail_file(log) == ""
    log.write_text("".join(f"line {i} " + "x" * 300 + "\n" for i in range(100)))
    tail = processes.tail_file(log, 3).splitlines()
    assert [line.split()[1] for line in tail] == ["97", "98", "99"]
    assert len(processes.tail_file(log, 1000).splitlines()) == 100
    assert processes.tail_file(log, 0) == ""


def test_free_port_can_be_bound():
    port = processes.free_port()
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((processes.LOCALHOST, port))
        assert sock.getsockname()[1] == port
