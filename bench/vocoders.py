"""Time the vocoders (HiFi-GAN NSF, MRF HiFi-GAN, RefineGAN) at real size with random weights, weight norm on/folded.

    python bench/vocoders.py [--device cuda] [--sr 40000] [--seconds 10] [--repeats 3] [--half]

Prints, per vocoder, the best wall time of `repeats` inference calls on `seconds` of audio (100 frames/s) and the
real-time factor, before and after `remove_weight_norm()`, and the largest output difference the fold made.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from rvc.configs import SAMPLE_RATES, load_config
from rvc.models.vocoders import VOCODER_NAMES, build_vocoder

GEOMETRY_KEYS = (
    "resblock_kernel_sizes",
    "resblock_dilation_sizes",
    "upsample_rates",
    "upsample_initial_channel",
    "upsample_kernel_sizes",
)


def best_time(vocoder: torch.nn.Module, inputs: tuple, repeats: int, device: str) -> tuple[float, torch.Tensor]:
    """Fastest of `repeats` timed calls (one untimed warm-up first) and the output of the last, same seed each."""
    with torch.inference_mode():
        torch.manual_seed(0)
        vocoder(*inputs)
        times = []
        for _ in range(repeats):
            if device == "cuda":
                torch.cuda.synchronize()
            start = time.perf_counter()
            torch.manual_seed(0)
            audio = vocoder(*inputs)
            if device == "cuda":
                torch.cuda.synchronize()
            times.append(time.perf_counter() - start)
    return min(times), audio


def main() -> None:
    """Parse the options, build each vocoder and print its timings."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--sr", type=int, default=40000, choices=SAMPLE_RATES)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--half", action="store_true", help="run in float16 (CUDA)")
    args = parser.parse_args()

    config = load_config(args.sr, "v2")
    model = config["model"]
    inter, gin, sr = model["inter_channels"], model["gin_channels"], config["data"]["sample_rate"]
    geometry = {key: model[key] for key in GEOMETRY_KEYS}
    dtype = torch.float16 if args.half else torch.float32
    frames = int(args.seconds * 100)
    generator = torch.Generator().manual_seed(1)
    x = torch.randn(1, inter, frames, generator=generator).to(args.device, dtype)
    f0 = (torch.rand(1, frames, generator=generator) * 200 + 100).to(args.device, dtype)
    g = torch.randn(1, gin, 1, generator=generator).to(args.device, dtype)
    print(f"{args.seconds:g} s at {sr} Hz on {args.device} ({dtype}), best of {args.repeats}")
    print(f"{'vocoder':14} {'weight norm':>12} {'folded':>9} {'RTF':>8} {'max |diff|':>11}")
    for name in VOCODER_NAMES:
        torch.manual_seed(0)
        vocoder = (
            build_vocoder(name, initial_channel=inter, gin_channels=gin, sr=sr, **geometry)
            .to(args.device, dtype)
            .eval()
        )
        with_norm, reference = best_time(vocoder, (x, f0, g), args.repeats, args.device)
        vocoder.remove_weight_norm()
        folded, audio = best_time(vocoder, (x, f0, g), args.repeats, args.device)
        diff = (audio.float() - reference.float()).abs().max().item()
        print(f"{name:14} {with_norm:11.3f}s {folded:8.3f}s {folded / args.seconds:8.4f} {diff:11.2e}")


if __name__ == "__main__":
    main()
