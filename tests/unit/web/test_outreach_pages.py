"""The broadcast and partner pages over HTTP: groups and the latest broadcasts with per-group
receipts and relays (station scope: other stations' groups hidden, their broadcasts 404), the
partners' keys by prefix only with what each sent, permissions, English, every word translated."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from fastapi import FastAPI
from sqlalchemy import update

from fanzha.notify import broadcast
from fanzha.notify.models import OutboxRow
from fanzha.workflow.partner import service as partner_service
from fanzha.workflow.partner.schemas import AccountRowIn
from fanzha.workflow.roles import api_principal
from fanzha.workflow.user import service as users
from fanzha.workflow.user.models import ApiKey
from tests.unit.web.support import NOW, Browser, add_warning

TEMPLATES = Path(__file__).resolve().parents[3] / "src" / "fanzha" / "web" / "templates"
HOOK = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=SECRET-HOOK-KEY"


def _group(name: str, area: str, audience: str, **kw: str) -> broadcast.GroupSpec:
    return broadcast.GroupSpec(name, area, audience, "wecom", HOOK, **kw)


def _broadcasts(app: FastAPI) -> tuple[int, int]:
    """Groups: 城关 parents (C1, S1), 东湖 parents (C2, S2), 一中 teachers-of-parents (no
    community: centre only), 东湖居民群 (C2). Broadcast 1 to the three parent groups of 310104
    (城关's delivered and relayed), broadcast 2 to 东湖's residents only."""
    with app.state.desk.factory.begin() as s:
        g1 = broadcast.add_group(
            s, _group("城关社区家长群", "310104", "parents", community="C1"), NOW
        )
        broadcast.add_group(s, _group("东湖社区家长群", "310104", "parents", community="C2"), NOW)
        broadcast.add_group(
            s, _group("一中初一(3)班家长群", "310104", "parents", school="一中", grade="初一"), NOW
        )
        broadcast.add_group(s, _group("东湖居民群", "310105", "residents", community="C2"), NOW)
        first, n = broadcast.push(
            s,
            broadcast.PushRequest("warning", "impersonate_police", "310104", "parents", "cli"),
            NOW,
        )
        assert n == 3
        s.execute(
            update(OutboxRow)
            .where(OutboxRow.attempt_key == f"group:{g1.id}")
            .values(status="delivered", sent_at=NOW)
        )
        broadcast.relay(s, first.id, g1.id, "班主任王老师", 45, NOW + dt.timedelta(minutes=5))
        second, _ = broadcast.push(
            s,
            broadcast.PushRequest("warning", "romance", "310105", "residents", "cli"),
            NOW + dt.timedelta(hours=1),
        )
        return first.id, second.id


def test_broadcasts_page_lists_groups_receipts_and_relays(app: FastAPI) -> None:
    first, second = _broadcasts(app)
    b = Browser(app)
    b.login("operator")
    page = b.client.get("/broadcasts")
    assert page.status_code == 200
    for name in ("城关社区家长群", "东湖社区家长群", "一中初一(3)班家长群", "东湖居民群"):
        assert name in page.text
    assert "初一" in page.text and "家长群" in page.text and "企业微信机器人" in page.text
    assert f'data-broadcast="{first}"' in page.text and f'data-broadcast="{second}"' in page.text
    assert page.text.index(f'data-broadcast="{second}"') < page.text.index(
        f'data-broadcast="{first}"'
    )  # newest first
    assert 'data-status="delivered"' in page.text and "已送达" in page.text
    assert "待发送" in page.text and "班主任王老师 (45)" in page.text
    assert "SECRET-HOOK-KEY" not in page.text and "qyapi" not in page.text  # no webhook
    detail = b.client.get(f"/broadcasts/{first}")
    assert detail.status_code == 200
    assert re.search(r'data-count="groups">3<', detail.text)
    assert re.search(r'data-count="reach">45<', detail.text)
    assert "班主任王老师" in detail.text and "SECRET-HOOK-KEY" not in detail.text
    assert b.client.get("/broadcasts/999").status_code == 404
    assert 'href="/broadcasts"' in b.client.get("/campaigns").text  # linked from publicity


def test_broadcasts_station_scope_hides_others_and_404(app: FastAPI) -> None:
    first, second = _broadcasts(app)
    b = Browser(app)
    b.login("officer")  # S1: only 城关社区家长群 (C1)
    page = b.client.get("/broadcasts")
    assert page.status_code == 200
    assert "城关社区家长群" in page.text
    for name in ("东湖社区家长群", "一中初一(3)班家长群", "东湖居民群"):
        assert name not in page.text, name
    assert f'data-broadcast="{first}"' in page.text
    assert f'data-broadcast="{second}"' not in page.text
    assert b.client.get(f"/broadcasts/{second}").status_code == 404  # S2's only
    detail = b.client.get(f"/broadcasts/{first}")
    assert detail.status_code == 200 and re.search(r'data-count="groups">1<', detail.text)
    assert "东湖社区家长群" not in detail.text
    other = Browser(app)
    other.login("officer2")  # S2: 东湖's two groups
    text = other.client.get("/broadcasts").text
    assert "东湖居民群" in text and "城关社区家长群" not in text and "班主任王老师" not in text
    assert other.client.get(f"/broadcasts/{second}").status_code == 200


def test_broadcasts_permissions(app: FastAPI) -> None:
    first, _ = _broadcasts(app)
    for user in ("leader", "grid", "supervisor"):
        b = Browser(app)
        b.login(user)
        assert b.client.get("/broadcasts").status_code == 200, user
    admin = Browser(app)
    admin.login("admin")  # no publicity data
    assert admin.client.get("/broadcasts").status_code == 403
    assert admin.client.get(f"/broadcasts/{first}").status_code == 403


def _partners(app: FastAPI) -> tuple[ApiKey, str, ApiKey]:
    """A bank's key with 3 rows sent (2 accepted, 1 rejected; one accepted row cited by a
    warning) and an operator's key without the account scope."""
    with app.state.desk.factory.begin() as s:
        bank, secret = users.create_api_key(session=s, name="工商银行", scopes=["partner:accounts"])
        operator, _ = users.create_api_key(session=s, name="移动公司", scopes=["events:write"])
        who = api_principal(bank.id, bank.name, list(bank.scopes), None)
        rows = [
            AccountRowIn(row_id="ICBC-1", account="6222 0212 3456 7890 123"),
            AccountRowIn(row_id="ICBC-2", account="6222021234567890999"),
            AccountRowIn(row_id="ICBC-3", account="12ab"),
        ]
        limits = partner_service.Limits(daily_rows=100, valid_days=30)
        partner_service.submit(session=s, who=who, rows=rows, limits=limits, now=NOW)
        s.expunge(bank)
        s.expunge(operator)
    source = partner_service.source_of("工商银行", "ICBC-1")
    reasons = [{"kind": "indicator_account", "time": NOW.isoformat(), "source": source}]
    add_warning(app, reasons=reasons)
    return bank, secret, operator


