"""Filelist writing/reading, item alignment, batching and bucketing."""

import numpy as np
import pytest
import torch

from rvc.configs import load_config
from rvc.errors import RVCError
from rvc.testing.synthetic_speech import synth_speech, write_wav
from rvc.train.dataset import BucketSampler, TrainingDataset, collate
from rvc.train.filelist import read_filelist, write_filelist, write_mute_audio_and_pitch
from rvc.train.layout import RunLayout

SR = 40000


def _make_run(root, slices=(("0_0_0", 3.0), ("0_0_1", 2.0), ("1_0_0", 3.0)), dim=768):
    layout = RunLayout(root / "voice")
    for i, (name, seconds) in enumerate(slices):
        clip = synth_speech(seconds, SR, speaker=int(name[0]), seed=i)
        write_wav(layout.sliced_audios / f"{name}.wav", clip.audio, SR, subtype="FLOAT")
        frames_16k = int(seconds * 16000)
        layout.features.mkdir(parents=True, exist_ok=True)
        np.save(
            layout.features / f"{name}.npy",
            np.random.default_rng(i).standard_normal(((frames_16k - 80) // 320, dim)).astype(np.float32),
        )
        for folder, values in (
            (layout.f0_coarse, np.full(frames_16k // 160 + 1, 60)),
            (layout.f0_hz, clip.f0[: frames_16k // 160 + 1]),
        ):
            folder.mkdir(parents=True, exist_ok=True)
            np.save(folder / f"{name}.wav.npy", values)
    write_mute_audio_and_pitch(layout, SR)
    (layout.mute / "extracted").mkdir(parents=True, exist_ok=True)
    np.save(layout.mute / "extracted" / "mute.npy", np.zeros((149, dim), np.float32))
    return layout


def test_filelist_has_every_complete_slice_and_mutes_per_speaker(tmp_path):
    layout = _make_run(tmp_path)
    (layout.sliced_audios / "0_9_9.wav").write_bytes(b"")
    entries = write_filelist(layout, SR, use_f0=True, mute_files=3)
    lines = layout.filelist.read_text().splitlines()
    assert len(lines) == 3 + 2 * 3
    assert sum(line.startswith("mute/") for line in lines) == 6
    assert "sliced_audios/0_0_1.wav|extracted/0_0_1.npy|f0/0_0_1.wav.npy|f0_voiced/0_0_1.wav.npy|0" in lines
    assert read_filelist(layout.filelist) == [
        type(e)(e.wav, e.features, e.f0_coarse, e.f0_hz, e.speaker) for e in entries
    ]
    assert len(write_filelist(layout, SR, use_f0=False, mute_files=0)) == 3
    assert all(line.count("|") == 2 for line in layout.filelist.read_text().splitlines())


@pytest.mark.parametrize("bad", [-1, 11, 2.5])
def test_mute_file_count_is_validated(tmp_path, bad):
    with pytest.raises(RVCError, match="mute files per speaker must be a whole number from 0 to 10"):
        write_filelist(_make_run(tmp_path), SR, mute_files=bad)


def test_items_are_aligned_and_spectrograms_cached(tmp_path):
    layout = _make_run(tmp_path)
    entries = write_filelist(layout, SR, mute_files=1)
    config = load_config(SR)
    dataset = TrainingDataset(entries, config)
    for i in range(len(dataset)):
        phone, pitch, pitchf, spec, wave, sid = dataset[i]
        n = phone.shape[0]
        assert phone.shape[1] == 768 and pitch.shape == (n,) and pitchf.shape == (n,)
        assert spec.shape == (1025, n) and wave.shape == (1, n * 400)
        assert pitch.dtype == torch.long and isinstance(sid, int)
    three_second = next(i for i, e in enumerate(entries) if e.wav.name == "0_0_0.wav")
    assert dataset[three_second][0].shape[0] == 298
    assert (layout.sliced_audios / "0_0_0.spec.pt").exists()
    cached = TrainingDataset(entries, config)[three_second][3]
    torch.testing.assert_close(cached, dataset[three_second][3])


def test_collate_pads_and_sorts(tmp_path):
    layout = _make_run(tmp_path)
    dataset = TrainingDataset(write_filelist(layout, SR, mute_files=0), load_config(SR))
    batch = collate([dataset[i] for i in range(len(dataset))])
    assert batch.phone.shape == (3, 298, 768) and batch.pitch.shape == (3, 298)
    assert batch.spec.shape == (3, 1025, 298) and batch.wave.shape == (3, 1, 298 * 400)
    assert batch.spec_lengths.tolist() == sorted(batch.spec_lengths.tolist(), reverse=True)
    short = int(batch.phone_lengths.min())
    assert torch.all(batch.phone[-1, short:] == 0)


def test_bucket_sampler_covers_every_item_and_splits_ranks():
    frames = [60, 70, 120, 130, 140, 300, 310, 20, 1000]
    ranks = [BucketSampler(frames, batch_size=2, replicas=2, rank=r, seed=3) for r in (0, 1)]
    assert ranks[0].dropped == 2
    seen = [i for sampler in ranks for batch in sampler for i in batch]
    assert set(seen) == {0, 1, 2, 3, 4, 5, 6}
    assert len(list(ranks[0])) == len(list(ranks[1])) == len(ranks[0])
    for batch in ranks[0]:
        assert len({min(max(frames[i] // 50, 1), 17) for i in batch}) == 1
    twin = BucketSampler(frames, batch_size=2, replicas=2, rank=0, seed=3)
    twin.set_epoch(5)
    ranks[0].set_epoch(5)
    assert list(twin) == list(ranks[0])
    with pytest.raises(RVCError, match="no training slice"):
        BucketSampler([10, 2000], batch_size=2)
