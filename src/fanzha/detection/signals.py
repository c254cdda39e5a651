"""Base signals: one SQL SELECT per signal kind, all with the same columns.

Every SELECT yields ``phone, id_hash, t, kind, weight, level_floor, fraud_type,
counterpart, detail, source, indicator`` (see :data:`SIGNAL_COLUMNS`). ``phone`` is the
resident side; ``counterpart`` the other number, when there is one; ``indicator`` the blacklist
entry that matched, when one did. Helper views (``ind_phone``, ``ind_domain``,
``ind_url``, ``behaviour_numbers``, ``text_verdicts``) are defined in :mod:`fanzha.detection.plan`.
"""

from __future__ import annotations

from collections.abc import Callable

from fanzha.detection.rules.model import Rules
from fanzha.detection.sqlparts import capped, num, text, texts, unusual_range, valid_at

SIGNAL_COLUMNS = (
    "phone",
    "id_hash",
    "t",
    "kind",
    "weight",
    "level_floor",
    "fraud_type",
    "counterpart",
    "detail",
    "source",
    "indicator",
)
_TYPES = {
    "phone": "BIGINT",
    "id_hash": "VARCHAR",
    "t": "TIMESTAMP",
    "kind": "VARCHAR",
    "weight": "DOUBLE",
    "level_floor": "INTEGER",
    "fraud_type": "VARCHAR",
    "counterpart": "BIGINT",
    "detail": "VARCHAR",
    "source": "VARCHAR",
    "indicator": "VARCHAR",
}
HOST_PATTERN = r"((?:[a-z0-9-]+\.)+[a-z]{2,})"
#: When a call signal is known: its record (with the duration the weight uses) exists once the
#: call has ended, so a call signal is stamped at the call's end, not its start.
CALL_END = "c.start + c.duration_s * INTERVAL '1' SECOND"
#: Hosts under a two-level country suffix (``com.cn``, ``org.hk``): their site has three labels.
SECOND_LEVEL_PATTERN = r"\.(com|net|org|gov|edu|ac|co)\.[a-z]{2}$"


def row(**exprs: str) -> str:
    """The SELECT list of a signal: every column cast to its type, NULL when not given."""
    parts = []
    for name in SIGNAL_COLUMNS:
        parts.append(f"CAST({exprs.get(name, 'NULL')} AS {_TYPES[name]}) AS {name}")
    return ", ".join(parts)


def indicator_call(rules: Rules) -> str:
    """Calls in either direction with a blacklisted number, weighted by duration."""
    r = rules.signal("indicator_call")
    weight = capped(r.weight, r.per_minute, r.max_weight, "c.duration_s")
    floor = f"CASE WHEN c.duration_s >= {num(r.long_call_s or 10**9)} THEN {r.long_call_level} "
    selects = []
    for me, other in (("callee", "caller"), ("caller", "callee")):
        cols = row(
            phone=f"c.{me}",
            t=CALL_END,
            kind=text("indicator_call"),
            weight=f"{weight} * i.confidence",
            level_floor=floor + "ELSE 0 END",
            fraud_type="i.fraud_type",
            counterpart=f"c.{other}",
            source="i.source",
            indicator="CAST(i.phone AS VARCHAR)",
            detail="'duration_s=' || CAST(c.duration_s AS VARCHAR)",
        )
        selects.append(
            f"SELECT {cols} FROM calls c JOIN ind_phone i ON c.{other} = i.phone "
            f"WHERE c.duration_s >= {num(r.min_duration_s)} AND {valid_at('i', 'c.start')}"
        )
    return "\nUNION ALL\n".join(selects)


def indicator_sms(rules: Rules) -> str:
    """SMS received from a blacklisted number."""
    r = rules.signal("indicator_sms")
    cols = row(
        phone="s.receiver",
        t="s.time",
        kind=text("indicator_sms"),
        weight=f"{num(r.weight)} * i.confidence",
        level_floor="0",
        fraud_type="i.fraud_type",
        counterpart="s.sender",
        source="i.source",
        indicator="CAST(i.phone AS VARCHAR)",
        detail="'sms'",
    )
    return (
        f"SELECT {cols} FROM sms s JOIN ind_phone i ON s.sender = i.phone "
        f"WHERE {valid_at('i', 's.time')}"
    )


def sms_link(rules: Rules) -> str:
    """SMS whose text links to a blacklisted domain or its subdomains."""
    r = rules.signal("sms_link")
    cols = row(
        phone="s.receiver",
        t="s.time",
        kind=text("sms_link"),
        weight=f"{num(r.weight)} * d.confidence",
        level_floor="0",
        fraud_type="d.fraud_type",
        counterpart="s.sender",
        source="d.source",
        indicator="d.domain",
        detail="'host=' || th.host",
    )
    return (
        f"SELECT {cols} FROM sms s JOIN text_hosts th ON th.text = s.text "
        "JOIN host_domains hd ON hd.host = th.host JOIN ind_domain d ON d.domain = hd.domain "
        f"WHERE {valid_at('d', 's.time')}"
    )


