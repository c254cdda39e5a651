"""Call-graph features: what a number's neighbours tell about it.

The graph is undirected and built from an edge list of ids: a caller–callee list from the
event store, or a co-call list such as the Sichuan ``edges.csv``. ``known`` holds the labels
known at the time (1 fraud, 0 normal, NaN unknown). A node's own label is never used for its
own features except through label propagation echoes, which :func:`kfold_graph_features`
removes for training rows by hiding each fold's labels while its features are computed.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import scipy.sparse as sp

GRAPH_FEATURES: tuple[str, ...] = (
    "g_degree",
    "g_fraud_nbrs",
    "g_labelled_nbrs",
    "g_fraud_rate",
    "g_nbrs_touching_fraud",
    "g_share_touching_fraud",
    "g_two_hop_fraud",
    "g_propagation",
)
PROPAGATION_STEPS = 3


def build_graph(
    ids: Sequence[str], src: Sequence[str], dst: Sequence[str]
) -> tuple[list[str], sp.csr_matrix]:
    """Node list (``ids`` first, then unseen edge ends) and the binary symmetric adjacency."""
    ends = [pd.Series(list(part), dtype=object).astype(str) for part in (ids, src, dst)]
    codes, uniques = pd.factorize(pd.concat(ends, ignore_index=True).to_numpy(dtype=object))
    nodes = [str(u) for u in uniques]
    rows = codes[len(ends[0]) : len(ends[0]) + len(ends[1])]
    cols = codes[len(ends[0]) + len(ends[1]) :]
    keep = rows != cols
    ones = np.ones(int(keep.sum()), dtype=np.float64)
    adj = sp.coo_matrix((ones, (rows[keep], cols[keep])), shape=(len(nodes), len(nodes)))
    sym = (adj + adj.T).tocsr()
    sym.data[:] = 1.0
    return nodes, sym


def graph_features(adj: sp.csr_matrix, known: np.ndarray) -> np.ndarray:
    """One row of :data:`GRAPH_FEATURES` per node, from the labels in ``known``."""
    fraud = np.nan_to_num(known, nan=0.0)
    labelled = (~np.isnan(known)).astype(np.float64)
    degree = np.asarray(adj.sum(axis=1)).ravel()
    fraud_nbrs = adj @ fraud
    labelled_nbrs = adj @ labelled
    rate = np.where(labelled_nbrs > 0, fraud_nbrs / np.maximum(labelled_nbrs, 1.0), np.nan)
    touching = _neighbours_touching_fraud(adj, fraud, fraud_nbrs)
    two_hop = adj @ fraud_nbrs - fraud * degree
    return np.column_stack(
        [
            degree,
            fraud_nbrs,
            labelled_nbrs,
            rate,
            touching,
            touching / np.maximum(degree, 1.0),
            two_hop,
            _propagate(adj, known, degree),
        ]
    )


def _neighbours_touching_fraud(
    adj: sp.csr_matrix, fraud: np.ndarray, fraud_nbrs: np.ndarray
) -> np.ndarray:
    """Per node: neighbours linked to a known fraud number other than the node itself."""
    coo = adj.tocoo()
    others = fraud_nbrs[coo.col] - fraud[coo.row]
    return np.bincount(coo.row, weights=(others > 0).astype(np.float64), minlength=adj.shape[0])


def _propagate(adj: sp.csr_matrix, known: np.ndarray, degree: np.ndarray) -> np.ndarray:
    """Label propagation: neighbours' mean, labelled nodes clamped, unknown start at the prior."""
    labelled = ~np.isnan(known)
    prior = float(np.nanmean(known)) if labelled.any() else 0.0
    state = np.where(labelled, np.nan_to_num(known), prior)
    inverse = 1.0 / np.maximum(degree, 1.0)
    for _ in range(PROPAGATION_STEPS):
        spread = (adj @ state) * inverse
        spread = np.where(degree > 0, spread, prior)
        state = np.where(labelled, state, spread)
    return np.asarray((adj @ state) * inverse)


def kfold_graph_features(
    adj: sp.csr_matrix, known: np.ndarray, rows: np.ndarray, folds: int, seed: int
) -> np.ndarray:
    """Graph features for the training ``rows`` with each fold's own labels hidden."""
    out = np.zeros((len(rows), len(GRAPH_FEATURES)))
    order = np.random.default_rng(seed).permutation(len(rows))
    for part in np.array_split(order, max(1, min(folds, len(rows)))):
        hidden = known.copy()
        hidden[rows[part]] = np.nan
        out[part] = graph_features(adj, hidden)[rows[part]]
    return out


def edges_frame_to_lists(edges: pd.DataFrame) -> tuple[list[str], list[str]]:
    """The first two columns of an edge table as string lists."""
    if edges.shape[1] < 2:
        raise ValueError("an edge list needs two columns (src, dst)")
    return edges.iloc[:, 0].astype(str).tolist(), edges.iloc[:, 1].astype(str).tolist()
