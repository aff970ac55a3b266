"""Training speed and memory: steps/s and peak memory per vocoder and sample rate, on a fixed small batch.

    python bench/train.py                       # CPU, every vocoder x rate, batch 2, 3 timed steps
    python bench/train.py --device cuda --precision bf16 --steps 20
    python bench/train.py --vocoders HiFi-GAN --rates 40000
    python bench/train.py --applio              # Applio's defaults (below), 3 timed steps
    python bench/train.py --applio --compare ../old --rounds 5   # this tree vs another checkout, interleaved

Each combination runs in a fresh child process (so its peak memory is its own) through the real
training step (`Trainer.train_step`: G and D forward/backward, optimizer steps, mel loss).
The batch is random data of the real shapes: 3 s slices, v2 features, seeded (the same batch and
initial weights in every tree).

`--applio` is Applio's default training setup: 40 kHz HiFi-GAN (NSF), AdamW (eps 1e-9, weight decay
0.01), single-scale mel loss, no gradient clipping, batch 4, fp32. `--compare DIR` times this tree against the trainer code of
another checkout (e.g. `git worktree add ../old <commit>`): one resident child process per tree, one
step of each in turn (the order alternating per round), so both see the same machine load; it prints
every round's times, the median speed-up, and both trees' first-step losses (equal losses for the same
seed and batch show the trees learn the same thing).
"""

from __future__ import annotations

import argparse
import atexit
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FRAMES = 300
APPLIO_OPTIONS = {
    "optimizer": "AdamW", "eps": 1e-9, "weight_decay": 0.01, "mel_loss": "single-scale", "grad_clip": None,
}  # fmt: skip
APPLIO_SETUP = {"vocoders": ["HiFi-GAN"], "rates": [40000], "batch_size": 4}


def build(vocoder: str, sample_rate: int, device: str, precision: str, batch_size: int, extra: dict):
    """(trainer, batch, sync) for one training step of `vocoder` at `sample_rate`, seeded weights and batch."""
    import torch

    from rvc.configs import load_config
    from rvc.train.dataset import Batch
    from rvc.train.options import TrainOptions
    from rvc.train.trainer import Trainer

    logs = tempfile.mkdtemp(prefix="rvc-bench-train-")
    atexit.register(shutil.rmtree, logs, ignore_errors=True)
    os.environ["RVC_LOGS_DIR"] = logs
    options = TrainOptions(
        name="bench",
        sample_rate=sample_rate,
        vocoder=vocoder,
        device=device,
        precision=precision,
        batch_size=batch_size,
        pretrained=False,
        **extra,
    )
    config = load_config(sample_rate)
    run = Path(os.environ["RVC_LOGS_DIR"]) / "bench"
    run.mkdir(parents=True)
    (run / "config.json").write_text(json.dumps(config))
    torch.manual_seed(0)
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

    return trainer, batch, sync


def measure(trainer, batch, sync, steps: int) -> dict:
    """Time `steps` training steps after one warm-up step; returns steps/s and peak memory."""
    import torch

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
        memory = f"{torch.cuda.max_memory_allocated() / 2**30:.2f} GiB GPU"
    else:
        memory = f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20:.2f} GiB RSS"
    return {"steps_per_s": steps / seconds, "memory": memory, "precision": trainer.precision.name}


def serve(trainer, batch, sync) -> None:
    """Resident child of `--compare`: one warm-up step (its losses reported), then one timed step per stdin line."""
    losses = trainer.train_step(batch)
    sync()
    print(json.dumps({"losses": losses}), flush=True)
    for _ in sys.stdin:
        start = time.perf_counter()
        trainer.train_step(batch)
        sync()
        print(json.dumps({"seconds": time.perf_counter() - start}), flush=True)


def child_command(source: Path, args: argparse.Namespace, vocoder: str, rate: int, mode: str) -> list[str]:
    """Command line of a child that runs `vocoder` at `rate` from the trainer code under `source`."""
    command = [sys.executable, __file__, "--source", str(source), mode, vocoder, str(rate)]
    command += ["--device", args.device, "--precision", args.precision]
    command += ["--batch-size", str(args.batch_size), "--steps", str(args.steps)]
    return command + (["--applio"] if args.applio else [])


def reply(child: subprocess.Popen, name: str) -> dict:
    """The next JSON line of a `--serve` child; exits with a clear message if the child died (e.g. out of memory)."""
    line = child.stdout.readline()
    if not line:
        sys.exit(f"the {name} tree's child exited (code {child.wait()}) before answering; see its error above")
    return json.loads(line)


