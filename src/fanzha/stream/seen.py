"""The little history the "first" signals need, kept bounded.

- the first long call of each (unusual-range number, counterpart) pair (``suspicious_call``);
- the first visit of each resident to each host in each hour (``indicator_url``,
  ``scam_link_visit``), kept for the current hour only: events come in time order;
- the packages of blacklisted apps each phone has opened or installed (``indicator_app``);
- the payees each account has paid (``new_payee_transfer``), as 64-bit digests
  (:mod:`fanzha.stream.keyset`, 12 B a key);
- hosts seen in scam-judged texts, and when each resident first got such a link; the same
  for their sites (``scam_site_visit``), keyed ``site:<site>`` in the same maps.

The batch's "first" means first in all its data; a stream cannot keep all of it. Every entry
remembers the event-time day it was last seen, and when the watermark (the latest event time
seen) enters a new day, the entries last seen more than ``horizon_days`` days before it are
forgotten: a key seen again after that counts as the first again.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Hashable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from fanzha.stream.keyset import DayKeys

log = logging.getLogger(__name__)
K = TypeVar("K", bound=Hashable)
SITE = "site:"  # key prefix of a site in the host maps (a host never contains ':')
HISTORY_DAYS = 90


def hour_of(t: dt.datetime) -> dt.datetime:
    """The start of ``t``'s hour (``date_trunc('hour', t)``)."""
    return t.replace(minute=0, second=0, microsecond=0)


@dataclass
class SeenState:
    """History for the first-of-a-kind signals; pickled with the checkpoint.

    ``pair_days``, ``link_days``, ``apps``, ``payees`` and ``scam_hosts`` map each key to the
    day it was last seen (the watermark's day: one shared object per day, cheap to pickle).
    """

    pairs: dict[tuple[int, int], dt.datetime] = field(default_factory=dict)
    visit_hour: dt.datetime | None = None
    visits: set[tuple[int, str]] = field(default_factory=set)
    visit_firsts: dict[tuple[int, str], dt.datetime] = field(default_factory=dict)
    apps: dict[tuple[int, str], dt.date] = field(default_factory=dict)
    payees: DayKeys = field(default_factory=DayKeys)  # 99 % of the keys: compact digests
    scam_hosts: dict[str, dt.date] = field(default_factory=dict)
    links: dict[tuple[int, str], dt.datetime] = field(default_factory=dict)
    pair_days: dict[tuple[int, int], dt.date] = field(default_factory=dict)
    link_days: dict[tuple[int, str], dt.date] = field(default_factory=dict)
    watermark: dt.datetime = dt.datetime.min
    today: dt.date = dt.date.min

    def __setstate__(self, state: dict[str, Any]) -> None:
        """Unpickle; a snapshot from before the horizon existed is upgraded on the way, and
        payees kept as a ``{key: day}`` dict become :class:`DayKeys`."""
        self.__dict__.update(state if "watermark" in state else _upgraded(state))
        if isinstance(self.payees, dict):
            self.payees = DayKeys.from_days(self.payees)

    def observe(self, t: dt.datetime, horizon_days: int = HISTORY_DAYS) -> None:
        """Advance the watermark to ``t``; on a new day forget what the horizon left behind."""
        if t <= self.watermark:
            return
        self.watermark = t
        day = t.date()
        if day != self.today:
            self.today = day
            self.forget_before(day - dt.timedelta(days=horizon_days))

    def forget_before(self, cutoff: dt.date) -> int:
        """Drop the entries last seen before ``cutoff``; how many were dropped."""
        dropped = _drop_before(self.pair_days, cutoff, self.pairs)
        dropped += _drop_before(self.link_days, cutoff, self.links)
        dropped += _drop_before(self.apps, cutoff)
        dropped += self.payees.forget_before(cutoff)
        dropped += _drop_before(self.scam_hosts, cutoff)
        if dropped:
            log.debug("forgot %d first-of-a-kind entries last seen before %s", dropped, cutoff)
        return dropped

    def size(self) -> int:
        """How many keys the first-of-a-kind history holds."""
        return (
            len(self.pairs) + len(self.links) + len(self.apps) + len(self.payees)
            + len(self.scam_hosts)
        )  # fmt: skip

    def first_pair(self, number: int, other: int, start: dt.datetime) -> dt.datetime:
        """The first start of the pair's long calls, recording ``start`` if it is the first."""
        key = (number, other)
        self.pair_days[key] = self.today
        first = self.pairs.get(key)
        if first is None or start < first:
            self.pairs[key] = start
            return start
        return first

    def first_visit(self, phone: int, host: str, t: dt.datetime) -> bool:
        """True for the first visit of ``phone`` to ``host`` in ``t``'s hour."""
        hour = hour_of(t)
        if hour != self.visit_hour:
            if self.visit_hour is None or hour > self.visit_hour:
                self.visit_hour = hour
                self.visit_firsts = {}
            else:  # a late event of an earlier hour: judged by what is left of that hour
                return False
        key = (phone, host)
        first = self.visit_firsts.get(key)
        if first is None:
            self.visit_firsts[key] = t
            return True
        return False

    def first_app(self, phone: int, package: str) -> bool:
        """True the first time (within the horizon) ``phone`` installs or opens ``package``."""
        return _first(self.apps, (phone, package), self.today)

    def first_payee(self, payer_account: str | None, payee_account: str) -> bool:
        """True the first time (within the horizon) ``payer_account`` pays ``payee_account``."""
        return self.payees.first((payer_account, payee_account), self.today)

    def add_scam_hosts(self, hosts: list[str]) -> None:
        """Hosts named in a scam-judged text."""
        for host in hosts:
            self.scam_hosts[host] = self.today

    def is_scam_host(self, host: str) -> bool:
        """A host some scam-judged text named."""
        return host in self.scam_hosts

    def add_scam_sites(self, sites: list[str]) -> None:
        """Sites of the hosts named in a scam-judged text."""
        self.add_scam_hosts([SITE + site for site in sites if site])

    def is_scam_site(self, site: str) -> bool:
        """A site some scam-judged text linked to."""
        return bool(site) and SITE + site in self.scam_hosts

    def add_site_link(self, receiver: int, site: str, sent: dt.datetime) -> None:
        """``receiver`` got a scam-judged text linking to a host of ``site`` at ``sent``."""
        if site:
            self.add_link(receiver, SITE + site, sent)

    def site_link_sent(self, receiver: int, site: str) -> dt.datetime | None:
        """When ``receiver`` first got a scam-judged link to a host of ``site``."""
        return self.links.get((receiver, SITE + site))

    def add_link(self, receiver: int, host: str, sent: dt.datetime) -> None:
        """``receiver`` got a scam-judged text linking to ``host`` at ``sent``."""
        key = (receiver, host)
        self.link_days[key] = self.today
        if key not in self.links or sent < self.links[key]:
            self.links[key] = sent

    def link_sent(self, receiver: int, host: str) -> dt.datetime | None:
        """When ``receiver`` first got a scam-judged link to ``host``."""
        return self.links.get((receiver, host))


