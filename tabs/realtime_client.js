// Browser microphone mode of the Realtime tab: the page's microphone goes to the app's server over a WebSocket
// as it is captured, and the converted blocks come back and play here (protocol: tabs/realtime_server.py).
// The tab's Start button calls start(config) with the JSON it prepared (voice, options, settings, record);
// Stop calls stop(), Apply calls update(config). `window.rvcRealtime` holds live figures for the curious.

const base = new URL("realtime/", document.baseURI);
const ENGINE_RATES = [16000, 22050, 32000, 44100, 48000]; // rates the engine streams at; others are resampled
const KEEP_SECONDS = 2; // converted audio kept in `stats.last`, for tests and meters
const CLOSE_SECONDS = 5; // how long Stop waits for the server to finish the recording
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

function socketUrl() {
  const url = new URL("stream", base);
  url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
  return url;
}

function keep(samples, rate) {
  const room = Math.round(KEEP_SECONDS * rate);
  const joined = new Float32Array(Math.min(room, stats.last.length + samples.length));
  const old = stats.last.subarray(Math.max(0, stats.last.length - (joined.length - samples.length)));
  joined.set(old, 0);
  joined.set(samples.subarray(Math.max(0, samples.length - joined.length)), old.length);
  stats.last = joined;
}

function render(stream, readout) {
  const ms = (seconds) => `${Math.round(seconds * 1000)} ms`;
  const device = (stream.context.baseLatency || 0) + (stream.context.outputLatency || 0);
  const latency = readout.algorithmic + stream.rtt + stream.queued / stream.rate + device;
  stats.latency = latency;
  const advice = (readout.advice || []).map((note) => ` | ${note}`).join("");
  show(
    `Streaming: latency ≈ ${ms(latency)} (algorithmic ${ms(readout.algorithmic)}, network and compute ` +
      `${ms(stream.rtt)}, playback buffer ${ms(stream.queued / stream.rate)}) | compute ` +
      `${ms(readout.compute_mean)}/block (${Math.round(readout.load * 100)}% of ${ms(readout.block)}) | ` +
      `blocks ${readout.blocks}, dropped ${readout.dropped + stream.dropped + stream.droppedHere}, ` +
      `underruns ${stream.underruns}, trims ${stream.trims} | ` +
      `input ${Math.round(readout.input_db)} dB${advice}`,
  );
}

// The time from sending the last sample of a block to receiving its converted block (network, queue, compute).
function roundTrip(stream, through) {
  const now = performance.now();
  while (stream.sentLog.length && stream.sentLog[0][0] < through) stream.sentLog.shift();
  if (stream.sentLog.length) {
    stream.rtt = (now - stream.sentLog[0][1]) / 1000;
    stats.rtt = stream.rtt;
  }
}

function send(stream, samples) {
  // While the server or the network is slow, older audio is dropped here (counted) rather than queued in the
  // socket, so the delay stays bounded.
  if (stream.socket.readyState !== WebSocket.OPEN) return;
  if (stream.socket.bufferedAmount > 4 * stream.keep) {
    stream.droppedHere += 1;
    return;
  }
  stream.socket.send(samples);
  stats.sent += samples.length;
  stream.sentLog.push([stats.sent, performance.now()]);
}

function receive(stream, event) {
  if (typeof event.data !== "string") {
    const out = new Float32Array(event.data);
    stats.received += out.length;
    keep(out, stream.rate);
    stream.node.port.postMessage(out, [out.buffer]);
    return;
  }
  const message = JSON.parse(event.data);
  if (message.readout) {
    roundTrip(stream, message.through);
    stats.readout = message.readout;
    render(stream, message.readout);
  } else if (message.closed) {
    stream.closed(message.closed);
  } else if (message.error) {
    if (message.fatal) fail(stream, message.error);
    else show(`Error: ${message.error}`, true);
  }
}

async function fail(stream, message) {
  if (current === stream) await stop();
  show(`Error: ${message}`, true);
}

// Open the WebSocket and send the first message; the server's answer, or {error}.
function connect(first) {
  return new Promise((resolve) => {
    const socket = new WebSocket(socketUrl());
    socket.binaryType = "arraybuffer";
    socket.onopen = () => socket.send(JSON.stringify(first));
    socket.onmessage = (event) => resolve({ ...JSON.parse(event.data), socket });
    socket.onclose = () => resolve({ error: "the server closed the connection", socket });
    socket.onerror = () => resolve({ error: "the server did not answer (no WebSocket connection)", socket });
  });
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
  const answer = await connect({ ...JSON.parse(configText), rate: context.sampleRate });
  if (!answer.opened) {
    answer.socket.close();
    mic.getTracks().forEach((track) => track.stop());
    await context.close();
    show(`Error: ${answer.error}`, true);
    return;
  }
  const { opened, socket } = answer;
  await context.audioWorklet.addModule(new URL("worklet.js", base));
  const chunk = Math.round(context.sampleRate / 50); // 20 ms of microphone per message from the worklet
  const node = new AudioWorkletNode(context, "rvc-realtime", {
    numberOfInputs: 1,
    numberOfOutputs: 1,
    outputChannelCount: [2],
    processorOptions: { chunk, block: opened.block_samples, limit: 3 * opened.block_samples },
  });
  const stream = {
    socket,
    rate: opened.rate,
    context,
    mic,
    node,
    sentLog: [],
    rtt: 0,
    queued: 0,
    underruns: 0,
    dropped: 0,
    trims: 0,
    droppedHere: 0,
    keep: 2 * opened.block_samples,
    closed: () => {},
  };
  current = stream;
  stats.running = true;
  stats.rate = opened.rate;
  socket.onmessage = (event) => receive(stream, event);
  socket.onclose = () => {
    stream.closed(null);
    if (current === stream) fail(stream, "the server closed the connection");
  };
  node.port.onmessage = (event) => {
    if (event.data.captured) {
      send(stream, event.data.captured);
    } else if (event.data.stats) {
      Object.assign(stream, event.data.stats);
      stats.underruns = stream.underruns;
      stats.trims = stream.trims;
      stats.queued = stream.queued;
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
  const closed = await new Promise((resolve) => {
    stream.closed = resolve;
    setTimeout(() => resolve(null), CLOSE_SECONDS * 1000);
    if (stream.socket.readyState === WebSocket.OPEN) stream.socket.send(JSON.stringify({ close: true }));
    else resolve(null);
  });
  stream.socket.close();
  show(closed && closed.recording ? `Stopped. Recording: ${closed.recording}` : "Stopped.");
  return closed;
}

export async function update(configText) {
  if (!current || !configText) return;
  const { options, voice } = JSON.parse(configText);
  current.socket.send(JSON.stringify({ update: { options, voice } }));
}
