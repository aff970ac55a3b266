"""Text → speech → RVC voice: the TTS step writes its own file, then `rvc.infer.convert` converts it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rvc.tts.speech import Progress, speak_to_file

if TYPE_CHECKING:
    from rvc.infer.conversion import ConversionResult

TTS_SHARE = 0.3  # of the progress bar; conversion takes the rest


@dataclass
class TtsConversionResult:
    """The TTS speech file and the conversion of it."""

    speech_path: Path
    conversion: ConversionResult


def default_speech_path(output: str | Path) -> Path:
    """Where the TTS speech goes when not named: beside the output, `<stem>_tts.wav`."""
    output = Path(output)
    return output.with_name(f"{output.stem}_tts.wav")


def text_to_voice(
    text: str,
    output: str | Path,
    voice_path: str | Path,
    *,
    engine: str,
    tts_voice: str,
    tts_rate: float = 0,
    tts_pitch: float = 0.0,
    speech_output: str | Path | None = None,
    progress: Progress | None = None,
    should_stop: Callable[[], bool] | None = None,
    **options: Any,
) -> TtsConversionResult:
    """Speak `text` with `tts_voice` of `engine` into `speech_output`, then convert it with the RVC voice.

    `tts_rate` (percent) and `tts_pitch` (semitones) change the TTS voice; `options` are `ConversionOptions`
    fields, exactly as `rvc.infer.convert` takes them (its `pitch` transposes the conversion).
    """
    from rvc.infer import convert

    report = progress or (lambda fraction, text: None)
    speech_path = Path(speech_output) if speech_output else default_speech_path(output)
    speech_path = speak_to_file(
        text,
        speech_path,
        engine,
        tts_voice,
        tts_rate,
        tts_pitch,
        progress=lambda fraction, note: report(fraction * TTS_SHARE, note),
    )
    conversion = convert(
        speech_path,
        output,
        voice_path,
        progress=lambda fraction, note: report(TTS_SHARE + fraction * (1 - TTS_SHARE), note),
        should_stop=should_stop,
        **options,
    )
    return TtsConversionResult(speech_path, conversion)
