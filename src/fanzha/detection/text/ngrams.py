"""Fast hashed character n-grams: a whole batch of texts is hashed with NumPy in one pass.

Each text is read as Unicode code points; the n-grams of lengths ``1..max_n`` are hashed with
a polynomial hash (one salt per length) into ``n_features`` buckets and counted into a sparse
document-term matrix. Nothing is learned, so nothing has to be stored beyond the two numbers.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp

_MULT = np.int64(1_000_003)
_MASK = np.int64((1 << 61) - 1)
_SALTS = (0, 0x9E3779B1, 0x85EBCA77, 0xC2B2AE3D, 0x27D4EB2F, 0x165667B1, 0x61C88647)


def code_points(texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """All texts' code points concatenated, and the start offset of each text (plus the end)."""
    parts = [str(t).encode("utf-32-le") for t in texts]
    lengths = np.fromiter((len(p) // 4 for p in parts), dtype=np.int64, count=len(parts))
    offsets = np.zeros(len(parts) + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    chars = np.frombuffer(b"".join(parts), dtype="<u4").astype(np.int64)
    return chars, offsets


def hashed_counts(texts: Sequence[str], max_n: int, n_features: int) -> sp.csr_matrix:
    """Document-term counts of hashed character n-grams of lengths ``1..max_n``."""
    chars, offsets = code_points(texts)
    doc_of = np.repeat(np.arange(len(texts), dtype=np.int64), np.diff(offsets))
    rows: list[np.ndarray] = []
    cols: list[np.ndarray] = []
    rolling = np.zeros(len(chars), dtype=np.int64)
    for n in range(1, max_n + 1):
        valid = len(chars) - n + 1
        if valid <= 0:
            break
        rolling = (rolling[:valid] * _MULT + chars[n - 1 :]) & _MASK
        same_doc = doc_of[:valid] == doc_of[n - 1 :]
        salted = (rolling[same_doc] ^ np.int64(_SALTS[n % len(_SALTS)])) * _MULT
        rows.append(doc_of[:valid][same_doc])
        cols.append((salted & _MASK) % n_features)
    row = np.concatenate(rows) if rows else np.zeros(0, dtype=np.int64)
    col = np.concatenate(cols) if cols else np.zeros(0, dtype=np.int64)
    data = np.ones(len(row), dtype=np.float64)
    matrix = sp.coo_matrix((data, (row, col)), shape=(len(texts), n_features))
    return matrix.tocsr()
