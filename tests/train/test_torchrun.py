"""`rvc train` under torchrun: each process joins the group the environment describes instead of spawning.

Two local processes stand for two machines: each has its own logs folder with the same run (as each node
has its own copy of the dataset), and they meet over gloo at MASTER_ADDR:MASTER_PORT.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from rvc.errors import RVCError
from rvc.processes import free_port
from rvc.testing.tiny_training import make_tiny_run
from rvc.train.distributed import ProcessGroupEnv, process_group_env
from rvc.train.progress import read_progress

ROOT = Path(__file__).resolve().parents[2]
# The real `python -m rvc train`, with the tiny discriminator swapped in so that a step takes seconds.
NODE = (
    "import sys; from rvc.testing.tiny_training import use_tiny_discriminator; use_tiny_discriminator(); "
    "from rvc import cli; sys.exit(cli.main(sys.argv[1:]))"
)
TRAIN = ["train", "--name", "voice", "--sample-rate", "32000", "--epochs", "1", "--batch-size", "1",
         "--no-pretrained", "--holdout", "0", "--save-every", "1", "--running-loss-window", "1"]  # fmt: skip


def test_group_environment_is_read_or_refused_when_incomplete():
    full = {"RANK": "1", "WORLD_SIZE": "2", "MASTER_ADDR": "10.0.0.1", "MASTER_PORT": "29500", "LOCAL_RANK": "0"}
    assert process_group_env(full) == ProcessGroupEnv(rank=1, world_size=2, local_rank=0)
    assert process_group_env({"MASTER_PORT": "29500"}) is None  # a stray variable alone starts nothing
    with pytest.raises(RVCError, match="MASTER_ADDR missing"):
        process_group_env({**full, "MASTER_ADDR": ""})
    with pytest.raises(RVCError, match="RANK 2 is outside WORLD_SIZE 2"):
        process_group_env({**full, "RANK": "2"})


def test_two_processes_train_as_one_group_like_two_nodes(tmp_path, monkeypatch):
    nodes = [tmp_path / f"node{rank}" / "logs" for rank in range(2)]
    for logs in nodes:
        monkeypatch.setenv("RVC_LOGS_DIR", str(logs))
        make_tiny_run("voice", slices=2)
    port = str(free_port())
    logs_out = [tmp_path / f"rank{rank}.log" for rank in range(2)]
    processes = []
    for rank, logs in enumerate(nodes):
        env = {**os.environ, "RVC_LOGS_DIR": str(logs), "RANK": str(rank), "WORLD_SIZE": "2", "LOCAL_RANK": "0",
               "MASTER_ADDR": "127.0.0.1", "MASTER_PORT": port}  # fmt: skip
        with open(logs_out[rank], "w") as out:  # files, not pipes: an unread pipe could stall a rank
            command = [sys.executable, "-c", NODE, *TRAIN]
            processes.append(subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT))
    try:
        codes = [process.wait(timeout=900) for process in processes]
    finally:
        for process in processes:
            process.kill()
    outputs = [path.read_text() for path in logs_out]
    assert codes == [0, 0], outputs
    assert "on cpu x2" in outputs[0], outputs[0]
    progress = read_progress(nodes[0] / "voice" / "progress.json")
    # Two slices shared by two ranks at batch 1: one step each. A process training alone would take two.
    assert progress.status == "finished" and progress.step == 1
    assert (nodes[0] / "voice" / "G_2333333.pth").is_file()
    assert not list((nodes[1] / "voice").glob("[GD]_*.pth"))  # only rank 0 writes checkpoints
    assert not (nodes[1] / "voice" / "train.pid").exists()  # trained in place, no child process started
