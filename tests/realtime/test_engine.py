"""The streaming engine's contract: block sizes, silence gate, gains, live option and voice changes, bad input."""

from __future__ import annotations

import threading

import numpy as np
import pytest
import torch

from rvc.audio import load_audio
from rvc.errors import RVCError
from rvc.infer.conversion import load_models
from rvc.infer.options import ConversionOptions
from rvc.realtime.engine import StreamEngine, level_db, offline_only
from rvc.realtime.layout import plan_layout
from rvc.realtime.settings import StreamSettings

OPTIONS = ConversionOptions(f0_method="pm", device="cpu", seed=0, noise_scale=0.0)
SETTINGS = StreamSettings(block=0.1, extra=0.2)


@pytest.fixture
def engine(stream_installed) -> StreamEngine:
    return StreamEngine(load_models(stream_installed["voice"], OPTIONS), OPTIONS, SETTINGS, 48000)


def blocks_of(path, engine: StreamEngine) -> list[np.ndarray]:
    speech, _ = load_audio(path, engine.rate)
    count = len(speech) // engine.block_samples
    return [speech[k * engine.block_samples : (k + 1) * engine.block_samples] for k in range(count)]


@pytest.mark.parametrize("rate", [16000, 22050, 32000, 44100, 48000])
def test_every_device_rate_gets_whole_blocks_and_a_latency_within_the_target(rate):
    layout = plan_layout(StreamSettings(block=0.25), rate)
    assert layout.block_samples == round(layout.block_frames * rate / 100)
    assert abs(layout.block_samples / rate - 0.25) <= 0.01 + 1e-9
    assert layout.window_frames % layout.step_frames == 0
    assert layout.latency <= 0.25 + 0.05 + 0.05


def test_silence_in_gives_exact_silence_out_and_speech_fades_out_without_a_click(engine, stream_installed):
    zeros = np.zeros(engine.block_samples, dtype=np.float32)
    assert all(not engine.process(zeros).any() for _ in range(3))
    for block in blocks_of(stream_installed["speech"], engine)[:5]:
        voiced = engine.process(block)
    assert np.abs(voiced).max() > 1e-4
    fading = engine.process(zeros)
    crossfade = engine.layout.crossfade_samples
    assert not fading[crossfade:].any() and abs(fading[crossfade - 1]) < 0.01 * np.abs(voiced).max()
    assert not engine.process(zeros).any()


def test_output_gain_scales_the_output(stream_installed):
    models = load_models(stream_installed["voice"], OPTIONS)
    outputs = []
    for gain_db in (0.0, -6.0):
        engine = StreamEngine(models, OPTIONS, SETTINGS.replace(output_gain_db=gain_db), 48000)
        torch.manual_seed(0)
        outputs.append(np.concatenate([engine.process(b) for b in blocks_of(stream_installed["speech"], engine)]))
    np.testing.assert_allclose(outputs[1], outputs[0] * 10 ** (-6 / 20), atol=1e-6)


@pytest.mark.parametrize(
    "change", [{"options": OPTIONS.replace(pitch=12.0)}, {"voice": "other"}], ids=["pitch", "voice"]
)
def test_a_live_change_gives_what_a_stream_started_with_it_gives_from_the_next_block_on(stream_installed, change):
    options = change.get("options", OPTIONS)
    before = load_models(stream_installed["voice"], OPTIONS)
    after = load_models(stream_installed[change.get("voice", "voice")], OPTIONS)
    if "voice" not in change:
        after = before
    aligned = SETTINGS.replace(sola_search=0.0)  # SOLA's offset would carry the old block's choice forward
    changed = StreamEngine(before, OPTIONS, aligned, 48000)
    fresh = StreamEngine(after, options, aligned, 48000)
    blocks = blocks_of(stream_installed["speech"], changed)
    switch = 4
    changed_out, fresh_out = [], []
    for number, block in enumerate(blocks):
        if number == switch:
            changed.update(options=options, models=after)
        for engine, out in ((changed, changed_out), (fresh, fresh_out)):
            torch.manual_seed(number)
            out.append(engine.process(block))
    assert not np.allclose(changed_out[switch - 1], fresh_out[switch - 1], atol=1e-4)
    for number in range(switch + 1, len(blocks)):
        np.testing.assert_allclose(changed_out[number], fresh_out[number], atol=1e-5)


