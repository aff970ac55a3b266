#!/usr/bin/env bash
# Install what the tests need (requirements.txt + requirements-dev.txt, ffmpeg), check style
# (ruff check, ruff format --check) and layering (lint-imports), then run pytest; a failed check
# stops before pytest. Arguments go to pytest, e.g. ./run-tests.sh tests/test_app.py -x -q
# Environment: RVC_VENV (default <repo>/.venv), as for run-install.sh.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
export RVC_VENV="${RVC_VENV:-$ROOT/.venv}"

bash "$ROOT/run-install.sh" --dev

# The browser tests drive Debian's chromium; without it they skip and say why.
if ! command -v chromium >/dev/null 2>&1; then
    if [[ "$(id -u)" == 0 ]] && command -v apt-get >/dev/null 2>&1; then
        echo "[run-tests] installing chromium for the browser tests"
        { DEBIAN_FRONTEND=noninteractive apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; } \
            || echo "[run-tests] warning: apt-get could not install chromium; the browser tests will be skipped"
    else
        echo "[run-tests] chromium is not installed (apt-get install chromium): the browser tests will be skipped"
    fi
fi

cache="${XDG_CACHE_HOME:-$HOME/.cache}/rvc-studio"
export NUMBA_CACHE_DIR="${NUMBA_CACHE_DIR:-$cache/numba}"
export MPLCONFIGDIR="${MPLCONFIGDIR:-$cache/matplotlib}"
mkdir -p "$NUMBA_CACHE_DIR" "$MPLCONFIGDIR"
export GRADIO_ANALYTICS_ENABLED=False
export HF_HUB_OFFLINE=1

cd "$ROOT"
failed=()
"$RVC_VENV/bin/ruff" check . || failed+=("ruff check (fix: ruff check --fix .)")
"$RVC_VENV/bin/ruff" format --check . || failed+=("ruff format --check (fix: ruff format .)")
"$RVC_VENV/bin/lint-imports" --no-logo || failed+=("lint-imports (an import breaks a layer contract of pyproject.toml)")
if (( ${#failed[@]} )); then
    printf '[run-tests] failed: %s\n' "${failed[@]}" >&2
    exit 1
fi
# The training tests write real-size checkpoints; a passing test's files are removed when it ends (pyproject.toml),
# and a full run's temp folder peaked at 4.7 GB. A full disk fails them with torch.save's "unexpected pos".
scratch="${TMPDIR:-/tmp}" min_free_gb=6
free_gb=$(df -Pk "$scratch" | awk 'NR == 2 { print int($4 / 1048576) }')
if (( free_gb < min_free_gb )); then
    echo "[run-tests] warning: only ${free_gb} GB free in $scratch; the tests need about ${min_free_gb} GB" \
        "(free some, or set TMPDIR to a bigger disk)" >&2
fi
exec "$RVC_VENV/bin/python" -m pytest "$@"
