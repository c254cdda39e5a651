"""The victim-risk model: P(the warned resident is engaging with the fraudster).

Gradient-boosted trees over :data:`.features.FEATURES`, trained on simulated ground truth
(engaged, protected or would-be victim = 1; cold contact or no fraud at all = 0), or on the
desk's recorded outcomes (:mod:`.desk`). Training
keeps out-of-fold scores for honest metrics and the saved operating threshold (best F1).
Every score can be explained: :meth:`VictimRiskModel.explain` gives each row's largest
feature contributions (LightGBM's exact tree SHAP values), which :mod:`.explain` puts in words.
"""

from __future__ import annotations

import json
from typing import Any, Self

import lightgbm as lgb
import numpy as np
import pandas as pd

from fanzha.detection.estimator import Estimator, ModelMeta, fingerprint
from fanzha.detection.numbers.metrics import best_f1_threshold, binary_metrics
from fanzha.detection.victim.features import CATEGORICAL, FEATURES
from fanzha.errors import ModelError

TOP_FEATURES = 15


class VictimRiskModel(Estimator[pd.DataFrame]):
    """Scores warned residents: P(engaged beyond a cold contact)."""

    kind = "victim_risk"

    def __init__(
        self,
        n_estimators: int = 200,
        learning_rate: float = 0.05,
        num_leaves: int = 15,
        min_child_samples: int = 10,
        reg_lambda: float = 2.0,
        folds: int = 5,
        seed: int = 0,
        n_jobs: int = 1,
    ) -> None:
        self.n_estimators = n_estimators
        self.learning_rate = learning_rate
        self.num_leaves = num_leaves
        self.min_child_samples = min_child_samples
        self.reg_lambda = reg_lambda
        self.folds = folds
        self.seed = seed
        self.n_jobs = n_jobs

    def fit(self, data: pd.DataFrame, labels: Any) -> Self:
        """Learn from a :data:`FEATURES` table and 0/1 engaged labels."""
        y = _labels(labels, len(data))
        matrix = _matrix(data)
        oof = self._out_of_fold(matrix, y)
        self.threshold_ = best_f1_threshold(y, oof)
        self.booster_ = self._train(matrix, y)
        metrics, confusion = binary_metrics(y, oof, self.threshold_)
        metrics["threshold"] = self.threshold_
        metrics["positive_rate"] = float(y.mean())
        notes = {
            "metrics": f"out-of-fold over {self.folds} folds",
            "label": "1 = engaged, protected_self or would_lose; 0 = cold contact or no fraud",
            "label_source": "simulator ground truth",
        }
        digest = fingerprint(data[list(FEATURES)], y)
        self.meta_: ModelMeta = self.build_meta(
            digest, len(y), metrics, confusion, self.top_features(), notes
        )
        return self

    def note_labels(self, source: str, label: str) -> None:
        """Record on the model card where the labels came from (e.g. desk outcomes)."""
        self.check_fitted()
        self.meta_.notes.update({"label": label, "label_source": source})

    def _train(self, matrix: np.ndarray, y: np.ndarray) -> lgb.Booster:
        dataset = lgb.Dataset(
            matrix,
            y,
            feature_name=list(FEATURES),
            categorical_feature=list(CATEGORICAL),
            free_raw_data=False,
        )
        return lgb.train(self._params(), dataset, self.n_estimators)

    def _out_of_fold(self, matrix: np.ndarray, y: np.ndarray) -> np.ndarray:
        oof = np.zeros(len(y))
        order = np.random.default_rng(self.seed + 1).permutation(len(y))
        for part in np.array_split(order, max(2, min(self.folds, len(y)))):
            train = np.setdiff1d(order, part)
            if len(np.unique(y[train])) < 2:
                oof[part] = float(np.mean(y[train]))
                continue
            booster = self._train(matrix[train], y[train])
            oof[part] = booster.predict(matrix[part], num_threads=self.n_jobs)
        return oof

    def _params(self) -> dict[str, Any]:
        return {
            "objective": "binary",
            "learning_rate": self.learning_rate,
            "num_leaves": self.num_leaves,
            "min_data_in_leaf": self.min_child_samples,
            "lambda_l2": self.reg_lambda,
            "seed": self.seed,
            "deterministic": True,
            "force_col_wise": True,
            "max_bin": 63,
            "min_data_per_group": 5,
            "cat_smooth": 5.0,
            "num_threads": self.n_jobs,
            "verbose": -1,
        }

    def top_features(self) -> list[tuple[str, float]]:
        """Features by total gain, largest first."""
        gains = self.booster_.feature_importance(importance_type="gain")
        ranked = sorted(zip(FEATURES, gains, strict=True), key=lambda t: -t[1])
        return [(name, float(gain)) for name, gain in ranked[:TOP_FEATURES]]

    def score(self, data: pd.DataFrame) -> np.ndarray:
        """P(engaged) per row."""
        self.check_fitted()
        if len(data) == 0:
            return np.zeros(0)
        return np.asarray(self.booster_.predict(_matrix(data), num_threads=self.n_jobs))

    def explain(self, data: pd.DataFrame, top: int = 3) -> list[list[tuple[str, float]]]:
        """Per row, the ``top`` features that pushed its log-odds most (either way)."""
        self.check_fitted()
        if len(data) == 0:
            return []
        contrib = np.asarray(
            self.booster_.predict(_matrix(data), pred_contrib=True, num_threads=self.n_jobs)
        )[:, : len(FEATURES)]
        out = []
        for row in contrib:
            order = np.argsort(-np.abs(row), kind="stable")[:top]
            out.append([(FEATURES[i], round(float(row[i]), 4)) for i in order if row[i] != 0])
        return out

    def _dump(self) -> dict[str, bytes]:
        state = {"threshold": self.threshold_, "features": list(FEATURES)}
        return {
            "state.json": json.dumps(state).encode(),
            "booster.txt": self.booster_.model_to_string().encode(),
        }

    def _restore(self, parts: dict[str, bytes]) -> None:
        state = json.loads(parts["state.json"])
        if list(state["features"]) != list(FEATURES):
            raise ModelError("victim model was trained on other features; retrain it")
        self.threshold_ = float(state["threshold"])
        self.booster_ = lgb.Booster(model_str=parts["booster.txt"].decode())


def _matrix(data: pd.DataFrame) -> np.ndarray:
    missing = [c for c in FEATURES if c not in data.columns]
    if missing:
        raise ModelError(f"victim feature table lacks columns {missing[:5]}")
    return np.ascontiguousarray(data[list(FEATURES)].to_numpy(dtype=np.float64, na_value=np.nan))


def _labels(labels: Any, n_rows: int) -> np.ndarray:
    y = np.asarray(labels, dtype=np.float64)
    if len(y) != n_rows:
        raise ModelError(f"{len(y)} labels for {n_rows} rows")
    if n_rows < 4 or not set(np.unique(y)) <= {0.0, 1.0} or len(np.unique(y)) < 2:
        raise ModelError("labels must be 0/1 with both classes present (at least 4 rows)")
    return y.astype(np.int64)
