"""Facts several layers need are defined once; the places that must keep a copy (a numpy
array the simulator draws from in a fixed order, SQL text, the desk's labels) are tied to the
definition here, so a change in one place cannot leave the others behind."""

from __future__ import annotations

import duckdb

from fanzha.core import phone
from fanzha.core.warning_record import CLOSED_STATUSES, OPEN_STATUSES, WarningStatus
from fanzha.detection.rules import load_rules
from fanzha.detection.rules.model import SIGNAL_KINDS
from fanzha.detection.sqlparts import VIRTUAL
from fanzha.sim import phones as sim_phones
from fanzha.web.i18n import translator
from fanzha.workflow.warning import service


def test_shared_virtual_prefixes_of_the_simulator_are_core_ones() -> None:
    assert {str(p) for p in sim_phones.VIRTUAL_PREFIXES} == phone.VIRTUAL_PREFIXES


def test_shared_virtual_sql_classifies_like_core() -> None:
    con = duckdb.connect()
    numbers = [8617012345678, 8616212345678, 8613812345678, 85512345678, 8616612345678]
    for key in numbers:
        in_sql = con.execute(f"SELECT {VIRTUAL.format(col=f'CAST({key} AS BIGINT)')}").fetchone()
        assert in_sql is not None
        assert bool(in_sql[0]) == (phone.kind(key) is phone.PhoneKind.VIRTUAL), key


def test_shared_statuses_have_one_open_definition() -> None:
    assert set(OPEN_STATUSES) | set(CLOSED_STATUSES) == set(WarningStatus)
    assert set(CLOSED_STATUSES) == {WarningStatus.CLOSED, WarningStatus.TRANSFERRED}
    assert tuple(s.value for s in WarningStatus) == service.STATUSES


def test_shared_statuses_and_signal_kinds_have_desk_labels() -> None:
    kinds = [*SIGNAL_KINDS, *(combo.id for combo in load_rules().combos)]
    zh = translator("zh")
    assert [s for s in WarningStatus if zh(s.value) == s.value] == []  # "unlabelled" shows the key
    for lang in ("zh", "en"):
        t = translator(lang)
        assert [k for k in kinds if t(f"signal.{k}") == k] == [], lang


def test_shared_reason_fields_known_to_retention_and_migration() -> None:
    import importlib

    from fanzha.core.warning_record import Reason
    from fanzha.workflow.retention.scrub import REASON_KEPT

    migration = importlib.import_module("fanzha.store.migrations.versions.0009_typed_warning")
    assert set(REASON_KEPT) < set(Reason.model_fields)
    assert set(migration.REASON_FIELDS) <= set(Reason.model_fields)  # 0009 output still reads
