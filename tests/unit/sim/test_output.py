"""Output layout, schemas, manifest and determinism."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pcsv
import pyarrow.parquet as pq
import pytest

from fanzha.core.schemas import KINDS
from fanzha.errors import ConfigError
from fanzha.sim import SimConfig, SimSummary, simulate
from tests.unit.sim.helpers import read_kind

TINY = SimConfig(residents=2000, days=1, seed=5, fraud_multiplier=20)
WINDOW = SimConfig(residents=4000, days=2)
PHONE_COLUMNS = {k: [c.name for c in v.columns if c.type == "phone"] for k, v in KINDS.items()}


def _files(out: Path) -> dict[str, bytes]:
    return {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


def test_simulate_same_seed_gives_identical_files(tmp_path: Path) -> None:
    simulate(TINY, tmp_path / "a")
    simulate(TINY, tmp_path / "b")
    assert _files(tmp_path / "a") == _files(tmp_path / "b")


def test_simulate_different_seed_gives_different_files(tmp_path: Path) -> None:
    simulate(TINY, tmp_path / "a")
    simulate(SimConfig(**{**TINY.__dict__, "seed": 6}), tmp_path / "b")
    a, b = _files(tmp_path / "a"), _files(tmp_path / "b")
    assert a["residents/part-00000.parquet"] != b["residents/part-00000.parquet"]
    assert a["calls/part-00000.parquet"] != b["calls/part-00000.parquet"]


def test_simulate_small_city_runs_in_seconds(tmp_path: Path) -> None:
    began = time.perf_counter()
    summary = simulate(TINY, tmp_path)
    assert time.perf_counter() - began < 15
    assert summary.events > 20 * TINY.residents


def test_parquet_columns_match_schema_contract(small_city: tuple[Path, SimSummary]) -> None:
    out, _ = small_city
    for kind, spec in KINDS.items():
        for part in sorted((out / kind).glob("part-*.parquet")):
            schema = pq.read_schema(part)
            assert schema.names == [c.name for c in spec.columns], part
            for col in PHONE_COLUMNS[kind]:
                assert schema.field(col).type == pa.int64()
            if spec.time_column:
                assert schema.field(spec.time_column).type == pa.timestamp("us")


def test_csv_headers_match_schema_contract(small_city_csv: tuple[Path, SimSummary]) -> None:
    out, _ = small_city_csv
    for kind, spec in KINDS.items():
        for part in sorted((out / kind).glob("part-*.csv")):
            header = part.read_text(encoding="utf-8").splitlines()[0]
            assert header.replace('"', "").split(",") == [c.name for c in spec.columns], part


def test_manifest_row_counts_match_files(small_city: tuple[Path, SimSummary]) -> None:
    out, _ = small_city
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    for kind in KINDS:
        assert manifest["rows"][kind] == read_kind(out, kind).num_rows, kind
        assert len(manifest["files"][kind]) == len(list((out / kind).glob("part-*")))
    assert manifest["seed"] == 11
    assert manifest["parameters"]["residents"] == 4000


def test_events_lie_inside_the_window(small_city: tuple[Path, SimSummary]) -> None:
    out, _ = small_city
    for kind in ("calls", "sms", "url_visits", "app_events", "transfers"):
        col = KINDS[kind].time_column or ""
        times = read_kind(out, kind)[col].to_pandas()
        assert times.min() >= pa.scalar(WINDOW.start_us, pa.timestamp("us")).as_py()
        assert times.max() < pa.scalar(WINDOW.end_us, pa.timestamp("us")).as_py()


def test_csv_gbk_encoding_decodes_as_gbk(tmp_path: Path) -> None:
    simulate(SimConfig(**{**TINY.__dict__, "format": "csv", "csv_encoding": "gbk"}), tmp_path)
    raw = (tmp_path / "jurisdictions" / "part-00000.csv").read_bytes()
    assert "派出所" in raw.decode("gbk")
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    assert pcsv.read_csv(
        tmp_path / "sms" / "part-00000.csv", pcsv.ReadOptions(encoding="gbk")
    ).num_rows


@pytest.mark.parametrize(
    "change", [{"residents": 10}, {"days": 0}, {"blacklist_coverage": 1.5}, {"format": "xlsx"}]
)
def test_config_rejects_bad_values(change: dict[str, object]) -> None:
    with pytest.raises(ConfigError):
        SimConfig(**{**TINY.__dict__, **change})  # type: ignore[arg-type]


def test_simulate_smallest_city_handles_empty_slices(tmp_path: Path) -> None:
    summary = simulate(SimConfig(residents=100, days=2, seed=1), tmp_path)
    assert summary.rows["residents"] >= 100
    assert len(list((tmp_path / "app_events").glob("part-*.parquet"))) == 2
