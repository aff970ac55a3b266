"""Training speed and memory: steps/s and peak memory per vocoder and sample rate, on a fixed small batch.

    python bench/train.py                       # CPU, every vocoder x rate, batch 2, 3 timed steps
    python bench/train.py --device cuda --precision bf16 --steps 20
    python bench/train.py --vocoders HiFi-GAN --rates 40000

Each combination runs in a fresh child process (so its peak memory is its own) through the real
training step (`Trainer.train_step`: G and D forward/backward, Ranger2020, multi-scale mel loss).
The batch is random data of the real shapes: 3 s slices, v2 features.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rvc.configs import SAMPLE_RATES
from rvc.models.vocoders import VOCODER_NAMES

FRAMES = 300


def measure(vocoder: str, sample_rate: int, device: str, precision: str, batch_size: int, steps: int) -> dict:
    """Time `steps` training steps after one warm-up step; returns steps/s and peak memory."""
    import torch

    from rvc.configs import load_config
    from rvc.train.dataset import Batch
    from rvc.train.options import TrainOptions
    from rvc.train.trainer import Trainer

    os.environ["RVC_LOGS_DIR"] = tempfile.mkdtemp()
    options = TrainOptions(
        name="bench",
        sample_rate=sample_rate,
        vocoder=vocoder,
        device=device,
        precision=precision,
        batch_size=batch_size,
        pretrained=False,
    )
    config = load_config(sample_rate)
    run = Path(os.environ["RVC_LOGS_DIR"]) / "bench"
    run.mkdir(parents=True)
    (run / "config.json").write_text(json.dumps(config))
    trainer = Trainer(options)
    trainer.build_models(speakers=1)
    trainer.step = 0
    hop, bins = config["data"]["hop_length"], config["data"]["filter_length"] // 2 + 1
    generator = torch.Generator().manual_seed(0)
    lengths = torch.full((batch_size,), FRAMES, dtype=torch.long)
    batch = Batch(
        phone=torch.randn(batch_size, FRAMES, 768, generator=generator),
        phone_lengths=lengths,
        pitch=torch.randint(1, 256, (batch_size, FRAMES), generator=generator),
        pitchf=100 + 200 * torch.rand(batch_size, FRAMES, generator=generator),
        spec=torch.rand(batch_size, bins, FRAMES, generator=generator),
        spec_lengths=lengths,
        wave=0.1 * torch.randn(batch_size, 1, FRAMES * hop, generator=generator),
        wave_lengths=lengths * hop,
        sid=torch.zeros(batch_size, dtype=torch.long),
    )

    def sync() -> None:
        if trainer.device.type == "cuda":
            torch.cuda.synchronize()

    trainer.train_step(batch)
    sync()
    if trainer.device.type == "cuda":
        torch.cuda.reset_peak_memory_stats()
    start = time.perf_counter()
    for _ in range(steps):
        trainer.train_step(batch)
    sync()
    seconds = time.perf_counter() - start
    if trainer.device.type == "cuda":
        peak = torch.cuda.max_memory_allocated() / 2**30
        memory = f"{peak:.2f} GiB GPU"
    else:
        memory = f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20:.2f} GiB RSS"
    return {
        "vocoder": vocoder,
        "rate": sample_rate,
        "steps_per_s": steps / seconds,
        "memory": memory,
        "precision": trainer.precision.name,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--precision", default="fp32", choices=("fp32", "fp16", "bf16"))
    parser.add_argument("--batch-size", type=int, default=2)
    parser.add_argument("--steps", type=int, default=3)
    parser.add_argument("--vocoders", nargs="+", default=list(VOCODER_NAMES), choices=VOCODER_NAMES)
    parser.add_argument("--rates", nargs="+", type=int, default=list(SAMPLE_RATES), choices=SAMPLE_RATES)
    parser.add_argument("--one", nargs=2, metavar=("VOCODER", "RATE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        result = measure(args.one[0], int(args.one[1]), args.device, args.precision, args.batch_size, args.steps)
        print(json.dumps(result))
        return
    print(
        f"device={args.device} precision={args.precision} batch={args.batch_size} x {FRAMES / 100:.0f} s, "
        f"{args.steps} timed steps after 1 warm-up"
    )
    print(f"{'vocoder':<14}{'rate':>7}{'steps/s':>10}{'s/step':>9}  peak memory")
    for vocoder in args.vocoders:
        for rate in args.rates:
            command = [
                sys.executable,
                __file__,
                "--one",
                vocoder,
                str(rate),
                "--device",
                args.device,
                "--precision",
                args.precision,
                "--batch-size",
                str(args.batch_size),
                "--steps",
                str(args.steps),
            ]
            done = subprocess.run(command, capture_output=True, text=True, check=False)
            if done.returncode != 0:
                print(f"{vocoder:<14}{rate:>7}  failed: {done.stderr.strip().splitlines()[-1]}")
                continue
            r = json.loads(done.stdout.strip().splitlines()[-1])
            note = "" if r["precision"] == args.precision else f" (ran in {r['precision']})"
            print(f"{vocoder:<14}{rate:>7}{r['steps_per_s']:>10.3f}{1 / r['steps_per_s']:>9.2f}  {r['memory']}{note}")


if __name__ == "__main__":
    main()
