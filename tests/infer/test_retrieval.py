"""Index retrieval blends neighbours by inverse squared score, with clear errors."""

import faiss
import numpy as np
import pytest

from rvc.errors import RVCError
from rvc.infer.retrieval import FeatureIndex
from rvc.train.index import build_index, write_index


@pytest.fixture(scope="module")
def stored():
    rng = np.random.default_rng(0)
    return rng.standard_normal((400, 12)).astype(np.float32)


@pytest.fixture
def index_path(tmp_path, stored):
    return write_index(build_index(stored), tmp_path / "voice.index")


def test_blend_matches_a_brute_force_computation(index_path, stored):
    index = FeatureIndex.load(index_path)
    query = np.random.default_rng(1).standard_normal((30, 12)).astype(np.float32)
    out = index.blend(query, rate=0.75)
    raw = faiss.read_index(str(index_path))
    score, ids = raw.search(query, 8)
    weight = (1.0 / score) ** 2
    weight /= weight.sum(axis=1, keepdims=True)
    vectors = raw.reconstruct_n(0, raw.ntotal)
    expected = 0.75 * np.einsum("tk,tkc->tc", weight, vectors[ids]) + 0.25 * query
    np.testing.assert_allclose(out, expected, rtol=1e-4, atol=1e-5)


def test_rate_zero_returns_the_input_and_exact_matches_do_not_produce_nan(index_path, stored):
    index = FeatureIndex.load(index_path)
    query = stored[:5].copy()
    assert np.array_equal(index.blend(query, 0.0), query)
    out = index.blend(query, 1.0)
    assert np.isfinite(out).all()
    np.testing.assert_allclose(out, query, atol=1e-5)


def test_dimension_mismatch_names_the_problem(index_path):
    with pytest.raises(RVCError, match="12-d features but the voice uses 768-d"):
        FeatureIndex.load(index_path).blend(np.zeros((3, 768), np.float32), 0.5)


def test_unreadable_missing_and_empty_indexes(tmp_path):
    with pytest.raises(RVCError, match="index file not found"):
        FeatureIndex.load(tmp_path / "nope.index")
    bad = tmp_path / "bad.index"
    bad.write_bytes(b"not a faiss index")
    with pytest.raises(RVCError, match="not a readable faiss index"):
        FeatureIndex.load(bad)
    empty = faiss.index_factory(4, "IVF1,Flat")
    empty.train(np.random.default_rng(0).standard_normal((50, 4)).astype(np.float32))
    faiss.write_index(empty, str(tmp_path / "trained.index"))
    with pytest.raises(RVCError, match="holds no vectors"):
        FeatureIndex.load(tmp_path / "trained.index")
