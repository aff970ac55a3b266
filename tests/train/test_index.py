"""Building the retrieval index from a run's feature files."""

import faiss
import numpy as np
import pytest

from rvc.errors import RVCError
from rvc.train.index import build_index, build_index_file, ivf_lists, load_features


def _feature_files(folder, dim=16, files=3, frames=200, seed=0):
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    arrays = [rng.standard_normal((frames, dim)).astype(np.float32) for _ in range(files)]
    for i, array in enumerate(arrays):
        np.save(folder / f"0_{i}_0.npy", array)
    return np.concatenate(arrays)


def test_ivf_list_count_follows_the_reference_formula():
    assert ivf_lists(600) == 15
    assert ivf_lists(100_000) == min(int(16 * 100_000**0.5), 100_000 // 39)
    assert ivf_lists(10) == 1


def test_index_file_holds_every_vector_with_nprobe_one(tmp_path):
    features = _feature_files(tmp_path / "extracted")
    path = build_index_file(tmp_path / "extracted", tmp_path / "voice" / "voice.index")
    index = faiss.read_index(str(path))
    assert index.ntotal == len(features) and index.d == 16
    ivf = faiss.extract_index_ivf(index)
    assert ivf.nprobe == 1 and ivf.nlist == ivf_lists(len(features))
    stored = index.reconstruct_n(0, index.ntotal)
    assert sorted(map(tuple, stored.round(5))) == sorted(map(tuple, features.round(5)))
    assert [p.name for p in (tmp_path / "voice").iterdir()] == ["voice.index"]


def test_very_large_sets_are_reduced_with_kmeans():
    rng = np.random.default_rng(1)
    features = rng.standard_normal((3000, 8)).astype(np.float32)
    index = build_index(features, kmeans_above=2000, kmeans_clusters=300)
    assert index.ntotal == 300
    assert build_index(features, kmeans_above=5000).ntotal == 3000


def test_missing_or_inconsistent_features_are_clear_errors(tmp_path):
    with pytest.raises(RVCError, match="no feature files.*extract step"):
        load_features(tmp_path)
    np.save(tmp_path / "a.npy", np.zeros((4, 8), np.float32))
    np.save(tmp_path / "b.npy", np.zeros((4, 6), np.float32))
    with pytest.raises(RVCError, match="disagree in shape"):
        load_features(tmp_path)


def test_pickled_feature_files_are_refused(tmp_path):
    np.save(tmp_path / "a.npy", np.array([{"x": 1}], dtype=object), allow_pickle=True)
    with pytest.raises(ValueError, match="allow_pickle"):
        load_features(tmp_path)
