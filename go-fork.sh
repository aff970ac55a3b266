#!/usr/bin/env bash
# Start RVC Studio: installs on the first run (run-install.sh), then serves app.py on
# http://127.0.0.1:6969 and opens the browser. Options go to app.py:
#   --host ADDR  --port N  --share  --no-browser
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
export RVC_VENV="${RVC_VENV:-$ROOT/.venv}"

bash "$ROOT/run-install.sh"
export GRADIO_ANALYTICS_ENABLED="${GRADIO_ANALYTICS_ENABLED:-False}"
export PYTORCH_ENABLE_MPS_FALLBACK="${PYTORCH_ENABLE_MPS_FALLBACK:-1}"
cd "$ROOT"
exec "$RVC_VENV/bin/python" app.py "$@"
