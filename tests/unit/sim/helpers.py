"""Reading a simulator output directory in tests."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq


def read_kind(out: Path, kind: str) -> pa.Table:
    """Every Parquet part of a kind, concatenated."""
    return pa.concat_tables([pq.read_table(p) for p in sorted((out / kind).glob("part-*.parquet"))])


def read_truth(out: Path, name: str) -> pd.DataFrame:
    """A ground-truth CSV with every column as text."""
    return pd.read_csv(out / "ground_truth" / f"{name}.csv", dtype=str, keep_default_na=False)
