"""Real-time factor of a whole conversion (`rvc.infer.convert`) per stage, at each output rate, warm and cold.

    python bench/infer.py [--seconds 30] [--rates 32000 40000 44100 48000] [--f0-method rmvpe]
                          [--device cpu] [--threads N] [--half] [--precision auto|fp32|bf16]
                          [--backend onnx|torch] [--plain-vocoder]

Models are real-size with random weights (speed does not depend on the values): a v2 HiFi-GAN voice per rate,
a HuBERT-base embedder, RMVPE and a 768-d index of 20 000 vectors, all written to a temporary folder. The input
is `--seconds` of synthetic speech at 44.1 kHz. "cold" is the first conversion of the process (models loaded
from disk, first-call overheads) after another process has converted 1 s with the same models, as every conversion
but the very first does: the ONNX graphs of the CPU speed paths are then on disk (`rvc.onnx_graphs`); that first
process's time ("first use") includes exporting them. Each "warm" line is a second conversion with everything
loaded (on CUDA with the peak GPU memory it allocated).
RTF = processing seconds / audio seconds (below 1 is faster than real time). `--backend torch` keeps the
vocoder body (channels-last convolutions), the content embedder and RMVPE in torch instead of ONNX Runtime;
`--plain-vocoder` turns off both vocoder speed-ups.
With `--precision bf16` each warm line is followed by the quality gate: log-mel distance and SNR of the bf16
output against an fp32 conversion of the same seed (`rvc.infer.quality`).

To compare with an older commit, run that tree's own copy with the same arguments (`--seconds`, `--rates`,
`--threads` exist in every version), alternating old and new runs, e.g. at 09af29d:
    (cd /work/old && python bench/infer.py --seconds 30 --rates 40000); python bench/infer.py --seconds 30 --rates 40000
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

STAGES = ("decode", "prepare", "pitch", "features", "retrieval", "synthesis", "postprocess", "write")


def save_base_embedder(folder: Path) -> None:
    """HuBERT base (768-d, 12 layers, random weights) plus `final_proj`, in the Hugging Face layout."""
    import torch
    import transformers

    class HubertWithFinalProj(transformers.HubertModel):
        def __init__(self, config):
            super().__init__(config)
            self.final_proj = torch.nn.Linear(config.hidden_size, config.classifier_proj_size)

    torch.manual_seed(0)
    model = HubertWithFinalProj(transformers.HubertConfig(classifier_proj_size=256)).eval()
    model.save_pretrained(folder)


def prepare(root: Path, rates: list[int], f0_method: str, seconds: float) -> tuple[Path, dict[int, Path], Path]:
    """Write the input, the voices, the embedder, RMVPE and the index under `root`; (input, voices, index)."""
    import numpy as np

    from rvc import paths
    from rvc.testing.model_fixtures import save_random_rmvpe, save_random_voice
    from rvc.testing.synthetic_speech import synth_speech, write_wav
    from rvc.train.index import build_index, write_index

    save_base_embedder(paths.embedder_dir("contentvec"))
    if "rmvpe" in f0_method:
        save_random_rmvpe(paths.rmvpe_path())
    voices = {rate: save_random_voice(root / "voices" / f"v2_{rate}.pth", rate) for rate in rates}
    features = np.random.default_rng(0).standard_normal((20_000, 768)).astype(np.float32)
    index = write_index(build_index(features), root / "voices" / "bench.index")
    return write_wav(root / "input.wav", synth_speech(seconds, 44100).audio, 44100), voices, index


def vocoder_timer(voice) -> list[float]:
    """Hooks on the voice's vocoder that add each call's seconds to the returned one-item list."""
    import torch

    total = [0.0]
    started = [0.0]

    def before(_module, _inputs):
        if voice.device.type == "cuda":
            torch.cuda.synchronize()
        started[0] = time.perf_counter()

    def after(_module, _inputs, _output):
        if voice.device.type == "cuda":
            torch.cuda.synchronize()
        total[0] += time.perf_counter() - started[0]

    voice.model.dec.register_forward_pre_hook(before)
    voice.model.dec.register_forward_hook(after)
    return total


def line(label: str, timings: dict[str, float], seconds: float, vocoder: float | None) -> str:
    """One result row: RTF per stage and in total."""
    stages = "  ".join(f"{stage} {timings.get(stage, 0.0) / seconds:.3f}" for stage in STAGES)
    tail = f"  (vocoder {vocoder / seconds:.3f})" if vocoder is not None else ""
    return f"{label:<12} total RTF {timings['total'] / seconds:.3f} = {timings['total']:.1f} s | {stages}{tail}"


def quality_line(bf16_path: Path, fp32) -> str:
    """The quality gate's figures: the bf16 file against the fp32 conversion `fp32` (a `ConversionResult`)."""
    from rvc.audio import load_audio
    from rvc.infer.quality import MAX_LOG_MEL_DISTANCE, MIN_SNR_DB, log_mel_distance, snr_db

    reference, rate = load_audio(fp32.path, fp32.sample_rate)
    other, _ = load_audio(bf16_path, fp32.sample_rate)
    return (
        f"{'bf16 gate':<12} log-mel distance {log_mel_distance(reference, other, rate):.3f} "
        f"(limit {MAX_LOG_MEL_DISTANCE}), SNR {snr_db(reference, other):.1f} dB (limit {MIN_SNR_DB:g})"
    )


