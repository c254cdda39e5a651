"""The desk's words in Chinese (default) and English."""

from __future__ import annotations

from collections.abc import Callable

from fanzha.core import fraud_types
from fanzha.core.levels import Level
from fanzha.web.outreach_words import OUTREACH_WORDS
from fanzha.web.publicity_words import PUBLICITY_WORDS
from fanzha.workflow.action.models import ActionKind
from fanzha.workflow.outcome.models import CATEGORIES, Category

LANGUAGES = ("zh", "en")

# Detection's signal kinds and combinations (docs/rules.md), as the desk shows them.
_SIGNALS: dict[str, tuple[str, str]] = {
    "indicator_call": ("与黑名单号码通话", "call with a blacklisted number"),
    "indicator_sms": ("收到黑名单号码短信", "SMS from a blacklisted number"),
    "sms_link": ("短信含涉诈链接", "SMS linking to a blacklisted site"),
    "scam_text_sms": ("短信内容疑似诈骗", "SMS text judged a scam"),
    "scam_link_visit": ("点开诈骗短信中的链接", "opened a link from a scam SMS"),
    "scam_site_visit": ("访问诈骗短信所链网站", "visited the site a scam SMS linked to"),
    "indicator_url": ("访问涉诈网站", "visit to a blacklisted site"),
    "indicator_app": ("安装/使用涉诈App", "blacklisted app installed or used"),
    "indicator_account": ("向涉诈账户转账", "transfer to a blacklisted account"),
    "upstream_lead": ("上级预警指令", "upstream warning lead"),
    "suspicious_call": ("境外/虚拟号段首次长通话", "first long call from a foreign/virtual number"),
    "behaviour_number_call": ("与疑似诈骗号码通话(行为)", "call with a number behaving like fraud"),
    "suspected_number_call": ("与模型识别的可疑号码通话", "call with a model-suspected number"),
    "remote_app_install": ("安装远程控制/共享屏幕App", "remote-control app installed"),
    "new_payee_transfer": ("首次向新收款方转账", "first transfer to a new payee"),
    "cash_withdrawal": ("大额取现", "large cash withdrawal"),
    "remote_app_after_contact": ("可疑接触后安装远控App", "remote-control app after a contact"),
    "new_payee_after_contact": ("可疑接触后向新收款方转账", "new payee paid after a contact"),
    "withdrawal_after_contact": ("可疑接触后大额取现", "cash withdrawal after a contact"),
    "transfer_after_remote_app": ("远控后转账", "transfer after a remote-control app"),
}

