"""Victim-risk explanations in words: the largest feature contributions of one warning."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fanzha.detection.victim.features import SIGNAL_FLAGS

PHRASES: dict[str, tuple[str, str]] = {
    "hours_since_contact": ("距首次可疑接触的时长", "time since the first suspicious contact"),
    "cp_calls": ("与可疑号码的通话次数", "calls with the suspicious numbers"),
    "cp_answered": ("与可疑号码接通的通话", "answered calls with the suspicious numbers"),
    "cp_minutes": ("与可疑号码的通话总时长", "minutes talked with the suspicious numbers"),
    "cp_max_minutes": ("与可疑号码的最长一次通话", "longest call with a suspicious number"),
    "cp_callbacks": ("居民回拨可疑号码", "the resident called the suspicious number back"),
    "cp_days": ("与可疑号码联系的天数", "days in contact with the suspicious numbers"),
    "cp_sms": ("收到可疑号码的短信", "SMS from the suspicious numbers"),
    "cp_reach": ("可疑号码联系的人数", "residents the suspicious number reaches"),
    "cp_known_before": ("此前与该号码有过通话", "earlier calls with that number"),
    "installs": ("接触后安装的应用", "apps installed after the contact"),
    "rare_installs": ("安装了少见的应用", "rare apps installed after the contact"),
    "remote_installs": ("安装了远程控制/屏幕共享应用", "remote-control or screen-sharing app"),
    "transfers": ("接触后的转账", "transfers after the contact"),
    "new_payees": ("向新收款人转账", "transfers to new payees"),
    "rare_payees": ("向少见收款账户转账", "transfers to rarely paid accounts"),
    "transfer_amount": ("接触后的转账金额", "amount transferred after the contact"),
    "max_transfer": ("最大一笔转账/取现", "largest transfer or withdrawal"),
    "withdrawals": ("接触后取现", "cash withdrawals after the contact"),
    "withdrawn": ("取现金额", "amount withdrawn"),
    "base_transfers_per_day": ("平时的转账频率", "the resident's usual transfers per day"),
    "rare_hosts": ("访问少见网站", "visits to rare web sites"),
    "night_events": ("深夜通话", "calls at night (00:00–06:00)"),
    "age": ("年龄", "age"),
    "male": ("性别", "gender"),
    "occupation": ("职业与诈骗类型的匹配", "occupation against the fraud type"),
    "fraud_type": ("诈骗类型", "fraud type"),
    "level": ("预警级别", "warning level"),
    "score": ("风险分", "risk score"),
    "n_signals": ("信号数量", "number of signals"),
}
for _kind in SIGNAL_FLAGS:
    PHRASES.setdefault(f"sig_{_kind}", (f"信号 {_kind}", f"signal {_kind}"))


def explain_words(
    contributions: list[tuple[str, float]], value_of: Mapping[Any, Any]
) -> list[dict[str, Any]]:
    """Each contribution as ``{feature, value, effect, zh, en}`` (effect: log-odds, signed)."""
    out = []
    for name, effect in contributions:
        zh, en = PHRASES.get(name, (name, name))
        direction = ("升高", "raises") if effect > 0 else ("降低", "lowers")
        value = value_of.get(name)
        shown = "—" if value is None or value != value else f"{float(value):g}"
        out.append(
            {
                "feature": name,
                "value": None if shown == "—" else float(value),  # type: ignore[arg-type]
                "effect": round(effect, 3),
                "zh": f"{zh}（{shown}）{direction[0]}受骗可能",
                "en": f"{en} ({shown}) {direction[1]} the risk",
            }
        )
    return out
