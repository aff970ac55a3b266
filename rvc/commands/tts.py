"""`python -m rvc tts`: speak a text with a TTS engine, then convert the speech with a voice."""

from __future__ import annotations

import argparse

from rvc.commands.infer import add_conversion_arguments, options_from_args, progress_line, voice_from_args
from rvc.errors import RVCError
from rvc.tts.base import PITCH_RANGE, RATE_RANGE
from rvc.tts.engines import ENGINES

EPILOG = """\
engines:
{engines}

examples:
  python -m rvc tts --engine espeak --list-tts-voices
  python -m rvc tts --engine espeak --tts-voice en-us --text "Hello there." -m logs/alice/alice.pth -o hello.wav
  python -m rvc tts --engine piper --tts-voice en_US-lessac-medium --text-file story.txt -m alice.pth -o story.flac \\
      --tts-output story_tts.wav --tts-rate 10 --pitch 2"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Engine, TTS voice, text (or text file), TTS speed/pitch, outputs and every conversion option."""
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.epilog = EPILOG.format(engines="\n".join(f"  {name:<7} {about}" for name, (_, _, about) in ENGINES.items()))
    tts = parser.add_argument_group("text to speech")
    tts.add_argument("--engine", default="espeak", choices=list(ENGINES), help="TTS engine (default espeak)")
    tts.add_argument("--tts-voice", metavar="NAME", help="voice of the engine (see --list-tts-voices), e.g. en-us")
    tts.add_argument("--list-tts-voices", action="store_true", help="print the engine's voices and exit")
    text = tts.add_mutually_exclusive_group()
    text.add_argument("--text", help="the text to say")
    text.add_argument("--text-file", metavar="FILE", help="a UTF-8 .txt file with the text to say")
    tts.add_argument(
        "--tts-output", metavar="FILE", help="where to keep the TTS speech before conversion (default <output>_tts.wav)"
    )
    tts.add_argument(
        "--tts-rate",
        type=float,
        default=0,
        metavar="R",
        help=f"TTS speed change in percent, {RATE_RANGE[0]}..{RATE_RANGE[1]} (0 = normal, 50 = 1.5x faster)",
    )
    tts.add_argument(
        "--tts-pitch",
        type=float,
        default=0.0,
        metavar="P",
        help=f"shift the TTS voice by P semitones, {PITCH_RANGE[0]:g}..{PITCH_RANGE[1]:g}, before conversion",
    )
    parser.add_argument("-o", "--output", help="converted audio to write; its extension picks the format")
    add_conversion_arguments(parser, model_required=False)


def _list_voices(engine: str) -> int:
    """Print one voice per line: the name to pass to --tts-voice, then its description."""
    from rvc.tts.engines import get_engine

    voices = get_engine(engine).voices()
    for voice in voices:
        print(f"{voice.name:<28} {voice.description}")
    print(f"{len(voices)} {engine} voices")
    return 0


def _text(args: argparse.Namespace) -> str:
    """The text from --text or --text-file, or RVCError saying which to give."""
    from rvc.tts.text import read_text_file

    if args.text_file:
        return read_text_file(args.text_file)
    if args.text is None:
        raise RVCError('give the text to say with --text "..." or --text-file story.txt')
    return args.text


def run(args: argparse.Namespace) -> int:
    """List voices, or speak the text, convert it and print where both files went."""
    if args.list_tts_voices:
        return _list_voices(args.engine)
    missing = [
        flag for flag, value in (("--tts-voice", args.tts_voice), ("-m", args.model), ("-o", args.output)) if not value
    ]
    if missing:
        raise RVCError(f"missing {', '.join(missing)}: see `python -m rvc tts --help` for an example")
    from rvc.tts.voice_conversion import text_to_voice

    text = _text(args)
    with progress_line() as progress:
        result = text_to_voice(
            text,
            args.output,
            voice_from_args(args),
            engine=args.engine,
            tts_voice=args.tts_voice,
            tts_rate=args.tts_rate,
            tts_pitch=args.tts_pitch,
            speech_output=args.tts_output,
            progress=progress,
            **options_from_args(args),
        )
    conversion = result.conversion
    for note in conversion.notes:
        print(f"note: {note}")
    print(f"speech: {result.speech_path}")
    print(f"converted: {conversion.path} ({conversion.duration:.2f} s at {conversion.sample_rate} Hz)")
    return 0
