"""Synthesizer: reference state-dict layout for every rate x version x f0, training pass, inference, weight norm."""

from __future__ import annotations

import copy
import time

import pytest
import torch

from rvc.configs import SAMPLE_RATES, load_config
from rvc.models.synthesizer import Synthesizer
from rvc.models.synthesizer_config import SynthesizerConfig
from rvc.models.weight_norm import state_dict_from_disk, state_dict_to_disk

# Shared keys (training.md §4.5, v2 40 kHz f0), on-disk names; "wn" rows expand to weight_g/weight_v/bias.
ENC_P_LAYER = {
    "enc_p.encoder.attn_layers.{i}.emb_rel_k": (1, 21, 96),
    "enc_p.encoder.attn_layers.{i}.emb_rel_v": (1, 21, 96),
    "enc_p.encoder.attn_layers.{i}.conv_q.weight": (192, 192, 1),
    "enc_p.encoder.attn_layers.{i}.conv_q.bias": (192,),
    "enc_p.encoder.attn_layers.{i}.conv_k.weight": (192, 192, 1),
    "enc_p.encoder.attn_layers.{i}.conv_k.bias": (192,),
    "enc_p.encoder.attn_layers.{i}.conv_v.weight": (192, 192, 1),
    "enc_p.encoder.attn_layers.{i}.conv_v.bias": (192,),
    "enc_p.encoder.attn_layers.{i}.conv_o.weight": (192, 192, 1),
    "enc_p.encoder.attn_layers.{i}.conv_o.bias": (192,),
    "enc_p.encoder.norm_layers_1.{i}.gamma": (192,),
    "enc_p.encoder.norm_layers_1.{i}.beta": (192,),
    "enc_p.encoder.ffn_layers.{i}.conv_1.weight": (768, 192, 3),
    "enc_p.encoder.ffn_layers.{i}.conv_1.bias": (768,),
    "enc_p.encoder.ffn_layers.{i}.conv_2.weight": (192, 768, 3),
    "enc_p.encoder.ffn_layers.{i}.conv_2.bias": (192,),
    "enc_p.encoder.norm_layers_2.{i}.gamma": (192,),
    "enc_p.encoder.norm_layers_2.{i}.beta": (192,),
}
FLOW_LAYER = {
    "flow.flows.{k}.pre.weight": (192, 96, 1),
    "flow.flows.{k}.pre.bias": (192,),
    "flow.flows.{k}.post.weight": (96, 192, 1),
    "flow.flows.{k}.post.bias": (96,),
}
FLOW_WN = {
    "flow.flows.{k}.enc.in_layers.{l}": [(384, 1, 1), (384, 192, 5), (384,)],
    "flow.flows.{k}.enc.res_skip_layers.{m}": [(384, 1, 1), (384, 192, 1), (384,)],
    "flow.flows.{k}.enc.res_skip_layers.2": [(192, 1, 1), (192, 192, 1), (192,)],
    "flow.flows.{k}.enc.cond_layer": [(1152, 1, 1), (1152, 256, 1), (1152,)],
}
ENC_Q_WN = {
    "enc_q.enc.in_layers.{l}": [(384, 1, 1), (384, 192, 5), (384,)],
    "enc_q.enc.res_skip_layers.{m}": [(384, 1, 1), (384, 192, 1), (384,)],
    "enc_q.enc.res_skip_layers.15": [(192, 1, 1), (192, 192, 1), (192,)],
    "enc_q.enc.cond_layer": [(6144, 1, 1), (6144, 256, 1), (6144,)],
}

