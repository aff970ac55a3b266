"""The browser mode's playback queue (`tabs/realtime_playback.js`), run in chromium on a simulated stream.

A simulated stream delivers 0.25 s blocks of a continuous sine, each a little late (0-20 ms, deterministic), then
stalls once and delivers the late blocks back to back. The queue must leave the steady stream alone, and trim the
burst back to about one block without a click and without a new underrun (what goes over the hard limit on the
way is skipped with the same crossfade).
"""

from __future__ import annotations

import base64
from pathlib import Path

import numpy as np
import pytest

RATE = 48000
BLOCK = 12000
TONE_HZ = 440.0
MODULE = Path(__file__).resolve().parents[2] / "tabs" / "realtime_playback.js"

SIMULATION = """async ([url, rate, block, toneHz, stallAt, stallSeconds, seconds]) => {
  const { PlaybackQueue, playbackPolicy } = await import(url);
  const policy = playbackPolicy(rate, block);
  const queue = new PlaybackQueue(policy);
  const quantum = 128, total = Math.round(seconds * rate), stall = Math.round(stallSeconds * rate);
  const out = new Float32Array(total), levels = [], trimsAt = [], dropsAt = [], underrunsAt = [];
  let next = 0; // the next block to deliver
  const due = (k) => {
    const arrives = (k + 1) * block + Math.round((((k * 7919) % 41) / 41) * 0.02 * rate);
    return k >= stallAt && arrives < (stallAt + 1) * block + stall ? (stallAt + 1) * block + stall : arrives;
  };
  for (let t = 0; t + quantum <= total; t += quantum) {
    const dropped = queue.dropped;
    while (due(next) <= t) {
      const samples = new Float32Array(block);
      for (let i = 0; i < block; i++) samples[i] = 0.5 * Math.sin((2 * Math.PI * toneHz * (next * block + i)) / rate);
      queue.push(samples);
      next += 1;
    }
    if (queue.dropped > dropped) dropsAt.push(t);
    const trims = queue.trims;
    queue.pull(out.subarray(t, t + quantum));
    if (queue.trims > trims) trimsAt.push(t + quantum);
    levels.push(queue.queued);
    underrunsAt.push(queue.underruns);
  }
  return { policy, out: Array.from(out), levels, trimsAt, dropsAt, underrunsAt };
}"""


@pytest.fixture
def simulate(page):
    """Run the simulation in `page`: a stall of `stall_seconds` after block `stall_at`, `seconds` long."""
    url = "data:text/javascript;base64," + base64.b64encode(MODULE.read_bytes()).decode()

    def run(stall_at: int, stall_seconds: float, seconds: float) -> dict:
        return page.evaluate(SIMULATION, [url, RATE, BLOCK, TONE_HZ, stall_at, stall_seconds, seconds])

    return run


def test_a_steady_stream_is_never_trimmed(simulate):
    result = simulate(stall_at=10**6, stall_seconds=0.0, seconds=6.0)
    assert result["trimsAt"] == []
    assert max(result["levels"]) <= BLOCK + 0.02 * RATE + 128


def test_a_burst_is_trimmed_back_to_one_block_without_a_click_or_an_underrun(simulate):
    result = simulate(stall_at=6, stall_seconds=0.6, seconds=6.0)
    policy, levels, underruns = result["policy"], np.array(result["levels"]), np.array(result["underrunsAt"])
    out = np.array(result["out"], dtype=np.float32)
    quanta_per_second = RATE // 128
    stall_start = 7 * BLOCK // 128  # the quantum block 6 was due in
    burst = (7 * BLOCK + round(0.6 * RATE)) // 128 + 1  # the quantum after blocks 6 to 8 came together

    assert underruns[-1] == underruns[stall_start - 1] + 1, "one dry spell more: the stall's"
    assert levels[burst] >= 2.5 * BLOCK, "the burst should have piled up"
    assert len(result["trimsAt"]) >= 1
    assert result["trimsAt"][-1] < len(out) - 2 * quanta_per_second, "trimmed within a window or two"
    assert levels[-quanta_per_second:].max() <= BLOCK + policy["margin"] + policy["tolerance"]

    step = 0.5 * 2 * np.pi * TONE_HZ / RATE  # the sine's largest sample-to-sample step
    for at in result["trimsAt"] + result["dropsAt"]:
        joins = np.abs(np.diff(out[at - 2 : at + policy["fade"] + 2]))
        assert joins.max() <= 1.5 * step, f"a click at sample {at}"
