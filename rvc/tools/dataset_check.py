"""Check a training dataset before preprocessing: what each file holds and what to fix, in plain words.

Files are found as preprocessing finds them (`rvc.train.preprocess.discover_dataset`). Every file is
measured (length, rate, peak, clipping, sound above the slicer's silence threshold, noise floor and SNR,
pitch); the findings name the files concerned and say what to do about each.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from rvc.errors import RVCError
from rvc.tools import levels

TOO_SHORT_SECONDS = 1.0
TOO_LONG_SECONDS = 20 * 60.0
CLIPPED_SHARE = 0.001
LOW_SNR_DB = 20.0
LOW_RATE_HZ = 32000
ENOUGH_MINUTES = 10.0
PITCH_OUTLIER_OCTAVES = 1.0
HISTOGRAM_BINS = np.geomspace(50.0, 1100.0, 27)
"""Pitch histogram edges: 26 bins of about a minor third each over the 50-1100 Hz range conversion uses."""

Progress = Callable[[float, str], None]


@dataclass
class FileCheck:
    """Measurements of one file; `error` says why it could not be read (the rest is then None)."""

    path: str
    seconds: float | None = None
    sample_rate: int | None = None
    channels: int | None = None
    peak_dbfs: float | None = None
    clipped_share: float | None = None
    sound_seconds: float | None = None
    noise_floor_dbfs: float | None = None
    snr_db: float | None = None
    pitch_median_hz: float | None = None
    error: str | None = None


@dataclass
class Finding:
    """One problem (`severity` "problem": fix before training) or warning, the files concerned and the fix."""

    kind: str
    severity: str
    what: str
    fix: str
    files: list[str] = field(default_factory=list)


@dataclass
class DatasetReport:
    """Everything `check_dataset` found out about a folder."""

    folder: str
    pitch_method: str
    files: list[FileCheck]
    findings: list[Finding]
    total_seconds: float
    usable_seconds: float
    sample_rates: dict[int, int]
    histogram_edges: list[float]
    histogram_counts: list[int]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready values (sample-rate keys as strings)."""
        data = asdict(self)
        data["sample_rates"] = {str(rate): count for rate, count in self.sample_rates.items()}
        return data

    def finding(self, kind: str) -> Finding | None:
        """The finding of `kind`, or None."""
        return next((item for item in self.findings if item.kind == kind), None)


def _silence_threshold_db() -> float:
    from rvc.train.slicer import SlicerSettings

    return SlicerSettings().threshold_db


def _measure(path: Path, f0_method: str, device: str) -> tuple[FileCheck, np.ndarray]:
    """The checks of one file and its voiced pitch frames [V] Hz."""
    from rvc.audio import resample, to_mono
    from rvc.features.f0 import extract_f0
    from rvc.tools.analyze import load_channels

    try:
        audio, rate = load_channels(path)
    except RVCError as error:
        return FileCheck(str(path), error=str(error)), np.zeros(0)
    mono = to_mono(audio)
    frame_db = levels.frame_levels_db(mono, rate)
    floor, snr = levels.noise_floor_and_snr(mono, rate)
    check = FileCheck(
        path=str(path),
        seconds=len(audio) / rate,
        sample_rate=rate,
        channels=audio.shape[1],
        peak_dbfs=levels.peak_dbfs(audio),
        clipped_share=levels.clipped_share(audio),
        sound_seconds=float(np.sum(frame_db > _silence_threshold_db()) * levels.NOISE_FRAME_SECONDS),
        noise_floor_dbfs=floor,
        snr_db=snr,
    )
    if check.sound_seconds == 0:
        return check, np.zeros(0)
    f0 = extract_f0(resample(mono, rate, 16000), f0_method, device=device)
    voiced = f0[f0 > 0]
    check.pitch_median_hz = float(np.median(voiced)) if len(voiced) else None
    return check, voiced


def _names(checks: list[FileCheck], root: Path) -> list[str]:
    return [os.path.relpath(check.path, root) for check in checks]