def _hourly_visits(hosts: str) -> str:
    """Visits to the hosts of ``hosts`` (a subquery), at most one per resident, host, hour."""
    return (
        f"(SELECT phone, host, min(time) AS time FROM url_visits WHERE host IN ({hosts}) "
        "GROUP BY phone, host, date_trunc('hour', time)) v"
    )


def indicator_url(rules: Rules) -> str:
    """Visits (at most one per resident, host and hour) to blacklisted domains or URLs."""
    r = rules.signal("indicator_url")
    by_domain = row(
        phone="v.phone",
        t="v.time",
        kind=text("indicator_url"),
        weight=f"{num(r.weight)} * d.confidence",
        level_floor="0",
        fraud_type="d.fraud_type",
        source="d.source",
        indicator="d.domain",
        detail="'host=' || v.host",
    )
    by_url = row(
        phone="u.phone",
        t="u.time",
        kind=text("indicator_url"),
        weight=f"{num(r.weight)} * i.confidence",
        level_floor="0",
        fraud_type="i.fraud_type",
        source="i.source",
        indicator="i.url_key",
        detail="'url=' || i.url_key",
    )
    visits = _hourly_visits("SELECT host FROM host_domains")
    return (
        f"SELECT {by_domain} FROM {visits} JOIN host_domains hd ON hd.host = v.host "
        f"JOIN ind_domain d ON d.domain = hd.domain WHERE {valid_at('d', 'v.time')}\n"
        f"UNION ALL\nSELECT {by_url} FROM url_visits u JOIN ind_url i ON i.url_key = "
        "rtrim(regexp_replace(lower(u.url), '^https?://', ''), '/') "
        f"WHERE u.host IN (SELECT url_host FROM ind_url) AND {valid_at('i', 'u.time')}"
    )


def scam_link_visit(rules: Rules) -> str:
    """Visits to a host that a scam-judged SMS sent to the same resident linked to."""
    r = rules.signal("scam_link_visit")
    links = (
        "(SELECT s.receiver, th.host, min(s.time) AS sent FROM sms s "
        "JOIN text_verdicts tv ON tv.text = s.text JOIN text_hosts th ON th.text = s.text "
        "WHERE tv.label <> '正常' AND "
        f"tv.fraud_score >= {num(rules.signal('scam_text_sms').min_fraud_score)} "
        "GROUP BY s.receiver, th.host) k"
    )
    visits = _hourly_visits(
        "SELECT th.host FROM text_hosts th JOIN text_verdicts tv ON tv.text = th.text "
        "WHERE tv.label <> '正常'"
    )
    cols = row(
        phone="v.phone",
        t="v.time",
        kind=text("scam_link_visit"),
        weight=num(r.weight),
        level_floor="0",
        source="'text-scorer'",
        detail="'host=' || v.host",
    )
    return (
        f"SELECT {cols} FROM {visits} JOIN {links} ON k.receiver = v.phone "
        "AND k.host = v.host AND v.time >= k.sent"
    )


def site_of(host: str) -> str:
    """SQL: the site (registrable domain) of a host column: its last two labels, or three
    under a two-level country suffix (``shop.example.com.cn`` → ``example.com.cn``)."""
    last2 = rf"regexp_extract({host}, '([^.]+\.[^.]+)$', 1)"
    last3 = rf"regexp_extract({host}, '([^.]+\.[^.]+\.[^.]+)$', 1)"
    return (
        f"CASE WHEN regexp_matches({host}, {text(SECOND_LEVEL_PATTERN)}) AND {last3} <> '' "
        f"THEN {last3} ELSE {last2} END"
    )


