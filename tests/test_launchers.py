"""Installer, launcher and test scripts: syntax, idempotent stamps, and what they pass on (with a fake venv)."""

from __future__ import annotations

import hashlib
import os
import shutil
import stat
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHELL_SCRIPTS = ["run-install.sh", "go-fork.sh", "run-tests.sh", ".ci/run"]

FAKE_PYTHON = """#!/usr/bin/env bash
printf '%s\\n' "$*" >> "$FAKE_LOG"
if [[ "$1" == "-c" && "$2" == *"import torch"* && -n "${FAKE_NO_TORCH:-}" ]]; then exit 1; fi
if [[ "$1" == "-c" && "$2" == *"portaudio"* && -n "${FAKE_NO_PORTAUDIO:-}" ]]; then exit 1; fi
if [[ "$*" == "-m pip install "*" --no-deps -e "* ]]; then touch "$(dirname "$0")/rvc"; fi
if [[ "$1 $2" == "-m pytest" ]]; then
    echo "env HF_HUB_OFFLINE=$HF_HUB_OFFLINE GRADIO_ANALYTICS_ENABLED=$GRADIO_ANALYTICS_ENABLED" >> "$FAKE_LOG"
    echo "env NUMBA_CACHE_DIR=$NUMBA_CACHE_DIR MPLCONFIGDIR=$MPLCONFIGDIR PWD=$PWD" >> "$FAKE_LOG"
fi
exit 0
"""

FAKE_TOOL = """#!/usr/bin/env bash
printf '%s %s\\n' "$(basename "$0")" "$*" >> "$FAKE_LOG"
[[ "$(basename "$0")" != "${FAKE_FAILING_TOOL:-}" ]]
"""


