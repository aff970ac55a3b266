"""Retrieval of training features from a faiss index, blended into the input's content features."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from rvc.errors import RVCError

NEIGHBOURS = 8


class FeatureIndex:
    """A loaded `.index` with all its vectors reconstructed once (`[N, C]`), ready to blend."""

    def __init__(self, index, path: Path | None = None):
        self.index = index
        self.path = path
        self.vectors = index.reconstruct_n(0, index.ntotal)

    @property
    def dim(self) -> int:
        """Feature size: 768 for v2 voices, 256 for v1."""
        return self.index.d

    @classmethod
    def load(cls, path: str | Path) -> FeatureIndex:
        """Read a faiss index file; RVCError when it is missing, unreadable or empty."""
        import faiss

        path = Path(path)
        if not path.is_file():
            raise RVCError(f"index file not found: {path}; pick an existing .index or leave the index empty")
        try:
            index = faiss.read_index(str(path))
        except RuntimeError as error:
            raise RVCError(
                f"{path} is not a readable faiss index ({str(error).splitlines()[0][:120]}); "
                "rebuild it with `python -m rvc index` or leave the index empty"
            ) from None
        if index.ntotal == 0:
            raise RVCError(f"{path} holds no vectors (a 'trained_' index?); use the 'added_' / <name>.index file")
        return cls(index, path)

    def blend(self, features: np.ndarray, rate: float) -> np.ndarray:
        """Mix `rate` of the retrieved neighbours into `features` `[T, C]` float32; returns `[T, C]`.

        Each frame takes its 8 nearest training vectors weighted by 1 / score^2 (score = faiss's
        squared L2 distance, as RVC weights them); an exact match takes all the weight.
        """
        if features.shape[-1] != self.dim:
            raise RVCError(
                f"index {self.path or ''} has {self.dim}-d features but the voice uses {features.shape[-1]}-d "
                f"({'v1' if features.shape[-1] == 256 else 'v2'}); pick the index trained with this voice"
            )
        if rate <= 0:
            return features
        query = np.ascontiguousarray(features, dtype=np.float32)
        k = min(NEIGHBOURS, self.index.ntotal)
        score, ids = self.index.search(query, k)
        valid = ids >= 0
        weight = np.where(valid, 1.0 / np.maximum(score, 1e-12) ** 2, 0.0)
        exact = valid & (score <= 1e-12)
        weight = np.where(exact.any(axis=1, keepdims=True), exact.astype(np.float64), weight)
        total = weight.sum(axis=1, keepdims=True)
        weight = np.divide(weight, total, out=np.zeros_like(weight), where=total > 0)
        retrieved = np.einsum("tk,tkc->tc", weight, self.vectors[np.maximum(ids, 0)]).astype(np.float32)
        found = total[:, 0] > 0
        mixed = features.astype(np.float32)
        mixed[found] = rate * retrieved[found] + (1.0 - rate) * features[found]
        return mixed
