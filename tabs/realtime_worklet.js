// AudioWorklet of the Realtime tab's browser microphone mode (see tabs/realtime_server.py).
// Runs on the audio thread: hands the microphone to the page in small chunks and plays the converted
// samples the page posts back from a bounded queue; when the queue runs dry it plays silence and counts
// one underrun per dry spell (never before the first converted audio arrived).

class RealtimeProcessor extends AudioWorkletProcessor {
  constructor(options) {
    super();
    const settings = options.processorOptions || {};
    this.chunk = settings.chunk || 1024; // samples per message to the page
    this.limit = settings.limit || 48000; // most samples waiting to play; beyond, the oldest are dropped
    this.captured = new Float32Array(this.chunk);
    this.filled = 0;
    this.queue = [];
    this.offset = 0; // samples of queue[0] already played
    this.queued = 0;
    this.primed = false;
    this.starved = false;
    this.underruns = 0;
    this.dropped = 0;
    this.quanta = 0;
    this.port.onmessage = (event) => this.enqueue(event.data);
  }

  enqueue(samples) {
    if (!samples.length) return;
    this.queue.push(samples);
    this.queued += samples.length;
    this.primed = true;
    while (this.queued > this.limit && this.queue.length > 1) {
      this.queued -= this.queue.shift().length - this.offset;
      this.offset = 0;
      this.dropped += 1;
    }
  }

  capture(channels) {
    if (!channels || !channels.length) return;
    const first = channels[0];
    for (let i = 0; i < first.length; i++) {
      let sum = 0;
      for (const channel of channels) sum += channel[i];
      this.captured[this.filled++] = sum / channels.length;
      if (this.filled === this.chunk) {
        const full = this.captured;
        this.port.postMessage({ captured: full }, [full.buffer]);
        this.captured = new Float32Array(this.chunk);
        this.filled = 0;
      }
    }
  }

  play(out) {
    let written = 0;
    while (written < out.length && this.queue.length) {
      const head = this.queue[0];
      const count = Math.min(out.length - written, head.length - this.offset);
      out.set(head.subarray(this.offset, this.offset + count), written);
      written += count;
      this.offset += count;
      this.queued -= count;
      if (this.offset >= head.length) {
        this.queue.shift();
        this.offset = 0;
      }
    }
    if (written < out.length) {
      out.fill(0, written);
      if (this.primed && !this.starved) this.underruns += 1;
      this.starved = true;
    } else {
      this.starved = false;
    }
  }

  process(inputs, outputs) {
    this.capture(inputs[0]);
    const channels = outputs[0];
    this.play(channels[0]);
    for (let c = 1; c < channels.length; c++) channels[c].set(channels[0]);
    if (++this.quanta % 64 === 0) {
      this.port.postMessage({ stats: { queued: this.queued, underruns: this.underruns, dropped: this.dropped } });
    }
    return true;
  }
}

registerProcessor("rvc-realtime", RealtimeProcessor);