def main() -> None:
    """Parse arguments and run the benchmark in a temporary folder."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--rates", type=int, nargs="+", default=[32000, 40000, 44100, 48000])
    parser.add_argument("--f0-method", default="rmvpe")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--threads", type=int, default=None, help="torch CPU threads (default: torch's choice)")
    parser.add_argument("--half", action="store_true", help="float16 models (CUDA only)")
    parser.add_argument("--precision", default="auto", choices=("auto", "fp32", "bf16"))
    parser.add_argument(
        "--backend", default="onnx", choices=("onnx", "torch"), help="CPU vocoder body, embedder, RMVPE"
    )
    parser.add_argument("--plain-vocoder", action="store_true", help="plain torch convolutions on CPU")
    parser.add_argument("--first-use-in", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.first_use_in:
        first_use(args, args.first_use_in)
        return
    with tempfile.TemporaryDirectory(prefix="rvc-bench-infer-") as folder:
        run(args, Path(folder))


def first_use(args: argparse.Namespace, root: Path) -> None:
    """Child process: convert the first second of `root`'s input with its first voice and print the seconds taken."""
    configure(args, root)
    from rvc.audio import load_audio
    from rvc.infer import convert
    from rvc.testing.synthetic_speech import write_wav

    audio, rate = load_audio(root / "input.wav", 44100)
    clip = write_wav(root / "first_use.wav", audio[:rate], rate)
    voice = root / "voices" / f"v2_{args.rates[0]}.pth"
    started = time.perf_counter()
    convert(clip, root / "first_use_out.wav", voice, f0_method=args.f0_method, device=args.device, seed=0)
    print(f"{time.perf_counter() - started:.1f}")


def configure(args: argparse.Namespace, root: Path) -> None:
    """Point the weights and logs at `root`, set the threads and choose the CPU backends as the arguments say."""
    os.environ["RVC_WEIGHTS_DIR"] = str(root / "weights")
    os.environ["RVC_LOGS_DIR"] = str(root / "logs")
    import torch

    from rvc.infer import cache

    if args.threads:
        torch.set_num_threads(args.threads)
    if args.backend == "torch":
        from rvc import onnx_graphs

        onnx_graphs.ENABLED = False
    if args.plain_vocoder:
        cache.ONNX_VOCODERS = ()
        cache.FAST_CONV_VOCODERS = ()


def run(args: argparse.Namespace, root: Path) -> None:
    """Build the models under `root` (removed afterwards), convert and print real-time factors."""
    seconds = args.seconds
    configure(args, root)
    import torch

    from rvc.infer import cache, convert

    source, voices, index = prepare(root, args.rates, args.f0_method, seconds)
    child = [sys.executable, __file__, "--first-use-in", str(root), *sys.argv[1:]]
    first_seconds = subprocess.run(child, check=True, capture_output=True, text=True).stdout.split()[-1]
    print(f"first use   {first_seconds} s for 1 s of audio in a new process (exports the ONNX graphs)")
    options = {
        "f0_method": args.f0_method,
        "device": args.device,
        "half": args.half,
        "precision": args.precision,
        "seed": 0,
        "index_path": str(index),
        "index_rate": 0.75,
        "protect": 0.33,
        "rms_mix_rate": 0.25,
    }
    print(
        f"{seconds:g} s input, pitch {args.f0_method}, device {args.device}{' fp16' if args.half else ''}, "
        f"precision {args.precision}, torch threads {torch.get_num_threads()}, vocoder body "
        f"{'plain torch' if args.plain_vocoder else args.backend} (RTF per stage; below 1 = faster than real time)"
    )
    for number, rate in enumerate(args.rates):
        first = convert(source, root / f"out_{rate}.wav", voices[rate], **options)
        if number == 0:
            print(line("cold", first.timings, seconds, None) + f"  (load {first.timings['load']:.1f} s)")
        device = cache.resolve_device(args.device)
        clock = vocoder_timer(cache.MODELS.voice(voices[rate], device, args.half))
        if device.type == "cuda":
            torch.cuda.reset_peak_memory_stats(device)
        warm = convert(source, root / f"out_{rate}.wav", voices[rate], **options)
        peak = (
            f"  peak GPU memory {torch.cuda.max_memory_allocated(device) / 2**30:.2f} GiB"
            if device.type == "cuda"
            else ""
        )
        print(line(f"warm {rate}", warm.timings, seconds, clock[0]) + peak)
        if args.precision == "bf16":
            fp32 = convert(source, root / "fp32.wav", voices[rate], **{**options, "precision": "fp32"})
            print(quality_line(warm.path, fp32))


if __name__ == "__main__":
    main()
