"""eSpeak NG: offline formant speech from the library and data the `espeakng-loader` wheel ships, driven with ctypes.

No download and no system package: the wheel carries `libespeak-ng` and `espeak-ng-data`. The library
keeps global state, so one process-wide handle (`_library`) is made once and used under `_LOCK`.
"""

from __future__ import annotations

import ctypes
import functools
import threading

import numpy as np

from rvc.errors import RVCError
from rvc.tts.base import TtsVoice, check_rate

_AUDIO_OUTPUT_SYNCHRONOUS = 2  # espeak_AUDIO_OUTPUT: synthesize into the callback, return when done
_INITIALIZE_DONT_EXIT = 0x8000  # return an error instead of calling exit() when the data is missing
_CHARS_UTF8 = 1
_POS_CHARACTER = 1
_PARAM_RATE = 1  # espeakRATE, words per minute
_NORMAL_WPM = 175  # eSpeak's default speed; `rate` percent scales it
_MIN_WPM, _MAX_WPM = 80, 450  # the range the library accepts
_GENDERS = {1: "male", 2: "female"}
_LOCK = threading.Lock()

_SynthCallback = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.c_void_p)


class _Voice(ctypes.Structure):
    """`espeak_VOICE` from speak_lib.h."""

    _fields_ = [
        ("name", ctypes.c_char_p),
        ("languages", ctypes.POINTER(ctypes.c_char)),
        ("identifier", ctypes.c_char_p),
        ("gender", ctypes.c_ubyte),
        ("age", ctypes.c_ubyte),
        ("variant", ctypes.c_ubyte),
        ("xx1", ctypes.c_ubyte),
        ("score", ctypes.c_int),
        ("spare", ctypes.c_void_p),
    ]


class _Library:
    """The initialised library, its sample rate and the samples of the synthesis in progress."""

    def __init__(self) -> None:
        try:
            import espeakng_loader
        except ImportError as error:
            raise RVCError(
                "the eSpeak NG engine needs the espeakng-loader package: run ./run-install.sh (or "
                "pip install -r requirements.txt)"
            ) from error
        try:
            self.lib = ctypes.CDLL(espeakng_loader.get_library_path())
            data_path = espeakng_loader.get_data_path()
        except (OSError, RuntimeError) as error:
            raise RVCError(
                f"cannot load eSpeak NG from espeakng-loader ({error}); reinstall it: ./run-install.sh"
            ) from error
        self.lib.espeak_Initialize.restype = ctypes.c_int
        self.lib.espeak_Initialize.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_int]
        self.lib.espeak_ListVoices.restype = ctypes.POINTER(ctypes.POINTER(_Voice))
        self.lib.espeak_ListVoices.argtypes = [ctypes.c_void_p]
        self.lib.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
        self.lib.espeak_SetParameter.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int]
        self.lib.espeak_Synth.argtypes = [
            ctypes.c_void_p, ctypes.c_size_t, ctypes.c_uint, ctypes.c_int, ctypes.c_uint, ctypes.c_uint,
            ctypes.c_void_p, ctypes.c_void_p,
        ]  # fmt: skip
        self.sample_rate = self.lib.espeak_Initialize(
            _AUDIO_OUTPUT_SYNCHRONOUS, 0, data_path.encode(), _INITIALIZE_DONT_EXIT
        )
        if self.sample_rate <= 0:
            raise RVCError(f"eSpeak NG could not start with its data in {data_path}; reinstall espeakng-loader")
        self.chunks: list[np.ndarray] = []
        self.callback = _SynthCallback(self._collect)  # kept on self: the library holds only a raw pointer
        self.lib.espeak_SetSynthCallback(self.callback)

    def _collect(self, wav, count: int, _events) -> int:
        """Synthesis callback: keep `count` int16 samples; 0 means go on."""
        if wav and count > 0:
            self.chunks.append(np.ctypeslib.as_array(wav, shape=(count,)).copy())
        return 0


@functools.lru_cache(maxsize=1)
def _library() -> _Library:
    """The process-wide eSpeak NG handle, initialised on first use."""
    return _Library()


def _languages(field) -> list[str]:
    """Decode `espeak_VOICE.languages`: (priority byte, NUL-terminated name) pairs ending with a 0 priority."""
    raw = ctypes.cast(field, ctypes.POINTER(ctypes.c_char))
    found, offset = [], 0
    while raw[offset] != b"\x00":
        offset += 1
        end = offset
        while raw[end] != b"\x00":
            end += 1
        found.append(raw[offset:end].decode("utf-8", "replace"))
        offset = end + 1
    return found


@functools.lru_cache(maxsize=1)
def _voice_table() -> dict[str, tuple[TtsVoice, str]]:
    """Voice name -> (voice, identifier of its file); the name is the language code, or the identifier if shared."""
    library = _library()
    table: dict[str, tuple[TtsVoice, str]] = {}
    with _LOCK:
        listed = library.lib.espeak_ListVoices(None)
        index = 0
        while listed[index]:
            voice = listed[index].contents
            languages = _languages(voice.languages)
            if languages:
                identifier = voice.identifier.decode()
                name = languages[0] if languages[0] not in table else identifier
                title = voice.name.decode("utf-8", "replace")
                table[name] = (TtsVoice(name, title, languages[0], _GENDERS.get(voice.gender, "")), identifier)
            index += 1
    return table


def _identifier(voice: str) -> str:
    """What `espeak_SetVoiceByName` takes for `voice`: its file identifier, keeping a `+variant` suffix."""
    base, plus, variant = voice.partition("+")
    entry = _voice_table().get(base)
    return f"{entry[1] if entry else base}{plus}{variant}"


class EspeakEngine:
    """eSpeak NG voices, named by language code (`en-us`, `de`, ...; a `+variant` suffix such as `en-us+f3` works too)."""

    name = "espeak"
    offline = True

    def voices(self) -> list[TtsVoice]:
        """Every language voice the bundled data has, sorted by name."""
        return sorted((voice for voice, _ in _voice_table().values()), key=lambda voice: voice.name)

    def synthesize(self, text: str, voice: str, rate: int = 0) -> tuple[np.ndarray, int]:
        """Speak `text` with the eSpeak voice `voice` (e.g. `en-us`) at `rate` percent speed change."""
        rate = check_rate(rate)
        library = _library()
        words_per_minute = min(max(round(_NORMAL_WPM * (1 + rate / 100)), _MIN_WPM), _MAX_WPM)
        data = text.encode("utf-8") + b"\x00"
        identifier = _identifier(voice).encode("utf-8")
        with _LOCK:
            if library.lib.espeak_SetVoiceByName(identifier) != 0:
                raise RVCError(
                    f"unknown eSpeak voice {voice!r}: list them with `python -m rvc tts --engine espeak "
                    "--list-tts-voices` (e.g. en-us, en-gb, de, fr, es)"
                )
            library.lib.espeak_SetParameter(_PARAM_RATE, words_per_minute, 0)
            library.chunks = []
            status = library.lib.espeak_Synth(data, len(data), 0, _POS_CHARACTER, 0, _CHARS_UTF8, None, None)
            chunks, library.chunks = library.chunks, []
        if status != 0:
            raise RVCError(f"eSpeak NG failed to speak the text (error {status}); try a shorter or plainer text")
        samples = np.concatenate(chunks) if chunks else np.zeros(0, dtype=np.int16)
        return (samples.astype(np.float32) / 32768.0), library.sample_rate
