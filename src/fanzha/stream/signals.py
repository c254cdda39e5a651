"""Signals of one event, the same as the batch SQL of :mod:`fanzha.detection.signals` gives.

The batch joins whole tables; here each event is joined with :class:`Lookups` and with the
little history the "first" signals need (:class:`SeenState`). ``tests/unit/stream`` ties
every kind to its SQL on a simulated city, so the two definitions cannot drift apart.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator
from typing import NamedTuple

from fanzha.core.fraud_types import NORMAL
from fanzha.detection.rules.model import Rules
from fanzha.detection.signals import HOST_PATTERN, SECOND_LEVEL_PATTERN
from fanzha.stream.events import Event, event_time
from fanzha.stream.lookups import Entry, Lookups
from fanzha.stream.seen import HISTORY_DAYS, SeenState, hour_of
from fanzha.stream.texts import TextJudge


class Signal(NamedTuple):
    """One signal, with the columns of the batch's ``signals`` table."""

    phone: int | None
    id_hash: str | None
    t: dt.datetime
    kind: str
    weight: float
    level_floor: int
    fraud_type: str | None
    counterpart: int | None
    detail: str | None
    source: str | None
    indicator: str | None


_HOST = re.compile(HOST_PATTERN)
_LAST2 = re.compile(r"([^.]+\.[^.]+)$")
_LAST3 = re.compile(r"([^.]+\.[^.]+\.[^.]+)$")
_SCHEME = re.compile(r"^https?://")
_SECOND_LEVEL = re.compile(SECOND_LEVEL_PATTERN)
_CN_MOBILE_LOW, _CN_MOBILE_HIGH = 8610000000000, 8619999999999
_VIRTUAL = frozenset({86162, 86165, 86167, 86170, 86171})


def unusual_range(phone: int | None) -> bool:
    """International, or in a virtual-operator range (as :func:`sqlparts.unusual_range`)."""
    if phone is None:
        return False
    if not str(phone).startswith("86"):
        return True
    return phone // 100000000 in _VIRTUAL and _CN_MOBILE_LOW <= phone <= _CN_MOBILE_HIGH


def _last(pattern: re.Pattern[str], host: str) -> str:
    found = pattern.search(host)
    return found.group(1) if found else ""


def _end(c: Event) -> dt.datetime:
    """When a call's signal is known: at its end (as :data:`detection.signals.CALL_END`)."""
    start: dt.datetime = c["start"]
    return start + dt.timedelta(seconds=int(c["duration_s"]))


def site_of(host: str) -> str:
    """The site (registrable domain) of a host, as :func:`detection.signals.site_of`."""
    last3 = _last(_LAST3, host)
    if _SECOND_LEVEL.search(host) and last3:
        return last3
    return _last(_LAST2, host)


def url_key(url: str) -> str:
    """A URL as blacklists key it: lower case, no scheme, no trailing slashes."""
    return _SCHEME.sub("", url.lower(), count=1).rstrip("/")


def _num(value: float) -> str:
    """A DOUBLE as DuckDB renders it in text."""
    return repr(float(value))


def capped(weight: float, per_minute: float, max_weight: float | None, seconds: int) -> float:
    """``weight + per_minute * minutes`` capped at ``max_weight`` (as the SQL)."""
    value = weight + per_minute * seconds / 60.0
    return min(max_weight, value) if max_weight is not None else value


