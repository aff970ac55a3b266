"""Opening the real streaming engine from the values the UI sends."""

from __future__ import annotations

import numpy as np
import pytest

from rvc.errors import RVCError
from rvc.realtime import engine_loader
from rvc.realtime.settings import StreamSettings
from rvc.testing.synthetic_speech import synth_speech
from tabs.option_controls import ui_option_names
from tests.realtime.tiny_voice import install_tiny_voice


@pytest.fixture
def tiny_voice(tmp_path):
    """A thin random 32 kHz voice, a tiny embedder and RMVPE installed where `rvc.paths` looks."""
    return install_tiny_voice(tmp_path / "models")


def test_the_ui_values_open_an_engine_that_streams_through_the_browser_route(tiny_voice):
    from tabs.realtime_server import BrowserStream

    assert {"block", "crossfade", "extra", "silence_db"} <= set(ui_option_names(StreamSettings))
    engine = engine_loader.open_engine("alice", {"f0_method": "pm", "seed": 0}, {"block": 0.1}, 16000)
    assert engine.rate == 16000 and engine.block_samples == 1600
    stream = BrowserStream(engine, None)
    speech = synth_speech(0.5, 16000).audio.astype(np.float32)
    stream.push(speech[:3200])
    converted = [stream.convert_next(timeout=0) for _ in range(3)]
    assert converted[2] is None  # two whole blocks came in
    (first, through_first), (second, through_second) = converted[:2]
    assert (through_first, through_second) == (1600, 3200)
    assert first.shape == second.shape == (1600,) and np.isfinite(np.concatenate([first, second])).all()
    with pytest.raises(RVCError, match="not found"):
        engine_loader.open_engine("nobody", {}, {}, 16000)
