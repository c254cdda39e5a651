"""Every signal kind and combination detection can emit has a label on the desk."""

from __future__ import annotations

from fanzha.detection.rules import load_rules
from fanzha.detection.rules.model import SIGNAL_KINDS
from fanzha.web.i18n import translator


def test_signal_labels_cover_every_kind_in_both_languages() -> None:
    kinds = [*SIGNAL_KINDS, *(combo.id for combo in load_rules().combos)]
    for lang in ("zh", "en"):
        t = translator(lang)
        unlabelled = [k for k in kinds if t(f"signal.{k}") == k]
        assert unlabelled == [], lang
    assert translator("zh")("signal.indicator_call") == "与黑名单号码通话"
