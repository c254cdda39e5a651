"""The reports' words in Chinese (default) and English.

Reports are built below the web layer (which must not be imported here), so their strings
live here rather than in ``fanzha.web.i18n``; a test checks both languages are complete.
"""

from __future__ import annotations

from collections.abc import Callable

STRINGS: dict[str, tuple[str, str]] = {
    # report kinds and headings
    "kind.daily": ("反诈预警劝阻日报", "Anti-fraud warning daily brief"),
    "kind.weekly": ("反诈预警劝阻周报", "Anti-fraud warning weekly report"),
    "kind.monthly": ("反诈预警劝阻月报", "Anti-fraud warning monthly report"),
    "kind.trial": ("预警劝阻系统试运行评估报告", "Warning system trial evaluation"),
    "subtitle": (
        "统计期间：{period}（{start} 至 {end}，本地时间）",
        "Period: {period} ({start} to {end}, local time)",
    ),
    "generated": ("生成时间：{at}", "Generated: {at}"),
    "section.key": ("主要指标", "Key figures"),
    "section.trend": ("走势", "Trend"),
    "section.station": ("分派出所", "By police station"),
    "section.type": ("分诈骗类型", "By fraud type"),
    "section.level": ("分预警等级", "By warning level"),
    "section.source": ("分线索来源", "By lead source"),
    "section.rule": ("分规则（信号类型）", "By rule (signal kind)"),
    "section.officer": ("分民警", "By officer"),
    "section.two": ("两升两降", "Two up, two down"),
    "section.definitions": ("口径说明", "Definitions"),
    # table columns
    "col.indicator": ("指标", "Indicator"),
    "col.current": ("本期", "This period"),
    "col.previous": ("上期", "Previous period"),
    "col.mom": ("环比", "Change vs previous"),
    "col.last_year": ("去年同期", "Same period last year"),
    "col.yoy": ("同比", "Change vs last year"),
    "col.period": ("时间", "Period"),
    "col.station": ("派出所", "Station"),
    "col.type": ("诈骗类型", "Fraud type"),
    "col.level": ("等级", "Level"),
    "col.source": ("来源", "Source"),
    "col.rule": ("规则", "Rule"),
    "col.officer": ("民警", "Officer"),
    "col.good": ("方向符合", "As wanted"),
    # figures
    "fig.issued": ("预警下发数", "Warnings issued"),
    "fig.signed": ("签收数", "Signed for"),
    "fig.fed_back": ("反馈数", "Fed back"),
    "fig.closed": ("办结数", "Closed"),
    "fig.checkable": ("可核查数", "Checkable"),
    "fig.fraud_related": ("确认涉诈数", "Confirmed fraud-related"),
    "fig.accuracy": ("预警准确率", "Warning accuracy"),
    "fig.false_positive": ("误报率（不符）", "False-positive rate"),
    "fig.duplicate": ("重复预警数", "Duplicates"),
    "fig.success": ("劝阻成功率", "Dissuasion success rate"),
    "fig.on_time": ("按时处置率", "On-time rate"),
    "fig.face_to_face": ("见面率", "Face-to-face rate"),
    "fig.victimisation": ("预警后被骗率", "Post-warning victimisation"),
    "fig.saved": ("挽损金额（民警填报，元）", "Amount protected (self-reported, yuan)"),
    "fig.lost": ("预警后被骗金额（元）", "Lost after warning (yuan)"),
    "fig.cases": ("立案数", "Cases reported"),
    "fig.loss": ("案损金额（元）", "Losses (yuan)"),
    "fig.solved": ("破案数", "Cases solved"),
    "fig.arrests": ("抓获人数", "Arrests"),
    "fig.stop_on_time": ("30分钟内止付率", "Stop-payment filed on time"),
    "fig.stopped": ("止付金额（元）", "Stopped (yuan)"),
    "fig.frozen": ("冻结金额（元）", "Frozen (yuan)"),
    "fig.returned": ("返还金额（元）", "Returned (yuan)"),
    "fig.on_time_level": ("按时处置率（{level}）", "On-time rate ({level})"),
    # words
    "yes": ("是", "yes"),
    "no": ("否", "no"),
    "pt": ("个百分点", " pt"),
    "two.verdict": ("两升两降：{verdict}", "Two up, two down: {verdict}"),
    "two.explain": (
        "破案数、抓获人数上升，立案数、案损金额下降（与上期比）。",
        "Cases solved and arrests up, cases and losses down (against the previous period).",
    ),
    "note.saved": (
        "挽损金额为民警反馈时自行填报的数字，未经核实。",
        "The amount protected is what officers reported in their feedback; it is not verified.",
    ),
    "note.rule": (
        "一条预警按其理由中的每种信号各计一次，因此各行之和大于预警总数。",
        "A warning counts once under every signal kind among its reasons, so rows overlap.",
    ),
    "note.victim": (
        "预警后被骗率：预警后{days}天内报案的被预警人数 ÷ 被预警人数；"
        "统计期结束不满{days}天时数字仍会上升。",
        "Post-warning victimisation: warned people who reported a fraud within {days} days ÷ "
        "warned people; it can still rise until {days} days after the period.",
    ),
    "definitions": (
        "预警按下发时间归期，按其当前（最新的终结）反馈计算，迟到的反馈会改变以往期间的数字；"
        "案件按报案时间归期。准确率 = 确认涉诈 ÷ 可核查（已办结，去除确实找不到与重复预警）；"
        "误报率 = 不符 ÷ 可核查；劝阻成功率 = 涉诈且已接触、未被骗 ÷ 涉诈且已接触；"
        "按时处置率 = 未超时 ÷ 已到期；见面率 = 已见面 ÷ 应见面（紧急、高等级）。"
        "分母为0时显示“—”。",
        "A warning belongs to the period it was issued in and is judged by its current (latest "
        "final) outcome, so late feedback changes past periods; a case belongs to the period it "
        "was reported in. Accuracy = confirmed fraud-related ÷ checkable (closed, minus not "
        "found and duplicates); false-positive rate = does-not-match ÷ checkable; success = "
        "fraud-related, contacted and not defrauded ÷ fraud-related and contacted; on-time = "
        "never overdue ÷ due; face-to-face = visited ÷ visits owed (emergency and high). "
        "'—' means there was nothing to divide by.",
    ),
    "centre": ("中心", "centre"),
    "none": ("无数据", "no data"),
}


def translator(lang: str) -> Callable[..., str]:
    """``t(key, **values)`` in ``lang`` (``zh`` or ``en``); an unknown key returns itself."""
    index = 1 if lang == "en" else 0

    def t(key: str, **values: object) -> str:
        pair = STRINGS.get(key)
        text = pair[index] if pair else key
        return text.format(**values) if values else text

    return t
