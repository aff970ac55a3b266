// AudioWorklet of the Realtime tab's browser microphone mode (see tabs/realtime_server.py).
// Runs on the audio thread: hands the microphone to the page in small chunks and plays the converted
// samples the page posts back from a PlaybackQueue (realtime_playback.js: bounded, plays silence and counts an
// underrun when it runs dry, and trims itself back to about one block after a burst).

import { PlaybackQueue, playbackPolicy } from "./playback.js";

class RealtimeProcessor extends AudioWorkletProcessor {
  constructor(options) {
    super();
    const settings = options.processorOptions || {};
    this.chunk = settings.chunk || 1024; // samples per message to the page
    this.captured = new Float32Array(this.chunk);
    this.filled = 0;
    this.playback = new PlaybackQueue(playbackPolicy(sampleRate, settings.block || sampleRate / 4, settings.limit));
    this.quanta = 0;
    this.port.onmessage = (event) => this.playback.push(event.data);
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

  process(inputs, outputs) {
    this.capture(inputs[0]);
    const channels = outputs[0];
    this.playback.pull(channels[0]);
    for (let c = 1; c < channels.length; c++) channels[c].set(channels[0]);
    if (++this.quanta % 64 === 0) {
      const { queued, underruns, dropped, trims } = this.playback;
      this.port.postMessage({ stats: { queued, underruns, dropped, trims } });
    }
    return true;
  }
}

registerProcessor("rvc-realtime", RealtimeProcessor);
