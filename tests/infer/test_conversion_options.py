"""Each conversion option, alone, has its own observable effect on a full conversion.

One converted baseline per module; every other conversion changes exactly one option against it (or against
the indexed baseline, for the options that only act with an index). What the synthesizer receives (pitch per
frame, speaker id, prior noise scale) is recorded so pitch options are checked by their documented effect,
not only by "the output differs", which cannot tell which option acted.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from rvc.infer import convert
from rvc.infer.options import ConversionOptions
from rvc.infer.pipeline import PAD, SAMPLE_RATE, WINDOW, rms_envelope
from rvc.testing.synthetic_speech import synth_speech, write_wav

SPEECH_SECONDS, SILENCE_SECONDS = 0.8, 0.4
SECONDS = SPEECH_SECONDS + SILENCE_SECONDS
"""The input: synthetic speech (phrases and faint unvoiced gaps) followed by true silence."""
BASE = {"f0_method": "pm", "device": "cpu", "seed": 0}
INDEX, F0_FILE = "<index>", "<f0 file>"
"""Placeholders for paths made by the module fixture."""
F0_FILE_HZ = 200.0

CHANGES = {
    "pitch": 12,
    "f0_method": "dio",
    "rms_mix_rate": 0.0,
    "filter_radius": 3,
    "speaker_id": 1,
    "autotune": 1.0,
    "proposed_pitch": True,
    "split_audio": True,
    "formant_shift": 1.5,
    "clean_strength": 1.0,
    "effects": {"reverb": {"room_size": 0.5}},
    "index_path": INDEX,
    "f0_file": F0_FILE,
    "output_sr": 48000,
    "seed": 1,
    "noise_scale": 0.0,
}
"""Options that change the audio on their own, with a value that must change it."""
WITH_INDEX = {"index_rate": 0.25, "protect": 0.2}
"""Options that only act when an index is used: compared with the indexed baseline."""
WITH_PROPOSED_PITCH = {"proposed_pitch_hz": 400.0}
"""Options that only act with the proposed pitch on."""
NOT_AUDIBLE_HERE = {
    "output_format": "the container only; test_conversion.test_formats_and_output_rates reads each format back",
    "device": "the tests run on the CPU only",
    "half": "float16 applies on CUDA only and is ignored on the CPU",
    "precision": "bf16 changes only rounding: test_precision.py and test_speed_paths.py hold it near fp32",
    "embedder": "the tests have a single (tiny) embedder",
}


def speech_then_silence() -> np.ndarray:
    """The module's input, 16 kHz `[SECONDS * 16000]`."""
    speech = synth_speech(SPEECH_SECONDS, SAMPLE_RATE, speaker=1).audio
    return np.concatenate([speech, np.zeros(round(SILENCE_SECONDS * SAMPLE_RATE), np.float32)])


