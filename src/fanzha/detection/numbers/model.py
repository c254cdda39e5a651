"""The fraud-number model: gradient-boosted trees on behaviour and call-graph features.

Training (:meth:`FraudNumberModel.fit`):

1. behaviour features are the numeric columns of the feature table (rows indexed by number id);
2. with an edge list, :mod:`.graph` features are added; a training row's graph features are
   computed with its fold's labels hidden, as they will be for an unknown number later;
3. ``folds``-fold out-of-fold scores give an honest view of the model: a Platt calibration
   (logistic on the log-odds), the operating threshold (the one maximising F1) and the metrics
   saved with the model. Each fold's graph features are rebuilt from the other folds' labels
   only (nested), so a held-out fold is scored exactly as a new number would be;
4. the final LightGBM model is trained on all rows.

Scoring takes the same kind of table (and optionally an edge list, which may name numbers the
model never saw; the labels known at training time seed the graph features).
"""

from __future__ import annotations

import json
import logging
from typing import Any, Self

import lightgbm as lgb
import numpy as np
import pandas as pd
import scipy.sparse as sp

from fanzha.detection.estimator import (
    Estimator,
    ModelMeta,
    arrays_from_bytes,
    arrays_to_bytes,
    fingerprint,
)
from fanzha.detection.numbers import graph
from fanzha.detection.numbers.metrics import best_f1_threshold, binary_metrics
from fanzha.errors import ModelError

log = logging.getLogger(__name__)
TOP_FEATURES = 15
_GraphContext = tuple[sp.csr_matrix, np.ndarray]  # adjacency, node position of each row


