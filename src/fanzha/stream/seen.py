"""The little history the "first" signals need, kept bounded.

- the first long call of each (unusual-range number, counterpart) pair (``suspicious_call``);
- the first visit of each resident to each host in each hour (``indicator_url``,
  ``scam_link_visit``), kept for the current hour only: events come in time order;
- the packages of blacklisted apps each phone has opened or installed (``indicator_app``);
- the payees each account has paid (``new_payee_transfer``);
- hosts seen in scam-judged texts, and when each resident first got such a link.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field


def hour_of(t: dt.datetime) -> dt.datetime:
    """The start of ``t``'s hour (``date_trunc('hour', t)``)."""
    return t.replace(minute=0, second=0, microsecond=0)


@dataclass
class SeenState:
    """History for the first-of-a-kind signals; pickled with the checkpoint."""

    pairs: dict[tuple[int, int], dt.datetime] = field(default_factory=dict)
    visit_hour: dt.datetime | None = None
    visits: set[tuple[int, str]] = field(default_factory=set)
    visit_firsts: dict[tuple[int, str], dt.datetime] = field(default_factory=dict)
    apps: set[tuple[int, str]] = field(default_factory=set)
    payees: set[tuple[str | None, str]] = field(default_factory=set)
    scam_hosts: set[str] = field(default_factory=set)
    links: dict[tuple[int, str], dt.datetime] = field(default_factory=dict)

    def first_pair(self, number: int, other: int, start: dt.datetime) -> dt.datetime:
        """The first start of the pair's long calls, recording ``start`` if it is the first."""
        key = (number, other)
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
        """True the first time ``phone`` installs or opens ``package``."""
        key = (phone, package)
        if key in self.apps:
            return False
        self.apps.add(key)
        return True

    def first_payee(self, payer_account: str | None, payee_account: str) -> bool:
        """True the first time ``payer_account`` pays ``payee_account``."""
        key = (payer_account, payee_account)
        if key in self.payees:
            return False
        self.payees.add(key)
        return True

    def add_scam_hosts(self, hosts: list[str]) -> None:
        """Hosts named in a scam-judged text."""
        self.scam_hosts.update(hosts)

    def is_scam_host(self, host: str) -> bool:
        """A host some scam-judged text named."""
        return host in self.scam_hosts

    def add_link(self, receiver: int, host: str, sent: dt.datetime) -> None:
        """``receiver`` got a scam-judged text linking to ``host`` at ``sent``."""
        key = (receiver, host)
        if key not in self.links or sent < self.links[key]:
            self.links[key] = sent

    def link_sent(self, receiver: int, host: str) -> dt.datetime | None:
        """When ``receiver`` first got a scam-judged link to ``host``."""
        return self.links.get((receiver, host))
