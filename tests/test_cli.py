"""`python -m rvc`: help and command dispatch."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from rvc import cli, paths


def run_rvc(*args: str) -> subprocess.CompletedProcess:
    """Run `python -m rvc` with `args` from the project folder."""
    return subprocess.run(
        [sys.executable, "-m", "rvc", *args],
        cwd=paths.PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_help_lists_every_command():
    result = run_rvc("--help")
    assert result.returncode == 0
    for name in cli.COMMANDS:
        assert name in result.stdout


def test_no_arguments_prints_help():
    assert cli.main([]) == 0


def test_unknown_command_exits_2_with_the_choices(capsys):
    assert cli.main(["frobnicate"]) == 2
    err = capsys.readouterr().err
    assert "unknown command 'frobnicate'" in err
    assert "doctor" in err


def test_doctor_help():
    result = run_rvc("doctor", "--help")
    assert result.returncode == 0
    assert "usage: python -m rvc doctor" in result.stdout


@pytest.mark.parametrize("name", list(cli.COMMANDS))
def test_every_command_documents_its_options(name, capsys):
    with pytest.raises(SystemExit) as exited:
        cli.main([name, "--help"])
    assert exited.value.code == 0
    assert f"usage: python -m rvc {name}" in capsys.readouterr().out


def installed_rvc_script() -> str | None:
    """The `rvc` script of this interpreter's venv, or None when the project is not installed there."""
    return shutil.which("rvc", path=str(Path(sys.executable).parent))


def run_outside_the_project(command: list[str], folder: Path) -> subprocess.CompletedProcess:
    """Run `command` in `folder` with no PYTHONPATH, so only the installed project can be found."""
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    return subprocess.run(command, cwd=folder, env=env, capture_output=True, text=True, timeout=120, check=False)


@pytest.mark.parametrize("form", ["rvc", "python -m rvc"])
def test_installed_command_lists_every_command_from_any_folder(form, tmp_path):
    script = installed_rvc_script()
    if script is None:
        pytest.skip(f"the rvc script is not installed next to {sys.executable}: run run-install.sh (editable install)")
    where = run_outside_the_project([sys.executable, "-c", "import rvc; print(rvc.__file__)"], tmp_path)
    installed_root = Path(where.stdout.strip()).resolve().parent.parent
    if installed_root != paths.PROJECT_ROOT:
        pytest.skip(f"the venv's editable install points at {installed_root}, not this checkout: run run-install.sh")
    command = [script] if form == "rvc" else [sys.executable, "-m", "rvc"]
    result = run_outside_the_project([*command, "--help"], tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"usage: {form} ")
    for name in cli.COMMANDS:
        assert name in result.stdout
