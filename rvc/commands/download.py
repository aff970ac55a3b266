"""`python -m rvc download`: fetch the embedders, pitch predictor and pretrained models users need."""

from __future__ import annotations

import argparse
import contextlib
from collections.abc import Callable, Iterator

from rvc import paths, prerequisites
from rvc.configs import SAMPLE_RATES
from rvc.errors import RVCError


def _epilog() -> str:
    """What goes where, with the folders as they resolve right now."""
    weights = paths.weights_dir()
    return f"""\
what goes where (weights folder: {weights}, set RVC_WEIGHTS_DIR to move it):
  embedders/<name>/config.json + pytorch_model.bin
      content embedders: {", ".join(prerequisites.EMBEDDERS)} (ContentVec is the default)
  predictors/rmvpe.pt
      RMVPE pitch predictor (the default pitch method)
  pretrained/<vocoder folder>/<f0>G<rate>k.pth + <f0>D<rate>k.pth
      pretrained generator/discriminator pairs for training, e.g. pretrained/hifi-gan/f0G40k.pth;
      folders: hifi-gan (v2), hifi-gan-v1 (v1), refinegan; "f0" marks pitch-guided models
  tts/piper/<voice>/<voice>.onnx + <voice>.onnx.json
      Piper text-to-speech voices (fetched on first use by `rvc tts --engine piper` too), e.g.
      {prerequisites.DEFAULT_PIPER_VOICE}; any voice of rhasspy/piper-voices works by name

public pretrained models exist for HiFi-GAN v2 and v1 (with and without pitch) at 32/40/48 kHz and
for RefineGAN at 32 kHz; every other combination (44.1 kHz, MRF HiFi-GAN, other RefineGAN rates)
trains from scratch.

files come from {prerequisites.DEFAULT_BASE_URL}
(set {prerequisites.BASE_URL_ENV} to use a mirror with the same layout); Piper voices from
{prerequisites.PIPER_DEFAULT_BASE_URL} ({prerequisites.PIPER_BASE_URL_ENV} for a mirror). A download resumes where it
stopped when run again, is checked before it is moved into place, and leaves no half-written file.
To install a file by hand, save it at the path shown by --list.

examples:
  python -m rvc download              (same as --all)
  python -m rvc download --embedder spin-v2
  python -m rvc download --pretrained --sample-rate 40000 --vocoder hifi-gan
  python -m rvc download --piper-voice en_US-lessac-medium
  python -m rvc download --custom-pretrained klm https://huggingface.co/u/r/blob/main/G.pth https://.../D.pth
  python -m rvc download --list"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Selection flags (--all, --embedder, --rmvpe, --pretrained ...) and --list."""
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.epilog = _epilog()
    parser.add_argument(
        "--all",
        action="store_true",
        help="every missing essential file: ContentVec, rmvpe.pt, HiFi-GAN v2 pitch pretrained at 32/40/48 kHz "
        "(the default when nothing else is selected)",
    )
    parser.add_argument(
        "--embedder",
        action="append",
        default=[],
        metavar="NAME",
        choices=list(prerequisites.EMBEDDERS),
        help=f"a built-in content embedder (repeatable): {', '.join(prerequisites.EMBEDDERS)}",
    )
    parser.add_argument("--rmvpe", action="store_true", help="the RMVPE pitch predictor (predictors/rmvpe.pt)")
    parser.add_argument("--pretrained", action="store_true", help="a pretrained G/D pair for training")
    parser.add_argument(
        "--sample-rate",
        type=int,
        choices=SAMPLE_RATES,
        metavar="SR",
        help="with --pretrained: one of 32000, 40000, 44100, 48000 (default: every rate that has a public one)",
    )
    parser.add_argument(
        "--vocoder",
        default="HiFi-GAN",
        metavar="V",
        help="with --pretrained: hifi-gan (default), mrf-hifi-gan or refinegan",
    )
    parser.add_argument("--version", default="v2", choices=("v2", "v1"), help="with --pretrained: model version")
    parser.add_argument("--no-f0", action="store_true", help="with --pretrained: the models without pitch guidance")
    parser.add_argument(
        "--piper-voice",
        action="append",
        default=[],
        metavar="NAME",
        help=f"a Piper text-to-speech voice (repeatable), e.g. {prerequisites.DEFAULT_PIPER_VOICE}; "
        f"catalogued: {', '.join(prerequisites.PIPER_VOICES)}",
    )
    parser.add_argument(
        "--custom-pretrained", nargs=3, metavar=("NAME", "G_LINK", "D_LINK"),
        help="a community pretrained pair from two links into pretrained/custom/NAME/G.pth and D.pth, each "
        "checked to be a generator / discriminator; train with --pretrained-g/--pretrained-d on them",
    )  # fmt: skip
    parser.add_argument("--list", action="store_true", help="show every known file, whether present, and its path")


