"""The faiss retrieval index over a run's training features (IVF, flat L2, nprobe 1)."""

from __future__ import annotations

import math
import os
from pathlib import Path

import numpy as np

from rvc.atomic_files import atomic_path
from rvc.errors import RVCError

KMEANS_ABOVE = 200_000
KMEANS_CENTROIDS = 10_000
ADD_BATCH = 8192


def ivf_lists(n_vectors: int) -> int:
    """Number of IVF lists for `n_vectors`: min(16 sqrt(N), N / 39), at least 1."""
    return max(1, min(int(16 * math.sqrt(n_vectors)), n_vectors // 39))


def load_features(folder: Path) -> np.ndarray:
    """All per-slice feature files `*.npy` in `folder` (sorted) stacked to `[N, C]` float32."""
    files = sorted(Path(folder).glob("*.npy"))
    if not files:
        raise RVCError(f"no feature files (*.npy) in {folder}; run the extract step first")
    arrays = [np.load(path, allow_pickle=False) for path in files]
    dims = {a.shape[-1] for a in arrays}
    if len(dims) != 1 or any(a.ndim != 2 for a in arrays):
        raise RVCError(f"feature files in {folder} disagree in shape ({sorted(dims)}); re-run the extract step")
    return np.concatenate(arrays).astype(np.float32)


def reduce_with_kmeans(features: np.ndarray, n_clusters: int = KMEANS_CENTROIDS, seed: int = 0) -> np.ndarray:
    """Replace a very large feature set by `n_clusters` mini-batch k-means centroids."""
    from sklearn.cluster import MiniBatchKMeans

    kmeans = MiniBatchKMeans(
        n_clusters=n_clusters,
        batch_size=256 * (os.cpu_count() or 1),
        init="random",
        compute_labels=False,
        random_state=seed,
        n_init=1,
    )
    return kmeans.fit(features).cluster_centers_.astype(np.float32)


def build_index(
    features: np.ndarray, seed: int = 0, kmeans_above: int = KMEANS_ABOVE, kmeans_clusters: int = KMEANS_CENTROIDS
):
    """A trained and filled `IVF<n>,Flat` faiss index over `features` `[N, C]` (shuffled with `seed`).

    Sets larger than `kmeans_above` are first replaced by `kmeans_clusters` k-means centroids.
    """
    import faiss

    if features.ndim != 2 or len(features) == 0:
        raise RVCError(f"cannot index features of shape {features.shape}; expected [N, C] with N > 0")
    features = np.ascontiguousarray(features, dtype=np.float32)
    rng = np.random.default_rng(seed)
    features = features[rng.permutation(len(features))]
    if len(features) > kmeans_above:
        features = reduce_with_kmeans(features, n_clusters=kmeans_clusters, seed=seed)
    index = faiss.index_factory(features.shape[1], f"IVF{ivf_lists(len(features))},Flat")
    faiss.extract_index_ivf(index).nprobe = 1
    index.train(features)
    for start in range(0, len(features), ADD_BATCH):
        index.add(features[start : start + ADD_BATCH])
    return index


def write_index(index, path: Path) -> Path:
    """Write `index` to `path` atomically (temp file + rename)."""
    import faiss

    with atomic_path(path) as temp:
        faiss.write_index(index, str(temp))
    return Path(path)


def build_index_file(features_dir: Path, output: Path, seed: int = 0) -> Path:
    """Index every feature file in `features_dir` into `output` (the `<name>.index` Applio pairs with `<name>.pth`)."""
    return write_index(build_index(load_features(features_dir), seed=seed), output)
