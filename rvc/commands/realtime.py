"""`python -m rvc realtime`: live conversion between audio devices, or a headless simulation of one from a file.

python -m rvc realtime --list-devices
python -m rvc realtime -m alice.pth --input-device 3 --output-device 7 --block 0.25 --f0-method swift
python -m rvc realtime -m alice.pth --simulate speech.wav -o live.wav --as-fast-as-possible
"""

from __future__ import annotations

import argparse
import sys
import threading

from rvc.commands.infer import add_conversion_arguments, options_from_args
from rvc.errors import RVCError
from rvc.option_spec import add_option_arguments, values_from_args
from rvc.realtime.settings import StreamSettings

DEFAULT_RATE = 48000


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Devices, the simulation, the stream settings and every conversion option."""
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.epilog = "examples:\n" + "\n".join(line for line in __doc__.splitlines() if line.startswith("    "))
    devices = parser.add_argument_group("audio devices")
    devices.add_argument("--list-devices", action="store_true", help="print the audio devices and exit")
    devices.add_argument("--input-device", type=int, metavar="N", help="microphone (default: the system's)")
    devices.add_argument("--output-device", type=int, metavar="N", help="where the voice plays, e.g. a virtual cable")
    devices.add_argument("--monitor-device", type=int, metavar="N", help="a second output to listen on (optional)")
    devices.add_argument(
        "--rate",
        type=int,
        metavar="HZ",
        help="stream rate: 16000, 22050, 32000, 44100 or 48000 (default: the input device's, or the file's)",
    )
    simulation = parser.add_argument_group("simulation (no audio devices)")
    simulation.add_argument("--simulate", metavar="IN", help="stream this audio file through the engine instead")
    simulation.add_argument("-o", "--output", metavar="OUT", help="where --simulate writes the converted stream")
    simulation.add_argument(
        "--as-fast-as-possible", action="store_true", help="feed blocks back to back instead of at the device's pace"
    )
    add_option_arguments(parser, StreamSettings, groups=True)
    add_conversion_arguments(parser, model_required=False)


def run(args: argparse.Namespace) -> int:
    """List devices, simulate a stream from a file, or stream between devices until Ctrl+C."""
    if args.list_devices:
        return _list_devices()
    if not args.model:
        raise RVCError("missing -m VOICE.pth: see `python -m rvc realtime --help` for examples")
    if args.simulate:
        return _simulate(args)
    return _stream(args)


def _list_devices() -> int:
    """One line per device: the number to pass to --input-device/--output-device, name, channels, rate."""
    from rvc.realtime.devices import list_devices

    devices = list_devices()
    for device in devices:
        print(
            f"{device['index']:>3}  {device['name']:<40} in {device['inputs']:<2} out {device['outputs']:<2} "
            f"{device['default_rate']} Hz"
        )
    print(f"{len(devices)} audio devices")
    return 0


def _engine(args: argparse.Namespace, rate: int):
    """The stream engine for the parsed voice, options and settings at `rate`."""
    from rvc.infer.options import make_options
    from rvc.realtime.engine import offline_only
    from rvc.realtime.engine_loader import open_engine

    options = options_from_args(args)
    ignored = offline_only(make_options(**options))
    if ignored:
        print(f"note: {', '.join(ignored)} only apply to offline conversion; the stream goes without them")
    return open_engine(args.model, options, values_from_args(args, StreamSettings), rate)


def _simulate(args: argparse.Namespace) -> int:
    """Stream the file block by block through the engine, write what a device would play, print the timings."""
    from rvc.audio import load_audio, resample, save_audio
    from rvc.realtime.layout import DEVICE_RATES
    from rvc.realtime.simulate import simulate

    if not args.output:
        raise RVCError("--simulate needs -o OUT.wav: where to write the converted stream")
    audio, file_rate = load_audio(args.simulate)
    rate = args.rate or (file_rate if file_rate in DEVICE_RATES else DEFAULT_RATE)
    engine = _engine(args, rate)
    audio = resample(audio, file_rate, rate)
    paced = not args.as_fast_as_possible
    print(f"streaming {args.simulate} at {rate} Hz, {'paced like a device' if paced else 'as fast as possible'}")
    converted, report = simulate(engine, audio, paced=paced)
    path = save_audio(args.output, converted, rate)
    for line in report.lines():
        print(line)
    print(f"written: {path} ({len(converted) / rate:.2f} s, the input delayed by the latency)")
    return 0


def _stream(args: argparse.Namespace) -> int:
    """Stream between the devices until Ctrl+C, printing the live readout on one line."""
    from rvc.realtime.devices import list_devices, run_devices

    rate = args.rate
    if rate is None:
        chosen = [device for device in list_devices() if device["index"] == args.input_device]
        rate = chosen[0]["default_rate"] if chosen else DEFAULT_RATE
    engine = _engine(args, int(rate))
    print(
        f"streaming at {rate} Hz, block {engine.block_samples / engine.rate * 1000:.0f} ms, "
        f"algorithmic latency {engine.latency * 1000:.0f} ms; Ctrl+C stops"
    )

    def report(readout: dict) -> None:
        text = "  ".join(
            f"{key} {value:.3g}" if isinstance(value, float) else f"{key} {value}" for key, value in readout.items()
        )
        print(f"\r{text[:150]:<150}", end="", file=sys.stderr, flush=True)

    try:
        run_devices(engine, args.input_device, args.output_device, args.monitor_device, threading.Event(), report)
    except KeyboardInterrupt:
        pass
    finally:
        print(file=sys.stderr)
    print("stopped")
    return 0
