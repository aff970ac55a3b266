"""Training items from the filelist: content features, pitch, linear spectrogram and waveform, aligned."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from rvc.errors import RVCError
from rvc.train.filelist import FilelistEntry
from rvc.train.mel import spectrogram

MAX_FRAMES = 900
BUCKET_BOUNDARIES = tuple(range(50, MAX_FRAMES + 1, 50))


@dataclass
class Batch:
    """Padded training batch, sorted by spectrogram length (longest first)."""

    phone: torch.Tensor  # [B, T, C]
    phone_lengths: torch.Tensor  # [B]
    pitch: torch.Tensor | None  # [B, T] long
    pitchf: torch.Tensor | None  # [B, T] float
    spec: torch.Tensor  # [B, F, T]
    spec_lengths: torch.Tensor  # [B]
    wave: torch.Tensor  # [B, 1, T * hop]
    wave_lengths: torch.Tensor  # [B]
    sid: torch.Tensor  # [B]

    def to(self, device: torch.device | str) -> Batch:
        """The same batch on `device`."""
        moved = {k: v.to(device, non_blocking=True) if v is not None else None for k, v in vars(self).items()}
        return Batch(**moved)

    def pin_memory(self) -> Batch:
        """The same batch in page-locked memory (DataLoader(pin_memory=True) calls this), for async copies to CUDA."""
        return Batch(**{k: v.pin_memory() if v is not None else None for k, v in vars(self).items()})


class TrainingDataset(torch.utils.data.Dataset):
    """Items of a filelist for a config (`data.sample_rate`, STFT settings); optionally cached on `cache_device`."""

    def __init__(
        self,
        entries: list[FilelistEntry],
        config: dict,
        cache_in_memory: bool = False,
        cache_device: torch.device | str = "cpu",
    ):
        data = config["data"]
        self.sample_rate, self.hop = data["sample_rate"], data["hop_length"]
        self.n_fft, self.win_length = data["filter_length"], data["win_length"]
        self.entries = entries
        self.cache = {} if cache_in_memory else None
        self.cache_device = torch.device(cache_device)

    def __len__(self) -> int:
        return len(self.entries)

    def frames(self, index: int) -> int:
        """Length of item `index` in spectrogram frames, from the wav header."""
        import soundfile as sf

        return sf.info(str(self.entries[index].wav)).frames // self.hop

    def __getitem__(self, index: int) -> tuple:
        if self.cache is not None and index in self.cache:
            return self.cache[index]
        item = self._load(self.entries[index])
        if self.cache is not None:
            item = tuple(part.to(self.cache_device) if isinstance(part, torch.Tensor) else part for part in item)
            self.cache[index] = item
        return item

    def _load(self, entry: FilelistEntry) -> tuple:
        """(phone [T, C], pitch [T] | None, pitchf [T] | None, spec [F, T], wave [1, T * hop], speaker)."""
        phone = np.repeat(np.load(entry.features, allow_pickle=False), 2, axis=0)
        n = min(len(phone), MAX_FRAMES)
        pitch = pitchf = None
        if entry.f0_coarse is not None:
            pitch = np.load(entry.f0_coarse, allow_pickle=False)
            pitchf = np.load(entry.f0_hz, allow_pickle=False)
            n = min(n, len(pitch), len(pitchf))
        wave, spec = self._wave_and_spec(entry.wav)
        n = min(n, spec.shape[-1])
        return (
            torch.from_numpy(phone[:n].astype(np.float32)),
            torch.from_numpy(pitch[:n].astype(np.int64)) if pitch is not None else None,
            torch.from_numpy(pitchf[:n].astype(np.float32)) if pitchf is not None else None,
            spec[:, :n],
            wave[:, : n * self.hop],
            entry.speaker,
        )

    def _wave_and_spec(self, path: Path) -> tuple[torch.Tensor, torch.Tensor]:
        """Waveform `[1, N]` and its linear spectrogram `[F, frames]`, cached beside the wav as `.spec.pt`."""
        from rvc.audio import load_audio
        from rvc.models.torch_files import load_torch_file, save_torch_file

        audio, sr = load_audio(path)
        if sr != self.sample_rate:
            raise RVCError(f"{path} is {sr} Hz but the run trains at {self.sample_rate} Hz; run preprocess again")
        wave = torch.from_numpy(audio).unsqueeze(0)
        cache = path.with_name(path.name[: -len(".wav")] + ".spec.pt")
        if cache.exists() and cache.stat().st_mtime >= path.stat().st_mtime:
            spec = load_torch_file(cache)
            if spec.shape[0] == self.n_fft // 2 + 1:
                return wave, spec
        spec = spectrogram(wave, self.n_fft, self.hop, self.win_length)[0]
        save_torch_file(spec, cache)
        return wave, spec


def collate(items: list[tuple]) -> Batch:
    """Zero-pad a list of items into a `Batch`, longest spectrogram first."""
    items = sorted(items, key=lambda item: item[3].shape[-1], reverse=True)
    phone, pitch, pitchf, spec, wave, sid = zip(*items, strict=True)

    def lengths(tensors, dim=-1):
        return torch.tensor([t.shape[dim] for t in tensors], dtype=torch.long)

    def pad(tensors, dim=-1):
        longest = max(t.shape[dim] for t in tensors)
        padded = []
        for t in tensors:
            widths = [0, 0] * t.dim()
            widths[2 * (t.dim() - 1 - (dim % t.dim())) + 1] = longest - t.shape[dim]
            padded.append(torch.nn.functional.pad(t, widths))
        return torch.stack(padded)

    has_pitch = pitch[0] is not None
    return Batch(
        phone=pad(phone, 0),
        phone_lengths=lengths(phone, 0),
        pitch=pad(pitch) if has_pitch else None,
        pitchf=pad(pitchf) if has_pitch else None,
        spec=pad(spec),
        spec_lengths=lengths(spec),
        wave=pad(wave),
        wave_lengths=lengths(wave),
        sid=torch.tensor(sid, dtype=torch.long),
    )


class BucketSampler(torch.utils.data.Sampler):
    """Batches of items of similar length, split across `replicas`; shuffled per epoch (`set_epoch`).

    Items shorter than the first boundary or longer than the last are left out. Each bucket is
    padded by repeating its items to a multiple of `replicas * batch_size`, so every rank gets the
    same number of full batches.
    """

    def __init__(
        self,
        frames: list[int],
        batch_size: int,
        boundaries: tuple[int, ...] = BUCKET_BOUNDARIES,
        replicas: int = 1,
        rank: int = 0,
        shuffle: bool = True,
        seed: int = 0,
    ):
        self.batch_size, self.replicas, self.rank = batch_size, replicas, rank
        self.shuffle, self.seed, self.epoch = shuffle, seed, 0
        self.buckets: list[list[int]] = [[] for _ in range(len(boundaries) - 1)]
        self.boundaries = boundaries
        self.too_short = sum(1 for length in frames if length <= boundaries[0])
        self.too_long = sum(1 for length in frames if length > boundaries[-1])
        for index, length in enumerate(frames):
            for b in range(len(boundaries) - 1):
                if boundaries[b] < length <= boundaries[b + 1]:
                    self.buckets[b].append(index)
                    break
        self.buckets = [bucket for bucket in self.buckets if bucket]
        if not self.buckets:
            raise RVCError(
                f"no training slice is between {boundaries[0] / 100:g} s and {boundaries[-1] / 100:g} s long; "
                "check the dataset and run preprocess again"
            )
        self.dropped = len(frames) - sum(len(b) for b in self.buckets)

    def dropped_report(self, frames_per_second: float) -> str | None:
        """One line saying how many items were left out and why (None when none was)."""
        if not self.dropped:
            return None
        low, high = self.boundaries[0] / frames_per_second, self.boundaries[-1] / frames_per_second
        reasons = [f"{self.too_short} not longer than {low:g} s"] if self.too_short else []
        reasons += [f"{self.too_long} longer than {high:g} s"] if self.too_long else []
        return (
            f"{self.dropped} of {self.dropped + sum(map(len, self.buckets))} training slices left out: "
            f"{' and '.join(reasons)} (the length buckets' limits); preprocess with chunks in between to use them"
        )

    def set_epoch(self, epoch: int) -> None:
        """Reshuffle deterministically for `epoch`."""
        self.epoch = epoch

    def _batches(self) -> list[list[int]]:
        generator = torch.Generator().manual_seed(self.seed + self.epoch)
        per_round = self.replicas * self.batch_size
        batches = []
        for bucket in self.buckets:
            order = torch.randperm(len(bucket), generator=generator).tolist() if self.shuffle else range(len(bucket))
            items = [bucket[i] for i in order]
            items += (items * per_round)[: (-len(items)) % per_round]
            mine = items[self.rank :: self.replicas]
            batches += [mine[i : i + self.batch_size] for i in range(0, len(mine), self.batch_size)]
        if self.shuffle:
            batches = [batches[i] for i in torch.randperm(len(batches), generator=generator).tolist()]
        return batches

    def __iter__(self):
        return iter(self._batches())

    def __len__(self) -> int:
        per_round = self.replicas * self.batch_size
        return sum(-(-len(b) // per_round) for b in self.buckets)