def _findings(checks: list[FileCheck], root: Path, usable_seconds: float) -> list[Finding]:
    """Every finding that applies, problems first."""
    readable = [check for check in checks if check.error is None]
    found: list[Finding] = []

    def add(kind: str, severity: str, concerned: list[FileCheck], what: str, fix: str) -> None:
        if concerned:
            found.append(Finding(kind, severity, what, fix, _names(concerned, root)))

    add(
        "unreadable", "problem", [check for check in checks if check.error],
        "files that cannot be decoded (damaged, empty or not audio)",
        "re-export them as WAV or FLAC from the original recording, or delete them; preprocessing skips them",
    )  # fmt: skip
    silent = [check for check in readable if check.sound_seconds == 0]
    add(
        "silent", "problem", silent,
        f"files with no sound above the slicer's silence threshold ({_silence_threshold_db():.0f} dBFS)",
        "delete them, or raise their level if they do hold the voice: preprocessing keeps nothing from them",
    )  # fmt: skip
    add(
        "clipped", "problem", [check for check in readable if check.clipped_share > CLIPPED_SHARE],
        f"files with more than {CLIPPED_SHARE:.1%} of samples flattened at full scale (clipping distorts the voice "
        "and the model learns the distortion)",
        "re-record or re-export them at a lower level (peaks around -3 dBFS); de-clipping tools help only a little",
    )  # fmt: skip
    add(
        "too_short", "warning", [check for check in readable if check.seconds < TOO_SHORT_SECONDS],
        f"files shorter than {TOO_SHORT_SECONDS:.0f} s (mostly breaths, clicks or cut-off words)",
        "delete them, or join them with their neighbours into longer takes",
    )  # fmt: skip
    add(
        "too_long", "warning", [check for check in readable if check.seconds > TOO_LONG_SECONDS],
        f"files longer than {TOO_LONG_SECONDS / 60:.0f} min (preprocessing holds each file in memory whole)",
        "split them into parts of a few minutes each (any editor, or `ffmpeg -f segment`)",
    )  # fmt: skip
    rates = Counter(check.sample_rate for check in readable)
    if len(rates) > 1:
        common = rates.most_common(1)[0][0]
        add(
            "mixed_rates", "warning", [check for check in readable if check.sample_rate != common],
            f"sample rates differ ({', '.join(f'{rate} Hz: {count}' for rate, count in sorted(rates.items()))}); "
            f"these files are not at the usual {common} Hz, which often means another source or microphone",
            "make sure they are the same voice and quality; preprocessing resamples them, so no conversion is needed",
        )  # fmt: skip
    add(
        "low_rate", "warning", [check for check in readable if check.sample_rate < LOW_RATE_HZ],
        f"files below {LOW_RATE_HZ} Hz: they hold no sound above half their rate, so a 40 or 48 kHz voice trained on "
        "them sounds dull",
        "use the original higher-rate recordings, or train at a sample rate no higher than theirs",
    )  # fmt: skip
    noisy = [check for check in readable if check.sound_seconds and check.snr_db < LOW_SNR_DB]
    add(
        "noisy", "warning", noisy,
        f"files whose speech stands less than {LOW_SNR_DB:.0f} dB above their noise floor (estimated from the "
        "quietest 10% of 50 ms frames)",
        "denoise them (e.g. UVR or a noise-reduction plug-in) or record in a quieter room; the voice learns the noise",
    )  # fmt: skip
    pitched = [check for check in readable if check.pitch_median_hz]
    if len(pitched) >= 3:
        centre = float(np.median([check.pitch_median_hz for check in pitched]))
        add(
            "pitch_outlier", "warning",
            [check for check in pitched if abs(np.log2(check.pitch_median_hz / centre)) > PITCH_OUTLIER_OCTAVES],
            f"files whose median pitch is more than an octave from the dataset's ({centre:.0f} Hz)",
            "listen to them: another speaker, singing or a pitch-shifted copy changes the voice the model learns",
        )  # fmt: skip
    if readable and usable_seconds < ENOUGH_MINUTES * 60:
        found.append(
            Finding(
                kind="little_audio",
                severity="warning",
                what=f"only {_duration(usable_seconds)} of sound in total; voices get clearly better with 10 "
                "minutes or more of clean speech",
                fix="add more recordings of the same voice (10-30 min is a good target); short datasets train, but "
                "sound rougher and over-train sooner",
            )
        )
    return sorted(found, key=lambda item: item.severity != "problem")