def make_executable(path: Path, text: str) -> Path:
    """Write `text` to `path` and mark it executable."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return path


@pytest.fixture
def fake_venv(tmp_path):
    """A venv whose python, ruff and lint-imports only log their arguments (and pass), plus a fake ffmpeg on PATH."""
    venv = tmp_path / "venv"
    make_executable(venv / "bin" / "python", FAKE_PYTHON)
    for tool in ("ruff", "lint-imports"):
        make_executable(venv / "bin" / tool, FAKE_TOOL)
    (venv / "pyvenv.cfg").write_text("home = /usr/bin\n")
    make_executable(tmp_path / "bin" / "ffmpeg", "#!/bin/sh\nexit 0\n")
    log = tmp_path / "python.log"
    env = dict(
        os.environ,
        RVC_VENV=str(venv),
        FAKE_LOG=str(log),
        HOME=str(tmp_path / "home"),
        PATH=f"{tmp_path / 'bin'}{os.pathsep}{os.environ['PATH']}",
    )
    env.pop("NUMBA_CACHE_DIR", None)
    env.pop("MPLCONFIGDIR", None)
    env.pop("XDG_CACHE_HOME", None)
    return venv, log, env


def run_script(script: str, env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    """Run one of the project's bash scripts from the project folder."""
    return subprocess.run(
        ["bash", script, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=False
    )


PROJECT_INSTALL = f"-m pip install --disable-pip-version-check --quiet --no-deps -e {ROOT}"


def pip_runs(log: Path) -> list[str]:
    """The `pip install` command lines the fake python received."""
    return [line for line in log.read_text().splitlines() if line.startswith("-m pip install")] if log.exists() else []


@pytest.mark.parametrize("script", SHELL_SCRIPTS)
def test_shell_scripts_parse_and_are_executable(script):
    path = ROOT / script
    assert subprocess.run(["bash", "-n", str(path)], capture_output=True, check=False).returncode == 0
    assert os.access(path, os.X_OK)


def test_install_is_idempotent_and_reinstalls_when_requirements_change(fake_venv):
    venv, log, env = fake_venv
    first = run_script("run-install.sh", env)
    assert first.returncode == 0, first.stderr
    assert pip_runs(log) == [
        f"-m pip install --disable-pip-version-check -r {ROOT / 'requirements.txt'}",
        PROJECT_INSTALL,
    ]
    assert (venv / ".rvc-stamp-requirements.txt").is_file()

    second = run_script("run-install.sh", env)
    assert second.returncode == 0
    assert "requirements already installed" in second.stdout
    assert len(pip_runs(log)) == 2

    (venv / ".rvc-stamp-requirements.txt").write_text("sha256 of an older requirements.txt\n")
    assert run_script("run-install.sh", env).returncode == 0
    assert len(pip_runs(log)) == 3


def test_missing_portaudio_is_installed_as_root_or_named_in_a_warning(fake_venv, tmp_path):
    _venv, log, env = fake_venv
    make_executable(tmp_path / "bin" / "apt-get", FAKE_TOOL)
    present = run_script("run-install.sh", env)
    assert present.returncode == 0 and "libportaudio2" not in present.stdout
    assert "apt-get" not in log.read_text()

    missing = run_script("run-install.sh", dict(env, FAKE_NO_PORTAUDIO="1"))
    assert missing.returncode == 0, missing.stderr
    if os.geteuid() == 0:
        assert "installing libportaudio2" in missing.stdout
        assert "apt-get install -y -qq libportaudio2" in log.read_text()
    else:
        assert "warning: the PortAudio library is not installed" in missing.stdout
        assert "sudo apt-get install libportaudio2" in missing.stdout


def test_dev_install_adds_the_test_requirements_once(fake_venv):
    _venv, log, env = fake_venv
    assert run_script("run-install.sh", env).returncode == 0
    assert run_script("run-install.sh", env, "--dev").returncode == 0
    assert pip_runs(log)[-1].endswith(f"-r {ROOT / 'requirements.txt'} -r {ROOT / 'requirements-dev.txt'}")
    assert run_script("run-install.sh", env, "--dev").returncode == 0
    assert run_script("run-install.sh", env).returncode == 0
    assert len(pip_runs(log)) == 3


def test_venv_without_torch_is_reinstalled_and_a_lasting_failure_is_reported(fake_venv):
    _venv, log, env = fake_venv
    assert run_script("run-install.sh", env).returncode == 0
    result = run_script("run-install.sh", dict(env, FAKE_NO_TORCH="1"))
    assert len(pip_runs(log)) == 3
    assert result.returncode == 1
    assert "torch does not import" in result.stderr


def test_folder_that_is_not_a_venv_is_left_alone(tmp_path):
    folder = tmp_path / "precious"
    folder.mkdir()
    (folder / "thesis.txt").write_text("keep me")
    result = run_script("run-install.sh", dict(os.environ, RVC_VENV=str(folder)))
    assert result.returncode == 1
    assert "is not a virtual environment" in result.stderr
    assert sorted(p.name for p in folder.iterdir()) == ["thesis.txt"]


def test_unknown_option_is_refused(fake_venv):
    result = run_script("run-install.sh", fake_venv[2], "--frobnicate")
    assert result.returncode == 1 and "unknown option '--frobnicate'" in result.stderr


def test_go_fork_installs_then_starts_the_app_with_the_options(fake_venv):
    _venv, log, env = fake_venv
    result = run_script("go-fork.sh", env, "--no-browser", "--port", "7001")
    assert result.returncode == 0, result.stderr
    lines = log.read_text().splitlines()
    assert pip_runs(log)[-1] == PROJECT_INSTALL
    assert lines[-1] == "app.py --no-browser --port 7001"


def test_run_tests_prepares_the_environment_and_passes_arguments(fake_venv, tmp_path):
    _venv, log, env = fake_venv
    result = run_script("run-tests.sh", env, "tests/test_paths.py", "-q")
    assert result.returncode == 0, result.stderr
    lines = log.read_text().splitlines()
    assert pip_runs(log)[0].endswith("-r " + str(ROOT / "requirements-dev.txt"))
    checks = ["ruff check .", "ruff format --check .", "lint-imports --no-logo"]
    assert [line for line in lines if line.startswith(("ruff ", "lint-imports "))] == checks
    assert lines.index(checks[-1]) < lines.index("-m pytest tests/test_paths.py -q")
    cache = tmp_path / "home" / ".cache" / "rvc-studio"
    assert "env HF_HUB_OFFLINE=1 GRADIO_ANALYTICS_ENABLED=False" in lines
    assert f"env NUMBA_CACHE_DIR={cache / 'numba'} MPLCONFIGDIR={cache / 'matplotlib'} PWD={ROOT}" in lines
    assert (cache / "numba").is_dir()


@pytest.mark.parametrize("tool", ["ruff", "lint-imports"])
def test_run_tests_stops_before_pytest_when_a_check_fails(fake_venv, tool):
    _venv, log, env = fake_venv
    result = run_script("run-tests.sh", dict(env, FAKE_FAILING_TOOL=tool), "-q")
    assert result.returncode == 1
    assert f"[run-tests] failed: {tool}" in result.stderr
    assert "-m pytest -q" not in log.read_text().splitlines()


def test_project_is_installed_editable_once_and_again_when_pyproject_or_folder_changes(fake_venv):
    venv, log, env = fake_venv
    assert run_script("run-install.sh", env).returncode == 0
    stamp = venv / ".rvc-stamp-project"
    pyproject_hash = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    assert stamp.read_text().strip() == f"{pyproject_hash} {ROOT}"
    assert run_script("run-install.sh", env).returncode == 0
    assert pip_runs(log).count(PROJECT_INSTALL) == 1

    stamp.write_text(f"sha256 of an older pyproject.toml {ROOT}\n")
    assert run_script("run-install.sh", env).returncode == 0
    stamp.write_text(f"{pyproject_hash} /another/clone\n")
    assert run_script("run-install.sh", env).returncode == 0
    (venv / "bin" / "rvc").unlink()
    assert run_script("run-install.sh", env).returncode == 0
    assert pip_runs(log).count(PROJECT_INSTALL) == 4
    assert len(pip_runs(log)) == 5


def test_ci_uses_the_cached_venv_and_runs_the_test_script(tmp_path):
    home = tmp_path / "home"
    venv = home / ".cache" / "rvc-studio" / "venv"
    make_executable(venv / "bin" / "python", FAKE_PYTHON)
    for tool in ("ruff", "lint-imports"):
        make_executable(venv / "bin" / tool, FAKE_TOOL)
    make_executable(tmp_path / "bin" / "ffmpeg", "#!/bin/sh\nexit 0\n")
    log = tmp_path / "python.log"
    env = dict(
        os.environ, HOME=str(home), FAKE_LOG=str(log), PATH=f"{tmp_path / 'bin'}{os.pathsep}{os.environ['PATH']}"
    )
    env.pop("RVC_VENV", None)
    result = subprocess.run(
        [str(ROOT / ".ci" / "run")], cwd=tmp_path, env=env, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert (venv / ".rvc-stamp-requirements-dev.txt").is_file()
    assert log.read_text().splitlines()[-3] == "-m pytest"


def test_windows_scripts_use_crlf_and_the_pinned_cuda_torch():
    install = (ROOT / "run-install.bat").read_bytes()
    launch = (ROOT / "go-fork.bat").read_bytes()
    for text in (install, launch):
        assert text.count(b"\n") == text.count(b"\r\n") > 10
    assert b'set "TORCH_PINS=torch==2.11.0 torchaudio==2.11.0"' in install
    assert b"--index-url %TORCH_INDEX%" in install
    assert b'set "TORCH_INDEX=https://download.pytorch.org/whl/cu128"' in install
    assert b'set "TORCH_INDEX=https://download.pytorch.org/whl/cu126"' in install
    assert b"nvidia-smi --query-gpu^=compute_cap" in install
    assert b'-m pip install --disable-pip-version-check --quiet --no-deps -e "!ROOT!"' in install
    assert b'set "PROJECT_STAMP=%VENV%\\.rvc-stamp-project"' in install
    assert b'if not exist "%VENV%\\Scripts\\rvc.exe" set "PROJECT_HAVE="' in install
    assert b'call "%ROOT%\\run-install.bat"' in launch
    assert b"app.py %*" in launch


@pytest.mark.skipif(shutil.which("sha256sum") is None, reason="needs coreutils sha256sum")
def test_stamp_is_the_sha256_of_the_requirements(fake_venv):
    venv, _log, env = fake_venv
    assert run_script("run-install.sh", env).returncode == 0
    expected = subprocess.run(
        ["sha256sum", str(ROOT / "requirements.txt")], capture_output=True, text=True, check=False
    )
    assert (venv / ".rvc-stamp-requirements.txt").read_text().strip() == expected.stdout.split()[0]


@pytest.mark.skipif(
    not any(shutil.which(name) for name in ("python3.11", "python3.12")), reason="needs Python 3.11 or 3.12 on PATH"
)
def test_fresh_install_creates_a_real_venv_and_reports_a_failed_pip(tmp_path):
    venv = tmp_path / "venv"
    env = dict(os.environ, RVC_VENV=str(venv), PIP_NO_INDEX="1", PIP_FIND_LINKS="", PIP_CONFIG_FILE=os.devnull)
    env.pop("RVC_PYTHON", None)
    result = subprocess.run(
        ["bash", "run-install.sh"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False
    )
    assert "creating the virtual environment in" in result.stdout
    version = subprocess.run(
        [str(venv / "bin" / "python"), "-c", "import sys; print(sys.version_info[:2] >= (3, 11))"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert version.stdout.strip() == "True"
    assert result.returncode == 1
    assert "pip could not install the requirements" in result.stderr
    assert not (venv / ".rvc-stamp-requirements.txt").exists()
