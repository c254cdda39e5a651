"""The words of the broadcast and partner pages in Chinese and English (``fanzha.web.i18n``)."""

from __future__ import annotations

# Keep in step with fanzha.notify.broadcast (AUDIENCES, KINDS, ROBOTS): a test checks.
# What a group's send may be at (docs/outreach.md: the outbox and receipts).
_SEND_STATES: dict[str, tuple[str, str]] = {
    "pending": ("待发送", "pending"),
    "sending": ("发送中", "sending"),
    "sent": ("已发送", "sent"),
    "accepted": ("机器人已接收", "accepted by the robot"),
    "delivered": ("已送达", "delivered"),
    "failed": ("发送失败", "failed"),
    "expired": ("已过期", "expired"),
    "unknown": ("结果未知（未重发）", "outcome unknown (not resent)"),
    "cancelled": ("已取消（未发送）", "cancelled (not sent)"),
    "answered": ("已接听", "answered"),
    "confirmed": ("已确认", "confirmed"),
    "refused": ("已拒接", "refused"),
    "no_answer": ("无人接听", "no answer"),
}
_AUDIENCES: dict[str, tuple[str, str]] = {
    "teachers": ("教师群", "teachers"),
    "parents": ("家长群", "parents"),
    "residents": ("居民群", "residents"),
}
_KINDS: dict[str, tuple[str, str]] = {
    "warning": ("重点预警", "key warning"),
    "script_alert": ("新型骗术提醒", "new-scam alert"),
}
_ROBOTS: dict[str, tuple[str, str]] = {
    "wecom": ("企业微信机器人", "WeCom robot"),
    "dingtalk": ("钉钉机器人", "DingTalk robot"),
}

OUTREACH_WORDS: dict[str, tuple[str, str]] = {
    # Broadcast groups and broadcasts (/broadcasts, /broadcasts/{id}).
    "broadcasts": ("群推送", "Broadcasts"),
    "broadcast": ("群推送", "Broadcast"),
    "broadcast_groups": ("推送群组", "Broadcast groups"),
    "latest_broadcasts": ("最近推送", "Latest broadcasts"),
    "group_name": ("群名称", "Group"),
    "group_area": ("区域编码", "Area"),
    "group_audience": ("群类型", "Audience"),
    "school": ("学校", "School"),
    "grade": ("年级", "Grade"),
    "robot": ("推送机器人", "Robot"),
    "group_state": ("状态", "State"),
    "group_active": ("使用中", "in use"),
    "group_inactive": ("已停用", "not in use"),
    "broadcast_kind": ("推送类型", "Kind"),
    "broadcast_title": ("标题", "Title"),
    "broadcast_text": ("推送内容", "Text"),
    "created_by": ("发起人", "Sent by"),
    "created_at": ("发起时间", "Queued at"),
    "receipts": ("各群回执", "Receipts per group"),
    "send_state": ("发送状态", "Send status"),
    "sent_at": ("发送时间", "Sent at"),
    "relays": ("转发", "Relays"),
    "relayed_by": ("转发人", "Relayed by"),
    "relay_reach": ("转发覆盖人数", "People reached"),
    "groups_queued": ("推送群数", "Groups"),
    "no_station": ("（中心）", "(centre)"),
    "broadcasts_cli": (
        "推送由中心民警在本页发起（或 fanzha notify broadcast），转发在各推送下登记",
        "The centre sends broadcasts on this page (or with fanzha notify broadcast); relays "
        "are recorded under each broadcast",
    ),
    # The forms (centre roles: broadcast_send).
    "add_group": ("新增推送群", "Add a group"),
    "webhook": ("机器人 Webhook 地址", "Robot webhook URL"),
    "robot_secret": ("钉钉加签密钥", "DingTalk signing secret"),
    "robot_secret_hint": ("仅钉钉机器人需要；不会显示", "DingTalk robots only; never shown"),
    "optional": ("选填", "optional"),
    "any": ("不限", "any"),
    "send_broadcast": ("发起推送", "Send a broadcast"),
    "new_script": (
        "新型骗术话术（选填，不含号码和链接）",
        "New scam script (optional, no numbers or links)",
    ),
    "broadcast_language": ("语言", "Language"),
    "language.zh": ("中文", "Chinese"),
    "language.en": ("英文", "English"),
    "preview_broadcast": ("预览", "Preview"),
    "preview_title": ("推送预览", "Preview"),
    "preview_groups": ("将推送至以下群", "It will reach these groups"),
    "preview_count": ("推送群数", "Groups to reach"),
    "confirm_send": ("确认推送", "Confirm and send"),
    "change": ("修改", "Change"),
    "request_key": ("表单", "Form"),
    "record_relay": ("登记转发", "Record a relay"),
    "relay_group": ("转发所在群", "Group it was relayed in"),
    "refused": ("未保存", "Not saved"),
    "msg.group_added": ("推送群已新增", "Group added"),
    "msg.sent": ("已推送；各群回执如下", "Sent; the receipts per group are below"),
    "msg.already_sent": (
        "该推送已发送过，未重复发送",
        "This broadcast was sent already; nothing was sent again",
    ),
    "msg.relayed": ("转发已登记", "Relay recorded"),
    # Partners' keys and what they sent (/partners).
    "partners": ("合作单位", "Partners"),
    "partner_name": ("合作单位", "Partner"),
    "key_created": ("创建时间", "Created"),
    "received": ("已接收", "Received"),
    "accepted_rows": ("已采纳", "Accepted"),
    "rejected_rows": ("已退回", "Rejected"),
    "received_today": ("今日接收", "Received today"),
    "daily_quota": ("每日配额", "Daily quota"),
    "matched_rows": ("命中预警", "Matched by a warning"),
    "warnings_citing": ("预警数", "Warnings"),
    "row_id": ("行编号", "Row id"),
    "account": ("账户", "Account"),
    "reject_reason": ("退回原因", "Reason"),
    "latest_rejected": ("最近退回", "Latest rejected rows"),
    "no_account_scope": ("无账户推送权限", "no account-push scope"),
    "manage_keys": ("在用户管理中签发或吊销密钥", "Issue or revoke keys under Users"),
    **{f"send.{k}": v for k, v in _SEND_STATES.items()},
    **{f"group_audience.{k}": v for k, v in _AUDIENCES.items()},
    **{f"bkind.{k}": v for k, v in _KINDS.items()},
    **{f"robot.{k}": v for k, v in _ROBOTS.items()},
}