def check_dataset(
    folder: str | os.PathLike[str],
    f0_method: str | None = None,
    device: str = "cpu",
    progress: Progress | None = None,
) -> DatasetReport:
    """Measure every audio file of a dataset folder and list the findings; RVCError when there is nothing to check."""
    from rvc.features.f0 import validate_method
    from rvc.tools.analyze import DEFAULT_PITCH_METHOD
    from rvc.train.preprocess import discover_dataset

    method = f0_method or DEFAULT_PITCH_METHOD
    validate_method(method)
    root = Path(folder).expanduser()
    files = [path for path, _speaker in discover_dataset(root)[0]]
    report = progress or (lambda fraction, text: None)
    checks, voiced = [], []
    for number, path in enumerate(files):
        report(number / len(files), f"checking {path.name} ({number + 1}/{len(files)})")
        check, pitch = _measure(path, method, device)
        checks.append(check)
        voiced.append(pitch)
    readable = [check for check in checks if check.error is None]
    usable = float(sum(check.sound_seconds for check in readable))
    counts, edges = np.histogram(np.concatenate(voiced) if voiced else np.zeros(0), bins=HISTOGRAM_BINS)
    report(1.0, "done")
    return DatasetReport(
        folder=str(root),
        pitch_method=method,
        files=checks,
        findings=_findings(checks, root, usable),
        total_seconds=float(sum(check.seconds for check in readable)),
        usable_seconds=usable,
        sample_rates=dict(sorted(Counter(check.sample_rate for check in readable).items())),
        histogram_edges=[float(edge) for edge in edges],
        histogram_counts=[int(count) for count in counts],
    )


def _histogram_lines(report: DatasetReport, width: int = 40) -> list[str]:
    """Text bars of the pitch histogram, only over the occupied range."""
    counts = np.asarray(report.histogram_counts)
    if counts.sum() == 0:
        return ["  (no voiced frames)"]
    used = np.flatnonzero(counts)
    edges = report.histogram_edges
    lines = []
    for index in range(used[0], used[-1] + 1):
        bar = "#" * round(width * counts[index] / counts.max())
        lines.append(f"  {edges[index]:5.0f}-{edges[index + 1]:<5.0f} Hz {bar} {counts[index] / counts.sum():.0%}")
    return lines


def _duration(seconds: float) -> str:
    """`12 min 05 s` (or `8.5 s` under a minute)."""
    if seconds < 60:
        return f"{seconds:.1f} s"
    return f"{int(seconds // 60)} min {int(seconds % 60):02d} s"


def format_dataset_report(report: DatasetReport) -> str:
    """The report as text: totals, findings with their fixes, the pitch histogram."""
    readable = sum(check.error is None for check in report.files)
    rates = ", ".join(f"{rate} Hz ({count})" for rate, count in report.sample_rates.items()) or "none"
    lines = [
        f"Dataset {report.folder}: {len(report.files)} audio files, {readable} readable",
        f"Length: {_duration(report.total_seconds)}, of which {_duration(report.usable_seconds)} usable sound",
        f"Sample rates: {rates}",
        "",
    ]
    if not report.findings:
        lines.append("No problems found: the dataset is ready for preprocessing.")
    for item in report.findings:
        lines.append(f"{item.severity.upper()} ({item.kind}): {item.what}.")
        lines += [f"  - {name}" for name in item.files]
        lines.append(f"  Fix: {item.fix}.")
    lines += ["", f"Pitch histogram ({report.pitch_method}):", *_histogram_lines(report)]
    return "\n".join(lines)
