"""`python -m rvc`: help and command dispatch."""

from __future__ import annotations

import subprocess
import sys

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