class FraudNumberModel(Estimator[pd.DataFrame]):
    """Scores phone numbers: P(fraud number), calibrated, with a saved operating threshold."""

    kind = "fraud_numbers"

    def __init__(
        self,
        n_estimators: int = 150,
        learning_rate: float = 0.12,
        num_leaves: int = 7,
        min_child_samples: int = 40,
        subsample: float = 0.8,
        colsample: float = 0.5,
        reg_lambda: float = 5.0,
        folds: int = 5,
        use_graph: bool = True,
        seed: int = 0,
        n_jobs: int = 1,
    ) -> None:
        self.n_estimators = n_estimators
        self.learning_rate = learning_rate
        self.num_leaves = num_leaves
        self.min_child_samples = min_child_samples
        self.subsample = subsample
        self.colsample = colsample
        self.reg_lambda = reg_lambda
        self.folds = folds
        self.use_graph = use_graph
        self.seed = seed
        self.n_jobs = n_jobs

    # ------------------------------------------------------------------ training
    def fit(self, data: pd.DataFrame, labels: Any, edges: pd.DataFrame | None = None) -> Self:
        """Learn from a feature table (index = number ids), 0/1 labels and an optional edge list."""
        y = _check_labels(labels, len(data))
        behaviour = _numeric(data)
        self.feature_names_ = list(behaviour.columns)
        self.graph_ = bool(self.use_graph and edges is not None)
        self.known_ids_ = np.asarray(data.index.astype(str), dtype=str)
        self.known_labels_ = y.astype(np.int8)
        values = behaviour.to_numpy(dtype=np.float64)
        context = self._graph_context(edges)
        matrix = self._with_graph(values, context, y, np.arange(len(y)), np.arange(0))[0]
        oof = self._out_of_fold(values, context, y)
        self.calibration_ = _fit_platt(oof, y)
        calibrated = _apply_platt(oof, self.calibration_)
        self.threshold_ = best_f1_threshold(y, calibrated)
        self.booster_ = lgb.train(self._lgb_params(), lgb.Dataset(matrix, y), self.n_estimators)
        self.meta_ = self._meta(data, y, calibrated, edges)
        return self

    def _graph_context(self, edges: pd.DataFrame | None) -> _GraphContext | None:
        """The co-call graph and the training rows' node positions (``None``: no graph)."""
        if not self.graph_ or edges is None:
            return None
        src, dst = graph.edges_frame_to_lists(edges)
        nodes, adj = graph.build_graph(list(self.known_ids_), src, dst)
        return adj, pd.Index(nodes).get_indexer(pd.Index(self.known_ids_))

    def _with_graph(
        self,
        values: np.ndarray,
        context: _GraphContext | None,
        y: np.ndarray,
        train: np.ndarray,
        held: np.ndarray,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Matrices for ``train`` and ``held`` rows; graph features see ``train`` labels only.

        The ``train`` rows' own labels are hidden fold by fold (:func:`graph.kfold_graph_features`)
        and the ``held`` rows' labels are never used, as for numbers scored later.
        """
        if context is None:
            return values[train], values[held]
        adj, rows = context
        known = np.full(adj.shape[0], np.nan)
        known[rows[train]] = y[train]
        own = graph.kfold_graph_features(adj, known, rows[train], self.folds, self.seed)
        other = graph.graph_features(adj, known)[rows[held]]
        return np.hstack([values[train], own]), np.hstack([values[held], other])

    def _out_of_fold(
        self, values: np.ndarray, context: _GraphContext | None, y: np.ndarray
    ) -> np.ndarray:
        """Out-of-fold raw scores; each fold's graph features are rebuilt without its labels."""
        oof = np.zeros(len(y))
        order = np.random.default_rng(self.seed + 1).permutation(len(y))
        for part in np.array_split(order, max(2, min(self.folds, len(y)))):
            train = np.setdiff1d(order, part)
            if len(np.unique(y[train])) < 2:
                oof[part] = float(np.mean(y[train]))
                continue
            fit_rows, held_rows = self._with_graph(values, context, y, train, part)
            booster = lgb.train(
                self._lgb_params(), lgb.Dataset(fit_rows, y[train]), self.n_estimators
            )
            oof[part] = booster.predict(held_rows, num_threads=self.n_jobs)
        return oof

    def _lgb_params(self) -> dict[str, Any]:
        return {
            "objective": "binary",
            "learning_rate": self.learning_rate,
            "num_leaves": self.num_leaves,
            "min_data_in_leaf": self.min_child_samples,
            "bagging_fraction": self.subsample,
            "bagging_freq": 1,
            "feature_fraction": self.colsample,
            "lambda_l2": self.reg_lambda,
            "seed": self.seed,
            "deterministic": True,
            "force_col_wise": True,
            "max_bin": 63,
            "num_threads": self.n_jobs,
            "verbose": -1,
        }

    def _meta(
        self, data: pd.DataFrame, y: np.ndarray, oof: np.ndarray, edges: pd.DataFrame | None
    ) -> ModelMeta:
        parts: list[object] = [data, y] + ([edges] if edges is not None else [])
        digest = fingerprint(*parts)
        metrics, confusion = binary_metrics(y, oof, self.threshold_)
        metrics["threshold"] = self.threshold_
        notes = {
            "metrics": f"out-of-fold over {self.folds} folds, calibrated scores",
            "graph features": self.graph_,
        }
        return self.build_meta(digest, len(y), metrics, confusion, self.top_features(), notes)

    def top_features(self) -> list[tuple[str, float]]:
        """Features by total gain, largest first."""
        gains = self.booster_.feature_importance(importance_type="gain")
        ranked = sorted(zip(self.all_feature_names(), gains, strict=True), key=lambda t: -t[1])
        return [(name, float(gain)) for name, gain in ranked[:TOP_FEATURES]]

    def all_feature_names(self) -> list[str]:
        """Behaviour features, then graph features when the model uses them."""
        return self.feature_names_ + (list(graph.GRAPH_FEATURES) if self.graph_ else [])

    # ------------------------------------------------------------------ scoring
    def score(self, data: pd.DataFrame, edges: pd.DataFrame | None = None) -> np.ndarray:
        """Calibrated P(fraud) per row of ``data`` (same columns as at training)."""
        self.check_fitted()
        if len(data) == 0:
            return np.zeros(0)
        matrix = self._scoring_matrix(data, edges)
        margin = self.booster_.predict(matrix, num_threads=self.n_jobs, raw_score=True)
        return _platt_on_margin(np.asarray(margin), self.calibration_)

    def predict(self, data: pd.DataFrame, edges: pd.DataFrame | None = None) -> np.ndarray:
        """0/1 per row at the saved operating threshold."""
        return (self.score(data, edges) >= self.threshold_).astype(np.int8)

    def _scoring_matrix(self, data: pd.DataFrame, edges: pd.DataFrame | None) -> np.ndarray:
        missing = [c for c in self.feature_names_ if c not in data.columns]
        if missing:
            raise ModelError(f"feature table lacks columns {missing[:5]}", model=self.version)
        matrix = _feature_matrix(data, self.feature_names_)
        if not self.graph_:
            return matrix
        if edges is None:
            log.warning("model uses graph features but no edge list was given; they are missing")
            missing_graph = np.full((len(data), len(graph.GRAPH_FEATURES)), np.nan)
            return np.asarray(np.hstack([matrix, missing_graph]))
        return np.asarray(np.hstack([matrix, self._graph_at_scoring(data, edges)]))

    def _graph_at_scoring(self, data: pd.DataFrame, edges: pd.DataFrame) -> np.ndarray:
        src, dst = graph.edges_frame_to_lists(edges)
        ids = list(data.index.astype(str))
        nodes, adj = graph.build_graph(ids, src, dst)
        labels = pd.Series(self.known_labels_.astype(np.float64), index=self.known_ids_)
        known = pd.Series(nodes).map(labels).to_numpy(dtype=np.float64)
        return graph.graph_features(adj, known)[pd.Index(nodes).get_indexer(pd.Index(ids))]

    # ------------------------------------------------------------------ persistence
    def _dump(self) -> dict[str, bytes]:
        state = {
            "feature_names": self.feature_names_,
            "graph": self.graph_,
            "calibration": list(self.calibration_),
            "threshold": self.threshold_,
        }
        return {
            "state.json": json.dumps(state).encode(),
            "booster.txt": self.booster_.model_to_string().encode(),
            "known.npz": arrays_to_bytes(ids=self.known_ids_, labels=self.known_labels_),
        }

    def _restore(self, parts: dict[str, bytes]) -> None:
        state = json.loads(parts["state.json"])
        self.feature_names_ = list(state["feature_names"])
        self.graph_ = bool(state["graph"])
        a, b = state["calibration"]
        self.calibration_ = (float(a), float(b))
        self.threshold_ = float(state["threshold"])
        self.booster_ = lgb.Booster(model_str=parts["booster.txt"].decode())
        known = arrays_from_bytes(parts["known.npz"])
        self.known_ids_, self.known_labels_ = known["ids"], known["labels"]


def _numeric(data: pd.DataFrame) -> pd.DataFrame:
    numeric = data.select_dtypes(include=["number", "bool"]).astype(np.float64)
    if numeric.shape[1] == 0:
        raise ModelError("feature table has no numeric feature column")
    return numeric


def _feature_matrix(data: pd.DataFrame, columns: list[str]) -> np.ndarray:
    """The named columns as one C-ordered float64 matrix (LightGBM's fastest input).

    Numeric columns are taken as they are; only non-numeric ones (text read from a CSV) go
    through ``pd.to_numeric`` — a per-column ``apply`` over every column costs more than the
    trees themselves at 100k+ rows/s.
    """
    selected = data[columns]
    text_columns = [c for c in columns if not pd.api.types.is_numeric_dtype(selected[c])]
    if text_columns:
        selected = selected.copy()
        for column in text_columns:
            selected[column] = pd.to_numeric(selected[column], errors="coerce")
    return np.ascontiguousarray(selected.to_numpy(dtype=np.float64, na_value=np.nan))


def _check_labels(labels: Any, n_rows: int) -> np.ndarray:
    y = np.asarray(labels, dtype=np.float64)
    if len(y) != n_rows:
        raise ModelError(f"{len(y)} labels for {n_rows} rows")
    if n_rows < 4 or not set(np.unique(y)) <= {0.0, 1.0} or len(np.unique(y)) < 2:
        raise ModelError("labels must be 0/1 with both classes present (at least 4 rows)")
    return y.astype(np.int64)


_LOGIT_LIMIT = float(np.log((1 - 1e-6) / 1e-6))  # |logit| of the clip in :func:`_logit`


def _logit(p: np.ndarray) -> np.ndarray:
    clipped = np.clip(p, 1e-6, 1 - 1e-6)
    return np.asarray(np.log(clipped / (1 - clipped)))


def _fit_platt(raw: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Logistic regression of the label on the raw log-odds (Platt scaling), by Newton steps."""
    x = _logit(raw)
    a, b = 1.0, 0.0
    for _ in range(50):
        p = 1 / (1 + np.exp(-(a * x + b)))
        w = np.maximum(p * (1 - p), 1e-9)
        grad = np.array([np.sum((p - y) * x), np.sum(p - y)]) + 1e-3 * np.array([a - 1, b])
        hess = np.array(
            [[np.sum(w * x * x) + 1e-3, np.sum(w * x)], [np.sum(w * x), np.sum(w) + 1e-3]]
        )
        step = np.linalg.solve(hess, grad)
        a, b = a - float(step[0]), b - float(step[1])
        if np.abs(step).max() < 1e-8:
            break
    return a, b


def _platt_on_margin(margin: np.ndarray, calibration: tuple[float, float]) -> np.ndarray:
    """:func:`_apply_platt` on LightGBM's raw log-odds (skips a sigmoid and a logit per row)."""
    a, b = calibration
    x = np.clip(margin, -_LOGIT_LIMIT, _LOGIT_LIMIT)
    return np.asarray(1 / (1 + np.exp(-(a * x + b))))


def _apply_platt(raw: np.ndarray, calibration: tuple[float, float]) -> np.ndarray:
    a, b = calibration
    return np.asarray(1 / (1 + np.exp(-(a * _logit(raw) + b))))
