// The playback queue of the Realtime tab's browser mode, kept apart from the AudioWorklet (realtime_worklet.js) so
// that its policy can be tested in a plain page (tests/browser/test_realtime_playback.py).
//
// Converted blocks arrive one block at a time, and the queue plays them out in render quanta. In a steady stream
// the queued audio rises by one block as each block arrives and falls back to its low-water mark just before
// the next one; that low-water mark is the delay the queue adds beyond one block. A stall followed by a burst
// (slow compute, a network hiccup) leaves it higher, and nothing would ever bring it back down: the stream
// would keep the extra delay for good. So the queue watches its low-water mark over a window of
// `windowSamples`; when it stayed above `margin + tolerance` the whole window, the oldest audio beyond `margin`
// is skipped with a short crossfade (no click) and counted in `trims`. The window starts again after a dry
// spell. Beyond the hard `limit`, the oldest audio is skipped at once, with the same crossfade.
// Rule: margin = 30 ms (jitter of arrivals, a render quantum), tolerance = max(30 ms, block / 4),
// window = max(2 blocks, 0.5 s), crossfade = 5 ms; hence the queue holds at most about
// block + margin + tolerance once a window has passed.

export const MARGIN_SECONDS = 0.03; // queued audio kept at the low-water mark against arrival jitter
export const MIN_TOLERANCE_SECONDS = 0.03; // excess left alone: tolerance = max(this, block / 4)
export const MIN_WINDOW_SECONDS = 0.5; // the low-water mark is judged over max(this, 2 blocks)
export const FADE_SECONDS = 0.005; // crossfade across a trim

// Queue parameters for a stream of `block`-sample blocks at `rate` Hz, holding at most `limit` samples.
export function playbackPolicy(rate, block, limit = 3 * block) {
  const margin = Math.round(MARGIN_SECONDS * rate);
  return {
    limit,
    margin,
    tolerance: Math.max(Math.round(MIN_TOLERANCE_SECONDS * rate), Math.round(block / 4)),
    windowSamples: Math.max(2 * block, Math.round(MIN_WINDOW_SECONDS * rate)),
    fade: Math.min(Math.round(FADE_SECONDS * rate), margin),
  };
}

export class PlaybackQueue {
  // `policy` as from playbackPolicy().
  constructor(policy) {
    Object.assign(this, policy);
    this.chunks = [];
    this.offset = 0; // samples of chunks[0] already played
    this.queued = 0;
    this.primed = false; // converted audio arrived at least once
    this.starved = false;
    this.underruns = 0; // dry spells, counted once each
    this.dropped = 0; // times audio was skipped because the queue was over `limit`
    this.trims = 0; // times the queue skipped audio to come back to its target
    this.low = Infinity; // the low-water mark in this window
    this.watched = 0; // samples played in this window
  }

  // Queue converted samples; beyond `limit`, the oldest audio is skipped the same way as a trim (counted in
  // `dropped`).
  push(samples) {
    if (!samples.length) return;
    this.chunks.push(samples);
    this.queued += samples.length;
    this.primed = true;
    if (this.queued > this.limit) {
      this.skipFaded(this.queued - this.limit);
      this.dropped += 1;
    }
  }

  // Fill `out` (a Float32Array) with the next samples, silence where the queue ran dry; then apply the trim rule.
  pull(out) {
    const written = this.take(out);
    if (written < out.length) {
      out.fill(0, written);
      if (this.primed && !this.starved) this.underruns += 1;
      this.starved = true;
      this.restartWindow();
    } else {
      this.starved = false;
      this.watch(out.length);
    }
  }

  // Copy up to out.length samples from the head into `out`, consuming them; how many were copied.
  take(out) {
    let written = 0;
    while (written < out.length && this.chunks.length) {
      const head = this.chunks[0];
      const count = Math.min(out.length - written, head.length - this.offset);
      out.set(head.subarray(this.offset, this.offset + count), written);
      written += count;
      this.offset += count;
      this.queued -= count;
      if (this.offset >= head.length) {
        this.chunks.shift();
        this.offset = 0;
      }
    }
    return written;
  }

  // Drop `count` samples from the head (at most what is queued).
  skip(count) {
    let left = Math.min(count, this.queued);
    this.queued -= left;
    while (left > 0) {
      const rest = this.chunks[0].length - this.offset;
      if (left < rest) {
        this.offset += left;
        return;
      }
      left -= rest;
      this.chunks.shift();
      this.offset = 0;
    }
  }

  // Note the queue's level after `played` samples; at the end of a window, trim back to `margin` when the level
  // never came down to `margin + tolerance` in it.
  watch(played) {
    this.low = Math.min(this.low, this.queued);
    this.watched += played;
    if (this.watched < this.windowSamples) return;
    if (this.low > this.margin + this.tolerance) {
      this.skipFaded(this.low - this.margin);
      this.trims += 1;
    }
    this.restartWindow();
  }

  // Judge the low-water mark afresh from now on (after a dry spell, the level before it says nothing).
  restartWindow() {
    this.low = Infinity;
    this.watched = 0;
  }

  // Skip `excess` samples at the head (the oldest), crossfading from the audio there into the audio after it.
  skipFaded(excess) {
    const fade = Math.max(0, Math.min(this.fade, excess, this.queued - excess));
    const from = new Float32Array(fade);
    this.take(from);
    this.skip(excess - fade);
    const into = new Float32Array(fade);
    this.take(into);
    for (let i = 0; i < fade; i++) {
      const w = Math.sin(((i + 0.5) / fade) * (Math.PI / 2)) ** 2;
      into[i] = from[i] * (1 - w) + into[i] * w;
    }
    if (fade) {
      if (this.chunks.length) this.chunks[0] = this.chunks[0].subarray(this.offset);
      this.chunks.unshift(into);
      this.offset = 0;
      this.queued += fade;
    }
  }
}
