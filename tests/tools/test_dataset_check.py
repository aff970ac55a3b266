"""The dataset check on a crafted folder: each finding names exactly the file that has the problem."""

from __future__ import annotations

import numpy as np
import pytest

from rvc.errors import RVCError
from rvc.testing.synthetic_speech import synth_speech, write_wav
from rvc.tools.dataset_check import check_dataset, format_dataset_report

RATE = 40000


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    """good, silent, clipped, corrupt, other-rate, too-short and noisy files in one folder."""
    folder = tmp_path_factory.mktemp("dataset")
    speech = synth_speech(2.0, RATE, seed=1).audio
    write_wav(folder / "good.wav", speech, RATE)
    write_wav(folder / "silent.wav", np.zeros(2 * RATE, np.float32), RATE)
    write_wav(folder / "clipped.wav", np.clip(speech * 4, -1, 1), RATE)
    (folder / "corrupt.wav").write_bytes(b"RIFF\x10\x00\x00\x00WAVEjunk-not-a-wav")
    write_wav(folder / "other_rate.wav", synth_speech(2.0, 22050, seed=2).audio, 22050)
    write_wav(folder / "short.wav", synth_speech(0.5, RATE, seed=3).audio, RATE)
    noise = 0.05 * np.random.default_rng(0).standard_normal(len(speech)).astype(np.float32)
    write_wav(folder / "noisy.wav", synth_speech(2.0, RATE, seed=4).audio + noise, RATE)
    (folder / "notes.txt").write_text("not audio: ignored")
    return folder


@pytest.fixture(scope="module")
def report(dataset):
    return check_dataset(dataset, "pm")


@pytest.mark.parametrize(
    ("kind", "files"),
    [
        ("unreadable", ["corrupt.wav"]),
        ("silent", ["silent.wav"]),
        ("clipped", ["clipped.wav"]),
        ("too_short", ["short.wav"]),
        ("mixed_rates", ["other_rate.wav"]),
        ("low_rate", ["other_rate.wav"]),
        ("noisy", ["noisy.wav"]),
    ],
)
def test_each_finding_names_its_file(report, kind, files):
    finding = report.finding(kind)
    assert finding is not None, kind
    assert finding.files == files
    assert finding.fix and finding.what


def test_findings_absent_for_good_files_and_totals(report):
    assert {item.kind for item in report.findings} == {
        "unreadable", "silent", "clipped", "too_short", "mixed_rates", "low_rate", "noisy", "little_audio",
    }  # fmt: skip
    assert [item.severity for item in report.findings[:3]] == ["problem"] * 3
    assert len(report.files) == 7
    assert report.sample_rates == {22050: 1, 40000: 5}
    assert report.total_seconds == pytest.approx(2 + 2 + 2 + 2 + 0.5 + 2)
    assert 0 < report.usable_seconds < report.total_seconds - 2
    good = next(check for check in report.files if check.path.endswith("good.wav"))
    assert good.snr_db > 30 and good.noise_floor_dbfs < -45
    truth = synth_speech(2.0, RATE, seed=1).f0
    assert good.pitch_median_hz == pytest.approx(np.median(truth[truth > 0]), rel=0.1)
    assert sum(report.histogram_counts) > 0 and len(report.histogram_edges) == len(report.histogram_counts) + 1


def test_text_report_lists_fixes(report):
    text = format_dataset_report(report)
    assert "PROBLEM (silent)" in text and "  - silent.wav" in text and "Fix: delete them" in text
    assert "Pitch histogram (pm)" in text


def test_clean_dataset_has_only_the_length_warning(tmp_path):
    for seed in range(3):
        write_wav(tmp_path / "speaker" / f"take{seed}.wav", synth_speech(1.5, RATE, seed=seed).audio, RATE)
    report = check_dataset(tmp_path, "pm")
    assert [item.kind for item in report.findings] == ["little_audio"]


def test_folder_without_audio_is_an_error(tmp_path):
    with pytest.raises(RVCError, match="No audio files"):
        check_dataset(tmp_path, "pm")
