"""Time the content embedder at real size (HuBERT base: 768-d, 12 layers, random weights) on 10 s of audio.

    python bench/embedders.py [--device cuda] [--half] [--seconds 10] [--repeats 3]

Prints the best wall time of `repeats` calls for v2 (all 12 layers) and v1 (9 layers + final_proj).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from rvc.features.embedders import Embedder
from rvc.features.hubert import Hubert, HubertConfig


def best_time(embedder: Embedder, wav: torch.Tensor, version: str, repeats: int) -> float:
    """Fastest of `repeats` timed `extract` calls, in seconds (one untimed warm-up first)."""
    embedder.extract(wav, version=version)
    times = []
    for _ in range(repeats):
        if embedder.device.type == "cuda":
            torch.cuda.synchronize()
        start = time.perf_counter()
        embedder.extract(wav, version=version)
        if embedder.device.type == "cuda":
            torch.cuda.synchronize()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    """Parse arguments, build the model, print timings."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--half", action="store_true", help="float16 (CUDA only)")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    torch.manual_seed(0)
    device = torch.device(args.device)
    dtype = torch.float16 if args.half and device.type == "cuda" else torch.float32
    model = Hubert(HubertConfig()).eval().to(device=device, dtype=dtype)
    embedder = Embedder(model, "random-base", Path("-"), device, dtype)
    wav = torch.randn(1, int(16000 * args.seconds)) * 0.1
    label = f"{device.type}{' fp16' if dtype == torch.float16 else ''}, torch threads {torch.get_num_threads()}"
    print(f"HuBERT base (random weights), {args.seconds:g} s of audio, {label}")
    for version in ("v2", "v1"):
        seconds = best_time(embedder, wav, version, args.repeats)
        frames = embedder.num_frames(wav.shape[-1])
        print(
            f"  {version}: {seconds * 1000:8.1f} ms  ({frames} frames, {seconds / args.seconds * 1000:.1f} ms per s of audio)"
        )


if __name__ == "__main__":
    main()
