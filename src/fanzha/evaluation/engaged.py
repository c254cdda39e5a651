"""Ground-truth labels for the victim model: was the warned resident engaging by then?"""

from __future__ import annotations

from collections import defaultdict

import numpy as np
import pandas as pd

from fanzha.evaluation.truth import Target, Truth


def targets_by_resident(truth: Truth, resident_of: dict[int, str]) -> dict[str, list[Target]]:
    """Ground-truth targets grouped by resident id (a resident may have several phones)."""
    out: dict[str, list[Target]] = defaultdict(list)
    for t in truth.targets:
        out[resident_of.get(t.phone, f"N{t.phone}")].append(t)
    return out


def engaged_labels(
    checkpoints: pd.DataFrame, truth: Truth, resident_of: dict[int, str]
) -> np.ndarray:
    """1 where the resident is a target who engaged and whose contact began by ``as_of``."""
    by_resident = targets_by_resident(truth, resident_of)
    labels = [
        int(any(t.targeted and t.first_contact <= as_of for t in by_resident.get(rid, [])))
        for rid, as_of in zip(checkpoints["resident_id"], checkpoints["as_of"], strict=True)
    ]
    return np.asarray(labels, dtype=np.int64)
