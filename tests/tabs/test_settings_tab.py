"""Settings tab callbacks: saving, validation messages and the restart note."""

from __future__ import annotations

import json

from rvc import paths
from tabs import settings as settings_tab


def test_save_writes_the_file_and_creates_the_output_folder(tmp_path):
    message = settings_tab.save("Soft", f"  {tmp_path / 'converted'}  ", "fp16", "bf16", "Soft")
    assert message.startswith("✅ Saved to")
    assert (tmp_path / "converted").is_dir()
    assert json.loads(paths.settings_path().read_text()) == {
        "theme": "Soft",
        "output_dir": str(tmp_path / "converted"),
        "precision": "fp16",
        "conversion_precision": "bf16",
    }
    assert "Restart" not in message


def test_new_theme_asks_for_a_restart():
    assert "Restart the app to apply the new theme." in settings_tab.save("Ocean", "", "fp32", "auto", "Soft")


def test_invalid_choice_is_not_saved():
    message = settings_tab.save("Soft", "", "fp8", "auto", "Soft")
    assert message.startswith("❌ Not saved: unknown precision 'fp8'")
    assert not paths.settings_path().exists()


def test_invalid_conversion_precision_is_not_saved():
    message = settings_tab.save("Soft", "", "fp32", "fp16", "Soft")
    assert message.startswith("❌ Not saved: unknown conversion precision 'fp16'; choose one of auto, fp32, bf16")
    assert not paths.settings_path().exists()


def test_unusable_output_folder_is_not_saved(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    message = settings_tab.save("Soft", str(blocker / "sub"), "fp32", "auto", "Soft")
    assert message.startswith("❌ Not saved: cannot create output folder")
    assert not paths.settings_path().exists()


def test_broken_file_shows_defaults_and_a_warning():
    paths.settings_path().write_text("not json")
    assert settings_tab.current().theme == "Soft"
    assert settings_tab.status_text().startswith("⚠️ settings file")


def test_a_new_output_folder_is_served_by_the_running_page(tmp_path):
    """Gradio serves result files only from the folders allowed at launch; a folder saved here must join them, or
    every conversion into it ends in a bare "Error" on the page until the app restarts."""
    import gradio as gr

    with gr.Blocks() as demo:
        settings_tab.build("Soft")
    demo.allowed_paths = [str(tmp_path / "launched")]  # what `launch(allowed_paths=...)` leaves
    button = next(block for block in demo.blocks.values() if getattr(block, "value", None) == "Save settings")
    save_click = next(dep for dep in demo.fns.values() if (button._id, "click") in dep.targets)
    message = save_click.fn("Soft", str(tmp_path / "chosen"), "fp32", "auto", "Soft")
    assert message.startswith("✅ Saved to")
    assert demo.allowed_paths == [str(tmp_path / "launched"), str(tmp_path / "chosen")]
    save_click.fn("Soft", str(tmp_path / "chosen"), "fp32", "auto", "Soft")
    assert demo.allowed_paths == [str(tmp_path / "launched"), str(tmp_path / "chosen")]
