"""Voice blending: exact weighted averages, refusals that name the difference, speaker tables, metadata, CLI."""

from __future__ import annotations

import hashlib

import pytest
import torch

from rvc.cli import main
from rvc.errors import RVCError
from rvc.models import load_torch_file, load_voice, read_voice_file
from rvc.tools.blend import blend_voices, normalise_weights
from tests.tools.voices import tiny_voice


@pytest.fixture
def pair(tmp_path):
    return tiny_voice(tmp_path / "alice.pth", seed=1), tiny_voice(tmp_path / "bob.pth", seed=2)


def test_weights_one_and_zero_give_the_first_voice_bit_for_bit(pair, tmp_path):
    out = tmp_path / "out" / "mix.pth"
    blend_voices(pair, [1, 0], out)
    a, blended = read_voice_file(pair[0]), read_voice_file(out)
    assert blended.weights.keys() == a.weights.keys()
    for key, tensor in a.weights.items():
        assert blended.weights[key].dtype == tensor.dtype
        assert torch.equal(blended.weights[key], tensor), key


def test_equal_weights_give_the_average_of_every_tensor(pair, tmp_path):
    out = tmp_path / "mix.pth"
    blend_voices(pair, [0.5, 0.5], out)
    a, b, blended = (read_voice_file(path) for path in (*pair, out))
    differing = 0
    for key, tensor in a.weights.items():
        expected = ((tensor.float() + b.weights[key].float()) / 2).to(tensor.dtype)
        assert torch.equal(blended.weights[key], expected), key
        differing += not torch.equal(tensor, b.weights[key])
    assert differing > 10, "the two fixture voices must differ for this test to mean anything"


def test_weights_are_normalised_to_sum_one(pair, tmp_path):
    blend_voices(pair, [3, 1], tmp_path / "scaled.pth")
    blend_voices(pair, [0.75, 0.25], tmp_path / "plain.pth")
    scaled, plain = read_voice_file(tmp_path / "scaled.pth"), read_voice_file(tmp_path / "plain.pth")
    assert all(torch.equal(scaled.weights[key], plain.weights[key]) for key in plain.weights)
    assert normalise_weights([3, 1], 2) == (0.75, 0.25)


@pytest.mark.parametrize(
    ("weights", "message"),
    [([1], "2 voices need 2 weights"), ([1, -1], "not allowed"), ([0, 0], "all blend weights are 0")],
)
def test_bad_weights_are_refused(pair, tmp_path, weights, message):
    with pytest.raises(RVCError, match=message):
        blend_voices(pair, weights, tmp_path / "mix.pth")
    assert not (tmp_path / "mix.pth").exists()


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"sample_rate": 48000}, "alice.pth is 40000 Hz but other.pth is 48000 Hz: blend voices of the same rate"),
        ({"version": "v1"}, "alice.pth is v2 but other.pth is v1"),
        ({"vocoder": "MRF HiFi-GAN"}, "alice.pth uses the HiFi-GAN vocoder but other.pth uses MRF HiFi-GAN"),
        ({"use_f0": False}, "alice.pth is with pitch guidance but other.pth is without pitch guidance"),
        ({"hidden": 16}, r"alice.pth and other.pth differ in 'enc_p.emb_phone.weight' \(\[8, 768\] vs \[16, 768\]\)"),
        ({"embedder": "spin"}, "trained on contentvec features but other.pth on spin"),
    ],
)
def test_incompatible_voices_are_refused_and_nothing_is_written(pair, tmp_path, options, message):
    other = tiny_voice(tmp_path / "other.pth", seed=3, **options)
    before = sorted(tmp_path.rglob("*"))
    with pytest.raises(RVCError, match=message):
        blend_voices([pair[0], other], [0.5, 0.5], tmp_path / "mix.pth")
    assert sorted(tmp_path.rglob("*")) == before