_WORDS: dict[str, tuple[str, str]] = {
    "app": ("反诈预警工作台", "Anti-fraud warning desk"),
    "emergency_notice": ("新的紧急预警，请立即处置", "New emergency warning: act now"),
    "login": ("登录", "Log in"),
    "logout": ("退出", "Log out"),
    "username": ("用户名", "User name"),
    "password": ("密码", "Password"),
    "bad_login": ("用户名或密码错误", "Wrong user name or password"),
    "throttled": ("登录失败次数过多，请稍后再试", "Too many failed logins; try again later"),
    "queue": ("预警队列", "Warning queue"),
    "mine": ("我的", "Mine"),
    "supervise": ("督导", "Supervision"),
    "admin_users": ("用户管理", "Users"),
    "admin_stations": ("派出所管理", "Stations"),
    "audit": ("审计日志", "Audit log"),
    "export": ("导出", "Export"),
    "level": ("等级", "Level"),
    "status": ("状态", "Status"),
    "station": ("派出所", "Station"),
    "type": ("诈骗类型", "Fraud type"),
    "source": ("来源", "Source"),
    "phone": ("手机号", "Phone"),
    "lead_id_number": ("身份证号（仅用于匹配，不保存）", "ID number (matching only, not stored)"),
    "due": ("时限", "Due"),
    "assignee": ("责任人", "Assignee"),
    "filter": ("筛选", "Filter"),
    "all": ("全部", "All"),
    "open": ("未结", "Open"),
    "overdue": ("超期未劝阻", "Overdue"),
    "centre_queue": ("中心队列（辖区外）", "Centre queue (outside the area)"),
    "warned_at": ("预警时间", "Warned at"),
    "score": ("分值", "Score"),
    "reasons": ("预警依据", "Reasons"),
    "timeline": ("证据时间线", "Evidence timeline"),
    "actions": ("处置记录", "Actions"),
    "outcomes": ("反馈", "Outcomes"),
    "sign": ("签收", "Sign for"),
    "record_action": ("记录处置", "Record an action"),
    "record_outcome": ("提交反馈", "Submit outcome"),
    "next_steps": ("建议下一步", "Next steps"),
    "reveal": ("查看完整号码", "Reveal number"),
    "purpose": ("用途（将记入审计）", "Purpose (audited)"),
    "transfer": ("移交", "Transfer"),
    "assign": ("指派", "Assign"),
    "outside": ("辖区外（移交外地）", "Outside the area"),
    "note": ("说明", "Note"),
    "result": ("结果", "Result"),
    "amount_lost": ("被骗金额（元）", "Amount lost (yuan)"),
    "amount_saved": ("止损金额（元，自报）", "Amount saved (yuan, self-reported)"),
    "confirmed_level": ("核实等级", "Confirmed level"),
    "confirmed_type": ("核实类型", "Confirmed type"),
    "category": ("反馈类别", "Outcome"),
    "reason": ("止付理由", "Reason"),
    "notice": ("告知内容", "Notice to the person"),
    "appeal_channel": ("申诉渠道", "Appeal channel"),
    "submit": ("提交", "Submit"),
    "saved": ("已保存", "Saved"),
    "conflict": ("冲突", "Conflict"),
    "ranking": ("派出所排名", "Station ranking"),
    "on_time": ("按时率", "On-time rate"),
    "closed": ("已结", "Closed"),
    "breached": ("曾超期", "Breached"),
    "escalations": ("超期提醒", "Escalations"),
    "create": ("新建", "Create"),
    "role": ("角色", "Role"),
    "name": ("名称", "Name"),
    "code": ("编码", "Code"),
    "on_duty": ("在岗", "On duty"),
    "active": ("启用", "Active"),
    "api_keys": ("API 密钥", "API keys"),
    "scopes": ("权限范围", "Scopes"),
    "shown_once": ("仅显示一次，请妥善保存", "Shown once: keep it safe"),
    "verify": ("校验", "Verify"),
    "chain_ok": ("审计链完整", "Audit chain intact"),
    "chain_bad": ("审计链被篡改，首个异常记录", "Audit chain broken at record"),
    "next_page": ("下一页", "Next page"),
    "prev_page": ("上一页", "Previous page"),
    "none": ("无", "None"),
    "new_lead": ("录入预警", "Enter a lead"),
    "narrative": ("线索描述", "Narrative"),
    "instruction_no": ("指令编号", "Instruction no."),
    "source_unit": ("下发单位", "Issuing unit"),
    "error": ("出错了", "Something went wrong"),
    "not_found": ("未找到（或不在您的辖区）", "Not found (or outside your jurisdiction)"),
    "forbidden": ("没有权限", "Permission denied"),
    "back": ("返回", "Back"),
    "level_history": ("等级变化", "Level history"),
    "stage.sign": ("待签收", "sign by"),
    "stage.contact": ("待联系", "contact by"),
    "stage.visit": ("待见面", "visit by"),
    "version": ("版本", "Version"),
    "evidence": ("证据", "Evidence"),
    "weight": ("权重", "Weight"),
    "kind": ("信号", "Signal"),
    "time": ("时间", "Time"),
    "actor": ("操作人", "By"),
    "community": ("社区", "Community"),
    "resident": ("人员编号", "Resident"),
    # Protective stop-payments (restrictions) and appeals.
    "restrictions": ("保护性止付", "Protective stop-payments"),
    "active_restrictions": ("生效中的保护性止付", "Active protective stop-payments"),
    "restriction.active": ("生效中", "active"),
    "restriction.lifted": ("已解除", "lifted"),
    "restriction_age": ("已持续", "Standing for"),
    "requested_at": ("止付时间", "Requested at"),
    "lifted_at": ("解除时间", "Lifted at"),
    "lift": ("解除止付", "Lift"),
    "lift_reason": ("解除理由（必填）", "Reason for lifting (required)"),
    "appeal": ("申诉", "Appeal"),
    "appeal_text": ("申诉内容", "What the person appeals"),
    "record_appeal": ("登记申诉", "Record appeal"),
    "appeal_pending": ("申诉待处理", "appeal pending"),
    "decision": ("处理结果", "Decision"),
    "decision.upheld": ("申诉成立（立即解除）", "upheld (lifted at once)"),
    "decision.rejected": ("申诉驳回", "rejected"),
    "decision_note": ("处理说明（驳回必填）", "Note (required to reject)"),
    "decide": ("处理申诉", "Decide"),
    "warning": ("预警", "Warning"),
    # Station and API-key administration.
    "rename": ("改名", "Rename"),
    "deactivate": ("停用", "Deactivate"),
    "activate": ("启用", "Reactivate"),
    "station_inactive": ("已停用", "inactive"),
    "inactive_station_help": (
        "停用的派出所不再接收新预警（其辖区预警进入中心队列待移交），已有未结预警保留。",
        "An inactive station receives no new warnings (its residents' warnings go to the centre"
        " queue for transfer); its open warnings stay.",
    ),
    "communities": ("社区/村", "Communities"),
    "move_to": ("划归", "Move to"),
    "key_prefix": ("密钥前缀", "Key prefix"),
    "key_active": ("有效", "active"),
    "key_revoked": ("已吊销", "revoked"),
    "last_used": ("最近使用", "Last used"),
    "never": ("从未", "never"),
    "revoke": ("吊销", "Revoke"),
}
# The case registry (警情/案件): pages /cases, /cases/new, /cases/{id}.
_CASE_WORDS: dict[str, tuple[str, str]] = {
    "cases": ("案件登记", "Cases"),
    "publicity": ("宣传", "Publicity"),
    "case": ("案件", "Case"),
    "new_case": ("录入案件", "Enter a case"),
    "case_no": ("案件编号", "Case no."),
    "case_count": ("案件数", "Cases"),
    "reported_at": ("报案时间", "Reported at"),
    "occurred_at": ("发案时间", "Occurred at"),
    "victim_phone": ("受害人手机号", "Victim's phone"),
    "victim_age": ("受害人年龄", "Victim's age"),
    "not_linked": ("未关联到本地人员", "not linked to a resident"),
    "loss": ("损失", "Loss"),
    "loss_yuan": ("损失金额（元，空=按转账合计）", "Loss (yuan; empty = sum paid)"),
    "frozen": ("冻结", "Frozen"),
    "returned": ("返还", "Returned"),
    "solved": ("破案", "Solved"),
    "solved_at": ("破案时间", "Solved at"),
    "arrests": ("抓获", "Arrested"),
    "yes": ("是", "yes"),
    "no": ("否", "no"),
    "period_from": ("报案日期自", "Reported from"),
    "period_to": ("至", "to"),
    "payee_accounts": ("一级收款账户", "First-level payee accounts"),
    "first_account": ("一级收款账户（可选）", "First-level payee account (optional)"),
    "add_account": ("添加收款账户", "Add a payee account"),
    "bank": ("开户行", "Bank"),
    "account_no": ("账号", "Account no."),
    "paid": ("转入", "Paid in"),
    "paid_yuan": ("转入金额（元）", "Paid in (yuan)"),
    "paid_at": ("转账时间", "Paid at"),
    "amount_yuan": ("金额（元）", "Amount (yuan)"),
    "stop_payment": ("紧急止付", "Stop-payment"),
    "stop_after": ("报案后", "filed"),
    "minutes": ("分钟止付", "min after the report"),
    "late": ("超时", "late"),
    "not_filed": ("未止付", "not filed"),
    "receive_only_until": ("只进不出至", "Receive-only until"),
    "expired": ("已到期", "expired"),
    "step.stop": ("止付", "Stop-payment"),
    "step.freeze": ("冻结", "Freeze"),
    "step.return": ("返还", "Return"),
    "station_from_community": ("（按社区确定）", "(from the community)"),
    # Editing, deactivating and reactivating a broadcast group (/broadcasts/groups/{id}/edit).
    "edit_group": ("修改推送群", "Edit group"),
    "save_group": ("保存修改", "Save changes"),
    "keep_blank": ("留空则不变", "leave blank to keep"),
    "deactivate_group": ("停用", "Deactivate"),
    "activate_group": ("重新启用", "Reactivate"),
    "group_deactivate_hint": (
        "停用的群不再出现在推送预览中、不再接收推送；已发推送、回执和转发记录保留",
        "A deactivated group is not offered or sent to; its past broadcasts, receipts and "
        "relays stay",
    ),
    "group_edit_form": ("表单", "Form"),
    "msg.group_updated": ("推送群已修改", "Group changed"),
    "msg.group_unchanged": ("没有需要保存的修改", "Nothing to change"),
    "msg.group_deactivated": ("推送群已停用", "Group deactivated"),
    "msg.group_activated": ("推送群已重新启用", "Group reactivated"),
    "msg.group_already": ("该群已是此状态，未作改动", "The group was so already; nothing changed"),
    "group_error.no_name": ("群名称不能为空", "a group needs a name"),
    "group_error.no_area": (
        "区域编码不能为空（区县或街道编码）",
        "a group needs an area (district or street code)",
    ),
    "group_error.audience": ("未知的群类型", "unknown audience"),
    "group_error.robot": ("未知的机器人类型", "unknown robot kind"),
    "group_error.too_long": ("内容过长", "too long"),
    "group_error.new_robot_webhook": (
        "更换机器人类型时须填写新的 Webhook 地址",
        "another robot needs its own webhook",
    ),
    "group_error.webhook": ("Webhook 须为 http(s) 地址", "the webhook must be an http(s) URL"),
    "group_error.secret": ("钉钉机器人须填写加签密钥", "a DingTalk robot needs its signing secret"),
    "group_error.name_taken": ("已有同名推送群", "a group of that name exists"),
    "group_error.stale": (
        "该群在您打开表单后已被他人修改；以下为当前内容，请核对后重新保存",
        "the group was changed after this form was opened; it is shown as it is now, check it "
        "and save again",
    ),
}
_STATUS = {
    "new": ("待分派", "new"),
    "routed": ("待签收", "to sign"),
    "signed": ("已签收", "signed"),
    "in_progress": ("处置中", "in progress"),
    "transfer_requested": ("申请移交", "transfer requested"),
    "closed": ("已结", "closed"),
    "transferred": ("已移交", "transferred"),
}
_ACTIONS = {
    ActionKind.SIGN: ("签收", "signed for"),
    ActionKind.CALL: ("电话劝阻", "call"),
    ActionKind.SMS: ("短信/闪信", "SMS / flash SMS"),
    ActionKind.RELATIVE: ("联系亲友", "relative contacted"),
    ActionKind.VISIT: ("上门劝阻", "visit"),
    ActionKind.OPERATOR_ASSIST: ("请运营商协助（停机）", "operator assistance (suspend line)"),
    ActionKind.STOP_PAYMENT: ("保护性止付", "protective stop-payment"),
    ActionKind.TRANSFER: ("移交", "transfer"),
    ActionKind.ASSIGN: ("指派", "assignment"),
    ActionKind.ESCALATE: ("超期上报督导", "escalated to supervisor"),
}


