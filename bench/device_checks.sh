#!/usr/bin/env bash
# The GPU figures that issues 10 (training), 12 (realtime) and 13 (conversion speed) ask for, in one prepared run
# on a lent device machine (H200 host: Python 3.12 with torch, no package registry). A device session has about
# 15 minutes in all, so each step has a time limit and the whole group a budget; a step that fails does not
# stop the others. Everything is printed and kept in $OUT/checks-<group>.log.
#
# Here, once:  bash bench/device_prepare.sh          (wheels + the 09af29d tree in .device/, ~33 MB)
# There:       device run, carry [".device"], command "bash bench/device_checks.sh gpu"   (~8 min)
#              then, with 6 min or more left, "bash bench/device_checks.sh cpu"          (~5 min)
# Groups:
#   gpu  conversion of 30 s at 40 kHz in fp32, fp16 and bf16 (RTF, first call, peak memory, bf16 quality gate);
#        realtime: block 0.25 s with swift, then the smallest block that holds with rmvpe; training steps/s and
#        peak memory per vocoder in bf16, fp16 and fp32 (40 kHz, batch 2)
#   cpu  the host CPU (2 threads): its bf16 support, then issue 13's comparison, 09af29d against this tree at
#        `--precision auto`, and the bf16 quality gate where the CPU has native bf16
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
GROUP="${1:-gpu}"
OUT="${OUT:-/tmp/rvc-device-checks}"
BUDGET="${BUDGET:-480}"
mkdir -p "$OUT"
LOG="$OUT/checks-$GROUP.log"
PY="${PYTHON:-python3}"
export PYTHONUNBUFFERED=1 HF_HUB_OFFLINE=1 GRADIO_ANALYTICS_ENABLED=False MPLCONFIGDIR=/tmp/mpl NUMBA_CACHE_DIR=/tmp/numba

if [[ -d .device/wheels ]]; then
    "$PY" -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/rvc-site \
        .device/wheels/*.whl || { echo "installing .device/wheels failed" | tee "$LOG"; exit 1; }
    export PYTHONPATH="/tmp/rvc-site${PYTHONPATH:+:$PYTHONPATH}"
fi

# step NAME LIMIT COMMAND...: run COMMAND within LIMIT seconds and what is left of the budget; progress lines dropped.
step() {
    local name="$1" limit="$2" left
    shift 2
    left=$((BUDGET - SECONDS))
    if ((left < 30)); then
        echo "== $name: skipped, ${left} s of the budget left" | tee -a "$LOG"
        return
    fi
    ((limit > left)) && limit=$left
    echo "== $name (limit ${limit} s, at ${SECONDS} s): $*" | tee -a "$LOG"
    timeout "$limit" "$@" 2>&1 | tr '\r' '\n' | grep --line-buffered -v -E 'block [0-9]+/[0-9]+|it/s\]|s/it\]|^\s*$' \
        | tee -a "$LOG"
    echo "== $name: exit ${PIPESTATUS[0]} after $((SECONDS)) s" | tee -a "$LOG"
}

case "$GROUP" in
gpu)
    step env 30 bash -c "nvidia-smi -L; $PY -c 'import torch; print(torch.__version__, torch.cuda.get_device_name())'"
    step infer-fp32 100 "$PY" bench/infer.py --device cuda --seconds 30 --rates 40000
    step infer-fp16 80 "$PY" bench/infer.py --device cuda --seconds 30 --rates 40000 --half
    step realtime 110 "$PY" bench/realtime.py --device cuda --seconds 20 --search-seconds 4 \
        --search-blocks 0.05 0.08 0.1 0.15 0.2 0.25
    for precision in bf16 fp16 fp32; do
        step "train-$precision" 60 "$PY" bench/train.py --device cuda --precision "$precision" --rates 40000 --steps 10
    done
    step infer-bf16 80 "$PY" bench/infer.py --device cuda --seconds 30 --rates 40000 --precision bf16
    ;;
cpu)
    step cpu 40 "$PY" -c "
import torch
from rvc.infer.precision import cpu_bf16_is_faster, cpu_flags, NATIVE_BF16_FLAGS
torch.set_num_threads(2)
print('native bf16 flags:', sorted(cpu_flags() & set(NATIVE_BF16_FLAGS)) or 'none', '| bf16 faster:', cpu_bf16_is_faster())
"
    lscpu | grep -E 'Model name|^CPU\(s\)' | tee -a "$LOG"
    step cpu-09af29d 150 "$PY" .device/old/bench/infer.py --seconds 30 --rates 40000 --threads 2
    step cpu-auto 150 "$PY" bench/infer.py --seconds 30 --rates 40000 --threads 2
    if grep -q -E 'avx512_bf16|amx_bf16' /proc/cpuinfo; then
        step cpu-bf16-gate 150 "$PY" bench/infer.py --seconds 30 --rates 40000 --threads 2 --precision bf16
    fi
    ;;
*)
    echo "unknown group '$GROUP': use gpu or cpu" >&2
    exit 2
    ;;
esac
echo "== done in ${SECONDS} s; log: $LOG"
