"""The purge run: warnings, then cases, then event-store files; audited per batch and per run.

The rows due are listed once (one query); then each batch — a person's warnings always in
the same batch — is checked again (still due, by primary key: cheap) and purged and marked in
its own transaction, so the desk is never locked out for long, a report never sees a person's
warnings half purged, and an interrupted run loses nothing: the next run picks up the
unmarked rows. (Between the warnings phase and the cases phase of a run — seconds to minutes —
a person's warnings are purged and their cases not yet.)
Each batch appends a ``retention.batch`` record (object ``retention_run``, the batch's counts)
in its own transaction, so a run killed half-way has every purged row audited; the run's
``retention.purge`` record carries the totals, the cutoff and the period. The audit log
itself is never purged.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy.orm import Session, sessionmaker

from fanzha.errors import WorkflowError
from fanzha.store.database import transaction
from fanzha.store.event_store import EventStore
from fanzha.workflow.audit import service as audit
from fanzha.workflow.retention import files, service, tokens
from fanzha.workflow.retention.models import RetentionRun
from fanzha.workflow.volunteer import retention as roster

__all__ = ["Policy", "Progress", "PurgeReport", "preview", "purge"]

Progress = Callable[[str, int], None]  # (what, how many so far)
_Purge = Callable[..., Counter[str]]
_Due = Callable[..., list[int]]
# Counts every real run reports, even when zero.
_ALWAYS: tuple[str, ...] = (
    "warnings",
    "actions",
    "outcomes",
    "restrictions",
    "appeals",
    "cases",
    "case_accounts",
)
_ALWAYS += ("volunteers",)


@dataclass(frozen=True)
class Policy:
    """Purge what is older than ``days`` before ``as_of`` (naive local time)."""

    days: int
    as_of: dt.datetime

    def __post_init__(self) -> None:
        if self.days < 1:
            raise WorkflowError("the retention period must be at least one day", days=self.days)

    @property
    def cutoff(self) -> dt.datetime:
        """Records whose latest date is before this are purged."""
        return self.as_of - dt.timedelta(days=self.days)


@dataclass
class PurgeReport:
    """What a run purged (or, dry, would purge)."""

    policy: Policy
    dry_run: bool
    run_id: int | None = None
    counts: Counter[str] = field(default_factory=Counter)


def preview(
    *, factory: sessionmaker[Session], store: EventStore | None, policy: Policy
) -> PurgeReport:
    """Counts of what :func:`purge` would do; changes nothing."""
    report = PurgeReport(policy=policy, dry_run=True)
    with factory() as session:
        report.counts.update(service.count_due(session=session, cutoff=policy.cutoff))
        report.counts.update(service.held_counts(session=session, cutoff=policy.cutoff))
        report.counts.update(roster.count_due(session=session, cutoff=policy.cutoff))
    report.counts.update(_file_counts(files.find_expired(store, policy.cutoff)))
    return report


def purge(
    *,
    factory: sessionmaker[Session],
    store: EventStore | None,
    policy: Policy,
    actor: str,
    now: dt.datetime,
    progress: Progress | None = None,
    batch: int = 500,
) -> PurgeReport:
    """Purge everything due under ``policy``; audited once with the counts."""
    report = PurgeReport(policy=policy, dry_run=False, run_id=_start(factory, policy, actor, now))
    report.counts.update(dict.fromkeys(_ALWAYS, 0))
    for due, purge_rows, what in (
        (service.due_warnings, service.purge_warnings, "warnings"),
        (service.due_cases, service.purge_cases, "cases"),
        (roster.due_volunteers, roster.purge_volunteers, "volunteers"),
    ):
        _batches(factory, report, due, purge_rows, what, now, progress, batch)
    expired = files.find_expired(store, policy.cutoff)
    if store is not None and (expired.partitions or expired.quarantine or expired.lead_rows):
        report.counts.update(_file_counts(expired))
        files.delete_expired(store, expired, policy.cutoff)
    if progress is not None:
        progress("partitions", report.counts["partitions"])
    _finish(factory, report, actor, now)
    return report


def _start(factory: sessionmaker[Session], policy: Policy, actor: str, now: dt.datetime) -> int:
    with transaction(factory) as session:
        run = RetentionRun(
            started_at=now,
            as_of=policy.as_of,
            cutoff=policy.cutoff,
            days=policy.days,
            actor=actor,
            counts={},
        )
        session.add(run)
        session.flush()
        return run.id


def _batches(
    factory: sessionmaker[Session],
    report: PurgeReport,
    due: _Due,
    purge_rows: _Purge,
    what: str,
    now: dt.datetime,
    progress: Progress | None,
    batch: int,
) -> None:
    assert report.run_id is not None
    for ids in _candidate_batches(factory, report.policy.cutoff, due, what, batch):
        with transaction(factory) as session:
            # still due? (a new warning may have arrived for the person meanwhile)
            still = due(session=session, cutoff=report.policy.cutoff, among=ids)
            if still:
                counts = purge_rows(session=session, ids=still, run_id=report.run_id, now=now)
                report.counts.update(counts)
                _audit_batch(session, report.run_id, what, counts, now)
        if progress is not None:
            progress(what, report.counts[what])


def _audit_batch(
    session: Session, run_id: int, what: str, counts: Counter[str], now: dt.datetime
) -> None:
    """The batch's own audit record, in the batch's transaction: a run killed before its end
    leaves no purged row that the audit log does not account for."""
    audit.append(
        session=session,
        actor=f"retention:{run_id}",
        action="retention.batch",
        object_type="retention_run",
        object_id=str(run_id),
        at=now,
        detail={"phase": what, "counts": dict(sorted(counts.items()))},
    )


def _candidate_batches(
    factory: sessionmaker[Session], cutoff: dt.datetime, due: _Due, what: str, batch: int
) -> list[list[int]]:
    """The due ids in batches of about ``batch``; a person's warnings stay in one batch."""
    with factory() as session:
        candidates = due(session=session, cutoff=cutoff)
        groups = (
            service.person_groups(session=session, ids=candidates)
            if what == "warnings"
            else [[i] for i in candidates]
        )
    batches: list[list[int]] = [[]]
    for group in groups:
        if batches[-1] and len(batches[-1]) + len(group) > batch:
            batches.append([])
        batches[-1].extend(group)
    return [b for b in batches if b]


def _finish(
    factory: sessionmaker[Session], report: PurgeReport, actor: str, now: dt.datetime
) -> None:
    with transaction(factory) as session:
        report.counts["tokens_released"] = tokens.release(session=session)
        report.counts.update(service.held_counts(session=session, cutoff=report.policy.cutoff))
        run = session.get(RetentionRun, report.run_id)
        assert run is not None
        run.finished_at, run.counts = now, dict(report.counts)
        audit.append(
            session=session,
            actor=actor,
            action="retention.purge",
            object_type="retention_run",
            object_id=str(report.run_id),
            at=now,
            detail={
                "days": report.policy.days,
                "as_of": report.policy.as_of.isoformat(),
                "cutoff": report.policy.cutoff.isoformat(),
                "counts": dict(sorted(report.counts.items())),
            },
        )


def _file_counts(expired: files.ExpiredFiles) -> Counter[str]:
    return Counter(
        {
            "partitions": len(expired.partitions),
            "quarantine_files": len(expired.quarantine),
            "event_files": expired.files - len(expired.quarantine),
            "bytes": expired.bytes,
            "lead_rows": expired.lead_rows,
        }
    )