def test_updates_from_another_thread_while_streaming_are_safe(engine, stream_installed):
    blocks = blocks_of(stream_installed["speech"], engine)
    failures = []

    def change_pitch():
        try:
            for semitones in range(-6, 7, 3):
                engine.update(options=OPTIONS.replace(pitch=float(semitones)))
        except Exception as error:  # noqa: BLE001 - collected and asserted below
            failures.append(error)

    worker = threading.Thread(target=change_pitch)
    worker.start()
    outputs = [engine.process(block) for block in blocks]
    worker.join()
    assert not failures
    assert all(out.shape == (engine.block_samples,) and np.isfinite(out).all() for out in outputs)


def test_a_block_of_the_wrong_size_is_refused_with_the_size_to_use(engine):
    with pytest.raises(RVCError, match=f"exactly {engine.block_samples} samples"):
        engine.process(np.zeros(engine.block_samples + 1, dtype=np.float32))
    with pytest.raises(RVCError, match="mono"):
        engine.process(np.zeros((engine.block_samples, 2), dtype=np.float32))


def test_bad_settings_rates_voices_and_indexes_are_clear_errors(stream_installed, tmp_path):
    with pytest.raises(RVCError, match="block"):
        StreamSettings(block=2.0)
    with pytest.raises(RVCError, match="44100"):
        plan_layout(StreamSettings(), 12345)
    broken = tmp_path / "broken.pth"
    broken.write_bytes(b"not a voice")
    with pytest.raises(RVCError, match="broken.pth"):
        load_models(broken, OPTIONS)
    models = load_models(stream_installed["voice"], OPTIONS)
    engine = StreamEngine(models, OPTIONS, SETTINGS, 48000)
    with pytest.raises(RVCError, match="Speaker ID 5000"):
        engine.update(options=OPTIONS.replace(speaker_id=5000))
    assert engine.options == OPTIONS


def test_offline_only_options_are_named():
    assert offline_only(OPTIONS) == []
    assert offline_only(OPTIONS.replace(formant_shift=1.2, rms_mix_rate=0.5, clean_strength=0.5)) == [
        "formant_shift",
        "clean_strength",
    ]


def test_the_volume_envelope_makes_the_stream_follow_the_input_loudness(stream_installed):
    models = load_models(stream_installed["voice"], OPTIONS)
    quiet_db = -18.0
    drops = {}
    for rate in (1.0, 0.0):
        settings = SETTINGS.replace(silence_db=-120.0)  # the gate would silence the quiet half's pauses
        engine = StreamEngine(models, OPTIONS.replace(rms_mix_rate=rate), settings, 48000)
        blocks = blocks_of(stream_installed["speech"], engine)
        half = len(blocks) // 2
        fed = blocks[:half] + [block * 10 ** (quiet_db / 20) for block in blocks[half:]]
        out = [engine.process(block) for block in fed]
        # Levels one block after each block fed (the stream is a block late), away from the step.
        loud = level_db(np.concatenate(out[2:half]))
        quiet = level_db(np.concatenate(out[half + 2 :]))
        drops[rate] = quiet - loud
    assert drops[0.0] == pytest.approx(quiet_db, abs=3.0), drops
    assert abs(drops[1.0] - quiet_db) > 6.0, drops


def test_a_voice_without_pitch_streams_too(stream_installed, tmp_path):
    from rvc.testing.model_fixtures import save_random_voice

    voice = save_random_voice(tmp_path / "nof0.pth", 32000, use_f0=False, vocoder_channels=32)
    engine = StreamEngine(load_models(voice, OPTIONS), OPTIONS, SETTINGS, 44100)
    outputs = [engine.process(block) for block in blocks_of(stream_installed["speech"], engine)[:4]]
    assert np.abs(outputs[-1]).max() > 1e-4 and all(np.isfinite(out).all() for out in outputs)
