"""Conversion presets: the shipped ones, save/read round trips, Applio's files, clear errors, and `--preset`."""

from __future__ import annotations

import argparse
import json
import re

import pytest

from rvc import paths
from rvc.cli import main
from rvc.commands.infer import add_conversion_arguments, options_from_args
from rvc.errors import RVCError
from rvc.infer.options import ConversionOptions
from rvc.infer.presets import (
    NOT_IN_PRESETS,
    conversion_presets_dir,
    load_conversion_preset,
    preset_fields,
    read_conversion_preset,
    save_conversion_preset,
)
from rvc.presets import find_preset, preset_file, preset_names

SHIPPED = paths.PROJECT_ROOT / "assets" / "presets" / "conversion"
APPLIO_MUSIC = {"pitch": 0, "filter_radius": 3, "index_rate": 0.75, "rms_mix_rate": 0.25, "protect": 0.33}


def test_the_shipped_presets_are_default_and_applios_two():
    assert preset_names(SHIPPED) == ["default", "good-for-anything", "music"]
    defaults = ConversionOptions()
    assert read_conversion_preset(SHIPPED / "default.json") == {
        name: getattr(defaults, name) for name in preset_fields()
    }
    assert read_conversion_preset(SHIPPED / "music.json") == APPLIO_MUSIC
    assert read_conversion_preset(SHIPPED / "good-for-anything.json")["rms_mix_rate"] == 0.3


def test_a_saved_preset_keeps_the_sound_options_and_not_the_file_or_machine_ones(tmp_path):
    options = {
        "pitch": 3.0, "rms_mix_rate": 0.4, "effects": {"reverb": {"room_size": 0.7}}, "proposed_pitch": True,
        "index_path": "/voices/alice.index", "embedder": "spin", "device": "cuda", "output_format": "flac",
    }  # fmt: skip
    path = save_conversion_preset(tmp_path / "mine.json", options)
    read = read_conversion_preset(path)
    assert list(read) == preset_fields() and not set(read) & set(NOT_IN_PRESETS)
    assert (read["pitch"], read["rms_mix_rate"], read["proposed_pitch"]) == (3.0, 0.4, True)
    assert read["effects"] == {"reverb": {"room_size": 0.7}} and read["protect"] == ConversionOptions().protect
    with pytest.raises(RVCError, match="protect = 0.9 is out of range"):
        save_conversion_preset(tmp_path / "bad.json", {"protect": 0.9})
    assert not (tmp_path / "bad.json").exists()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"pitch": 2, "index_path": "a.index"}', "holds index_path, which a preset does not keep; it may hold pitch"),
        ('{"pitch": 2,', "is not valid JSON"),
        ("[1, 2]", "is not a JSON object of options"),
        ('{"protect": 0.9}', "protect"),
        ('{"pitch": "high"}', "pitch"),
    ],
)
def test_bad_preset_files_are_one_line_errors(tmp_path, text, message):
    path = tmp_path / "p.json"
    path.write_text(text)
    with pytest.raises(RVCError, match=message):
        read_conversion_preset(path)


def test_presets_are_found_by_name_or_path_and_names_stay_in_their_folder(tmp_path):
    folder = tmp_path / "presets"
    folder.mkdir()
    (folder / "music.json").write_text(json.dumps(APPLIO_MUSIC))
    elsewhere = tmp_path / "shared.json"
    elsewhere.write_text("{}")
    assert find_preset(folder, "music") == find_preset(folder, "music.json") == folder / "music.json"
    assert find_preset(folder, str(elsewhere)) == elsewhere
    with pytest.raises(RVCError, match=r"preset 'jazz' not found: .* \(music\)"):
        find_preset(folder, "jazz")
    for bad in ("../x", "a/b", ".hidden"):
        with pytest.raises(RVCError, match=f"invalid preset name {re.escape(repr(bad))}: use a plain name"):
            preset_file(folder, bad)
    with pytest.raises(RVCError, match="^enter a preset name, e.g. my-preset$"):
        preset_file(folder, " ")


def test_the_cli_loads_a_preset_then_the_flags_given_override_it(tmp_path):
    conversion_presets_dir().mkdir(parents=True)
    (conversion_presets_dir() / "music.json").write_text(json.dumps(APPLIO_MUSIC))
    parser = argparse.ArgumentParser()
    add_conversion_arguments(parser)
    args = parser.parse_args(["-m", "v.pth", "--preset", "music", "--protect", "0.2", "--f0-method", "pm"])
    assert options_from_args(args) == {**APPLIO_MUSIC, "protect": 0.2, "f0_method": "pm"}
    assert options_from_args(parser.parse_args(["-m", "v.pth", "--pitch", "1"])) == {"pitch": 1.0}
    assert load_conversion_preset("music") == APPLIO_MUSIC


def test_a_missing_preset_stops_the_cli_with_one_line(tmp_path, capsys):
    voice = tmp_path / "v.pth"
    voice.write_bytes(b"")
    code = main(["infer", "-m", str(voice), "-i", "in.wav", "-o", str(tmp_path / "o.wav"), "--preset", "jazz"])
    assert code == 1
    assert "preset 'jazz' not found" in capsys.readouterr().err