def test_partners_page_lists_keys_by_prefix_and_counts(app: FastAPI) -> None:
    bank, secret, operator = _partners(app)
    b = Browser(app)
    b.login("supervisor")
    page = b.client.get("/partners")
    assert page.status_code == 200
    assert "工商银行" in page.text and "移动公司" in page.text
    assert f"fz_{bank.prefix}_…" in page.text and f"fz_{operator.prefix}_…" in page.text
    row = page.text[page.text.index(f'data-partner="{bank.id}"') :]
    counts = dict(re.findall(r'data-count="(\w+)">(\d+)', row)[:4])
    assert counts == {"received": "3", "accepted": "2", "rejected": "1", "matched": "1"}
    assert "3 / " in row  # received today against the quota
    assert 'data-rejected="ICBC-3"' in page.text and "8–32 digits" in page.text
    assert 'data-matched="ICBC-1"' in page.text
    assert "无账户推送权限" in page.text  # the operator's key has no account scope
    body = secret.removeprefix(f"fz_{bank.prefix}_")  # the random part (may hold "_")
    assert body and body != secret
    assert secret not in page.text and body not in page.text
    assert bank.key_hash not in page.text and operator.key_hash not in page.text
    assert "6222021234567890999" not in page.text and "1234567890" not in page.text
    assert "6222" in page.text and "0123" in page.text  # accounts masked, not dropped
    assert "/partners" in b.client.get("/queue").text  # in the header


def test_partners_page_is_centre_only(app: FastAPI) -> None:
    _partners(app)
    admin = Browser(app)
    admin.login("admin")
    page = admin.client.get("/partners")
    assert page.status_code == 200 and "工商银行" in page.text
    assert 'href="/admin/users"' in page.text and 'href="/partners"' in page.text
    for user in ("operator", "officer", "grid", "leader"):
        b = Browser(app)
        b.login(user)
        assert b.client.get("/partners").status_code == 403, user
        assert 'href="/partners"' not in b.client.get("/queue").text


def test_outreach_pages_in_english(app: FastAPI) -> None:
    first, _ = _broadcasts(app)
    _partners(app)
    b = Browser(app)
    b.login("supervisor")
    b.client.get("/lang/en?next=/broadcasts")
    page = b.client.get("/broadcasts")
    assert "Broadcast groups" in page.text and "Latest broadcasts" in page.text
    assert "delivered" in page.text and "WeCom robot" in page.text and "parents" in page.text
    assert "Receipts per group" in b.client.get(f"/broadcasts/{first}").text
    partners = b.client.get("/partners").text
    assert "Partners" in partners and "Matched by a warning" in partners
    assert "no account-push scope" in partners


def test_every_word_of_the_outreach_templates_is_translated() -> None:
    from fanzha.notify.broadcast import AUDIENCES, KINDS, ROBOTS
    from fanzha.notify.channel import FINAL_STATUSES
    from fanzha.web.i18n import translator

    keys: set[str] = set()
    for name in ("broadcasts.html", "broadcast_detail.html", "partners.html", "base.html"):
        text = (TEMPLATES / name).read_text(encoding="utf-8")
        keys |= set(re.findall(r"\bt\('([a-z_.]+)'\)", text))
    keys |= {f"group_audience.{a}" for a in AUDIENCES} | {f"bkind.{k}" for k in KINDS}
    keys |= {f"robot.{r}" for r in ROBOTS}
    keys |= {f"send.{s}" for s in {*FINAL_STATUSES, "pending", "sending", "sent", "unknown"}}
    zh, en = translator("zh"), translator("en")
    missing = sorted(k for k in keys if zh(k) == k or not en(k))
    assert not missing
    assert len(keys) > 40


def test_partners_listed_in_the_permission_matrix() -> None:
    from fanzha.workflow.roles import ROLE_PERMISSIONS, Permission, Role

    holders = {r for r, perms in ROLE_PERMISSIONS.items() if Permission.PARTNERS_VIEW in perms}
    assert holders == {Role.ADMIN, Role.CENTRE_SUPERVISOR}
