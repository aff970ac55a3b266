"""rvc.settings: defaults, validation, atomic round-trips and the output folder."""

from __future__ import annotations

import json
import os

import pytest

from rvc import paths
from rvc.errors import RVCError
from rvc.settings import (
    Settings,
    ensure_output_dir,
    load_settings,
    resolve_output_dir,
    save_settings,
    update_settings,
    validate,
)


def test_missing_file_gives_defaults():
    assert not paths.settings_path().exists()
    assert load_settings() == Settings(theme="Soft", output_dir="", precision="fp32", conversion_precision="auto")


def test_round_trip_through_the_settings_file(tmp_path):
    chosen = Settings(
        theme="Ocean", output_dir=str(tmp_path / "converted"), precision="bf16", conversion_precision="fp32"
    )
    written = save_settings(chosen)
    assert written == paths.settings_path()
    assert json.loads(written.read_text()) == {
        "theme": "Ocean",
        "output_dir": str(tmp_path / "converted"),
        "precision": "bf16",
        "conversion_precision": "fp32",
    }
    assert load_settings() == chosen


def test_update_changes_one_field_and_keeps_the_rest():
    save_settings(Settings(theme="Glass", precision="fp16"))
    assert update_settings(precision="bf16") == Settings(theme="Glass", precision="bf16")
    assert load_settings().precision == "bf16"


def test_update_rejects_unknown_names():
    with pytest.raises(RVCError, match="unknown setting colour"):
        update_settings(colour="red")


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("theme", "Neon Pink", "unknown theme 'Neon Pink'"),
        ("precision", "fp8", "unknown precision 'fp8'"),
        ("conversion_precision", "fp16", r"unknown conversion precision 'fp16'.*choose one of auto, fp32, bf16"),
    ],
)
def test_invalid_values_are_refused_and_nothing_is_written(field, value, message):
    with pytest.raises(RVCError, match=message):
        save_settings(Settings(**{field: value}))
    assert not paths.settings_path().exists()


def test_output_folder_that_is_a_file_is_refused(tmp_path):
    file = tmp_path / "taken.wav"
    file.write_bytes(b"x")
    with pytest.raises(RVCError, match="is a file, not a folder"):
        validate(Settings(output_dir=str(file)))


def test_non_text_output_folder_in_the_file_is_refused():
    paths.settings_path().write_text(json.dumps({"output_dir": 5}))
    with pytest.raises(RVCError, match=r"output_dir in .*settings.json must be a folder path"):
        load_settings()


def test_file_without_conversion_precision_starts_conversions_on_auto():
    paths.settings_path().write_text(json.dumps({"theme": "Ocean", "precision": "fp16"}))
    assert load_settings().conversion_precision == "auto"


def test_bad_value_in_the_file_names_the_file():
    paths.settings_path().write_text(json.dumps({"precision": "int4"}))
    with pytest.raises(RVCError, match=r"unknown precision 'int4' in .*settings\.json"):
        load_settings()


def test_broken_json_names_the_file_and_the_fix():
    paths.settings_path().write_text('{"theme": "Soft",')
    with pytest.raises(RVCError, match=r"settings\.json is not valid JSON \(line 1\); fix it or delete it"):
        load_settings()


def test_json_that_is_not_an_object_is_refused():
    paths.settings_path().write_text("[1, 2]")
    with pytest.raises(RVCError, match="must hold a JSON object"):
        load_settings()


def test_unknown_keys_in_the_file_are_ignored():
    paths.settings_path().write_text(json.dumps({"theme": "Citrus", "from_a_newer_version": True}))
    assert load_settings() == Settings(theme="Citrus")


def test_failed_write_keeps_the_old_file_and_leaves_no_temp(monkeypatch):
    save_settings(Settings(theme="Base"))
    before = paths.settings_path().read_bytes()

    def broken_replace(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(RVCError, match="cannot write settings file .*No space left on device"):
        save_settings(Settings(theme="Ember"))
    assert paths.settings_path().read_bytes() == before
    assert [p.name for p in paths.settings_path().parent.iterdir() if p.name.startswith(".settings.")] == []


def test_output_folder_defaults_to_the_outputs_path(tmp_path, monkeypatch):
    monkeypatch.setenv("RVC_OUTPUTS_DIR", str(tmp_path / "out"))
    assert resolve_output_dir(Settings()) == tmp_path / "out"
    assert resolve_output_dir(Settings(output_dir="  ")) == tmp_path / "out"


def test_relative_output_folder_starts_at_the_project():
    assert resolve_output_dir(Settings(output_dir="my/converted")) == paths.PROJECT_ROOT / "my" / "converted"


def test_ensure_output_dir_creates_it_or_explains(tmp_path):
    folder = ensure_output_dir(Settings(output_dir=str(tmp_path / "a" / "b")))
    assert folder.is_dir()
    blocker = tmp_path / "blocker"
    blocker.write_text("")
    with pytest.raises(RVCError, match="cannot create output folder"):
        ensure_output_dir(Settings(output_dir=str(blocker / "inside")))
