"""Read the simulator's ground truth (``ground_truth/targets.csv``, ``manifest.json``)."""

from __future__ import annotations

import csv
import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fanzha.core import phone
from fanzha.errors import EvaluationError

TARGETED_STAGES = frozenset({"engaged", "protected_self", "would_lose"})


@dataclass(frozen=True)
class Target:
    """A resident contacted by a fraud operation, and how far it went."""

    phone: int
    fraud_type: str
    first_contact: dt.datetime
    stage: str
    loss_time: dt.datetime | None
    loss_amount: float

    @property
    def would_lose(self) -> bool:
        """Would have lost money had nobody intervened."""
        return self.stage == "would_lose" and self.loss_time is not None

    @property
    def targeted(self) -> bool:
        """Engaged by the fraud, beyond a cold contact."""
        return self.stage in TARGETED_STAGES


@dataclass(frozen=True)
class Truth:
    """All targets plus the simulated window."""

    targets: list[Target]
    start: dt.datetime
    end: dt.datetime
    residents: int

    @property
    def days(self) -> float:
        """Length of the simulated window in days."""
        return (self.end - self.start).total_seconds() / 86400


def load_truth(sim_dir: Path) -> Truth:
    """Load ground truth written by ``fanzha simulate``."""
    path = Path(sim_dir) / "ground_truth" / "targets.csv"
    manifest = Path(sim_dir) / "manifest.json"
    if not path.exists() or not manifest.exists():
        raise EvaluationError(
            "no ground truth here (expected ground_truth/targets.csv and "
            "manifest.json from `fanzha simulate`)",
            file=str(sim_dir),
        )
    meta = json.loads(manifest.read_text(encoding="utf-8"))
    start = dt.datetime.fromisoformat(str(_param(meta, "start")))
    days = float(_param(meta, "days"))
    with path.open(encoding="utf-8", newline="") as handle:
        targets = [_target(row, n) for n, row in enumerate(csv.DictReader(handle), start=2)]
    return Truth(targets, start, start + dt.timedelta(days=days), int(_param(meta, "residents")))


def _param(meta: dict[str, Any], name: str) -> Any:
    params = meta.get("parameters", meta)
    if isinstance(params, dict) and name in params:
        return params[name]
    if name in meta:
        return meta[name]
    raise EvaluationError(f"manifest.json lacks {name!r}")


def _target(row: dict[str, str], line: int) -> Target:
    try:
        loss = row.get("would_be_loss_time") or ""
        return Target(
            phone=phone.parse(row["phone"]),
            fraud_type=row["fraud_type"],
            first_contact=dt.datetime.fromisoformat(row["first_contact"]),
            stage=row["stage"],
            loss_time=dt.datetime.fromisoformat(loss) if loss else None,
            loss_amount=float(row.get("would_be_loss_amount") or 0),
        )
    except (KeyError, ValueError) as exc:
        raise EvaluationError(f"bad ground-truth row: {exc}", file="targets.csv", row=line) from exc