_DASHBOARD_WORDS: dict[str, tuple[str, str]] = {
    "dashboard": ("数据看板", "Dashboard"),
    "dash.period": ("统计周期", "Period"),
    "dash.this_month": ("本月", "This month"),
    "dash.last_month": ("上月", "Last month"),
    "dash.this_year": ("本年", "This year"),
    "dash.custom": ("自定义", "Custom"),
    "dash.from": ("起", "From"),
    "dash.to": ("止", "To"),
    "dash.apply": ("查询", "Apply"),
    "dash.all_stations": ("全部派出所", "All stations"),
    "dash.all_types": ("全部类型", "All types"),
    "dash.no_echarts": (
        "图表组件未安装：运行 make assets（表格仍可查看）",
        "Chart component not installed: run make assets (the tables below still work)",
    ),
    "dash.simulated": (
        "含模拟历史数据（fanzha simulate-history），仅供演示与测试",
        "Includes simulated history (fanzha simulate-history): for demos and tests only",
    ),
    "dash.mom": ("环比", "MoM"),
    "dash.yoy": ("同比", "YoY"),
    "dash.vs": ("对比", "vs"),
    "dash.kpi.warnings": ("预警数", "Warnings"),
    "dash.kpi.accuracy": ("预警准确率", "Warning accuracy"),
    "dash.kpi.success": ("劝阻成功率", "Dissuasion success"),
    "dash.kpi.on_time": ("按时处置率", "On-time rate"),
    "dash.kpi.face_to_face": ("见面率", "Face-to-face rate"),
    "dash.kpi.victimisation": ("预警后被骗率", "Post-warning victimisation"),
    "dash.kpi.cases": ("发案数", "Cases"),
    "dash.kpi.losses": ("损失金额（元）", "Losses (yuan)"),
    "dash.kpi.solved": ("破案数", "Solved"),
    "dash.kpi.arrests": ("抓获人数", "Arrests"),
    "dash.kpi.frozen": ("冻结金额（元）", "Frozen (yuan)"),
    "dash.kpi.returned": ("返还金额（元）", "Returned (yuan)"),
    "dash.kpi.protected": ("止损金额（元，自报）", "Amount protected (yuan, self-reported)"),
    "dash.trend": ("趋势", "Trend"),
    "dash.date": ("日期", "Date"),
    "dash.grain.day": ("按日", "per day"),
    "dash.grain.week": ("按周", "per week"),
    "dash.grain.month": ("按月", "per month"),
    "dash.by_type": ("按诈骗类型", "By fraud type"),
    "dash.by_source": ("按线索来源", "By source"),
    "dash.by_level": ("按预警等级", "By level"),
    "dash.ranking": ("派出所排名", "Station ranking"),
    "dash.heatmap": ("时段分布（小时 × 星期）", "Hour × weekday"),
    "dash.heat_warnings": ("预警", "Warnings"),
    "dash.heat_cases": ("发案", "Cases"),
    "dash.rules": ("规则命中与准确率", "Rules: hits and accuracy"),
    "dash.rule": ("规则", "Rule"),
    "dash.checkable": ("可核查", "Checkable"),
    "dash.fraud_related": ("确认涉诈", "Fraud-related"),
    "dash.weekday": ("星期", "Weekday"),
    "dash.hour": ("时", "Hour"),
    "dash.wd.0": ("周一", "Mon"),
    "dash.wd.1": ("周二", "Tue"),
    "dash.wd.2": ("周三", "Wed"),
    "dash.wd.3": ("周四", "Thu"),
    "dash.wd.4": ("周五", "Fri"),
    "dash.wd.5": ("周六", "Sat"),
    "dash.wd.6": ("周日", "Sun"),
    "dash.good_up": (
        "绿色＝向好，红色＝向差（发案、损失、被骗率下降为好）",
        "green = better, red = worse (fewer cases, losses and victims is better)",
    ),
    "dash.source.detection": ("本地检测", "own detection"),
    "dash.source.upstream": ("上级指令", "upstream lead"),
    "dash.source.operator": ("运营商", "telecom operator"),
    "dash.source.bank": ("银行", "bank"),
    "dash.source.internet": ("互联网企业", "internet company"),
    "dash.source.manual": ("人工录入", "entered by hand"),
    "dash.source.volunteer": ("志愿者发现", "found by volunteers"),
    "dash.source.publicity": ("宣传现场劝阻", "dissuaded at a publicity event"),
}


