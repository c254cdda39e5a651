"""Read and write the CSV forms of the number model: feature tables, edge lists, scores."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from fanzha.errors import ModelError


def read_feature_table(
    path: Path, id_col: str, label_col: str | None = None
) -> tuple[pd.DataFrame, np.ndarray | None]:
    """Features indexed by the id column (as text) and, when asked, the 0/1 labels."""
    frame = _read_csv(path, dtype={id_col: str})
    for column in (id_col, label_col):
        if column is not None and column not in frame.columns:
            raise ModelError(f"column {column!r} not in the feature table", file=str(path))
    frame = frame.set_index(id_col)
    frame.index = frame.index.astype(str)
    if label_col is None:
        return frame, None
    labels = pd.to_numeric(frame.pop(label_col), errors="coerce")
    if labels.isna().any() or not labels.isin([0, 1]).all():
        raise ModelError("labels must be 0 or 1 on every row", file=str(path), column=label_col)
    return frame, labels.to_numpy(dtype=np.int64)


def read_edges(path: Path | None) -> pd.DataFrame | None:
    """An edge list (first two columns: the linked ids) or ``None``."""
    if path is None:
        return None
    edges = _read_csv(path, dtype=str)
    if edges.shape[1] < 2:
        raise ModelError("an edge list needs two columns", file=str(path))
    return edges.iloc[:, :2]


def write_scores(path: Path, ids: pd.Index, scores: np.ndarray, threshold: float) -> None:
    """``id,score,is_fraud`` in input order."""
    out = pd.DataFrame(
        {"id": ids.astype(str), "score": scores, "is_fraud": (scores >= threshold).astype(int)}
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    out.to_csv(path, index=False, float_format="%.6f")


def _read_csv(path: Path, **options: object) -> pd.DataFrame:
    try:
        return pd.read_csv(path, **options)  # type: ignore[call-overload, no-any-return]
    except (OSError, ValueError) as exc:
        raise ModelError(f"cannot read CSV: {exc}", file=str(path)) from exc
