"""Pitch extraction: accuracy on synthetic voices with known F0, framing, hybrid voting, RMVPE loading/decoding."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
import torch
from scipy.ndimage import binary_erosion

from rvc import paths
from rvc.errors import RVCError
from rvc.features.f0 import METHODS, MODELS, coarse_f0, extract_f0, hybrid
from rvc.features.f0.rmvpe import THRESHOLD, LogMel, pad_frames
from rvc.features.f0.salience import CENTS_OFFSET, decode, local_average
from rvc.features.f0.track import frame_times, retime
from rvc.testing.model_fixtures import save_random_rmvpe
from rvc.testing.synthetic_speech import synth_speech

FAST_METHODS = ["crepe-tiny", "fcpe", "swift", "pm", "harvest", "dio"]
EDGE_FRAMES = 5


def cents(estimate: np.ndarray, truth: np.ndarray) -> np.ndarray:
    return np.abs(1200 * np.log2(estimate / truth))


def score(f0: np.ndarray, truth: np.ndarray) -> dict[str, float]:
    """Median error on frames voiced in both (away from voicing edges), voiced recall, unvoiced gaps found."""
    voiced = binary_erosion(truth > 0, iterations=EDGE_FRAMES)
    unvoiced = binary_erosion(truth == 0, iterations=EDGE_FRAMES)
    both = voiced & (f0 > 0)
    return {
        "median_cents": float(np.median(cents(f0[both], truth[both]))),
        "recall": float((f0[voiced] > 0).mean()),
        "gaps_found": float((f0[unvoiced] == 0).mean()),
    }


def assert_accurate(f0: np.ndarray, truth: np.ndarray) -> dict[str, float]:
    result = score(f0, truth)
    assert result["median_cents"] < 25, result
    assert result["recall"] > 0.9, result
    assert result["gaps_found"] > 0.75, result
    return result


@pytest.fixture(scope="module")
def clips():
    return [synth_speech(duration=2.0, sample_rate=16000, speaker=speaker, seed=0) for speaker in range(3)]


@pytest.fixture(autouse=True)
def fresh_cache():
    yield
    MODELS.clear()


@pytest.mark.parametrize("method", FAST_METHODS)
def test_method_tracks_known_pitch_and_gaps(method, clips):
    for clip in clips:
        f0 = extract_f0(clip.audio, method)
        assert f0.shape == clip.f0.shape == (len(clip.audio) // 160 + 1,)
        assert f0.dtype == np.float64
        assert np.all((f0 == 0) | ((f0 >= 50) & (f0 <= 1100)))
        assert_accurate(f0, clip.f0)


def test_crepe_full_on_one_second():
    clip = synth_speech(duration=1.0, sample_rate=16000, speaker=1, seed=0)
    f0 = extract_f0(clip.audio, "crepe")
    assert f0.shape == clip.f0.shape
    assert_accurate(f0, clip.f0)


@pytest.mark.parametrize("method", FAST_METHODS)
def test_method_at_another_hop(method, clips):
    clip = clips[1]
    f0 = extract_f0(clip.audio, method, hop=320)
    assert f0.shape == (len(clip.audio) // 320 + 1,)
    assert_accurate(f0, clip.f0[::2])


@pytest.mark.parametrize("method", ["pm", "swift", "fcpe"])
def test_pitch_range_is_respected(method, clips):
    clip = clips[2]  # 250-400 Hz
    capped = extract_f0(clip.audio, method, f0_max=200)
    assert np.all(capped <= 200)
    raised = extract_f0(clips[0].audio, method, f0_min=300)  # a 95-150 Hz voice
    assert np.all((raised == 0) | (raised >= 300))


def test_hybrid_is_as_good_as_its_parts(clips):
    for clip in clips:
        parts = {method: score(extract_f0(clip.audio, method), clip.f0) for method in ("fcpe", "swift", "pm")}
        f0 = extract_f0(clip.audio, "hybrid[fcpe+swift+pm]")
        result = assert_accurate(f0, clip.f0)
        assert result["median_cents"] <= max(part["median_cents"] for part in parts.values())
        assert result["recall"] >= min(part["recall"] for part in parts.values())


def test_hybrid_pair_keeps_pitch_when_one_method_is_unvoiced(clips):
    clip = clips[0]
    f0 = extract_f0(clip.audio, "hybrid[dio+swift]")
    dio, swift = extract_f0(clip.audio, "dio"), extract_f0(clip.audio, "swift")
    only_one = (dio > 0) != (swift > 0)
    np.testing.assert_allclose(f0[only_one], np.maximum(dio, swift)[only_one])
    both = (dio > 0) & (swift > 0)
    np.testing.assert_allclose(f0[both], np.sqrt(dio[both] * swift[both]))
    assert_accurate(f0, clip.f0)


def test_combine_votes_and_ignores_unvoiced():
    tracks = [
        np.array([100.0, 0.0, 0.0, 200.0, 0.0]),
        np.array([400.0, 0.0, 110.0, 0.0, 0.0]),
        np.array([200.0, 300.0, 0.0, 0.0, 0.0]),
    ]
    np.testing.assert_allclose(hybrid.combine(tracks), [200.0, 0.0, 0.0, 0.0, 0.0])
    pair = hybrid.combine([np.array([100.0, 0.0, 0.0]), np.array([400.0, 150.0, 0.0])])
    np.testing.assert_allclose(pair, [200.0, 150.0, 0.0])


def test_hybrid_names_are_parsed():
    assert hybrid.parse("hybrid[rmvpe+fcpe]") == ["rmvpe", "fcpe"]
    assert hybrid.parse(" hybrid[ pm + dio + harvest ] ") == ["pm", "dio", "harvest"]
    assert hybrid.parse("rmvpe") is None


@pytest.mark.parametrize("method", ["yin", "hybrid[pm]", "hybrid[pm+yin]", "hybrid[pm+pm]", "hybrid[]", "PM"])
def test_unknown_method_lists_valid_ones(method):
    with pytest.raises(RVCError) as error:
        extract_f0(np.zeros(1600, dtype=np.float32), method)
    message = str(error.value)
    assert "\n" not in message
    assert all(name in message for name in METHODS) and "hybrid[" in message


def test_bad_range_and_hop_are_user_errors():
    audio = np.zeros(1600, dtype=np.float32)
    with pytest.raises(RVCError, match="Pitch range"):
        extract_f0(audio, "pm", f0_min=500, f0_max=100)
    with pytest.raises(RVCError, match="hop"):
        extract_f0(audio, "pm", hop=0)
    with pytest.raises(ValueError, match="mono"):
        extract_f0(np.zeros((2, 1600), dtype=np.float32), "pm")


def test_models_are_cached_per_method_and_device():
    first = MODELS.get("crepe-tiny", "cpu")
    assert MODELS.get("crepe-tiny", "cpu") is first
    assert MODELS.get("crepe", "cpu") is not first
    assert MODELS.get("swift", "cuda") is MODELS.get("swift", "cpu")
    MODELS.clear()
    assert MODELS.get("crepe-tiny", "cpu") is not first


def test_import_is_light():
    heavy = "{'torch', 'librosa', 'torchcrepe', 'parselmouth', 'pyworld', 'onnxruntime'}"
    code = f"import sys, rvc.features.f0; assert not {heavy} & set(sys.modules)"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_coarse_f0_matches_reference_mapping():
    # 1127·ln(1 + f/700) scaled so 50 Hz → 1 and 1100 Hz → 255: 200 Hz → 53.897, 440 Hz → 122.481
    f0 = np.array([0.0, 30.0, 50.0, 51.0, 100.0, 200.0, 440.0, 1000.0, 1100.0, 2000.0])
    coarse = coarse_f0(f0)
    assert coarse.dtype == np.int64
    assert coarse.tolist() == [1, 1, 1, 1, 20, 54, 122, 238, 255, 255]
    assert coarse_f0(np.zeros(301)).tolist() == [1] * 301


def test_retime_interpolates_voiced_and_keeps_edges():
    times = np.array([0.0, 0.01, 0.02, 0.03])
    f0 = np.array([100.0, 400.0, 0.0, 300.0])
    out = retime(times, f0, np.array([0.0, 0.005, 0.012, 0.016, 0.024, 0.05]))
    np.testing.assert_allclose(out, [100.0, 200.0, 400.0, 0.0, 0.0, 300.0])
    np.testing.assert_allclose(retime(times, f0, times), f0)
    assert len(frame_times(16000, 160)) == 101 and frame_times(16000, 160)[-1] == pytest.approx(1.0)


def _salience(frames: list[dict[int, float]]) -> np.ndarray:
    salience = np.zeros((len(frames), 360))
    for row, peaks in enumerate(frames):
        for index, value in peaks.items():
            salience[row, index] = value
    return salience


def test_salience_decoding_in_hz_and_threshold():
    salience = _salience(
        [
            {99: 0.5, 100: 0.9, 101: 0.5},  # symmetric: exactly bin 100
            {100: 0.8, 101: 0.4},  # pulled a third of a bin up
            {100: 0.8, 110: 0.4},  # bin 110 is outside the 9-bin window
            {0: 0.6, 1: 0.6},  # window clipped at the lowest bin
            {200: 0.03},  # at the threshold: unvoiced
            {200: 0.031},  # just above: voiced
            {},  # silence
        ]
    )
    f0 = decode(salience, THRESHOLD)

    def hz(bin_position: float) -> float:
        return 10 * 2 ** ((20 * bin_position + CENTS_OFFSET) / 1200)

    np.testing.assert_allclose(f0, [hz(100), hz(100 + 1 / 3), hz(100), hz(0.5), 0.0, hz(200), 0.0], rtol=1e-9)
    assert hz(0) == pytest.approx(31.70, abs=0.01)


def test_salience_range_limits_the_argmax():
    salience = _salience([{30: 0.9, 150: 0.5}])
    low, _ = local_average(salience)
    ranged, peak = local_average(salience, f0_min=100, f0_max=1100)
    assert low[0] < 50 and ranged[0] == pytest.approx(10 * 2 ** ((20 * 150 + CENTS_OFFSET) / 1200))
    assert peak[0] == 0.5


PUBLIC_KEYS = {
    "unet.encoder.bn.running_var": (1,),
    "unet.encoder.layers.0.conv.0.conv.0.weight": (16, 1, 3, 3),
    "unet.encoder.layers.0.conv.0.shortcut.weight": (16, 1, 1, 1),
    "unet.encoder.layers.4.conv.3.conv.4.weight": (256,),
    "unet.intermediate.layers.0.conv.0.shortcut.weight": (512, 256, 1, 1),
    "unet.intermediate.layers.3.conv.3.conv.3.weight": (512, 512, 3, 3),
    "unet.decoder.layers.0.conv1.0.weight": (512, 256, 3, 3),
    "unet.decoder.layers.0.conv2.0.shortcut.weight": (256, 512, 1, 1),
    "unet.decoder.layers.4.conv2.3.conv.4.num_batches_tracked": (),
    "cnn.weight": (3, 16, 3, 3),
    "fc.0.gru.weight_ih_l0": (768, 384),
    "fc.0.gru.weight_hh_l0_reverse": (768, 256),
    "fc.1.weight": (360, 512),
}


@pytest.fixture(scope="module")
def rmvpe_file(tmp_path_factory):
    """Random RMVPE weights in the public layout, stored in half precision like the published file."""
    path = save_random_rmvpe(tmp_path_factory.mktemp("rmvpe") / "rmvpe.pt")
    state = torch.load(path, weights_only=True)
    assert len(state) == 741
    for key, shape in PUBLIC_KEYS.items():
        assert tuple(state[key].shape) == shape, key
    return path


def install(source) -> None:
    target = paths.rmvpe_path()
    target.parent.mkdir(parents=True, exist_ok=True)
    target.symlink_to(source)


def test_rmvpe_loads_public_layout_and_frames(rmvpe_file):
    install(rmvpe_file)
    audio = synth_speech(duration=0.5, sample_rate=16000, speaker=1, seed=0).audio
    for hop in (160, 320, 100):
        f0 = extract_f0(audio, "rmvpe", hop=hop)
        assert f0.shape == (len(audio) // hop + 1,)
        assert np.all((f0 == 0) | ((f0 >= 50) & (f0 <= 1100)))
    model = MODELS.get("rmvpe")
    salience = model.salience(audio, 160)
    assert salience.shape == (51, 360) and salience.min() >= 0 and salience.max() <= 1
    decoded = decode(salience, THRESHOLD)
    in_range = (decoded >= 50) & (decoded <= 1100)
    np.testing.assert_array_equal(extract_f0(audio, "rmvpe"), np.where(in_range, decoded, 0.0))
    loaded = model.net.state_dict()
    stored = torch.load(rmvpe_file, weights_only=True)
    assert torch.equal(loaded["fc.1.weight"], stored["fc.1.weight"].float())
    short = model.salience(audio[:800], 160)
    assert short.shape == (6, 360)


def test_rmvpe_missing_weights_says_how_to_get_them():
    with pytest.raises(RVCError) as error:
        extract_f0(np.zeros(1600, dtype=np.float32), "rmvpe")
    message = str(error.value)
    assert message.startswith(f"RMVPE weights not found at {paths.rmvpe_path()}: ")
    assert "run `python -m rvc download --rmvpe` or download " in message and "/predictors/rmvpe.pt" in message


class Payload:
    """Not a tensor: a weights-only load must refuse it."""


@pytest.mark.parametrize(
    "content",
    [b"not a checkpoint", {"payload": Payload()}, {"fc.1.weight": torch.zeros(360, 512)}],
    ids=["garbage", "pickled-object", "wrong-keys"],
)
def test_rmvpe_bad_weights_are_user_errors(content):
    target = paths.rmvpe_path()
    target.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        target.write_bytes(content)
    else:
        torch.save(content, target)
    with pytest.raises(RVCError) as error:
        extract_f0(np.zeros(1600, dtype=np.float32), "rmvpe")
    assert str(target) in str(error.value) and "\n" not in str(error.value)


def test_rmvpe_log_mel_matches_librosa():
    import librosa

    audio = np.random.default_rng(0).standard_normal(4000).astype(np.float32) * 0.1
    ours = LogMel()(torch.from_numpy(audio)[None], 160)[0].numpy()
    mel = librosa.feature.melspectrogram(
        y=audio,
        sr=16000,
        n_fft=1024,
        hop_length=160,
        pad_mode="reflect",
        power=1.0,
        n_mels=128,
        fmin=30,
        fmax=8000,
        htk=True,
    )
    assert ours.shape == (128, 4000 // 160 + 1)
    np.testing.assert_allclose(ours, np.log(np.maximum(mel, 1e-5)), atol=1e-3)


def test_pad_frames_to_multiple_of_32():
    mel = torch.randn(1, 128, 40)
    padded = pad_frames(mel)
    assert padded.shape[-1] == 64
    torch.testing.assert_close(padded[..., 40:], mel.flip(-1)[..., 1:25])
    tiny = pad_frames(torch.zeros(1, 128, 3))
    assert tiny.shape[-1] == 32 and torch.all(tiny[..., 3:] == float(np.log(1e-5)))