def translator(lang: str) -> Callable[[str], str]:
    """``t(key)`` for one language; unknown keys come back unchanged.

    One function per language, remembering its answers: templates call it hundreds of times
    per page (every option of every select), mostly with the same few hundred keys.
    """
    index = 1 if lang == "en" else 0
    cached = _TRANSLATORS.get(index)
    if cached is not None:
        return cached
    lookup = _lookup(index)
    memo: dict[str, str] = {}

    def t(key: str) -> str:
        found = memo.get(key)
        if found is None:
            found = lookup(key)
            if len(memo) < 10_000:  # keys are the code's, but keep it bounded anyway
                memo[key] = found
        return found

    _TRANSLATORS[index] = t
    return t


# Tiered response (docs/tiers.md).
_TIER_WORDS: dict[str, tuple[str, str]] = {
    "tier": ("响应层级", "Response tier"),
    "tier.one_to_one": ("一对一", "one-to-one"),
    "tier.assisted": ("辅助（先机器人后民警）", "assisted (robot call, then officer)"),
    "tier.automated": ("自动（短信/语音）", "automated (SMS/voice)"),
    "tier.watch": ("观察", "watch"),
    "tier.none": ("未分层", "not tiered"),
    "tier_rank": ("一对一排名", "one-to-one rank"),
    "tier_reasons": ("分层理由", "Tier reasons"),
    "victim_score": ("受骗可能", "Victim risk"),
    "victim_reasons": ("受骗风险依据", "Why this risk"),
}