# Decoder per (version, rate): ConvTranspose1d (in, out, kernel) per stage and the source-conv kernel per stage.
DEC_UPS = {
    ("v2", 32000): [(512, 256, 20), (256, 128, 16), (128, 64, 4), (64, 32, 4)],
    ("v2", 40000): [(512, 256, 16), (256, 128, 16), (128, 64, 4), (64, 32, 4)],
    ("v2", 44100): [(512, 256, 14), (256, 128, 14), (128, 64, 6), (64, 32, 6)],
    ("v2", 48000): [(512, 256, 24), (256, 128, 20), (128, 64, 4), (64, 32, 4)],
    ("v1", 32000): [(512, 256, 16), (256, 128, 16), (128, 64, 4), (64, 32, 4), (32, 16, 4)],
    ("v1", 40000): [(512, 256, 16), (256, 128, 16), (128, 64, 4), (64, 32, 4)],
    ("v1", 44100): [(512, 256, 14), (256, 128, 14), (128, 64, 6), (64, 32, 6)],
    ("v1", 48000): [(512, 256, 16), (256, 128, 16), (128, 64, 4), (64, 32, 4), (32, 16, 4)],
}
DEC_NOISE_KERNELS = {
    ("v2", 32000): [64, 8, 4, 1],
    ("v2", 40000): [80, 8, 4, 1],
    ("v2", 44100): [125, 17, 5, 1],
    ("v2", 48000): [80, 8, 4, 1],
    ("v1", 32000): [64, 16, 8, 4, 1],
    ("v1", 40000): [80, 8, 4, 1],
    ("v1", 44100): [125, 17, 5, 1],
    ("v1", 48000): [96, 16, 8, 4, 1],
}
COMBOS = [(sr, version, f0) for sr in SAMPLE_RATES for version in ("v2", "v1") for f0 in (True, False)]


pytestmark = pytest.mark.usefixtures("one_thread")


def _wn(prefix: str, shapes: list[tuple]) -> dict:
    return dict(zip((f"{prefix}.weight_g", f"{prefix}.weight_v", f"{prefix}.bias"), shapes))


def expected_state_dict(sample_rate: int, version: str, use_f0: bool) -> dict[str, tuple]:
    """Key -> shape table of a HiFi-GAN synthesizer in on-disk names, from the reference tables."""
    expected = {
        "emb_g.weight": (109, 256),
        "enc_p.emb_phone.weight": (192, 768 if version == "v2" else 256),
        "enc_p.emb_phone.bias": (192,),
        "enc_p.proj.weight": (384, 192, 1),
        "enc_p.proj.bias": (384,),
        "enc_q.pre.weight": (192, 513 if sample_rate == 32000 else 1025, 1),
        "enc_q.pre.bias": (192,),
        "enc_q.proj.weight": (384, 192, 1),
        "enc_q.proj.bias": (384,),
    }
    if use_f0:
        expected["enc_p.emb_pitch.weight"] = (256, 192)
    for i in range(6):
        expected.update({key.format(i=i): shape for key, shape in ENC_P_LAYER.items()})
    for k in (0, 2, 4, 6):
        expected.update({key.format(k=k): shape for key, shape in FLOW_LAYER.items()})
        for key, shapes in FLOW_WN.items():
            for layer in range(3):
                expected.update(_wn(key.format(k=k, l=layer, m=min(layer, 1)), shapes))
    for key, shapes in ENC_Q_WN.items():
        for layer in range(16):
            expected.update(_wn(key.format(l=layer, m=min(layer, 14)), shapes))

    ups = DEC_UPS[(version, sample_rate)]
    expected["dec.conv_pre.weight"] = (512, 192, 7)
    expected["dec.conv_pre.bias"] = (512,)
    expected["dec.cond.weight"] = (512, 256, 1)
    expected["dec.cond.bias"] = (512,)
    expected["dec.conv_post.weight"] = (1, ups[-1][1], 7)
    for stage, (c_in, c_out, kernel) in enumerate(ups):
        expected.update(_wn(f"dec.ups.{stage}", [(c_in, 1, 1), (c_in, c_out, kernel), (c_out,)]))
        for j, resblock_kernel in enumerate((3, 7, 11)):
            for convs in ("convs1", "convs2"):
                for layer in range(3):
                    prefix = f"dec.resblocks.{3 * stage + j}.{convs}.{layer}"
                    expected.update(_wn(prefix, [(c_out, 1, 1), (c_out, c_out, resblock_kernel), (c_out,)]))
        if use_f0:
            noise_kernel = DEC_NOISE_KERNELS[(version, sample_rate)][stage]
            expected[f"dec.noise_convs.{stage}.weight"] = (c_out, 1, noise_kernel)
            expected[f"dec.noise_convs.{stage}.bias"] = (c_out,)
    if use_f0:
        expected["dec.m_source.l_linear.weight"] = (1, 1)
        expected["dec.m_source.l_linear.bias"] = (1,)
    return expected


def build(sample_rate: int, version: str, use_f0: bool) -> Synthesizer:
    cfg = load_config(sample_rate, version)
    return Synthesizer(
        **SynthesizerConfig.from_json_config(cfg).as_kwargs(),
        use_f0=use_f0,
        text_enc_hidden_dim=cfg["model"]["text_enc_hidden_dim"],
    ).eval()


