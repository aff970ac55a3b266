#!/usr/bin/env bash
# Create (or reuse) the virtual environment, install the requirements, then this project itself in
# editable mode (so `rvc ...` and `python -m rvc ...` work from any folder once the venv is active).
# Idempotent: when the venv runs, imports torch and its stamps match the requirement files and
# pyproject.toml (and this folder), nothing is installed.
#
# Usage: ./run-install.sh [--dev]        --dev also installs requirements-dev.txt (what tests need)
# Environment:
#   RVC_VENV    where the venv lives (default: <repo>/.venv)
#   RVC_PYTHON  interpreter used to create it (default: the first of python3.11, python3.12, python3)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
VENV="${RVC_VENV:-$ROOT/.venv}"
PY="$VENV/bin/python"
VERSION_OK='import sys; sys.exit(0 if (3, 11) <= sys.version_info[:2] < (3, 13) else 1)'

say() { echo "[run-install] $*"; }
die() { echo "[run-install] error: $*" >&2; exit 1; }

requirement_files=("$ROOT/requirements.txt")
for arg in "$@"; do
    case "$arg" in
        --dev) requirement_files+=("$ROOT/requirements-dev.txt") ;;
        -h|--help) sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) die "unknown option '$arg'; use --dev or --help" ;;
    esac
done

sha256_of() {
    if command -v sha256sum >/dev/null 2>&1; then
        sha256sum "$1" | cut -d' ' -f1
    else
        shasum -a 256 "$1" | cut -d' ' -f1
    fi
}

find_python() {
    local candidate candidates=(python3.11 python3.12 python3 python)
    [[ -n "${RVC_PYTHON:-}" ]] && candidates=("$RVC_PYTHON")
    for candidate in "${candidates[@]}"; do
        if command -v "$candidate" >/dev/null 2>&1 && "$candidate" -c "$VERSION_OK" >/dev/null 2>&1; then
            echo "$candidate"
            return 0
        fi
    done
    return 1
}

create_venv() {
    local base
    if [[ -d "$VENV" && ! -f "$VENV/pyvenv.cfg" && -n "$(ls -A "$VENV")" ]]; then
        die "$VENV exists but is not a virtual environment; set RVC_VENV to another folder or remove it"
    fi
    base="$(find_python)" || die "Python 3.11 or 3.12 is needed; install it (e.g. 'apt-get install python3.11 python3.11-venv' or pyenv) or set RVC_PYTHON to its path"
    say "creating the virtual environment in $VENV with $("$base" -c 'import sys; print(sys.executable, sys.version.split()[0])')"
    "$base" -m venv --clear "$VENV" || die "could not create $VENV; on Debian/Ubuntu install the python3.11-venv package"
}

ensure_ffmpeg() {
    command -v ffmpeg >/dev/null 2>&1 && return 0
    if [[ "$(id -u)" == 0 ]] && command -v apt-get >/dev/null 2>&1; then
        say "installing ffmpeg (needed to decode mp3/m4a/ogg audio)"
        DEBIAN_FRONTEND=noninteractive apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ffmpeg >/dev/null \
            || say "warning: apt-get could not install ffmpeg; install it yourself to read mp3/m4a/ogg audio"
    else
        say "warning: ffmpeg is not installed; wav/flac work, but mp3/m4a/ogg need it (e.g. 'sudo apt-get install ffmpeg' or 'brew install ffmpeg')"
    fi
}

# sounddevice (local audio devices of the Realtime tab and `rvc realtime`) loads the PortAudio library, which
# its Linux wheels do not carry (the Windows and macOS wheels do); the check is the lookup sounddevice makes.
ensure_portaudio() {
    [[ "$(uname -s)" == Linux ]] || return 0
    "$PY" -c 'import ctypes.util, sys; sys.exit(0 if ctypes.util.find_library("portaudio") else 1)' >/dev/null 2>&1 && return 0
    if [[ "$(id -u)" == 0 ]] && command -v apt-get >/dev/null 2>&1; then
        say "installing libportaudio2 (needed for realtime conversion with local audio devices)"
        DEBIAN_FRONTEND=noninteractive apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libportaudio2 >/dev/null \
            || say "warning: apt-get could not install libportaudio2; install it yourself for realtime conversion with local audio devices"
    else
        say "warning: the PortAudio library is not installed; realtime conversion with local audio devices needs it (e.g. 'sudo apt-get install libportaudio2', 'sudo dnf install portaudio' or 'sudo pacman -S portaudio'); the browser microphone works without it"
    fi
}

if ! "$PY" -c "$VERSION_OK" >/dev/null 2>&1; then
    if "$PY" -c 'import sys' >/dev/null 2>&1; then
        die "$VENV uses $("$PY" -c 'import sys; print(sys.version.split()[0])'), but Python 3.11 or 3.12 is needed; remove $VENV and run again"
    fi
    create_venv
fi

need_install=0
"$PY" -c 'import torch' >/dev/null 2>&1 || need_install=1
for file in "${requirement_files[@]}"; do
    stamp="$VENV/.rvc-stamp-$(basename "$file")"
    [[ -f "$stamp" && "$(cat "$stamp")" == "$(sha256_of "$file")" ]] || need_install=1
done

if (( need_install )); then
    pip_args=()
    for file in "${requirement_files[@]}"; do
        pip_args+=(-r "$file")
    done
    say "installing $(printf '%s ' "${requirement_files[@]##*/}")into $VENV"
    "$PY" -m pip install --disable-pip-version-check "${pip_args[@]}" || die "pip could not install the requirements (see above)"
    "$PY" -c 'import torch' >/dev/null 2>&1 || die "torch does not import in $VENV after installing; remove $VENV and run again"
    for file in "${requirement_files[@]}"; do
        sha256_of "$file" > "$VENV/.rvc-stamp-$(basename "$file")"
    done
    say "done"
else
    say "requirements already installed in $VENV"
fi

# The editable install records this folder, so the stamp holds the folder too: the same venv used
# from another clone is pointed at that clone.
project_stamp="$VENV/.rvc-stamp-project"
project_want="$(sha256_of "$ROOT/pyproject.toml") $ROOT"
if [[ ! -e "$VENV/bin/rvc" || ! -f "$project_stamp" || "$(cat "$project_stamp")" != "$project_want" ]]; then
    say "installing this project (editable, the 'rvc' command) from $ROOT"
    "$PY" -m pip install --disable-pip-version-check --quiet --no-deps -e "$ROOT" \
        || die "pip could not install the project from $ROOT (see above)"
    echo "$project_want" > "$project_stamp"
fi

ensure_ffmpeg
ensure_portaudio
