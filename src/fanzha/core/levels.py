"""Warning levels: 紧急 emergency > 高 high > 中 medium > 低 low."""

from __future__ import annotations

from enum import IntEnum


class Level(IntEnum):
    """Warning level; larger is more urgent, so ``max`` raises a level."""

    LOW = 1
    MEDIUM = 2
    HIGH = 3
    EMERGENCY = 4

    @property
    def zh(self) -> str:
        """Chinese name used on screens and in reports."""
        return _ZH[self]

    @classmethod
    def parse(cls, text: str | int) -> Level:
        """Accept ``emergency``/``紧急``/``4`` and the like."""
        if isinstance(text, int) or str(text).strip().isdigit():
            return cls(int(text))
        key = str(text).strip().lower()
        for level in cls:
            if key in (level.name.lower(), level.zh):
                return level
        raise ValueError(f"unknown warning level {text!r}; use 紧急/高/中/低 or emergency/high/…")


_ZH = {Level.LOW: "低", Level.MEDIUM: "中", Level.HIGH: "高", Level.EMERGENCY: "紧急"}
