"""Deterministic top-k selection over score blocks, and small sparse helpers."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp


def top_k(raw: np.ndarray, k: int, floor: float = -1.0) -> list[np.ndarray]:
    """Per row, the ``k`` best columns scoring above ``floor``, ties broken by lower index.

    The k-th largest of the maxima of ``>= k`` column groups bounds the row's k-th
    largest score from below; only the columns above that bound are sorted exactly.
    """
    m, n = raw.shape
    if n == 0 or k <= 0:
        return [np.zeros(0, dtype=np.intp) for _ in range(m)]
    groups = max(k, min(256, n // 64 or 1))
    width = -(-n // groups)
    pad = groups * width - n
    padded = np.pad(raw, ((0, 0), (0, pad)), constant_values=-np.inf) if pad else raw
    maxima = padded.reshape(m, groups, width).max(axis=2)
    kk = min(k, groups)
    bound = np.partition(maxima, groups - kk, axis=1)[:, groups - kk]
    np.maximum(bound, np.float32(floor), out=bound)
    rows, cols = np.nonzero(raw >= bound[:, None])
    starts = np.searchsorted(rows, np.arange(m + 1))
    out = []
    for i in range(m):
        idx = cols[starts[i] : starts[i + 1]]
        vals = raw[i, idx]
        keep = vals > floor
        idx, vals = idx[keep], vals[keep]
        out.append(idx[np.lexsort((idx, -vals))][:k])
    return out


def sparse_rows(matrix: sp.csr_matrix, i: int) -> tuple[np.ndarray, np.ndarray]:
    """Column indices and values of one CSR row, without building a matrix."""
    s, e = matrix.indptr[i], matrix.indptr[i + 1]
    return matrix.indices[s:e], matrix.data[s:e]
