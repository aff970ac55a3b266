"""Realtime streaming on this machine: compute per block, underruns and latency of `rvc.realtime.StreamEngine`.

    python bench/realtime.py [--seconds 60] [--block 0.25] [--f0-method swift] [--extra S] [--device cpu] [--threads N]
                             [--search-seconds 10] [--search-method rmvpe] [--no-search]

Models are real-size with random weights (speed does not depend on the values): a 40 kHz v2 HiFi-GAN voice,
a HuBERT-base embedder and RMVPE, written to a temporary folder; the input is synthetic speech at 48 kHz.
First `--seconds` are streamed at `--block` with `--f0-method`, paced like a device; then, for
`--search-method`, blocks from small to large are streamed for `--search-seconds` each until one holds.
A block holds when the mean compute is at most 70% of the block and no block is late (the issue's target,
with latency at most block + crossfade + 50 ms).
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

RATE = 48000
MAX_SHARE = 0.70
LATENCY_ALLOWANCE = 0.05
SEARCH_BLOCKS = (0.1, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5, 0.75, 1.0)


def save_base_embedder(folder: Path) -> None:
    """The real-size random HuBERT that `bench/infer.py` writes (one definition, loaded from there)."""
    spec = importlib.util.spec_from_file_location("bench_infer", Path(__file__).with_name("infer.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.save_base_embedder(folder)


def holds(report, settings) -> bool:
    """The issue's target for one run: mean compute <= 70% of the block, no underrun, latency in budget."""
    return (
        report.mean_compute <= MAX_SHARE * report.block_seconds
        and report.underruns == 0
        and report.latency <= settings.block + settings.crossfade + LATENCY_ALLOWANCE + 1e-9
    )


def stream(models, options, block: float, audio, paced: bool, extra: float | None = None):
    """One simulated stream at `block` seconds (and `extra` s of context, default the setting's); (report, settings,
    engine)."""
    from rvc.realtime.engine import StreamEngine
    from rvc.realtime.settings import StreamSettings
    from rvc.realtime.simulate import simulate

    settings = StreamSettings(block=block) if extra is None else StreamSettings(block=block, extra=extra)
    engine = StreamEngine(models, options, settings, RATE)

    def progress(number: int, total: int) -> None:
        print(f"\r  block {number}/{total}", end="", file=sys.stderr, flush=True)

    _, report = simulate(engine, audio, paced=paced, on_block=progress)
    print("\r", end="", file=sys.stderr)
    return report, settings, engine


def stage_line(engine) -> str:
    """Mean milliseconds per converted block of each stage of `engine`'s stream."""
    blocks = max(engine.rendered, 1)
    stages = ", ".join(f"{name} {seconds * 1000 / blocks:.0f}" for name, seconds in engine.timings.items())
    return f"per stage, ms per converted block ({engine.rendered} converted): {stages}"


def main() -> None:
    """Parse arguments and run the benchmark in a temporary folder."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--block", type=float, default=0.25)
    parser.add_argument("--f0-method", default="swift")
    parser.add_argument("--extra", type=float, default=None, help="seconds of extra context (default: the setting's)")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--threads", type=int, default=None, help="torch CPU threads (default: torch's choice)")
    parser.add_argument("--search-method", default="rmvpe")
    parser.add_argument("--search-seconds", type=float, default=10.0)
    parser.add_argument("--no-search", action="store_true", help="skip the smallest-block search")
    parser.add_argument(
        "--search-blocks", type=float, nargs="+", default=list(SEARCH_BLOCKS), help="block sizes to try, in order"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="rvc-bench-realtime-") as folder:
        run(args, Path(folder))


def run(args: argparse.Namespace, root: Path) -> None:
    """Build the models under `root`, stream and print the figures."""
    os.environ["RVC_WEIGHTS_DIR"] = str(root / "weights")
    os.environ["RVC_LOGS_DIR"] = str(root / "logs")
    import torch

    from rvc import paths
    from rvc.infer.conversion import load_models
    from rvc.infer.onnx_vocoder import OnnxBody
    from rvc.infer.options import ConversionOptions
    from rvc.testing.model_fixtures import save_random_rmvpe, save_random_voice
    from rvc.testing.synthetic_speech import synth_speech

    if args.threads:
        torch.set_num_threads(args.threads)
    save_base_embedder(paths.embedder_dir("contentvec"))
    save_random_rmvpe(paths.rmvpe_path())
    voice = save_random_voice(root / "voice40k.pth", 40000)
    longest = max(args.seconds, args.search_seconds)
    audio = synth_speech(longest, RATE).audio
    print(
        f"40 kHz HiFi-GAN voice (real size, random weights), HuBERT base, device {args.device}, "
        f"torch threads {torch.get_num_threads()}, stream at {RATE} Hz"
    )
    options = ConversionOptions(f0_method=args.f0_method, device=args.device, seed=0)
    models = load_models(voice, options)
    onnx = isinstance(getattr(models.voice.model.dec, "_decode", None), OnnxBody)
    print(f"vocoder body: {'ONNX Runtime (the offline fast path)' if onnx else 'torch'}")
    report, settings, engine = stream(
        models, options, args.block, audio[: round(args.seconds * RATE)], paced=True, extra=args.extra
    )
    print(f"\n{args.f0_method}, block {args.block} s, {args.seconds:g} s paced like a device:")
    for line in [*report.lines(), stage_line(engine)]:
        print(f"  {line}")
    print(f"  holds the target: {'yes' if holds(report, settings) else 'no'}")
    if args.no_search:
        return
    options = options.replace(f0_method=args.search_method)
    print(f"\nsmallest block that holds with {args.search_method} ({args.search_seconds:g} s each, paced):")
    clip = audio[: round(args.search_seconds * RATE)]
    for block in args.search_blocks:
        report, settings, _engine = stream(models, options, block, clip, paced=True, extra=args.extra)
        share = 100 * report.mean_compute / report.block_seconds
        verdict = holds(report, settings)
        print(
            f"  block {block:.2f} s: mean {share:.0f}% of the block, underruns {report.underruns}, "
            f"latency {report.latency * 1000:.0f} ms -> {'holds' if verdict else 'does not hold'}"
        )
        if verdict:
            break


if __name__ == "__main__":
    main()