_TRANSLATORS: dict[int, Callable[[str], str]] = {}


def _lookup(index: int) -> Callable[[str], str]:
    def t(key: str) -> str:
        for table in (
            _WORDS,
            _CASE_WORDS,
            _STATUS,
            _DASHBOARD_WORDS,
            PUBLICITY_WORDS,
            OUTREACH_WORDS,
            _TIER_WORDS,
        ):
            if key in table:
                return table[key][index]
        if key.startswith("signal."):
            kind = key.removeprefix("signal.")
            return _SIGNALS[kind][index] if kind in _SIGNALS else kind
        if key.startswith("action."):
            kind = key.removeprefix("action.")
            return (
                _ACTIONS[ActionKind(kind)][index] if kind in ActionKind._value2member_map_ else kind
            )
        if key.startswith("outcome."):
            cat = key.removeprefix("outcome.")
            info = CATEGORIES.get(Category(cat)) if cat in Category._value2member_map_ else None
            return (info.zh if index == 0 else info.en) if info else cat
        if key.startswith("level."):
            level = Level(int(key.removeprefix("level.")))
            return level.zh if index == 0 else level.name.lower()
        if key.startswith("type."):
            code = key.removeprefix("type.")
            parent = code.partition("/")[0]
            if index == 0 or parent not in fraud_types.BY_CODE:
                return fraud_types.zh_name(code)
            return fraud_types.BY_CODE[parent].en
        return key

    return t