def test_speaker_tables_of_different_sizes_keep_the_first_voice_size(tmp_path):
    big = tiny_voice(tmp_path / "big.pth", seed=1, speakers=3)
    small = tiny_voice(tmp_path / "small.pth", seed=2, speakers=1)
    result = blend_voices([big, small], [0.5, 0.5], tmp_path / "mix.pth")
    a, b, blended = (read_voice_file(path) for path in (big, small, tmp_path / "mix.pth"))
    table, table_a, table_b = (file.weights["emb_g.weight"] for file in (blended, a, b))
    assert table.shape == table_a.shape == (3, 8)
    assert torch.equal(table[:1], ((table_a[:1].float() + table_b.float()) / 2).half())
    assert torch.equal(table[1:], table_a[1:])
    assert blended.n_speakers == 3
    expected_note = (
        "Speaker tables differ (big.pth: 3, small.pth: 1): the result keeps big.pth's 3 speakers; speaker 0 blended, "
        "speakers 1-2 copied from big.pth."
    )
    assert result.notes == (expected_note,)
    assert result.describe().endswith(result.notes[0])
    assert "keeps big.pth's 3 speakers" in blended.metadata["info"]

    reverse = blend_voices([small, big], [0.5, 0.5], tmp_path / "reverse.pth")
    assert read_voice_file(tmp_path / "reverse.pth").n_speakers == 1
    assert "the result keeps small.pth's 1 speaker; speaker 0 blended." in reverse.describe()


def test_metadata_records_sources_and_weights(pair, tmp_path):
    blend_voices(pair, [1, 3], tmp_path / "mix.pth", name="Alibob")
    meta = read_voice_file(tmp_path / "mix.pth").metadata
    assert meta["model_name"] == "Alibob"
    assert meta["blend_sources"] == [
        {
            "file": "alice.pth",
            "model_name": "alice",
            "sha256": hashlib.sha256(pair[0].read_bytes()).hexdigest(),
            "weight": 0.25,
        },
        {
            "file": "bob.pth",
            "model_name": "bob",
            "sha256": hashlib.sha256(pair[1].read_bytes()).hexdigest(),
            "weight": 0.75,
        },
    ]
    assert meta["info"] == "Blend of alice (0.25), bob (0.75)."


def test_result_is_an_ordinary_voice_file_that_loads(pair, tmp_path):
    blend_voices(pair, [0.3, 0.7], tmp_path / "mix.pth")
    original, blended = load_torch_file(pair[0]), load_torch_file(tmp_path / "mix.pth")
    assert set(original) <= set(blended)
    assert blended["config"] == original["config"]
    assert {key: value.shape for key, value in blended["weight"].items()} == {
        key: value.shape for key, value in original["weight"].items()
    }
    assert all(value.dtype == torch.float16 for value in blended["weight"].values())
    voice = load_voice(tmp_path / "mix.pth")
    assert (voice.sample_rate, voice.version, voice.vocoder, voice.use_f0) == (40000, "v2", "HiFi-GAN", True)


def test_three_voices_blend(tmp_path):
    paths = [tiny_voice(tmp_path / f"v{seed}.pth", seed=seed) for seed in range(3)]
    blend_voices(paths, [1, 1, 2], tmp_path / "mix.pth")
    files = [read_voice_file(path) for path in paths]
    key = "enc_p.emb_phone.weight"
    expected = (0.25 * files[0].weights[key].float() + 0.25 * files[1].weights[key].float()) + 0.5 * files[2].weights[
        key
    ].float()
    assert torch.equal(read_voice_file(tmp_path / "mix.pth").weights[key], expected.half())


def test_existing_output_is_kept_unless_overwrite(pair, tmp_path):
    out = tmp_path / "mix.pth"
    out.write_bytes(b"keep me")
    with pytest.raises(RVCError, match="already exists"):
        blend_voices(pair, [1, 1], out)
    assert out.read_bytes() == b"keep me"
    blend_voices(pair, [1, 1], out, overwrite=True)
    assert read_voice_file(out).sample_rate == 40000


def test_cli_blends_and_reports(pair, tmp_path, capsys):
    out = tmp_path / "cli.pth"
    assert main(["blend", str(pair[0]), str(pair[1]), "--weights", "1", "1", "-o", str(out), "--name", "Mix"]) == 0
    assert f"saved {out} (40000 Hz, v2, HiFi-GAN; weights 0.5, 0.5)" in capsys.readouterr().out
    assert read_voice_file(out).metadata["model_name"] == "Mix"


def test_cli_reports_a_mismatch_without_traceback(pair, tmp_path, capsys):
    other = tiny_voice(tmp_path / "other.pth", sample_rate=48000)
    assert main(["blend", str(pair[0]), str(other), "-o", str(tmp_path / "x.pth")]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: alice.pth is 40000 Hz but other.pth is 48000 Hz") and "Traceback" not in err
    assert not (tmp_path / "x.pth").exists()
