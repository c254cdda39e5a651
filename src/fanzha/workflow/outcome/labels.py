"""What a recorded outcome says about the warned resident: the victim model's desk labels.

:data:`VICTIM_LABEL` maps every outcome category to engaged (1: the resident was in the
fraud — dissuaded, visited, defrauded, stopped through a relative), not engaged (0: the
resident had recognised it alone, 自主防范, or it was no fraud, 不符) or no label (``None``:
the resident was not reached, the warning was a duplicate or went to another jurisdiction,
or the round is not final). ``tests/unit/detection/test_victim_desk.py`` checks that every
category is mapped, so a new one cannot be left out.

:func:`desk_labels` reads, per warning, its latest outcome that gives a label (else its
latest outcome) from the workflow store; ``fanzha train-victim-model --from-desk`` trains on
them (``fanzha.detection.victim.desk``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from types import MappingProxyType
from typing import Final, Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from fanzha.detection.victim.checkpoints import WarningSnapshot
from fanzha.detection.victim.desk import DeskLabel
from fanzha.workflow.outcome.models import Category, Outcome
from fanzha.workflow.warning.models import EarlyWarning

Label = Literal[0, 1] | None

VICTIM_LABEL: Final[Mapping[Category, Label]] = MappingProxyType(
    {
        Category.DISSUADED: 1,  # 及时劝阻: stopped in time, so the resident was engaging
        Category.VISITED: 1,  # 已上门劝阻: visited and dissuaded
        Category.DEFRAUDED: 1,  # 已被骗: had transferred
        Category.RELATIVE: 1,  # 亲友: fraud confirmed, stopped through a relative
        Category.SELF_PROTECTED: 0,  # 自主防范: recognised it alone (the desk's cold contact)
        Category.MISMATCH: 0,  # 不符: no fraud
        Category.NOT_REACHED: None,  # 未接通: nobody answered
        Category.VISIT_FAILED: None,  # 无效上门
        Category.NOT_FOUND_YET: None,  # 暂时找不到
        Category.NOT_FOUND: None,  # 确实找不到
        Category.DUPLICATE: None,  # 重复预警: the other warning carries the label
        Category.TRANSFER: None,  # 移交: another jurisdiction's resident
        Category.FOLLOW_UP: None,  # 需再次反馈: not final
    }
)


def victim_label(category: str) -> Label:
    """The label an outcome category gives (``None``: no label; unknown codes give none)."""
    try:
        return VICTIM_LABEL[Category(category)]
    except ValueError:
        return None


def desk_labels(session: Session, since: dt.datetime | None = None) -> list[DeskLabel]:
    """Per warning with an outcome recorded at or after ``since``: its label and snapshot."""
    query = (
        select(Outcome.warning_id, Outcome.category, EarlyWarning)
        .join(EarlyWarning, EarlyWarning.id == Outcome.warning_id)
        .order_by(Outcome.at, Outcome.id)
    )
    if since is not None:
        query = query.where(Outcome.at >= since)
    latest: dict[int, tuple[str, EarlyWarning]] = {}
    for warning_id, category, warning in session.execute(query):
        if victim_label(category) is not None or victim_label(_code(latest, warning_id)) is None:
            latest[warning_id] = (category, warning)
    return [
        DeskLabel(WarningSnapshot.of(str(w.id), w, w.reasons), code, victim_label(code))
        for code, w in latest.values()
    ]


def _code(latest: dict[int, tuple[str, EarlyWarning]], warning_id: int) -> str:
    return latest[warning_id][0] if warning_id in latest else ""
