"""The device one training process runs on, and the log line that says which and why."""

from __future__ import annotations

import torch

from rvc.devices import describe_choice, resolve_device
from rvc.train.options import TrainOptions


def training_device(
    options: TrainOptions, rank: int, world_size: int, local_rank: int | None = None
) -> tuple[torch.device, str]:
    """(device of process `rank`, log line): its GPU from `gpus` (by `local_rank` under torchrun), the CPU for CPU
    processes, else `options.device`."""
    if options.gpus:
        device = torch.device("cuda", options.gpus[rank if local_rank is None else local_rank])
        return device, f"device: {device} (--gpus {'-'.join(map(str, options.gpus))})"
    if world_size > 1:
        return torch.device("cpu"), f"device: cpu ({world_size} CPU processes)"
    device = resolve_device(options.device)
    return device, describe_choice(options.device, device)
