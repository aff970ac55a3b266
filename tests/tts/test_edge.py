"""edge-tts: the voice list is cached once; without a network every call is one line naming the offline engines."""

from __future__ import annotations

import json

import edge_tts
import pytest

from rvc import paths
from rvc.errors import RVCError
from rvc.tts import get_engine

VOICES = [{"ShortName": "en-US-AriaNeural", "Gender": "Female", "Locale": "en-US"}]


def _offline(*args, **kwargs):
    raise OSError("Cannot connect to host speech.platform.bing.com:443 [Name or service not known]")


def test_no_network_is_one_line_naming_the_offline_engines(monkeypatch):
    monkeypatch.setattr(edge_tts, "list_voices", _offline)
    with pytest.raises(RVCError) as caught:
        get_engine("edge").voices()
    message = str(caught.value)
    assert "\n" not in message and "needs the internet" in message
    assert "espeak" in message and "piper" in message and "Cannot connect" in message
    assert not paths.edge_voices_cache().exists()


def test_voice_list_is_fetched_once_then_read_from_the_cache(monkeypatch):
    calls = []

    async def listing():
        calls.append(1)
        return VOICES

    monkeypatch.setattr(edge_tts, "list_voices", listing)
    engine = get_engine("edge")
    assert [voice.name for voice in engine.voices()] == ["en-US-AriaNeural"]
    assert json.loads(paths.edge_voices_cache().read_text()) == VOICES
    monkeypatch.setattr(edge_tts, "list_voices", _offline)
    assert engine.voices()[0].description == "en-US, female"
    assert calls == [1]


def test_speech_without_a_network_and_unknown_voices_are_clear_errors(monkeypatch):
    paths.edge_voices_cache().parent.mkdir(parents=True)
    paths.edge_voices_cache().write_text(json.dumps(VOICES))

    class NoService:
        def __init__(self, text, voice, rate):
            assert rate == "+20%"

        async def save(self, target):
            _offline()

    monkeypatch.setattr(edge_tts, "Communicate", NoService)
    engine = get_engine("edge")
    with pytest.raises(RVCError, match="could not fetch the speech .*needs the internet.*espeak"):
        engine.synthesize("Hello.", "en-US-AriaNeural", 20)
    with pytest.raises(RVCError, match="unknown edge-tts voice 'en-US-Nobody'"):
        engine.synthesize("Hello.", "en-US-Nobody")


def test_the_mp3_edge_sends_is_decoded_to_speech(monkeypatch):
    import numpy as np

    from rvc.audio import save_audio

    paths.edge_voices_cache().parent.mkdir(parents=True)
    paths.edge_voices_cache().write_text(json.dumps(VOICES))
    tone = 0.3 * np.sin(2 * np.pi * 200 * np.arange(24000) / 24000)

    class Service:
        def __init__(self, text, voice, rate):
            self.request = (text, voice, rate)

        async def save(self, target):
            assert self.request == ("Hello.", "en-US-AriaNeural", "-10%")
            save_audio(target, tone, 24000)  # edge-tts streams 24 kHz mono mp3

    monkeypatch.setattr(edge_tts, "Communicate", Service)
    audio, rate = get_engine("edge").synthesize("Hello.", "en-US-AriaNeural", -10)
    assert rate == 24000 and abs(len(audio) - 24000) < 2400
    assert 0.15 < np.sqrt(np.mean(audio**2)) < 0.25
