"""Text to speech: engines behind one small interface (eSpeak NG, Piper, edge-tts) and whole texts to audio.

`speak(text, engine, voice, rate, pitch)` returns the speech; `rvc.tts.voice_conversion.text_to_voice`
speaks and then converts with an RVC voice. Engine modules load only when used.
"""

from rvc.tts.base import PITCH_RANGE, RATE_RANGE, TtsEngine, TtsVoice
from rvc.tts.engines import ENGINES, OFFLINE_ENGINES, get_engine
from rvc.tts.speech import speak, speak_to_file
from rvc.tts.text import read_text_file, split_sentences

__all__ = [
    "ENGINES",
    "OFFLINE_ENGINES",
    "PITCH_RANGE",
    "RATE_RANGE",
    "TtsEngine",
    "TtsVoice",
    "get_engine",
    "read_text_file",
    "speak",
    "speak_to_file",
    "split_sentences",
]
