"""Training on several machines: join a process group that `torchrun` (or any launcher) describes in the environment.

`torchrun --nnodes N --node-rank R --nproc-per-node P --master-addr HOST --master-port PORT -m rvc train ...`
starts one `rvc train` per process with `RANK`, `WORLD_SIZE`, `LOCAL_RANK`, `MASTER_ADDR` and `MASTER_PORT`
set. Such a process trains itself (it spawns nothing) as rank `RANK` of `WORLD_SIZE`; with `--gpus` it uses
the node's GPU `gpus[LOCAL_RANK]`. Without these variables training spawns its own processes on this machine.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from rvc.errors import RVCError

GROUP_VARIABLES = ("RANK", "WORLD_SIZE", "MASTER_ADDR", "MASTER_PORT")


@dataclass(frozen=True)
class ProcessGroupEnv:
    """This process's place in a group described by the environment."""

    rank: int
    world_size: int
    local_rank: int


def process_group_env(environ: Mapping[str, str] | None = None) -> ProcessGroupEnv | None:
    """The group this process was started into (RANK and WORLD_SIZE set, and where to meet), else None."""
    environ = os.environ if environ is None else environ
    if not (environ.get("RANK") or environ.get("WORLD_SIZE")):
        return None
    missing = [name for name in GROUP_VARIABLES if not environ.get(name)]
    if missing:
        raise RVCError(
            f"multi-machine training needs {', '.join(GROUP_VARIABLES)} set; {', '.join(missing)} missing "
            "(start it with torchrun)"
        )
    try:
        rank, world_size = int(environ["RANK"]), int(environ["WORLD_SIZE"])
        local_rank = int(environ.get("LOCAL_RANK", "0"))
    except ValueError:
        raise RVCError("RANK, WORLD_SIZE and LOCAL_RANK must be whole numbers (set by torchrun)") from None
    if not 0 <= rank < world_size:
        raise RVCError(f"RANK {rank} is outside WORLD_SIZE {world_size}")
    return ProcessGroupEnv(rank, world_size, local_rank)
