"""Writing the output directory: part files per kind (Parquet or CSV), ground truth, manifest.

CSV files show phones in the forms people type (mostly ``13812345678``, some
``+86 138 1234 5678``, landlines ``0571-12345678``, ``95588``, ``+855…``/``00855…``) and
times as ``YYYY-MM-DD HH:MM:SS``. Parquet keeps int64 phone keys and ``timestamp[us]``.
"""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv
import pyarrow.parquet as pq

from fanzha.errors import ConfigError
from fanzha.sim import events
from fanzha.sim.config import GENERATOR_VERSION, SimConfig
from fanzha.sim.phones import display_array
from fanzha.sim.rand import rng_for

ALL_KINDS = events.TABLE_KINDS + events.EVENT_KINDS


class PartWriter:
    """Writes one kind's parts and remembers row counts and file names."""

    def __init__(self, out: Path, config: SimConfig) -> None:
        self.out = out
        self.config = config
        self.rows: Counter[str] = Counter()
        self.files: dict[str, list[str]] = {k: [] for k in ALL_KINDS}
        self.ground_truth_rows: dict[str, int] = {}
        _prepare(out)

    def write(self, kind: str, part: int, table: pa.Table) -> None:
        """Write ``DIR/<kind>/part-NNNNN.<ext>`` (the owner column is dropped)."""
        if events.OWNER in table.column_names:
            table = table.drop_columns([events.OWNER])
        ext = self.config.format
        name = f"{kind}/part-{part:05d}.{ext}"
        path = self.out / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if ext == "parquet":
            pq.write_table(table, path, compression="zstd")
        else:
            path.write_bytes(self._csv_bytes(kind, part, table))
        self.rows[kind] += table.num_rows
        self.files[kind].append(name)

    def _csv_bytes(self, kind: str, part: int, table: pa.Table) -> bytes:
        rng = rng_for(self.config.seed, "csv", ALL_KINDS.index(kind), part)
        for name in events.phone_columns(kind):
            keys = table[name].combine_chunks()
            valid = keys.is_valid().to_numpy(zero_copy_only=False)
            values = keys.fill_null(0).to_numpy()
            table = _replace(table, name, display_array(values, valid, rng.random(len(values))))
        for name in events.time_columns(kind):
            text = pc.strftime(table[name].cast(pa.timestamp("s")), format="%Y-%m-%d %H:%M:%S")
            table = _replace(table, name, text)
        buffer = io.BytesIO()
        pcsv.write_csv(table, buffer, pcsv.WriteOptions(quoting_style="needed"))
        data = buffer.getvalue()
        return data if self.config.csv_encoding == "utf-8" else data.decode("utf-8").encode("gbk")

    def ground_truth(
        self, name: str, header: Sequence[str], rows: Iterable[Sequence[object]]
    ) -> None:
        """Write ``DIR/ground_truth/<name>.csv`` (always UTF-8)."""
        path = self.out / "ground_truth" / f"{name}.csv"
        path.parent.mkdir(parents=True, exist_ok=True)
        count = 0
        with path.open("w", encoding="utf-8", newline="") as f:
            w = csv.writer(f, lineterminator="\n")
            w.writerow(header)
            for row in rows:
                w.writerow(["" if v is None else v for v in row])
                count += 1
        self.ground_truth_rows[name] = count

    def manifest(self, extra: dict[str, object]) -> None:
        """Write ``DIR/manifest.json`` (no clock times: same arguments, same bytes)."""
        data = {
            "generator": GENERATOR_VERSION,
            "seed": self.config.seed,
            "parameters": self.config.to_dict(),
            "format": self.config.format,
            "rows": {k: self.rows[k] for k in ALL_KINDS},
            "files": self.files,
            "ground_truth_rows": self.ground_truth_rows,
            **extra,
        }
        text = json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True)
        (self.out / "manifest.json").write_text(text + "\n", encoding="utf-8")


def _replace(table: pa.Table, name: str, values: pa.Array) -> pa.Table:
    return table.set_column(table.schema.get_field_index(name), name, values)


def _prepare(out: Path) -> None:
    """Create the directory; remove the parts of an earlier run so no stale part survives."""
    if out.exists() and not out.is_dir():
        raise ConfigError("output path exists and is not a directory", path=str(out))
    out.mkdir(parents=True, exist_ok=True)
    for kind in (*ALL_KINDS, "ground_truth"):
        for old in sorted((out / kind).glob("*")) if (out / kind).is_dir() else []:
            if old.is_file() and (old.name.startswith("part-") or kind == "ground_truth"):
                old.unlink()
