// Browser microphone mode of the Realtime tab: the page's microphone goes to the app's server block by
// block and the converted stream comes back and plays here (protocol: tabs/realtime_server.py).
// The tab's Start button calls start(config) with the JSON it prepared (voice, options, settings, record);
// Stop calls stop(), Apply calls update(config). `window.rvcRealtime` holds live figures for the curious.

const base = new URL("realtime/", document.baseURI);
const ENGINE_RATES = [16000, 22050, 32000, 44100, 48000]; // rates the engine streams at; others are resampled
const KEEP_SECONDS = 2; // converted audio kept in `stats.last`, for tests and meters
const stats = { received: 0, sent: 0, last: new Float32Array(0), readout: null, error: null, running: false };
window.rvcRealtime = stats;
let current = null;

function show(text, failed = false) {
  const box = document.querySelector("#realtime-browser-readout");
  if (box) {
    box.textContent = text;
    box.dataset.state = failed ? "error" : "ok";
  }
  if (failed) stats.error = text;
}

async function postJson(path, body) {
  try {
    const response = await fetch(new URL(path, base), {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
    });
    return await response.json();
  } catch (error) {
    return { error: `the server did not answer (${error.message})` };
  }
}

function keep(samples, rate) {
  const room = Math.round(KEEP_SECONDS * rate);
  const joined = new Float32Array(Math.min(room, stats.last.length + samples.length));
  const old = stats.last.subarray(Math.max(0, stats.last.length - (joined.length - samples.length)));
  joined.set(old, 0);
  joined.set(samples.subarray(Math.max(0, samples.length - joined.length)), old.length);
  stats.last = joined;
}

function concat(chunks) {
  const total = chunks.reduce((sum, chunk) => sum + chunk.length, 0);
  const joined = new Float32Array(total);
  let at = 0;
  for (const chunk of chunks) {
    joined.set(chunk, at);
    at += chunk.length;
  }
  return joined;
}

function render(stream, readout) {
  const ms = (seconds) => `${Math.round(seconds * 1000)} ms`;
  const device = (stream.context.baseLatency || 0) + (stream.context.outputLatency || 0);
  const latency = readout.algorithmic + stream.rtt + stream.queued / stream.rate + device;
  stats.latency = latency;
  const silent = readout.blocks && readout.input_db < -70 ? " | no input signal: check the microphone" : "";
  show(
    `Streaming: latency ≈ ${ms(latency)} (algorithmic ${ms(readout.algorithmic)}, network and compute ` +
      `${ms(stream.rtt)}, playback buffer ${ms(stream.queued / stream.rate)}) | compute ` +
      `${ms(readout.compute_mean)}/block (${Math.round(readout.load * 100)}% of ${ms(readout.block)}) | ` +
      `blocks ${readout.blocks}, dropped ${readout.dropped + stream.dropped + stream.droppedHere}, underruns ${stream.underruns} | ` +
      `input ${Math.round(readout.input_db)} dB${silent}`,
  );
}

async function pump(stream) {
  if (stream.inflight || !stream.pending.length || current !== stream) return;
  stream.inflight = true;
  const body = concat(stream.pending);
  stream.pending = [];
  const sentAt = performance.now();
  try {
    const response = await fetch(new URL(`stream/${stream.session}`, base), {
      method: "POST",
      headers: { "Content-Type": "application/octet-stream" },
      body,
    });
    if (!response.ok) {
      const answer = await response.json().catch(() => ({}));
      await fail(stream, answer.error || `the server answered ${response.status}`);
      return;
    }
    const out = new Float32Array(await response.arrayBuffer());
    stream.rtt = (performance.now() - sentAt) / 1000;
    stats.rtt = stream.rtt;
    stats.sent += body.length;
    if (out.length) {
      stats.received += out.length;
      keep(out, stream.rate);
      stream.node.port.postMessage(out, [out.buffer]);
    }
    stats.readout = JSON.parse(response.headers.get("X-RVC-Readout"));
    render(stream, stats.readout);
  } catch (error) {
    await fail(stream, `the server did not answer (${error.message})`);
    return;
  } finally {
    stream.inflight = false;
  }
  pump(stream);
}

