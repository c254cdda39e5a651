"""The stream's ``scam_site_visit``: another host of the site a scam SMS linked to (as the SQL)."""

from __future__ import annotations

import datetime as dt

from fanzha.detection.keyword_scorer import KeywordScorer
from fanzha.detection.rules import load_rules
from fanzha.stream.events import Event
from fanzha.stream.lookups import Lookups
from fanzha.stream.scorer import StreamScorer
from fanzha.stream.signals import Signal

ALICE, BOB = 8613800000001, 8613800000002
T0 = dt.datetime(2026, 11, 7, 18, 0)
LURE = (
    "尊敬的客户，您有一笔8500元信用额度待领取，低息秒批，"
    "点击 https://h5.edu8267.cc/reg?id=4016 立即提现"
)


def sms(receiver: int, minute: int, content: str = LURE) -> Event:
    return {
        "kind": "sms", "sender": 8615888995614, "receiver": receiver,
        "time": T0 + dt.timedelta(minutes=minute), "text": content,
    }  # fmt: skip


def visit(phone: int, minute: int, host: str) -> Event:
    return {
        "kind": "url_visits", "phone": phone, "time": T0 + dt.timedelta(minutes=minute),
        "url": f"https://{host}/x", "host": host,
    }  # fmt: skip


def signals(events: list[Event]) -> list[Signal]:
    lookups = Lookups(resident_of_phone={ALICE: "R1", BOB: "R2"})
    scorer = StreamScorer(load_rules(), lookups, KeywordScorer())
    scorer.trace = []
    scorer.feed(events)
    return [s for _, s in scorer.trace if s.kind in ("scam_site_visit", "scam_link_visit")]


def test_stream_site_visit_after_scam_sms_fires_once_per_host_and_hour() -> None:
    found = signals(
        [
            visit(ALICE, -30, "m.edu8267.cc"),  # before the SMS: nothing
            sms(ALICE, 0),
            visit(BOB, 10, "m.edu8267.cc"),  # BOB got no SMS: nothing
            visit(ALICE, 200, "m.edu8267.cc"),
            visit(ALICE, 205, "m.edu8267.cc"),  # same host, same hour: once
            visit(ALICE, 210, "h5.edu8267.cc"),  # the linked host: scam_link_visit
            visit(ALICE, 215, "m.other8267.cc"),  # another site: nothing
        ]
    )
    assert [(s.phone, s.kind, s.detail) for s in found] == [
        (ALICE, "scam_site_visit", "host=m.edu8267.cc; site=edu8267.cc"),
        (ALICE, "scam_link_visit", "host=h5.edu8267.cc"),
    ]
    assert found[0].t == T0 + dt.timedelta(minutes=200)


def test_stream_site_visit_ignores_shared_sites() -> None:
    text = "您有一笔信用额度待领取，低息秒批，点击 https://h5.shop.weibo.com/r 立即提现"
    assert signals([sms(ALICE, 0, text), visit(ALICE, 60, "m.weibo.com")]) == []
