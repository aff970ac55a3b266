"""`python -m rvc doctor`: a readable report that exits 0 with or without weights."""

from __future__ import annotations

import importlib.metadata
import os
import subprocess
import sys

from rvc import paths
from rvc.commands import doctor
from rvc.prerequisites import check_all


def test_doctor_exits_zero_with_no_weights(tmp_path):
    env = dict(os.environ, RVC_WEIGHTS_DIR=str(tmp_path / "empty"), RVC_SETTINGS=str(tmp_path / "s.json"))
    result = subprocess.run(
        [sys.executable, "-m", "rvc", "doctor"],
        cwd=paths.PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    report = result.stdout
    assert f"python      {sys.version.split()[0]}" in report
    assert "torch       2.11" in report
    assert "device      " in report
    assert str(tmp_path / "empty") in report
    statuses = check_all()
    assert f"0 of {len(statuses)} present; the app starts without them" in report
    assert report.count("[missing]") == len(statuses)
    assert report.count("fix: run `python -m rvc download") == len(statuses)


def test_present_weights_are_reported_ok():
    paths.rmvpe_path().parent.mkdir(parents=True)
    paths.rmvpe_path().write_bytes(b"weights")
    report = doctor.report()
    assert f"[ok]      rmvpe.pt: {paths.rmvpe_path()}" in report
    total = len(check_all())
    assert f"1 of {total} present" in report
    assert report.count("[missing]") == total - 1


def test_requirements_are_read_with_their_pins():
    pins = dict(doctor.pinned_requirements())
    assert pins["torch"] == "2.11.0"
    assert pins["torchaudio"] == "2.11.0"
    assert {"requests", "tqdm", "gradio"} <= set(pins)
    text = (paths.PROJECT_ROOT / "requirements.txt").read_text(encoding="utf-8")
    for name, pinned in pins.items():
        assert pinned is None or f"{name}=={pinned}" in text, name


def test_version_mismatch_and_missing_packages_are_flagged(monkeypatch):
    def fake_version(name):
        if name == "gradio":
            raise importlib.metadata.PackageNotFoundError(name)
        return "0.0.1"

    monkeypatch.setattr(importlib.metadata, "version", fake_version)
    lines = "\n".join(doctor.package_lines())
    assert "gradio               NOT INSTALLED (fix: run ./run-install.sh" in lines
    assert "torch                0.0.1  (requirements.txt pins 2.11.0; fix: run ./run-install.sh)" in lines


def test_unusable_settings_are_reported_not_raised():
    paths.settings_path().write_text("{broken")
    report = doctor.report()
    assert "UNUSABLE: settings file" in report
    assert "is not valid JSON" in report


def test_requirement_lines_with_markers_extras_and_comments(monkeypatch, tmp_path):
    (tmp_path / "requirements.txt").write_text(
        "# comment\n"
        "-r other.txt\n"
        "torch==2.11.0  # pinned together\n"
        "uvicorn[standard]>=0.30\n"
        'pyworld==0.3.6; sys_platform == "nonexistent-os"\n'
        'pyworld==0.3.5; sys_platform != "nonexistent-os"\n'
        "not a requirement ((\n"
    )
    monkeypatch.setattr(paths, "PROJECT_ROOT", tmp_path)
    assert doctor.pinned_requirements() == [("torch", "2.11.0"), ("uvicorn", None), ("pyworld", "0.3.5")]


def test_portaudio_is_located_or_its_package_named(monkeypatch):
    import ctypes.util
    import importlib.util

    monkeypatch.setattr(ctypes.util, "find_library", lambda name: "libportaudio.so.2" if name == "portaudio" else None)
    assert "portaudio   libportaudio.so.2" in doctor.report()
    monkeypatch.setattr(ctypes.util, "find_library", lambda name: None)
    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "_sounddevice_data" else real_find_spec(name, *a)
    )
    assert (
        "portaudio   NOT FOUND (needed only for realtime conversion with local audio devices; fix: sudo apt-get "
        "install libportaudio2" in doctor.report()
    )