def _selected(args: argparse.Namespace) -> list[prerequisites.Prerequisite]:
    """The catalogue items the flags ask for."""
    items: list[prerequisites.Prerequisite] = []
    if args.all:
        items += prerequisites.essential_items()
    for name in args.embedder:
        items += prerequisites.embedder_items(name)
    if args.rmvpe:
        items += prerequisites.rmvpe_items()
    for name in args.piper_voice:
        items += prerequisites.piper_voice_items(name)
    if args.pretrained:
        vocoder = prerequisites.normalize_vocoder(args.vocoder)
        use_f0 = not args.no_f0
        rates = [args.sample_rate] if args.sample_rate else SAMPLE_RATES
        pairs = [prerequisites.pretrained_items(rate, vocoder, args.version, use_f0) for rate in rates]
        if not any(pairs):
            raise RVCError(prerequisites.no_pretrained_message(args.sample_rate, vocoder, args.version, use_f0))
        for pair in pairs:
            items += pair
    unique = {item.name: item for item in items}
    return list(unique.values())


def _print_list() -> None:
    """Every catalogued file with its state and local path."""
    for group in prerequisites.GROUPS:
        print(f"{group}:")
        for item in prerequisites.catalogue():
            if item.group == group:
                state = "present" if item.present else "missing"
                print(f"  [{state}] {item.name:40s} {item.path}")
                if not item.present:
                    print(f"            get it: python -m rvc download {item.download_args}")


@contextlib.contextmanager
def _progress_bars() -> Iterator[Callable[[str, int, int | None], None]]:
    """`show(label, done_bytes, total_bytes)`: one tqdm bar per label, all closed on leaving."""
    from tqdm import tqdm

    bars: dict[str, tqdm] = {}

    def show(label: str, done: int, total: int | None) -> None:
        if label not in bars:
            bars[label] = tqdm(total=total, initial=done, desc=label, unit="B", unit_scale=True, unit_divisor=1024)
        bars[label].update(done - bars[label].n)

    try:
        yield show
    finally:
        for bar in bars.values():
            bar.close()


def _fetch_custom(name: str, g_link: str, d_link: str) -> int:
    """Download and check a custom pretrained pair, with a progress bar per file; print how to train on it."""
    from rvc.tools.custom_pretrained import fetch_custom_pretrained

    with _progress_bars() as show:
        g, d = fetch_custom_pretrained(
            name, g_link, d_link, progress=lambda kind, *sizes: show(f"{name} {kind}", *sizes)
        )
    print(f"saved: {g}\nsaved: {d}\ntrain on them with: --pretrained-g {g} --pretrained-d {d}")
    return 0


def run(args: argparse.Namespace) -> int:
    """List, or download the selected files that are missing, with a progress bar per file."""
    if args.list:
        _print_list()
        return 0
    if args.custom_pretrained:
        return _fetch_custom(*args.custom_pretrained)
    items = _selected(args) or prerequisites.essential_items()
    from rvc.downloads import download_missing

    for item in items:
        if item.present:
            print(f"already present: {item.path}")
    with _progress_bars() as show:
        fetched = download_missing(items, progress=lambda item, *sizes: show(item.name, *sizes))
    for path in fetched:
        print(f"saved: {path}")
    return 0
