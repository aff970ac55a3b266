"""rvc.paths: environment overrides, defaults, and voice/index discovery."""

from __future__ import annotations

import pytest

from rvc import paths
from rvc.errors import RVCError


def test_environment_variables_choose_the_folders(tmp_path, monkeypatch):
    monkeypatch.setenv("RVC_WEIGHTS_DIR", str(tmp_path / "w"))
    monkeypatch.setenv("RVC_LOGS_DIR", str(tmp_path / "l"))
    monkeypatch.setenv("RVC_OUTPUTS_DIR", str(tmp_path / "o"))
    monkeypatch.setenv("RVC_SETTINGS", str(tmp_path / "s.json"))
    assert paths.weights_dir() == tmp_path / "w"
    assert paths.embedder_dir("contentvec") == tmp_path / "w" / "embedders" / "contentvec"
    assert paths.rmvpe_path() == tmp_path / "w" / "predictors" / "rmvpe.pt"
    assert paths.pretrained_dir() == tmp_path / "w" / "pretrained"
    assert paths.logs_dir() == tmp_path / "l"
    assert paths.run_dir("alice") == tmp_path / "l" / "alice"
    assert paths.outputs_dir() == tmp_path / "o"
    assert paths.settings_path() == tmp_path / "s.json"


def test_defaults_live_in_the_project(monkeypatch):
    for name in ("RVC_WEIGHTS_DIR", "RVC_LOGS_DIR", "RVC_OUTPUTS_DIR", "RVC_SETTINGS"):
        monkeypatch.delenv(name, raising=False)
    root = paths.PROJECT_ROOT
    assert (root / "rvc" / "paths.py").is_file()
    assert paths.weights_dir() == root / "assets" / "weights"
    assert paths.logs_dir() == root / "logs"
    assert paths.outputs_dir() == root / "outputs"
    assert paths.settings_path() == root / "assets" / "settings.json"


def test_find_voices_is_recursive_sorted_and_skips_checkpoints(tmp_path):
    logs = paths.logs_dir()
    for relative in ("bob/bob.pth", "alice/alice_e100.pth", "alice/G_2333.pth", "alice/D_2333.pth", "z/deep/x.pth"):
        (logs / relative).parent.mkdir(parents=True, exist_ok=True)
        (logs / relative).write_bytes(b"")
    (logs / "alice" / "notes.txt").write_text("")
    (logs / "dir.pth").mkdir()
    assert [p.relative_to(logs).as_posix() for p in paths.find_voices()] == [
        "alice/alice_e100.pth",
        "bob/bob.pth",
        "z/deep/x.pth",
    ]


def test_find_indexes_and_missing_logs_folder(tmp_path):
    assert paths.find_voices() == [] and paths.find_indexes() == []
    run = paths.run_dir("alice")
    run.mkdir(parents=True)
    (run / "added_alice.index").write_bytes(b"")
    (run / "alice.pth").write_bytes(b"")
    assert paths.find_indexes() == [run / "added_alice.index"]
    assert paths.find_voices(tmp_path / "elsewhere") == []


def test_run_names_that_leave_the_logs_folder_are_refused():
    assert paths.check_run_name("my-voice_2") == "my-voice_2"
    for name in (".", "..", ".hidden", "../escape", "a/b", "a\\b", "C:voice"):
        with pytest.raises(RVCError, match="invalid run name .*use a plain name without slashes, colons or a leading"):
            paths.run_dir(name)
    with pytest.raises(RVCError, match="^enter a run name, e.g. my-voice$"):
        paths.run_dir("")