class SignalDeriver:
    """Turns events into signals with the rules, the lookups and the seen-state.

    ``history_days`` is the horizon of the seen-state's first-of-a-kind history.
    """

    def __init__(
        self,
        rules: Rules,
        lookups: Lookups,
        judge: TextJudge,
        seen: SeenState,
        *,
        history_days: int = HISTORY_DAYS,
    ) -> None:
        self.rules = rules
        self.lookups = lookups
        self.judge = judge
        self.seen = seen
        self.history_days = history_days
        self._domains: dict[str, list[str]] = {}
        self._handlers: dict[str, Callable[[Event], Iterator[Signal]]] = {
            "calls": self._calls,
            "sms": self._sms,
            "url_visits": self._visits,
            "app_events": self._apps,
            "transfers": self._transfers,
            "leads": self._leads,
        }

    def use_lookups(self, lookups: Lookups) -> None:
        """Join with other lookups from the next event on (the domain cache derives from them)."""
        self.lookups = lookups
        self._domains = {}

    def derive(self, event: Event) -> list[Signal]:
        """Every base signal the event fires (before resident resolution)."""
        self.seen.observe(event_time(event), self.history_days)
        return list(self._handlers[event["kind"]](event))

    def domains_of(self, host: str | None) -> list[str]:
        """Blacklisted domains a host falls under (itself, its last two or three labels)."""
        if not host:
            return []
        cached = self._domains.get(host)
        if cached is not None:
            return cached
        domains = self.lookups.domains
        last2, last3 = _last(_LAST2, host), _last(_LAST3, host)
        found = [host] if host in domains else []
        if last2 in domains and last2 != host:
            found.append(last2)
        if last3 in domains and last3 != host and last3 != last2:
            found.append(last3)
        self._domains[host] = found
        return found

    # calls -----------------------------------------------------------------------------
    def _calls(self, c: Event) -> Iterator[Signal]:
        yield from self._indicator_call(c)
        yield from self._suspicious_call(c)
        yield from self._number_calls(c, "behaviour_number_call")
        yield from self._number_calls(c, "suspected_number_call")

    def _indicator_call(self, c: Event) -> Iterator[Signal]:
        r = self.rules.signal("indicator_call")
        if c["duration_s"] is None or c["duration_s"] < r.min_duration_s:
            return
        base = capped(r.weight, r.per_minute, r.max_weight, c["duration_s"])
        long_s = r.long_call_s or 10**9
        floor = r.long_call_level if c["duration_s"] >= long_s else 0
        for me, other in (("callee", "caller"), ("caller", "callee")):
            entry = self.lookups.phones.get(c[other])
            if entry is None or not entry.valid_at(c["start"]):
                continue
            yield Signal(
                c[me], None, _end(c), "indicator_call", base * entry.confidence, floor,
                entry.fraud_type, c[other], f"duration_s={c['duration_s']}", entry.source,
                entry.key,
            )  # fmt: skip

    def _suspicious_call(self, c: Event) -> Iterator[Signal]:
        r = self.rules.signal("suspicious_call")
        minimum = r.min_duration_s
        if c["duration_s"] is None or c["duration_s"] < minimum:
            return
        caller, callee = c["caller"], c["callee"]
        first = None
        if unusual_range(caller):
            first = self.seen.first_pair(caller, callee, c["start"])
        if unusual_range(callee):
            self.seen.first_pair(callee, caller, c["start"])
        if first is None or first != c["start"]:
            return
        yield Signal(
            callee, None, _end(c), "suspicious_call",
            capped(r.weight, r.per_minute, r.max_weight, c["duration_s"]), 0, None, caller,
            f"duration_s={c['duration_s']}", "behaviour", None,
        )  # fmt: skip

    def _number_calls(self, c: Event, kind: str) -> Iterator[Signal]:
        r = self.rules.signal(kind)
        if c["duration_s"] is None or c["duration_s"] < r.min_duration_s:
            return
        base = capped(r.weight, r.per_minute, r.max_weight, c["duration_s"])
        table = "behaviour_numbers" if kind == "behaviour_number_call" else "suspected_numbers"
        for me, other in (("callee", "caller"), ("caller", "callee")):
            for score, fraud_type in self._numbers(kind, c[other]):
                yield Signal(
                    c[me], None, _end(c), kind, base * score, 0, fraud_type, c[other],
                    f"duration_s={c['duration_s']}", table, None,
                )  # fmt: skip

    def _numbers(self, kind: str, phone: int | None) -> list[tuple[float, str | None]]:
        if phone is None:
            return []
        if kind == "behaviour_number_call":
            return [(1.0, t) for t in self.lookups.behaviour_numbers.get(phone, [])]
        return self.lookups.suspected.get(phone, [])

    # sms -------------------------------------------------------------------------------
    def _sms(self, s: Event) -> Iterator[Signal]:
        entry = self.lookups.phones.get(s["sender"])
        if entry is not None and entry.valid_at(s["time"]):
            r = self.rules.signal("indicator_sms")
            yield Signal(
                s["receiver"], None, s["time"], "indicator_sms", r.weight * entry.confidence, 0,
                entry.fraud_type, s["sender"], "sms", entry.source, entry.key,
            )  # fmt: skip
        content = s.get("text")
        if content is None:
            return
        hosts = _HOST.findall(content.lower())
        yield from self._sms_links(s, hosts)
        yield from self._scam_text(s, content, hosts)

    def _sms_links(self, s: Event, hosts: list[str]) -> Iterator[Signal]:
        r = self.rules.signal("sms_link")
        for host in hosts:
            for domain in self.domains_of(host):
                d = self.lookups.domains[domain]
                if d.valid_at(s["time"]):
                    yield Signal(
                        s["receiver"], None, s["time"], "sms_link", r.weight * d.confidence, 0,
                        d.fraud_type, s["sender"], f"host={host}", d.source, domain,
                    )  # fmt: skip

    def _scam_text(self, s: Event, content: str, hosts: list[str]) -> Iterator[Signal]:
        verdict = self.judge.verdict(content)
        if verdict is None or verdict.label == NORMAL:
            return
        self.seen.add_scam_hosts(hosts)
        self.seen.add_scam_sites([site_of(host) for host in hosts])
        r = self.rules.signal("scam_text_sms")
        if verdict.fraud_score < r.min_fraud_score:
            return
        for host in set(hosts):
            self.seen.add_link(s["receiver"], host, s["time"])
            self.seen.add_site_link(s["receiver"], site_of(host), s["time"])
        yield Signal(
            s["receiver"], None, s["time"], "scam_text_sms", r.weight * verdict.fraud_score, 0,
            verdict.label, s["sender"], f"score={_num(round(verdict.fraud_score, 3))}",
            "text-scorer", None,
        )  # fmt: skip

    # url visits ------------------------------------------------------------------------
    def _visits(self, v: Event) -> Iterator[Signal]:
        host = v.get("host")
        if host is not None and self.seen.first_visit(v["phone"], host, v["time"]):
            yield from self._domain_visit(v, host)
            yield from self._scam_link_visit(v, host)
            yield from self._scam_site_visit(v, host)
        yield from self._url_visit(v)

    def _domain_visit(self, v: Event, host: str) -> Iterator[Signal]:
        r = self.rules.signal("indicator_url")
        for domain in self.domains_of(host):
            d = self.lookups.domains[domain]
            if d.valid_at(v["time"]):
                yield Signal(
                    v["phone"], None, v["time"], "indicator_url", r.weight * d.confidence, 0,
                    d.fraud_type, None, f"host={host}", d.source, domain,
                )  # fmt: skip

    def _scam_link_visit(self, v: Event, host: str) -> Iterator[Signal]:
        if not self.seen.is_scam_host(host):
            return
        sent = self.seen.link_sent(v["phone"], host)
        if sent is None or v["time"] < sent:
            return
        r = self.rules.signal("scam_link_visit")
        yield Signal(
            v["phone"], None, v["time"], "scam_link_visit", float(r.weight), 0, None, None,
            f"host={host}", "text-scorer", None,
        )  # fmt: skip

    def _scam_site_visit(self, v: Event, host: str) -> Iterator[Signal]:
        site = site_of(host)
        r = self.rules.signal("scam_site_visit")
        if not self.seen.is_scam_site(site) or site in r.shared_sites:
            return
        sent = self.seen.site_link_sent(v["phone"], site)
        if sent is None or v["time"] < sent:
            return
        exact = self.seen.link_sent(v["phone"], host)
        if exact is not None and exact <= v["time"]:
            return  # the linked host itself: scam_link_visit
        yield Signal(
            v["phone"], None, v["time"], "scam_site_visit", float(r.weight), 0, None, None,
            f"host={host}; site={site}", "text-scorer", None,
        )  # fmt: skip

    def _url_visit(self, v: Event) -> Iterator[Signal]:
        if v.get("url") is None or v.get("host") not in self.lookups.url_hosts:
            return
        key = url_key(v["url"])
        entry = self.lookups.urls.get(key)
        if entry is None or not entry.valid_at(v["time"]):
            return
        r = self.rules.signal("indicator_url")
        yield Signal(
            v["phone"], None, v["time"], "indicator_url", r.weight * entry.confidence, 0,
            entry.fraud_type, None, f"url={key}", entry.source, key,
        )  # fmt: skip

    # apps ------------------------------------------------------------------------------
    def _apps(self, a: Event) -> Iterator[Signal]:
        package: str = a.get("package") or ""
        listed = a["event"] in ("install", "open") and package in self.lookups.apps
        if listed and self.seen.first_app(a["phone"], package):
            yield from self._indicator_app(a, self.lookups.apps[package])
        r = self.rules.signal("remote_app_install")
        if a["event"] == "install" and package in r.packages:
            yield Signal(
                a["phone"], None, a["time"], "remote_app_install", float(r.weight), 0, None,
                None, f"package={package}", "behaviour", None,
            )  # fmt: skip

    def _indicator_app(self, a: Event, entry: Entry) -> Iterator[Signal]:
        if not entry.valid_at(a["time"]):
            return
        r = self.rules.signal("indicator_app")
        yield Signal(
            a["phone"], None, a["time"], "indicator_app", r.weight * entry.confidence,
            r.level_floor, entry.fraud_type, None, f"package={a['package']}", entry.source,
            entry.key,
        )  # fmt: skip

    # transfers -------------------------------------------------------------------------
    def _transfers(self, x: Event) -> Iterator[Signal]:
        if x.get("payer_phone") is None:
            return
        amount = f"amount={_num(round(x['amount'], 2))}" if x.get("amount") is not None else None
        entry = self.lookups.accounts.get(x.get("payee_account") or "")
        if entry is not None and entry.valid_at(x["time"]):
            r = self.rules.signal("indicator_account")
            yield Signal(
                x["payer_phone"], None, x["time"], "indicator_account", r.weight * entry.confidence,
                r.level_floor, entry.fraud_type, None, amount, entry.source, entry.key,
            )  # fmt: skip
        yield from self._new_payee(x, amount)
        r = self.rules.signal("cash_withdrawal")
        if x.get("channel") == "atm_withdrawal" and (x.get("amount") or 0) >= r.min_amount:
            yield Signal(
                x["payer_phone"], None, x["time"], "cash_withdrawal", float(r.weight), 0, None,
                None, amount, "behaviour", None,
            )  # fmt: skip

    def _new_payee(self, x: Event, amount: str | None) -> Iterator[Signal]:
        if x.get("payee_account") is None:
            return
        if not self.seen.first_payee(x.get("payer_account"), x["payee_account"]):
            return
        r = self.rules.signal("new_payee_transfer")
        if x.get("amount") is not None and x["amount"] >= r.min_amount:
            yield Signal(
                x["payer_phone"], None, x["time"], "new_payee_transfer", float(r.weight), 0,
                None, None, amount, "behaviour", None,
            )  # fmt: skip

    # leads -----------------------------------------------------------------------------
    def _leads(self, lead: Event) -> Iterator[Signal]:
        r = self.rules.signal("upstream_lead")
        fraud_type = lead.get("fraud_type")
        if fraud_type is None and lead.get("narrative"):
            verdict = self.judge.verdict(lead["narrative"])
            if verdict is not None and verdict.label != NORMAL:
                fraud_type = verdict.label
        number = lead.get("instruction_no")
        yield Signal(
            lead.get("phone"), lead.get("id_hash"), lead["time"], "upstream_lead",
            float(r.weight), int(lead.get("level") or 0), fraud_type, None,
            f"instruction={number}" if number is not None else None, lead.get("source_unit"),
            None,
        )  # fmt: skip


__all__ = ["Signal", "SignalDeriver", "capped", "hour_of", "unusual_range", "url_key"]
