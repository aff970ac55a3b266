"""Random test voices speak at a set level: only the vocoder's output layer is scaled to reach it."""

from __future__ import annotations

import pytest
import torch

from rvc.configs import load_config
from rvc.models.synthesizer import Synthesizer
from rvc.models.synthesizer_config import SynthesizerConfig
from rvc.models.voice_file import load_voice
from rvc.testing.model_fixtures import save_random_voice
from rvc.testing.voice_level import SPEECH_RMS, probe_output, set_output_level


def thin_voice(vocoder: str, seed: int) -> Synthesizer:
    """A v2 32 kHz synthesizer with a 32-channel vocoder and random weights."""
    torch.manual_seed(seed)
    config = SynthesizerConfig.from_json_config(load_config(32000, "v2")).replace(upsample_initial_channel=32)
    return Synthesizer(**config.as_kwargs(), use_f0=True, text_enc_hidden_dim=768, vocoder=vocoder).eval()


def rms(audio: torch.Tensor) -> float:
    return float(audio.pow(2).mean().sqrt())


@pytest.mark.parametrize("vocoder", ["HiFi-GAN", "MRF HiFi-GAN"])  # plain and weight-normed conv_post
def test_random_voices_are_scaled_to_the_level_by_their_output_layer_alone(vocoder):
    models = [thin_voice(vocoder, seed) for seed in (0, 1)]
    raw = [rms(probe_output(model)) for model in models]
    assert max(raw) / min(raw) > 1.5 or max(raw) < SPEECH_RMS / 3  # the random level is arbitrary
    for model in models:
        before = {name: value.clone() for name, value in model.state_dict().items()}
        assert set_output_level(model) == pytest.approx(SPEECH_RMS, rel=0.05)
        assert rms(probe_output(model)) == pytest.approx(SPEECH_RMS, rel=0.05)
        changed = {name for name, value in model.state_dict().items() if not torch.equal(value, before[name])}
        assert changed and all(name.startswith("dec.conv_post.") for name in changed), changed


def test_probe_is_repeatable_and_leaves_the_global_random_state_alone():
    model = thin_voice("HiFi-GAN", 0)
    torch.manual_seed(3)
    first = probe_output(model)
    after_probe = torch.rand(1)
    torch.manual_seed(3)
    assert torch.equal(torch.rand(1), after_probe)
    assert torch.equal(probe_output(model), first)


def test_saved_voice_speaks_at_the_level_unless_asked_for_its_raw_level(tmp_path):
    def saved_level(**kwargs) -> float:
        path = save_random_voice(tmp_path / "v.pth", 32000, vocoder_channels=32, **kwargs)
        return rms(probe_output(load_voice(path).model))

    raw = rms(probe_output(thin_voice("HiFi-GAN", 0)))
    assert abs(raw / SPEECH_RMS - 1) > 0.2  # so the two checks below tell the two cases apart
    assert saved_level() == pytest.approx(SPEECH_RMS, rel=0.06)  # the file holds fp16 weights
    assert saved_level(level=None) == pytest.approx(raw, rel=0.01)
