"""Training from scratch with the defaults, step by step: does it stay finite and learn?

    python bench/from_scratch.py                                   # 40 kHz HiFi-GAN, every speech set, seed 1234
    python bench/from_scratch.py --sets us-male de-low --seeds 1 2 --frames 8
    python bench/from_scratch.py --vocoders "MRF HiFi-GAN" RefineGAN --rates 40000 44100
    python bench/from_scratch.py --option grad_clip=off --option optimizer=AdamW   # any TrainOptions field

Each case prepares (once, cached in --work) a small speech set: six sentences spoken by eSpeak NG (the
voices give different "speakers") or by the synthetic speech generator, preprocessed and extracted
with a tiny random content embedder (real feature width) and the pm pitch method. It then trains
`--epochs` epochs from scratch with the real-size models (or smaller ones, `--size`) and the default
options (one slice held out), and prints every step's losses, the gradient norms of the generator's parts before clipping,
and the held-out mel L1 after each epoch.

The last line of each case is a verdict: every loss finite, no update skipped, held-out mel L1
lower after the last epoch than after the first.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SENTENCES = (
    "The birch canoe slid on the smooth planks.",
    "Glue the sheet to the dark blue background.",
    "It is easy to tell the depth of a well.",
    "These days a chicken leg is a rare dish.",
    "Rice is often served in round bowls.",
    "The juice of lemons makes fine punch.",
)
# name -> the voice of each sentence: an eSpeak voice (language+variant) or "synthetic:<speaker>".
SPEECH_SETS = {
    "us-male": ("en-us+m3",) * 6,
    "us-female": ("en-us+f3",) * 6,
    "gb-mixed": ("en-gb+m1", "en-gb+f2") * 3,
    "de-low": ("de+m7",) * 6,
    "synthetic-low": ("synthetic:0",) * 6,
    "synthetic-high": ("synthetic:1", "synthetic:2") * 3,
}
GENERATOR_PARTS = ("enc_p", "enc_q", "flow", "dec", "emb_g")


def speak(voice: str, sentence: str, index: int) -> tuple[np.ndarray, int]:
    """One sentence as (float32 audio, sample rate) in `voice` (eSpeak NG, or the synthetic generator)."""
    if voice.startswith("synthetic:"):
        from rvc.testing.synthetic_speech import synth_speech

        clip = synth_speech(1.0, 44100, speaker=int(voice.split(":")[1]), seed=index)
        return clip.audio, clip.sample_rate
    from rvc.tts.espeak import EspeakEngine

    audio, sample_rate = EspeakEngine().synthesize(sentence, voice)
    return 0.7 * audio / max(float(np.abs(audio).max()), 1e-6), sample_rate


def prepare(work: Path, speech_set: str, sample_rate: int, frames: int, size: str, vocoder: str) -> str:
    """The run name of `speech_set` at `sample_rate`, preprocessed and extracted (cached), training slice `frames`;
    `size` "tiny" or "narrow": the smaller models of `rvc.testing.tiny_training` (same layout)."""
    from rvc.configs import load_config
    from rvc.testing.model_fixtures import save_tiny_embedder
    from rvc.testing.synthetic_speech import write_wav
    from rvc.testing.tiny_training import narrow_vocoder_config, shrink_config
    from rvc.train.extract import ExtractOptions, extract_run
    from rvc.train.layout import RunLayout
    from rvc.train.preprocess import PreprocessOptions, preprocess_dataset

    embedder = work / "weights" / "embedders" / "contentvec"
    if not embedder.is_dir():
        save_tiny_embedder(embedder)
    name = f"{speech_set}_{sample_rate}"
    layout = RunLayout.named(name)
    if not layout.filelist.is_file():
        data = work / "data" / speech_set
        for i, (voice, sentence) in enumerate(zip(SPEECH_SETS[speech_set], SENTENCES, strict=True)):
            audio, rate = speak(voice, sentence, i)
            write_wav(data / f"sentence{i}.wav", audio, rate)
        preprocess_dataset(name, data, PreprocessOptions(sample_rate=sample_rate), workers=1)
        extract_run(name, ExtractOptions(sample_rate=sample_rate, f0_method="pm", mute_files=0))
    config = load_config(sample_rate)
    if size == "tiny":
        config = shrink_config(config)
    elif size == "narrow":  # RefineGAN's skip connections fix its vocoder at the real 512 channels
        config = narrow_vocoder_config(config, channels=512 if vocoder == "RefineGAN" else 32)
    config["train"]["segment_size"] = frames * config["data"]["hop_length"]
    layout.config.write_text(json.dumps(config), encoding="utf-8")
    for stale in layout.root.glob("*.pth"):
        stale.unlink()
    return name


def part_norms(generator) -> dict[str, float]:
    """Gradient norm of each top-level part of the generator (before clipping)."""
    import torch

    norms = {}
    for part in GENERATOR_PARTS:
        module = getattr(generator, part, None)
        grads = [p.grad.detach().flatten() for p in module.parameters() if p.grad is not None] if module else []
        if grads:
            norms[part] = float(torch.cat(grads).norm())
    return norms


def run_case(args, speech_set: str, sample_rate: int, vocoder: str, seed: int) -> dict:
    """Train one case; prints its steps and returns its verdict."""
    from rvc.errors import RVCError
    from rvc.train.options import TrainOptions
    from rvc.train.trainer import Trainer

    name = prepare(args.work, speech_set, sample_rate, args.frames, args.size, vocoder)
    if args.size != "real":
        from rvc.testing.tiny_training import use_tiny_discriminator

        use_tiny_discriminator()
    extra = dict(args.option)
    options = TrainOptions(
        name=name, sample_rate=sample_rate, vocoder=vocoder, epochs=args.epochs, batch_size=args.batch_size,
        pretrained=False, seed=seed, holdout=1, running_loss_window=0, save_every=10**6, **extra,
    )  # fmt: skip
    trainer = Trainer(options)
    trainer.setup()
    steps, held_out, skipped = [], [], 0
    train_step, evaluate, clip, optimizer_step = trainer.train_step, trainer.evaluate, trainer._clip, trainer._step
    parts: dict[str, float] = {}

    def recorded_clip(model):
        if model is trainer.generator:
            parts.update(part_norms(model))
        return clip(model)

    def recorded_step(optimizer, norm):
        nonlocal skipped
        skipped += not math.isfinite(norm)
        optimizer_step(optimizer, norm)

    def recorded_train_step(batch):
        parts.clear()
        losses = train_step(batch)
        steps.append(losses)
        shown = {k.replace("loss/", "").replace("grad/", ""): v for k, v in losses.items()}
        line = " ".join(f"{k}={v:.4g}" for k, v in shown.items())
        print(f"  step {len(steps)}: {line} | G parts: " + " ".join(f"{k}={v:.3g}" for k, v in parts.items()))
        return losses

    def recorded_evaluation():
        scores = evaluate()
        held_out.append(scores["validation/mel_l1"])
        print(f"  held-out mel L1 after epoch {len(held_out)}: {held_out[-1]:.4f}")
        return scores

    trainer._clip, trainer._step = recorded_clip, recorded_step
    trainer.train_step, trainer.evaluate = recorded_train_step, recorded_evaluation
    trainer.save = lambda epoch, final: None
    error = ""
    try:
        trainer.fit()
    except RVCError as failure:  # the divergence guard stopped the run: reported as the case's verdict
        error = str(failure).split(":")[0]
    finite = all(math.isfinite(v) for losses in steps for v in losses.values())
    learns = len(held_out) >= 2 and held_out[-1] < held_out[0]
    return {"finite": finite, "skipped": skipped, "learns": learns, "held_out": held_out, "error": error}


def main() -> None:
    from rvc.configs import SAMPLE_RATES
    from rvc.models.vocoders import VOCODER_NAMES

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sets", nargs="+", default=list(SPEECH_SETS), choices=SPEECH_SETS)
    parser.add_argument("--seeds", nargs="+", type=int, default=[1234])
    parser.add_argument("--vocoders", nargs="+", default=["HiFi-GAN"], choices=VOCODER_NAMES)
    parser.add_argument("--rates", nargs="+", type=int, default=[40000], choices=SAMPLE_RATES)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=2)
    parser.add_argument("--frames", type=int, default=32, help="training slice in frames (the configs' 32)")
    parser.add_argument(
        "--size", default="real", choices=("real", "narrow", "tiny"),
        help="narrow: a 32-channel vocoder (RefineGAN 512) and a tiny discriminator, real encoders; tiny: all narrow",
    )  # fmt: skip
    parser.add_argument(
        "--option", action="append", default=[], type=lambda text: _option(text), metavar="FIELD=VALUE",
        help="a TrainOptions field for every case (JSON value or text), e.g. grad_clip=1000",
    )  # fmt: skip
    parser.add_argument("--work", type=Path, default=Path("/tmp/rvc-from-scratch"), help="cache of prepared sets")
    args = parser.parse_args()
    os.environ["RVC_WEIGHTS_DIR"] = str(args.work / "weights")
    os.environ["RVC_LOGS_DIR"] = str(args.work / "logs")
    verdicts = []
    for sample_rate in args.rates:
        for vocoder in args.vocoders:
            for speech_set in args.sets:
                for seed in args.seeds:
                    case = f"{vocoder} {sample_rate} Hz, {speech_set}, seed {seed}"
                    print(f"{case}:", flush=True)
                    started = time.monotonic()
                    verdict = run_case(args, speech_set, sample_rate, vocoder, seed)
                    ok = verdict["finite"] and not verdict["skipped"] and verdict["learns"]
                    held = " -> ".join(f"{v:.4f}" for v in verdict["held_out"])
                    print(
                        f"  {'OK' if ok else 'FAIL'}: finite={verdict['finite']} skipped={verdict['skipped']} "
                        f"held-out mel L1 {held} {verdict['error']} ({time.monotonic() - started:.0f} s)",
                        flush=True,
                    )
                    verdicts.append((case, ok))
    print(f"{sum(ok for _, ok in verdicts)}/{len(verdicts)} cases OK")


def _option(text: str) -> tuple[str, object]:
    """("field", value) from "field=value": a JSON value, "off"/"none" as None, else the text."""
    field, _, value = text.partition("=")
    if value.lower() in ("off", "none"):
        return field, None
    try:
        return field, json.loads(value)
    except json.JSONDecodeError:
        return field, value


if __name__ == "__main__":
    main()