def scam_site_visit(rules: Rules) -> str:
    """Visits to another host of the site a scam-judged SMS sent to the same resident linked
    to (the SMS named ``h5.example.cn``, the resident opened ``m.example.cn``); a visit to the
    linked host itself is ``scam_link_visit``. Sites of ``shared_sites`` (platforms whose
    subdomains belong to different owners, everyday portals) never match."""
    r = rules.signal("scam_site_visit")
    score = num(rules.signal("scam_text_sms").min_fraud_score)
    linked = (
        "SELECT s.receiver, th.host, min(s.time) AS sent FROM sms s "
        "JOIN text_verdicts tv ON tv.text = s.text JOIN text_hosts th ON th.text = s.text "
        f"WHERE tv.label <> '正常' AND tv.fraud_score >= {score} GROUP BY s.receiver, th.host"
    )
    sites = (
        f"(SELECT receiver, {site_of('host')} AS site, min(sent) AS sent FROM ({linked}) l "
        "GROUP BY receiver, 2) k"
    )
    scam_sites = (
        f"SELECT DISTINCT {site_of('th.host')} FROM text_hosts th JOIN text_verdicts tv "
        "ON tv.text = th.text WHERE tv.label <> '正常'"
    )
    shared = f" AND {site_of('host')} NOT IN {texts(r.shared_sites)}" if r.shared_sites else ""
    visits = _hourly_visits(
        f"SELECT DISTINCT host FROM url_visits WHERE host IS NOT NULL AND {site_of('host')} IN "
        f"({scam_sites}){shared}"
    )
    cols = row(
        phone="v.phone",
        t="v.time",
        kind=text("scam_site_visit"),
        weight=num(r.weight),
        level_floor="0",
        source="'text-scorer'",
        detail="'host=' || v.host || '; site=' || k.site",
    )
    return (
        f"SELECT {cols} FROM {visits} JOIN {sites} ON k.receiver = v.phone "
        f"AND k.site = {site_of('v.host')} AND v.time >= k.sent "
        f"LEFT JOIN ({linked}) x ON x.receiver = v.phone AND x.host = v.host "
        "WHERE x.sent IS NULL OR x.sent > v.time"
    )


def indicator_app(rules: Rules) -> str:
    """First install or use of a blacklisted app per resident and package."""
    r = rules.signal("indicator_app")
    cols = row(
        phone="a.phone",
        t="a.time",
        kind=text("indicator_app"),
        weight=f"{num(r.weight)} * i.confidence",
        level_floor=str(r.level_floor),
        fraud_type="i.fraud_type",
        source="i.source",
        indicator="i.value",
        detail="'package=' || a.package",
    )
    first = (
        "(SELECT phone, package, min(time) AS time FROM app_events "
        "WHERE event IN ('install', 'open') AND package IN (SELECT value FROM ind_app) "
        "GROUP BY phone, package) a"
    )
    return (
        f"SELECT {cols} FROM {first} JOIN ind_app i ON a.package = i.value "
        f"WHERE {valid_at('i', 'a.time')}"
    )


def indicator_account(rules: Rules) -> str:
    """Transfers to a blacklisted account."""
    r = rules.signal("indicator_account")
    cols = row(
        phone="x.payer_phone",
        t="x.time",
        kind=text("indicator_account"),
        weight=f"{num(r.weight)} * i.confidence",
        level_floor=str(r.level_floor),
        fraud_type="i.fraud_type",
        source="i.source",
        indicator="i.value",
        detail="'amount=' || CAST(round(x.amount, 2) AS VARCHAR)",
    )
    return (
        f"SELECT {cols} FROM transfers x JOIN ind_account i ON x.payee_account = i.value "
        f"WHERE x.payer_phone IS NOT NULL AND {valid_at('i', 'x.time')}"
    )


def upstream_lead(rules: Rules) -> str:
    """Leads from the upstream chain, with their own level as the floor."""
    r = rules.signal("upstream_lead")
    narrative_type = "CASE WHEN v.label IS NOT NULL AND v.label <> '正常' THEN v.label END"
    cols = row(
        phone="l.phone",
        id_hash="l.id_hash",
        t="l.time",
        kind=text("upstream_lead"),
        weight=num(r.weight),
        level_floor="l.level",
        fraud_type=f"coalesce(l.fraud_type, {narrative_type})",
        source="l.source_unit",
        detail="'instruction=' || l.instruction_no",
    )
    return f"SELECT {cols} FROM leads l LEFT JOIN text_verdicts v ON v.text = l.narrative"


def scam_text_sms(rules: Rules) -> str:
    """SMS whose text the text scorer judges to be a scam."""
    r = rules.signal("scam_text_sms")
    cols = row(
        phone="s.receiver",
        t="s.time",
        kind=text("scam_text_sms"),
        weight=f"{num(r.weight)} * v.fraud_score",
        level_floor="0",
        fraud_type="v.label",
        counterpart="s.sender",
        source="'text-scorer'",
        detail="'score=' || CAST(round(v.fraud_score, 3) AS VARCHAR)",
    )
    return (
        f"SELECT {cols} FROM sms s JOIN text_verdicts v ON v.text = s.text "
        f"WHERE v.label <> '正常' AND v.fraud_score >= {num(r.min_fraud_score)}"
    )


