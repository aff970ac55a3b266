"""`python -m rvc realtime --simulate`: streams a file through the engine and reports latency, compute, underruns."""

from __future__ import annotations

import re

import soundfile as sf

from rvc import cli


def test_simulate_writes_the_delayed_stream_and_prints_the_timings(stream_installed, tmp_path, capsys):
    out = tmp_path / "live.wav"
    argv = ["realtime", "-m", str(stream_installed["voice"]), "--simulate", str(stream_installed["speech"])]
    argv += ["-o", str(out), "--as-fast-as-possible", "--block", "0.2", "--rate", "44100", "--f0-method", "pm"]
    assert cli.main([*argv, "--device", "cpu", "--formant-shift", "1.1"]) == 0
    printed = capsys.readouterr().out
    latency = int(re.search(r"algorithmic latency: (\d+) ms", printed).group(1))
    assert latency == 260  # block 200 ms + crossfade 50 ms + SOLA search 10 ms
    assert re.search(r"compute per block: mean [\d.]+ ms \(\d+% of the block\), max [\d.]+ ms", printed)
    assert re.search(r"underruns: \d+", printed)
    assert "formant_shift only apply to offline conversion" in printed
    audio, rate = sf.read(out)
    assert rate == 44100
    assert len(audio) >= 1.2 * 44100 + 0.26 * 44100 and len(audio) % 8820 == 0


def test_simulate_without_an_output_or_a_voice_is_a_clear_error(stream_installed, capsys):
    assert cli.main(["realtime", "-m", str(stream_installed["voice"]), "--simulate", "x.wav"]) == 1
    assert "--simulate needs -o OUT.wav" in capsys.readouterr().err
    assert cli.main(["realtime", "--simulate", "x.wav", "-o", "y.wav"]) == 1
    assert "missing -m VOICE.pth" in capsys.readouterr().err
