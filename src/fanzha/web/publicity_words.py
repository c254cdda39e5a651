"""The publicity pages' words in Chinese and English (looked up by ``fanzha.web.i18n``)."""

from __future__ import annotations

from fanzha.workflow.campaign.models import AUDIENCES, EVENT_KINDS, FINDING_KINDS
from fanzha.workflow.volunteer.models import CATEGORY_NAMES

PUBLICITY_WORDS: dict[str, tuple[str, str]] = {
    "campaigns": ("宣传活动", "Campaigns"),
    "campaign": ("宣传活动", "Campaign"),
    "record_event": ("登记宣传", "Record an event"),
    "new_campaign": ("新建宣传活动", "New campaign"),
    "theme": ("主题", "Theme"),
    "audience": ("对象", "Audience"),
    "period": ("时间段", "Period"),
    "areas": ("覆盖社区", "Communities"),
    "event_kind": ("形式", "Kind"),
    "place": ("地点", "Place"),
    "held_at": ("时间", "Time"),
    "team": ("队伍", "Team"),
    "no_team": ("（不选）", "(none)"),
    "no_campaign": ("（日常宣传）", "(routine, no campaign)"),
    "participants": ("参与人数", "Participants"),
    "leaflets": ("发放资料", "Leaflets"),
    "banners": ("横幅", "Banners"),
    "consultations": ("咨询人数", "Consultations"),
    "reached": ("覆盖人数", "People reached"),
    "findings": ("发现情况", "Findings"),
    "finding_phone": ("当事人手机号（选填）", "Person's phone (optional)"),
    "no_finding": ("（无）", "(none)"),
    "events": ("场次", "Events"),
    "hazards": ("发现隐患", "Hazards"),
    "dissuaded_here": ("现场劝阻", "Dissuaded on the spot"),
    "volunteers_active": ("在岗志愿者", "Active volunteers"),
    "event_saved": ("已登记", "Recorded"),
    "fraud_types": ("诈骗类型", "Fraud types"),
    "code": ("编号", "Code"),
    "starts_on": ("开始", "Starts"),
    "ends_on": ("结束", "Ends"),
    "areas_hint": ("社区编码，逗号分隔", "community codes, comma-separated"),
    "recorded_by": ("登记人", "Recorded by"),
    "lead": ("预警", "Warning"),
    "heat_table": ("社区宣传热力表", "Communities: publicity heat table"),
    "plan": ("下月宣传建议", "Suggested plan for next month"),
    **{f"event.{k.value}": v for k, v in EVENT_KINDS.items()},
    **{f"audience.{k.value}": v for k, v in AUDIENCES.items()},
    **{f"finding.{k.value}": v for k, v in FINDING_KINDS.items()},
    **{f"vcat.{k.value}": v for k, v in CATEGORY_NAMES.items()},
}
