"""Voice Blender tab and the Download tab's import and library: the callbacks the buttons run, and the layouts."""

from __future__ import annotations

import gradio as gr

from rvc import paths
from rvc.models import read_voice_file
from tabs import download, voice_blender
from tabs.voices_ui import delete_from_ui, format_size, import_from_ui, library_rows, rename_from_ui
from tests.local_http import FileServer
from tests.test_downloads_ui import RecordingProgress
from tests.tools.voices import tiny_voice


def labels_of(build) -> set:
    with gr.Blocks() as demo, gr.Tab("tab"):
        build()
    return {getattr(block, "label", None) for block in demo.blocks.values()}


def test_blender_tab_has_pickers_weights_name_and_button():
    labels = labels_of(voice_blender.build)
    assert {"Voice 1", "Voice 2", "Weight 1", "Weight 2", "Name of the blended voice"} <= labels
    assert f"Voice {voice_blender.SLOTS} (optional)" in labels


def test_blender_preselects_the_first_two_voices_by_path():
    """The first two pickers start on two voices of the logs folder; their values must be paths (what `blend`
    reads), not the (label, path) choice pairs, which made Blend fail with a bare "Error"."""
    first = tiny_voice(paths.logs_dir() / "ann" / "ann.pth", seed=1)
    second = tiny_voice(paths.logs_dir() / "ben" / "ben.pth", seed=2)
    with gr.Blocks() as demo, gr.Tab("tab"):
        voice_blender.build()
    pickers = {block.label: block for block in demo.blocks.values() if isinstance(block, gr.Dropdown)}
    assert (pickers["Voice 1"].value, pickers["Voice 2"].value) == (str(first), str(second))
    assert pickers["Voice 3 (optional)"].value is None


def test_blend_writes_the_voice_into_its_folder(tmp_path):
    a = tiny_voice(paths.logs_dir() / "a" / "a.pth", seed=1)
    b = tiny_voice(tmp_path / "b.pth", seed=2)
    outcome = voice_blender.blend("mix", str(a), str(b), None, None, 0.25, 0.75, 0.5, 0.5)
    target = paths.logs_dir() / "mix" / "mix.pth"
    assert outcome == f"✅ saved {target} (40000 Hz, v2, HiFi-GAN; weights 0.25, 0.75)"
    assert [source["weight"] for source in read_voice_file(target).metadata["blend_sources"]] == [0.25, 0.75]
    assert voice_blender.blend("mix", str(a), str(b), None, None, 1, 1, 1, 1).startswith(
        "❌ a voice folder named 'mix' already exists"
    )


def test_blend_asks_for_two_voices_and_a_name(tmp_path):
    a = tiny_voice(tmp_path / "a.pth")
    assert voice_blender.blend("x", str(a), None, None, None, 1, 1, 1, 1) == "❌ pick at least two voices to blend."
    assert voice_blender.blend(" ", str(a), str(a), None, None, 1, 1, 1, 1).startswith("❌ type a name")
    assert not paths.logs_dir().exists()


def test_uploads_fill_the_empty_pickers(tmp_path):
    updates = voice_blender.add_uploads(["/up/x.pth", "/up/y.pth"], "/logs/a.pth", None, None, None)
    assert [update["value"] for update in updates] == ["/logs/a.pth", "/up/x.pth", "/up/y.pth", None]
    assert ("x.pth", "/up/x.pth") in updates[1]["choices"]


def test_download_tab_has_import_and_library_controls():
    labels = labels_of(download.build)
    assert {"Link or path", "…or drop a .pth or .zip here", "Voice", "New name"} <= labels
    assert "yes, delete the voice and its index" in labels


def test_import_by_link_lists_the_voice_in_the_library(tmp_path):
    voice = tiny_voice(tmp_path / "carol.pth", seed=3)
    progress = RecordingProgress()
    with FileServer() as server:
        server.files["/carol.pth"] = voice.read_bytes()
        outcome, rows, picker = import_from_ui(server.url("carol.pth"), None, "", progress)
    assert outcome.startswith(f"✅ imported 'carol' into {paths.logs_dir() / 'carol'} (no index)")
    assert rows == [["carol", "40000 Hz", "v2", "HiFi-GAN", "yes", format_size(voice.stat().st_size), "none",
                     str(paths.logs_dir() / "carol" / "carol.pth")]]  # fmt: skip
    assert picker["choices"] == [rows[0][-1]]
    assert progress.calls[-1][0] == (voice.stat().st_size, voice.stat().st_size)


def test_import_of_a_dropped_file_and_errors(tmp_path):
    voice = tiny_voice(tmp_path / "drop me.pth", seed=4)
    outcome, rows, _ = import_from_ui("", str(voice), "", RecordingProgress())
    assert outcome.startswith("✅ imported 'drop_me'") and rows[0][0] == "drop_me"
    outcome, _, _ = import_from_ui("", None, "", RecordingProgress())
    assert outcome == "❌ paste a link or a path, or drop a .pth or .zip file, then press Import."


def test_rename_and_confirmed_delete(tmp_path):
    voice = tiny_voice(paths.logs_dir() / "dave" / "dave.pth", seed=5)
    outcome, rows, picker = rename_from_ui(str(voice), "erin")
    renamed = str(paths.logs_dir().resolve() / "erin" / "erin.pth")
    assert outcome == f"✅ Renamed to `{renamed}`." and picker["value"] == renamed
    assert [row[0] for row in rows] == ["erin"]
    outcome, rows, _, ticked = delete_from_ui(renamed, False)
    assert outcome.startswith("❌ erin.pth was not deleted: tick 'yes, delete'") and len(rows) == 1
    outcome, rows, _, ticked = delete_from_ui(renamed, True)
    assert outcome == f"✅ Deleted `{renamed}`." and rows == [] and ticked is False
    assert library_rows() == []


def test_sizes_read_naturally():
    assert [format_size(n) for n in (512, 2048, 5 * 1024**2, 3 * 1024**3)] == [
        "512 bytes",
        "2.0 KB",
        "5.0 MB",
        "3.0 GB",
    ]