def inputs(model: Synthesizer, frames: int = 10, batch: int = 1) -> tuple:
    embedding_dim = model.enc_p.emb_phone.in_features
    phone = torch.randn(batch, frames, embedding_dim)
    lengths = torch.full((batch,), frames, dtype=torch.long)
    pitch = torch.randint(1, 256, (batch, frames)) if model.use_f0 else None
    pitchf = torch.full((batch, frames), 220.0) if model.use_f0 else None
    return phone, lengths, pitch, pitchf, torch.zeros(batch, dtype=torch.long)


def combo_id(combo: tuple) -> str:
    return f"{combo[0]}-{combo[1]}-{'f0' if combo[2] else 'nof0'}"


@pytest.fixture(scope="module", params=COMBOS, ids=combo_id)
def full_model(request):
    torch.manual_seed(0)
    return request.param, build(*request.param)


def test_state_dict_matches_reference_table(full_model):
    combo, model = full_model
    actual = {key: tuple(value.shape) for key, value in state_dict_to_disk(model.state_dict()).items()}
    expected = expected_state_dict(*combo)
    assert sorted(set(actual) - set(expected)) == []
    assert sorted(set(expected) - set(actual)) == []
    assert {key: shape for key, shape in actual.items() if shape != expected[key]} == {}


def test_infer_shape_and_hop(full_model):
    (sample_rate, _, _), model = full_model
    hop = sample_rate // 100
    phone, _, pitch, pitchf, sid = inputs(model, frames=4, batch=2)
    with torch.inference_mode():
        audio, x_mask, (z, z_p, m_p, logs_p) = model.infer(phone, torch.tensor([4, 3]), pitch, pitchf, sid)
    assert audio.shape == (2, 1, 4 * hop)
    assert x_mask[:, 0].tolist() == [[1.0] * 4, [1.0] * 3 + [0.0]]
    assert z.shape == z_p.shape == m_p.shape == logs_p.shape == (2, 192, 4)
    assert (z[1, :, 3] == 0).all() and (z_p[1, :, 3] == 0).all()
    assert torch.isfinite(audio).all() and audio.abs().max() <= 1


def test_disk_names_load_strictly(full_model):
    _, model = full_model
    disk = state_dict_to_disk(model.state_dict())
    assert not any("parametrizations" in key for key in disk)
    assert state_dict_from_disk(disk).keys() == model.state_dict().keys()
    model.load_state_dict(state_dict_from_disk(disk), strict=True)


@pytest.fixture(scope="module")
def model_40k():
    torch.manual_seed(0)
    return build(40000, "v2", True)


def test_round_trip_through_disk_names_gives_identical_audio(model_40k):
    target = copy.deepcopy(model_40k)
    with torch.no_grad():
        for parameter in target.parameters():
            parameter.zero_()
    disk = {key: value.clone() for key, value in state_dict_to_disk(model_40k.state_dict()).items()}
    target.load_state_dict(state_dict_from_disk(disk), strict=True)
    args = inputs(model_40k, frames=4)
    with torch.inference_mode():
        torch.manual_seed(3)
        expected = model_40k.infer(*args)[0]
        torch.manual_seed(3)
        actual = target.infer(*args)[0]
    torch.testing.assert_close(actual, expected, rtol=0, atol=0)


def test_infer_is_deterministic_with_seed_and_zero_noise(model_40k):
    args = inputs(model_40k, frames=4)
    with torch.inference_mode():
        torch.manual_seed(7)
        first = model_40k.infer(*args, noise_scale=0.0)[0]
        torch.manual_seed(7)
        second = model_40k.infer(*args, noise_scale=0.0)[0]
        torch.manual_seed(8)
        other_seed = model_40k.infer(*args, noise_scale=0.0)[0]
    torch.testing.assert_close(first, second, rtol=0, atol=0)
    assert not torch.equal(first, other_seed)  # the NSF source noise is drawn from the seeded generator