@dataclass
class Converted:
    """A conversion's output and what the synthesizer was given for it."""

    audio: np.ndarray
    rate: int
    pitchf: list[np.ndarray]
    speaker_ids: list[int]
    noise_scales: list[float]
    notes: list[str]

    @property
    def input_pitch(self) -> np.ndarray:
        """Hz per 10 ms frame of the input itself (the one segment without its reflected padding)."""
        (track,) = self.pitchf
        first = PAD // WINDOW
        return track[first : first + round(SECONDS * SAMPLE_RATE) // WINDOW]


class Converter:
    """Runs conversions of one synthetic clip with the module's models, once per distinct set of options."""

    def __init__(self, models: dict[str, Path], root: Path, calls: list) -> None:
        self.models, self.root, self.calls = models, root, calls
        self.source = write_wav(root / "speech.wav", speech_then_silence(), SAMPLE_RATE)
        self.f0_file = root / "f0.txt"
        self.f0_file.write_text(f"0.0,{F0_FILE_HZ}\n{SECONDS},{F0_FILE_HZ}\n", encoding="utf-8")
        self.done: dict[str, Converted] = {}

    def __call__(self, **changes) -> Converted:
        paths = {INDEX: str(self.models["index"]), F0_FILE: str(self.f0_file)}
        options = {**BASE, "embedder": str(self.models["embedder"]), **changes}
        options = {key: paths.get(value, value) if isinstance(value, str) else value for key, value in options.items()}
        key = repr(sorted(options.items()))
        if key not in self.done:
            self.calls.clear()
            result = convert(self.source, self.root / f"out{len(self.done)}.wav", self.models["voice"], **options)
            audio, rate = sf.read(result.path, dtype="float32")
            pitchf = [call[0] for call in self.calls]
            self.done[key] = Converted(
                audio, rate, pitchf, [call[1] for call in self.calls], [c[2] for c in self.calls], result.notes
            )
        return self.done[key]


@pytest.fixture(scope="module")
def run(infer_models, tmp_path_factory):
    """`run(**options)` -> `Converted`, recording each `Voice.synthesize` call (pitchf Hz, speaker id, noise)."""
    from rvc.models.voice_file import Voice

    root = tmp_path_factory.mktemp("options")
    calls = []
    synthesize = Voice.synthesize

    def recording(self, phone, phone_lengths, pitch, pitchf, sid, noise_scale, window=None):
        calls.append((pitchf[0].cpu().numpy().astype(np.float64), int(sid[0]), noise_scale))
        return synthesize(self, phone, phone_lengths, pitch, pitchf, sid, noise_scale=noise_scale, window=window)

    with pytest.MonkeyPatch.context() as patch:
        for variable, folder in (("RVC_WEIGHTS_DIR", "weights"), ("RVC_LOGS_DIR", "logs"), ("RVC_OUTPUTS_DIR", "out")):
            patch.setenv(variable, str(root / folder))
        patch.setenv("RVC_SETTINGS", str(root / "settings.json"))
        patch.setattr(Voice, "synthesize", recording)
        yield Converter(infer_models, root, calls)


def test_every_option_is_checked_or_said_to_be_inaudible_here():
    names = {field.name for field in dataclasses.fields(ConversionOptions)}
    assert set(CHANGES) | set(WITH_INDEX) | set(WITH_PROPOSED_PITCH) | set(NOT_AUDIBLE_HERE) == names


@pytest.mark.parametrize(("name", "value"), CHANGES.items(), ids=list(CHANGES))
def test_option_alone_changes_the_output(run, name, value):
    plain, changed = run(), run(**{name: value})
    assert np.isfinite(changed.audio).all()
    assert not np.array_equal(changed.audio, plain.audio)


@pytest.mark.parametrize(("name", "value"), WITH_INDEX.items(), ids=list(WITH_INDEX))
def test_index_option_alone_changes_the_indexed_output(run, name, value):
    indexed, changed = run(index_path=INDEX), run(index_path=INDEX, **{name: value})
    assert not np.array_equal(changed.audio, indexed.audio)


def test_pitch_up_an_octave_doubles_the_pitch_given_to_the_voice(run):
    plain, shifted = run().input_pitch, run(pitch=12).input_pitch
    assert (plain > 0).sum() > 20
    np.testing.assert_allclose(shifted, 2 * plain, rtol=1e-5)


def test_pitch_method_decides_the_pitch_given_to_the_voice(run):
    assert not np.allclose(run(f0_method="dio").input_pitch, run().input_pitch, rtol=0.01)


def test_autotune_puts_voiced_frames_on_semitones(run):
    def off_grid(track: np.ndarray) -> float:
        semitones = 12 * np.log2(track[track > 0] / 440.0)
        return float(np.abs(semitones - np.round(semitones)).max())

    assert off_grid(run().input_pitch) > 0.1
    assert off_grid(run(autotune=1.0).input_pitch) < 1e-4


def test_proposed_pitch_shifts_by_whole_semitones_toward_the_target_on_top_of_pitch(run):
    plain = run().input_pitch
    target = WITH_PROPOSED_PITCH["proposed_pitch_hz"]
    key = round(12 * np.log2(target / np.median(plain[plain > 0])))
    assert 3 <= key <= 12  # the clip's median is well below the target, so the test sees a real shift
    shifted = run(proposed_pitch=True, proposed_pitch_hz=target)
    np.testing.assert_allclose(shifted.input_pitch, plain * 2 ** (key / 12), rtol=1e-5)
    assert shifted.notes == [f"proposed pitch {target:g} Hz: shifted +{key} semitones before Pitch"]
    lowered = run(proposed_pitch=True, proposed_pitch_hz=target, pitch=-2).input_pitch
    np.testing.assert_allclose(lowered, plain * 2 ** ((key - 2) / 12), rtol=1e-5)
    assert np.array_equal(run(proposed_pitch_hz=target).audio, run().audio) and run().notes == []


def test_filter_radius_smooths_the_pitch_given_to_the_voice(run):
    def jumps(track: np.ndarray) -> float:
        return float(np.abs(np.diff(track)).sum())

    assert jumps(run(filter_radius=3).input_pitch) < jumps(run().input_pitch)


def test_f0_file_sets_the_pitch_given_to_the_voice(run):
    track = run(f0_file=F0_FILE).input_pitch
    np.testing.assert_allclose(track, F0_FILE_HZ)


def test_speaker_id_and_noise_scale_reach_the_voice(run):
    assert set(run().speaker_ids) == {0} and set(run(speaker_id=1).speaker_ids) == {1}
    assert set(run(noise_scale=0.0).noise_scales) == {0.0}


def test_output_sr_sets_the_rate_and_keeps_the_duration(run):
    converted = run(output_sr=48000)
    assert converted.rate == 48000 and len(converted.audio) == round(SECONDS * 48000)


def test_rms_mix_rate_zero_follows_the_input_loudness(run):
    def fit(converted: Converted) -> float:
        length = len(converted.audio)
        target = rms_envelope(speech_then_silence(), SAMPLE_RATE, length)
        own = rms_envelope(converted.audio, converted.rate, length)
        return float(np.corrcoef(target, own)[0, 1])

    follows, own = fit(run(rms_mix_rate=0.0)), fit(run())
    assert follows > 0.9
    # A random voice's own loudness curve follows its input partly (quieter over the silent end), by an amount its
    # weights decide (0.5 here): the option must leave at most a fifth of the voice's own mismatch.
    assert 1 - follows < (1 - own) / 5


def test_split_audio_keeps_the_length_and_leaves_silence_silent(run):
    plain, split = run(), run(split_audio=True)
    tail = round(SILENCE_SECONDS / 2 * split.rate)
    assert len(split.audio) == len(plain.audio) == round(SECONDS * split.rate)
    assert np.abs(plain.audio[-tail:]).max() > 0 and np.abs(split.audio[-tail:]).max() == 0


def test_noise_reduction_lowers_the_noise_floor(infer_models, tmp_path):
    clip = synth_speech(SECONDS, SAMPLE_RATE, speaker=1)
    noise = 0.02 * np.random.default_rng(0).standard_normal(len(clip.audio))
    source = write_wav(tmp_path / "noisy.wav", (clip.audio + noise).astype(np.float32), SAMPLE_RATE)
    options = {**BASE, "embedder": str(infer_models["embedder"])}

    def gap_rms(strength: float) -> float:
        result = convert(
            source, tmp_path / f"{strength}.wav", infer_models["voice"], clean_strength=strength, **options
        )
        audio, rate = sf.read(result.path, dtype="float32")
        gaps = np.repeat(~clip.voiced, rate // 100)[: len(audio)]
        return float(np.sqrt(np.mean(audio[: len(gaps)][gaps] ** 2)))

    assert gap_rms(1.0) < 0.5 * gap_rms(0.0)