async function fail(stream, message) {
  if (current === stream) await stop();
  show(`Error: ${message}`, true);
}

export async function start(configText) {
  await stop();
  stats.error = null;
  if (!configText) return; // the tab's status line says what is missing
  if (!window.isSecureContext || !navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
    show(
      "Error: browsers give the microphone only to https:// pages and to http://localhost or " +
        "http://127.0.0.1. Open the app through https (a reverse proxy or --share) or on this computer.",
      true,
    );
    return;
  }
  let mic;
  try {
    mic = await navigator.mediaDevices.getUserMedia({
      audio: { channelCount: 1, echoCancellation: false, noiseSuppression: false, autoGainControl: false },
    });
  } catch (error) {
    show(`Error: the microphone is not available (${error.name}: ${error.message}); allow it for this page.`, true);
    return;
  }
  let context = new AudioContext({ latencyHint: "interactive" });
  if (!ENGINE_RATES.includes(context.sampleRate)) {
    await context.close();
    context = new AudioContext({ latencyHint: "interactive", sampleRate: 48000 });
  }
  show("Opening the voice…");
  const opened = await postJson("open", { ...JSON.parse(configText), rate: context.sampleRate });
  if (opened.error) {
    mic.getTracks().forEach((track) => track.stop());
    await context.close();
    show(`Error: ${opened.error}`, true);
    return;
  }
  await context.audioWorklet.addModule(new URL("worklet.js", base));
  const chunk = Math.round(context.sampleRate / 50); // 20 ms of microphone per message from the worklet
  const node = new AudioWorkletNode(context, "rvc-realtime", {
    numberOfInputs: 1,
    numberOfOutputs: 1,
    outputChannelCount: [2],
    processorOptions: { chunk, limit: 3 * opened.block_samples },
  });
  const stream = {
    session: opened.session,
    rate: opened.rate,
    context,
    mic,
    node,
    pending: [],
    inflight: false,
    rtt: 0,
    queued: 0,
    underruns: 0,
    dropped: 0,
    droppedHere: 0,
    chunk,
    keep: 2 * opened.block_samples,
  };
  current = stream;
  stats.running = true;
  stats.rate = opened.rate;
  node.port.onmessage = (event) => {
    if (event.data.captured) {
      stream.pending.push(event.data.captured);
      // While a slow block is converted, keep only what the server would convert: older audio is dropped
      // here (counted) rather than sent, so the delay stays bounded and a request stays small.
      while (stream.pending.length > 1 && stream.pending.length * stream.chunk > stream.keep) {
        stream.pending.shift();
        stream.droppedHere += 1;
      }
      pump(stream);
    } else if (event.data.stats) {
      Object.assign(stream, event.data.stats);
      stats.underruns = stream.underruns;
    }
  };
  context.createMediaStreamSource(mic).connect(node);
  node.connect(context.destination);
  await context.resume();
  show(`Streaming at ${opened.rate} Hz, block ${Math.round((opened.block_samples / opened.rate) * 1000)} ms…`);
}

export async function stop() {
  const stream = current;
  current = null;
  if (!stream) return null;
  stats.running = false;
  stream.mic.getTracks().forEach((track) => track.stop());
  await stream.context.close().catch(() => {});
  const closed = await postJson(`close/${stream.session}`, {});
  show(closed.recording ? `Stopped. Recording: ${closed.recording}` : "Stopped.");
  return closed;
}

export async function update(configText) {
  if (!current || !configText) return;
  const { options, voice } = JSON.parse(configText);
  const answer = await postJson(`update/${current.session}`, { options, voice });
  if (answer.error) show(`Error: ${answer.error}`, true);
}

window.addEventListener("pagehide", () => {
  if (current) navigator.sendBeacon(new URL(`close/${current.session}`, base));
});