def test_fold_weight_norm_keeps_output_and_is_not_slower(model_40k):
    folded_model = build(40000, "v2", True)  # not a deepcopy: copies share torch's parametrized layer classes
    folded_model.load_state_dict(model_40k.state_dict())
    folded_model.remove_weight_norm()
    assert not any("parametrizations" in key for key in folded_model.state_dict())
    args = inputs(model_40k, frames=2)

    def run(model: Synthesizer) -> tuple[torch.Tensor, float]:
        torch.manual_seed(11)
        start = time.perf_counter()
        with torch.inference_mode():
            audio = model.infer(*args)[0]
        return audio, time.perf_counter() - start

    times = {"parametrized": [], "folded": []}
    for _ in range(4):  # interleaved, so load from other processes hits both alike
        parametrized, elapsed = run(model_40k)
        times["parametrized"].append(elapsed)
        folded, elapsed = run(folded_model)
        times["folded"].append(elapsed)
    torch.testing.assert_close(folded, parametrized, rtol=1e-4, atol=1e-5)
    assert min(times["folded"]) <= min(times["parametrized"]) * 1.05


TINY = {
    "spec_channels": 33,
    "segment_size": 4,
    "inter_channels": 8,
    "hidden_channels": 8,
    "filter_channels": 16,
    "n_heads": 2,
    "n_layers": 2,
    "kernel_size": 3,
    "p_dropout": 0.0,
    "resblock": "1",
    "resblock_kernel_sizes": [3, 7, 11],
    "resblock_dilation_sizes": [[1, 3, 5]] * 3,
    "upsample_initial_channel": 16,
    "spk_embed_dim": 3,
    "gin_channels": 8,
}


@pytest.mark.parametrize("use_f0", [True, False], ids=["f0", "nof0"])
@pytest.mark.parametrize(
    ("sample_rate", "rates", "kernels"),
    [(40000, [10, 10, 2, 2], [16, 16, 4, 4]), (44100, [7, 7, 3, 3], [14, 14, 6, 6])],
)
def test_training_pass_reaches_every_parameter(sample_rate, rates, kernels, use_f0):
    torch.manual_seed(0)
    model = Synthesizer(
        **TINY,
        upsample_rates=rates,
        upsample_kernel_sizes=kernels,
        sr=sample_rate,
        use_f0=use_f0,
        text_enc_hidden_dim=12,
    ).train()
    for name, parameter in model.named_parameters():
        if ".post." in name:  # zero-initialised coupling outputs would block the gradient to the rest of the flow
            torch.nn.init.normal_(parameter, std=0.1)
    frames, hop = 9, sample_rate // 100
    phone = torch.randn(2, frames, 12)
    lengths = torch.tensor([frames, 7])
    pitch = torch.randint(1, 256, (2, frames)) if use_f0 else None
    pitchf = torch.full((2, frames), 150.0) if use_f0 else None
    spec = torch.rand(2, 33, frames)
    sid = torch.tensor([0, 2])

    y_hat, ids_slice, x_mask, y_mask, (z, z_p, m_p, logs_p, m_q, logs_q) = model(
        phone, lengths, pitch, pitchf, spec, lengths, sid
    )
    assert y_hat.shape == (2, 1, 4 * hop)
    assert ids_slice.shape == (2,) and (ids_slice >= 0).all() and (ids_slice + 4 <= lengths).all()
    assert z.shape == z_p.shape == m_q.shape == (2, 8, frames)
    assert x_mask.shape == y_mask.shape == (2, 1, frames)
    assert y_mask[1, 0].tolist() == [1.0] * 7 + [0.0] * 2

    loss = y_hat.pow(2).mean() + sum(t.pow(2).mean() for t in (z_p, m_p, logs_p, m_q, logs_q))
    loss.backward()
    unused = {"emb_g.weight"}  # only the rows of the speakers in the batch get gradient
    missing = [name for name, p in model.named_parameters() if p.grad is None or not p.grad.abs().sum() > 0]
    assert [name for name in missing if name not in unused] == []
    assert model.emb_g.weight.grad[[0, 2]].abs().sum() > 0


def test_whole_utterance_training_pass_when_not_randomized():
    torch.manual_seed(0)
    model = Synthesizer(
        **TINY,
        upsample_rates=[7, 7, 3, 3],
        upsample_kernel_sizes=[14, 14, 6, 6],
        sr=44100,
        text_enc_hidden_dim=12,
        randomized=False,
    )
    frames = 6
    lengths = torch.tensor([frames])
    y_hat, ids_slice, *_ = model(
        torch.randn(1, frames, 12),
        lengths,
        torch.randint(1, 256, (1, frames)),
        torch.full((1, frames), 150.0),
        torch.rand(1, 33, frames),
        lengths,
        torch.tensor([1]),
    )
    assert ids_slice is None
    assert y_hat.shape == (1, 1, frames * 441)