def compare(args: argparse.Namespace) -> None:
    """Interleaved steps of this tree and `args.compare`; prints per-round times and the median speed-up."""
    vocoder, rate = args.vocoders[0], args.rates[0]
    trees = {"this": ROOT, "other": Path(args.compare).resolve()}
    children = {
        name: subprocess.Popen(
            child_command(source, args, vocoder, rate, "--serve"),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            bufsize=1,
        )
        for name, source in trees.items()
    }
    try:
        for name, child in children.items():
            losses = reply(child, name)["losses"]
            shown = ", ".join(f"{k}={v:.6g}" for k, v in sorted(losses.items()))
            print(f"first step, {name} ({trees[name]}): {shown}", flush=True)
        ratios = []
        print(f"{'round':>5}{'this s/step':>13}{'other s/step':>14}{'speed-up':>10}", flush=True)
        for round_index in range(args.rounds):
            order = ["this", "other"] if round_index % 2 == 0 else ["other", "this"]
            seconds = {}
            for name in order:
                children[name].stdin.write("step\n")
                children[name].stdin.flush()
                seconds[name] = reply(children[name], name)["seconds"]
            ratios.append(seconds["other"] / seconds["this"])
            print(
                f"{round_index + 1:>5}{seconds['this']:>13.2f}{seconds['other']:>14.2f}{ratios[-1]:>9.3f}x", flush=True
            )
        print(f"median speed-up of this tree over {trees['other']}: {statistics.median(ratios):.3f}x")
    finally:
        for child in children.values():
            child.stdin.close()
            child.wait()


def main() -> None:
    pre = argparse.ArgumentParser(add_help=False)
    pre.add_argument("--source", default=str(ROOT))
    source = Path(pre.parse_known_args()[0].source).resolve()
    sys.path.insert(0, str(source))
    from rvc.configs import SAMPLE_RATES
    from rvc.models.vocoders import VOCODER_NAMES

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--precision", default="fp32", choices=("fp32", "fp16", "bf16"))
    parser.add_argument("--batch-size", type=int, default=2)
    parser.add_argument("--steps", type=int, default=3)
    parser.add_argument("--vocoders", nargs="+", default=list(VOCODER_NAMES), choices=VOCODER_NAMES)
    parser.add_argument("--rates", nargs="+", type=int, default=list(SAMPLE_RATES), choices=SAMPLE_RATES)
    parser.add_argument("--applio", action="store_true", help="Applio's defaults: 40 kHz HiFi-GAN, AdamW, batch 4")
    parser.add_argument("--compare", metavar="DIR", help="time this tree against the checkout in DIR, interleaved")
    parser.add_argument("--rounds", type=int, default=5, help="interleaved steps per tree with --compare")
    parser.add_argument("--source", default=str(ROOT), help=argparse.SUPPRESS)
    parser.add_argument("--one", nargs=2, metavar=("VOCODER", "RATE"), help=argparse.SUPPRESS)
    parser.add_argument("--serve", nargs=2, metavar=("VOCODER", "RATE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    extra = APPLIO_OPTIONS if args.applio else {}
    if args.applio:
        explicit = set(sys.argv)
        args.vocoders = args.vocoders if "--vocoders" in explicit else APPLIO_SETUP["vocoders"]
        args.rates = args.rates if "--rates" in explicit else APPLIO_SETUP["rates"]
        args.batch_size = args.batch_size if "--batch-size" in explicit else APPLIO_SETUP["batch_size"]
    if args.serve or args.one:
        vocoder, rate = args.serve or args.one
        setup = build(vocoder, int(rate), args.device, args.precision, args.batch_size, extra)
        if args.serve:
            serve(*setup)
            return
        result = measure(*setup, args.steps)
        print(json.dumps({"vocoder": vocoder, "rate": int(rate), **result}))
        return
    if args.compare:
        print(
            f"device={args.device} precision={args.precision} batch={args.batch_size} x {FRAMES / 100:.0f} s, "
            f"{args.vocoders[0]} {args.rates[0]} Hz{', Applio defaults' if args.applio else ''}; "
            f"{args.rounds} interleaved rounds after 1 warm-up step each"
        )
        compare(args)
        return
    print(
        f"device={args.device} precision={args.precision} batch={args.batch_size} x {FRAMES / 100:.0f} s, "
        f"{args.steps} timed steps after 1 warm-up{', Applio defaults' if args.applio else ''}"
    )
    print(f"{'vocoder':<14}{'rate':>7}{'steps/s':>10}{'s/step':>9}  peak memory")
    for vocoder in args.vocoders:
        for rate in args.rates:
            command = child_command(source, args, vocoder, rate, "--one")
            done = subprocess.run(command, capture_output=True, text=True, check=False)
            if done.returncode != 0:
                print(f"{vocoder:<14}{rate:>7}  failed: {done.stderr.strip().splitlines()[-1]}")
                continue
            r = json.loads(done.stdout.strip().splitlines()[-1])
            note = "" if r["precision"] == args.precision else f" (ran in {r['precision']})"
            print(f"{vocoder:<14}{rate:>7}{r['steps_per_s']:>10.3f}{1 / r['steps_per_s']:>9.2f}  {r['memory']}{note}")


if __name__ == "__main__":
    main()