def _first(days: dict[K, dt.date], key: K, today: dt.date) -> bool:
    """Record ``key`` as seen ``today``; True when it was not known."""
    known = key in days
    days[key] = today
    return not known


def _drop_before(
    days: dict[K, dt.date], cutoff: dt.date, values: dict[K, dt.datetime] | None = None
) -> int:
    """Delete the keys of ``days`` (and of ``values``) last seen before ``cutoff``."""
    old = [key for key, day in days.items() if day < cutoff]
    for key in old:
        del days[key]
        if values is not None:
            del values[key]
    return len(old)


def _upgraded(state: dict[str, Any]) -> dict[str, Any]:
    """An old snapshot's fields (sets, no days) with every key last seen at its latest time.

    The latest time the old state holds (current visit hour, latest first long call or link)
    stands for its watermark; a state without any time gets ``date.min``, so its keys are
    forgotten at the first new day.
    """
    times = [t for t in (state.get("visit_hour"),) if t is not None]
    times += [max(d.values()) for d in (state.get("pairs"), state.get("links")) if d]
    watermark = max(times, default=dt.datetime.min)
    day = watermark.date()
    upgraded = dict(state, watermark=watermark, today=day)
    for name in ("apps", "payees", "scam_hosts"):
        upgraded[name] = dict.fromkeys(state.get(name, ()), day)
    upgraded["pair_days"] = dict.fromkeys(state.get("pairs", {}), day)
    upgraded["link_days"] = dict.fromkeys(state.get("links", {}), day)
    return upgraded
