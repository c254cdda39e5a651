"""The ``outcomes`` table and the outcome categories of ``domain.md``."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from pydantic import BaseModel, Field
from sqlalchemy import BigInteger, Boolean, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from fanzha.store.database import Base


class Category(StrEnum):
    """Outcome categories seen in real systems."""

    SELF_PROTECTED = "self_protected"  # 自主防范
    DISSUADED = "dissuaded"  # 及时劝阻
    DEFRAUDED = "defrauded"  # 已被骗
    NOT_REACHED = "not_reached"  # 未接通
    RELATIVE = "relative"  # 亲友
    VISITED = "visited"  # 已上门劝阻
    VISIT_FAILED = "visit_failed"  # 无效上门
    NOT_FOUND_YET = "not_found_yet"  # 暂时找不到
    NOT_FOUND = "not_found"  # 确实找不到
    MISMATCH = "mismatch"  # 不符 (false positive)
    DUPLICATE = "duplicate"  # 重复预警
    TRANSFER = "transfer"  # 移交 (not our jurisdiction)
    FOLLOW_UP = "follow_up"  # 需再次反馈


@dataclass(frozen=True)
class CategoryInfo:
    """How a category behaves: whether it closes the warning, what it requires."""

    zh: str
    en: str
    final: bool
    needs_confirmation: bool = False  # confirmed level and fraud type required
    needs_loss: bool = False
    needs_note: bool = False


CATEGORIES: dict[Category, CategoryInfo] = {
    Category.SELF_PROTECTED: CategoryInfo("自主防范", "already protected", True, True),
    Category.DISSUADED: CategoryInfo("及时劝阻", "dissuaded in time", True, True),
    Category.DEFRAUDED: CategoryInfo("已被骗", "already defrauded", True, True, needs_loss=True),
    Category.NOT_REACHED: CategoryInfo("未接通", "not reached", False, needs_note=True),
    Category.RELATIVE: CategoryInfo("亲友", "reached a relative", True, True),
    Category.VISITED: CategoryInfo("已上门劝阻", "visited and dissuaded", True, True),
    Category.VISIT_FAILED: CategoryInfo("无效上门", "failed visit", False, needs_note=True),
    Category.NOT_FOUND_YET: CategoryInfo("暂时找不到", "not found yet", False),
    Category.NOT_FOUND: CategoryInfo("确实找不到", "definitely not found", True, needs_note=True),
    Category.MISMATCH: CategoryInfo("不符", "does not match", True, needs_note=True),
    Category.DUPLICATE: CategoryInfo("重复预警", "duplicate", True),
    Category.TRANSFER: CategoryInfo("移交", "not our jurisdiction", False, needs_note=True),
    Category.FOLLOW_UP: CategoryInfo("需再次反馈", "needs a further round", False),
}


class Outcome(Base):
    """One feedback round. Amounts are in fen (1/100 yuan) so sums stay exact."""

    __tablename__ = "outcomes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    warning_id: Mapped[int] = mapped_column(Integer, ForeignKey("warnings.id"), index=True)
    category: Mapped[str] = mapped_column(String(24), index=True)
    final: Mapped[bool] = mapped_column(Boolean)
    amount_lost_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    amount_saved_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    confirmed_level: Mapped[int | None] = mapped_column(Integer)
    confirmed_type: Mapped[str | None] = mapped_column(String(64))
    note: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[dt.datetime] = mapped_column(DateTime)
    actor: Mapped[str] = mapped_column(String(160))
    user_id: Mapped[int | None] = mapped_column(Integer, ForeignKey("users.id"))


class OutcomeCreate(BaseModel):
    """An outcome as the form and the API give it; ``version`` is the warning version seen."""

    category: Category
    version: int = Field(ge=1)
    amount_lost: float = Field(0, ge=0, le=1e11)
    amount_saved: float = Field(0, ge=0, le=1e11)
    confirmed_level: int | None = Field(None, ge=1, le=4)
    confirmed_type: str | None = Field(None, max_length=64)
    note: str = Field("", max_length=2000)


class OutcomeRead(BaseModel):
    """An outcome as shown (amounts in yuan)."""

    model_config = {"from_attributes": True}

    id: int
    warning_id: int
    category: str
    final: bool
    amount_lost_fen: int
    amount_saved_fen: int
    confirmed_level: int | None
    confirmed_type: str | None
    note: str
    at: dt.datetime
