#!/usr/bin/env bash
# Prepare `.device/` (ignored by git) for `bench/device_checks.sh` on a lent GPU machine, which reaches no
# package registry and runs Python 3.12 with torch, transformers, onnxruntime, numba and scikit-learn already
# installed: the wheels of what the benchmarks import beyond that (pinned as in requirements.txt), and the
# tree of commit 09af29d, issue 13's baseline for the CPU comparison. About 33 MB, under the 64 MiB a run carries.
#
# Usage (in the repository root, with network access to PyPI): bash bench/device_prepare.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
BASELINE=09af29d
PY="${PYTHON:-python3}"

pinned() { grep -i "^$1==" requirements.txt | head -1; }

rm -rf .device
mkdir -p .device/wheels .device/old
"$PY" -m pip download -q --no-deps --only-binary=:all: --python-version 3.12 --implementation cp \
    --platform manylinux_2_28_x86_64 --platform manylinux_2_27_x86_64 --platform manylinux_2_17_x86_64 \
    --platform manylinux2014_x86_64 -d .device/wheels \
    "$(pinned librosa)" "$(pinned soundfile)" "$(pinned soxr)" "$(pinned faiss-cpu)" "$(pinned swift-f0)" \
    "$(pinned praat-parselmouth)" "$(pinned pytorch-optimizer)" audioread decorator pooch platformdirs cffi pycparser
git archive "$BASELINE" | tar -x -C .device/old
du -sh .device
