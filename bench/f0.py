"""Time every pitch method on synthetic speech and print milliseconds of compute per second of audio.

    python bench/f0.py [--seconds 10] [--device cpu] [--repeats 1] [--methods rmvpe,crepe-tiny,...]

RMVPE uses `rvc.paths.rmvpe_path()` when that file exists, else random weights in the public layout
(speed does not depend on the values). "load" is the first `MODELS.get` (imports and weights);
"first" the first call after it; "steady" the fastest of `repeats` further calls.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from rvc import paths
from rvc.features.f0 import METHODS, MODELS, extract_f0, validate_method
from rvc.testing.model_fixtures import save_random_rmvpe
from rvc.testing.synthetic_speech import synth_speech

T = TypeVar("T")


def random_rmvpe_weights(folder: Path) -> None:
    """Point the weights folder at `folder` and save random RMVPE weights there (public layout, fp16)."""
    os.environ["RVC_WEIGHTS_DIR"] = str(folder)
    save_random_rmvpe(paths.rmvpe_path())


def timed(call: Callable[[], T]) -> tuple[float, T]:
    """(seconds, result) of one call."""
    start = time.perf_counter()
    result = call()
    return time.perf_counter() - start, result


def main() -> None:
    """Parse arguments, run every method, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--methods", default=",".join(METHODS), help="comma-separated, hybrids allowed")
    args = parser.parse_args()

    import torch

    audio = synth_speech(duration=args.seconds, sample_rate=16000, speaker=1, seed=0).audio
    methods = [name.strip() for name in args.methods.split(",") if name.strip()]
    with tempfile.TemporaryDirectory() as scratch:
        real_rmvpe = paths.rmvpe_path().is_file()
        if any("rmvpe" in validate_method(method) for method in methods) and not real_rmvpe:
            random_rmvpe_weights(Path(scratch))
        print(
            f"{args.seconds:g} s of 16 kHz audio, device {args.device}, torch threads {torch.get_num_threads()}, "
            f"RMVPE weights {'real' if real_rmvpe else 'random'}"
        )
        print(f"{'method':<24}{'load s':>8}{'first ms/s':>12}{'steady ms/s':>13}{'voiced %':>10}")
        for method in methods:
            load = sum(timed(lambda part=part: MODELS.get(part, args.device))[0] for part in validate_method(method))
            first, f0 = timed(lambda method=method: extract_f0(audio, method, device=args.device))
            steady = min(
                timed(lambda method=method: extract_f0(audio, method, device=args.device))[0]
                for _ in range(max(args.repeats, 1))
            )
            voiced = 100 * float((f0 > 0).mean())
            print(
                f"{method:<24}{load:8.2f}{1000 * first / args.seconds:12.1f}"
                f"{1000 * steady / args.seconds:13.1f}{voiced:10.1f}"
            )
        MODELS.clear()


if __name__ == "__main__":
    main()
