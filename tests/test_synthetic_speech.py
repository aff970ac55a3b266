"""The synthetic speech fixtures really have the pitch and gaps they claim."""

import numpy as np
import soundfile as sf

from rvc.testing.synthetic_speech import SPEAKERS, make_dataset, synth_speech


def _autocorrelation_f0(frame: np.ndarray, sample_rate: int, f0_min: float = 60, f0_max: float = 500) -> float:
    frame = frame - frame.mean()
    corr = np.correlate(frame, frame, mode="full")[len(frame) - 1 :]
    lo, hi = int(sample_rate / f0_max), int(sample_rate / f0_min)
    return sample_rate / (lo + int(np.argmax(corr[lo:hi])))


def test_clip_shape_and_framing():
    clip = synth_speech(duration=2.0, sample_rate=16000, speaker=1, seed=3)
    assert clip.audio.dtype == np.float32 and clip.audio.shape == (32000,)
    assert len(clip.f0) == 201
    assert 0.4 < clip.voiced.mean() < 0.9
    assert np.abs(clip.audio).max() <= 0.51


def test_true_f0_matches_waveform_periodicity():
    clip = synth_speech(duration=2.0, sample_rate=16000, speaker=0, seed=1)
    voiced_frames = np.flatnonzero(clip.voiced)
    checked = 0
    for k in voiced_frames[::7]:
        start = k * 160 - 400
        if start < 0 or start + 800 > len(clip.audio) or not clip.voiced[max(k - 4, 0) : k + 5].all():
            continue
        estimate = _autocorrelation_f0(clip.audio[start : start + 800], 16000)
        assert abs(1200 * np.log2(estimate / clip.f0[k])) < 50
        checked += 1
    assert checked >= 5


def test_gaps_are_quiet_and_speakers_differ():
    clip = synth_speech(duration=2.0, sample_rate=16000, speaker=2, seed=0)
    samples_per_frame = 160
    frame_rms = np.array(
        [np.sqrt(np.mean(clip.audio[k * 160 : k * 160 + samples_per_frame] ** 2)) for k in range(len(clip.f0) - 1)]
    )
    voiced = clip.voiced[:-1]
    assert frame_rms[~voiced].max() < 0.01 < np.median(frame_rms[voiced])
    ranges = [synth_speech(2.0, 16000, speaker=s).f0 for s in range(len(SPEAKERS))]
    medians = [np.median(f0[f0 > 0]) for f0 in ranges]
    assert medians == sorted(medians) and medians[-1] > 2 * medians[0]


def test_deterministic_and_dataset(tmp_path):
    a = synth_speech(1.0, 22050, speaker=0, seed=5)
    b = synth_speech(1.0, 22050, speaker=0, seed=5)
    assert np.array_equal(a.audio, b.audio) and np.array_equal(a.f0, b.f0)
    paths = make_dataset(tmp_path / "data", n_clips=2, duration=1.0, sample_rate=40000, speakers=2)
    assert [p.relative_to(tmp_path / "data").as_posix() for p in paths] == [
        "speaker0/clip00.wav",
        "speaker0/clip01.wav",
        "speaker1/clip00.wav",
        "speaker1/clip01.wav",
    ]
    info = sf.info(paths[0])
    assert info.samplerate == 40000 and info.frames == 40000 and info.channels == 1