def suspicious_call(rules: Rules) -> str:
    """Long calls from international/virtual numbers the resident had not talked to before."""
    r = rules.signal("suspicious_call")
    cols = row(
        phone="c.callee",
        t=CALL_END,
        kind=text("suspicious_call"),
        weight=capped(r.weight, r.per_minute, r.max_weight, "c.duration_s"),
        level_floor="0",
        counterpart="c.caller",
        source="'behaviour'",
        detail="'duration_s=' || CAST(c.duration_s AS VARCHAR)",
    )
    return (
        f"SELECT {cols} FROM calls c JOIN pair_first p ON p.caller = c.caller AND "
        f"p.callee = c.callee WHERE c.duration_s >= {num(r.min_duration_s)} "
        f"AND {unusual_range('c.caller')} AND c.start = p.first_start"
    )


def number_call(rules: Rules, kind: str, table: str, score: str) -> str:
    """Calls in either direction with a number listed in ``table`` (behaviour or model)."""
    r = rules.signal(kind)
    weight = capped(r.weight, r.per_minute, r.max_weight, "c.duration_s")
    selects = []
    for me, other in (("callee", "caller"), ("caller", "callee")):
        cols = row(
            phone=f"c.{me}",
            t=CALL_END,
            kind=text(kind),
            weight=f"{weight} * {score}",
            level_floor="0",
            fraud_type="n.fraud_type",
            counterpart=f"c.{other}",
            source=text(table),
            detail="'duration_s=' || CAST(c.duration_s AS VARCHAR)",
        )
        selects.append(
            f"SELECT {cols} FROM calls c JOIN {table} n ON c.{other} = n.phone "
            f"WHERE c.duration_s >= {num(r.min_duration_s)}"
        )
    return "\nUNION ALL\n".join(selects)


def remote_app_install(rules: Rules) -> str:
    """Installs of remote-control or screen-sharing apps (weight 0: combinations use them)."""
    r = rules.signal("remote_app_install")
    cols = row(
        phone="a.phone",
        t="a.time",
        kind=text("remote_app_install"),
        weight=num(r.weight),
        level_floor="0",
        source="'behaviour'",
        detail="'package=' || a.package",
    )
    return (
        f"SELECT {cols} FROM app_events a WHERE a.event = 'install' "
        f"AND a.package IN {texts(r.packages)}"
    )


def new_payee_transfer(rules: Rules) -> str:
    """The first transfer from an account to a payee it never paid before."""
    r = rules.signal("new_payee_transfer")
    cols = row(
        phone="x.payer_phone",
        t="x.time",
        kind=text("new_payee_transfer"),
        weight=num(r.weight),
        level_floor="0",
        source="'behaviour'",
        detail="'amount=' || CAST(round(x.amount, 2) AS VARCHAR)",
    )
    firsts = (
        "(SELECT payer_phone, amount, time, row_number() OVER (PARTITION BY payer_account, "
        "payee_account ORDER BY time, amount) AS nth FROM transfers WHERE payee_account "
        "IS NOT NULL AND payer_phone IS NOT NULL) x"
    )
    return f"SELECT {cols} FROM {firsts} WHERE x.nth = 1 AND x.amount >= {num(r.min_amount)}"


def cash_withdrawal(rules: Rules) -> str:
    """Large cash withdrawals."""
    r = rules.signal("cash_withdrawal")
    cols = row(
        phone="x.payer_phone",
        t="x.time",
        kind=text("cash_withdrawal"),
        weight=num(r.weight),
        level_floor="0",
        source="'behaviour'",
        detail="'amount=' || CAST(round(x.amount, 2) AS VARCHAR)",
    )
    return (
        f"SELECT {cols} FROM transfers x WHERE x.channel = 'atm_withdrawal' "
        f"AND x.amount >= {num(r.min_amount)} AND x.payer_phone IS NOT NULL"
    )


def behaviour_number_call(rules: Rules) -> str:
    """Calls with numbers that behave like fraud lines."""
    return number_call(rules, "behaviour_number_call", "behaviour_numbers", "1.0")


def suspected_number_call(rules: Rules) -> str:
    """Calls with numbers the fraud-number model suspects, weighted by its score."""
    return number_call(rules, "suspected_number_call", "suspected_numbers", "n.score")


BASE_SIGNALS: dict[str, Callable[[Rules], str]] = {
    "indicator_call": indicator_call,
    "indicator_sms": indicator_sms,
    "sms_link": sms_link,
    "scam_text_sms": scam_text_sms,
    "indicator_url": indicator_url,
    "scam_link_visit": scam_link_visit,
    "scam_site_visit": scam_site_visit,
    "indicator_app": indicator_app,
    "indicator_account": indicator_account,
    "upstream_lead": upstream_lead,
    "suspicious_call": suspicious_call,
    "behaviour_number_call": behaviour_number_call,
    "suspected_number_call": suspected_number_call,
    "remote_app_install": remote_app_install,
    "new_payee_transfer": new_payee_transfer,
    "cash_withdrawal": cash_withdrawal,
}
