"""The engines that run a detection plan: DuckDB in-process (default) and Apache Spark.

The plan is SQL in DuckDB's dialect; for Spark every statement is transpiled by SQLGlot. Both
read the same Parquet files of the event store and return the same Arrow tables, which a test
compares row by row.
"""

from __future__ import annotations

import logging
from typing import Any, Protocol

import pyarrow as pa
import sqlglot

from fanzha.core.schemas import STORED_COLUMNS
from fanzha.detection.plan import Plan
from fanzha.store.event_store import DERIVED_COLUMNS, EventStore

log = logging.getLogger(__name__)

TEXT_VERDICT_COLUMNS = (("text", "VARCHAR"), ("label", "VARCHAR"), ("fraud_score", "DOUBLE"))


class Engine(Protocol):
    """Runs a plan and returns (warnings, reasons) as Arrow tables."""

    name: str

    def run(self, plan: Plan, text_verdicts: pa.Table) -> tuple[pa.Table, pa.Table]:
        """Materialise every step, then run the two result queries."""
        ...


class DuckDBEngine:
    """In-process DuckDB over the event store's Parquet files."""

    name = "duckdb"

    def __init__(self, store: EventStore, threads: int = 2, memory_limit: str = "8GB") -> None:
        self.con = store.connect(threads=threads, memory_limit=memory_limit)

    def run(self, plan: Plan, text_verdicts: pa.Table) -> tuple[pa.Table, pa.Table]:
        """Materialise each step as a temporary table, then query the results."""
        self.con.register("text_verdicts", text_verdicts)
        for step in plan.steps:
            log.debug("duckdb step %s", step.name)
            self.con.execute(f"CREATE OR REPLACE TEMP TABLE {step.name} AS {step.sql}")
        return _arrow(self.con.sql(plan.warnings)), _arrow(self.con.sql(plan.reasons))


def _arrow(result: Any) -> pa.Table:
    """Fetch a whole relation as Arrow (DuckDB 2 renamed ``arrow`` to ``to_arrow_table``)."""
    fetch = getattr(result, "to_arrow_table", None) or result.arrow
    table: pa.Table = fetch()
    return table


def to_spark_sql(sql: str) -> str:
    """Transpile one DuckDB statement to Spark SQL."""
    return str(sqlglot.transpile(sql, read="duckdb", write="spark")[0])


class SparkEngine:
    """Apache Spark (local mode or a cluster) over the same Parquet files."""

    name = "spark"

    def __init__(self, store: EventStore, spark: Any) -> None:
        self.store = store
        self.spark = spark

    def run(self, plan: Plan, text_verdicts: pa.Table) -> tuple[pa.Table, pa.Table]:
        """Register the inputs, materialise each transpiled step, collect the results."""
        self._register_inputs(text_verdicts)
        for step in plan.steps:
            log.debug("spark step %s", step.name)
            # an eager local checkpoint cuts the lineage: later steps read the result instead
            # of re-planning every earlier step (plans would otherwise grow exponentially)
            frame = self.spark.sql(to_spark_sql(step.sql)).localCheckpoint(eager=True)
            frame.createOrReplaceTempView(step.name)
        return self._collect(plan.warnings), self._collect(plan.reasons)

    def _register_inputs(self, text_verdicts: pa.Table) -> None:
        for kind, columns in {**STORED_COLUMNS, **DERIVED_COLUMNS}.items():
            files = [f.as_posix() for f in self.store.files(kind)]
            casts = [f"CAST(`{name}` AS {_spark_type(typ)}) AS `{name}`" for name, typ in columns]
            if files:
                frame = self.spark.read.option("mergeSchema", "true").parquet(*files)
                frame = frame.selectExpr(*casts)
            else:
                frame = self.spark.createDataFrame([], _ddl(columns))
            frame.createOrReplaceTempView(kind)
        rows = text_verdicts.to_pylist()
        self.spark.createDataFrame(rows, _ddl(TEXT_VERDICT_COLUMNS)).createOrReplaceTempView(
            "text_verdicts"
        )

    def _collect(self, sql: str) -> pa.Table:
        frame = self.spark.sql(to_spark_sql(sql))
        return pa.Table.from_pylist([r.asDict() for r in frame.collect()])


def _spark_type(duck_type: str) -> str:
    return "STRING" if duck_type == "VARCHAR" else duck_type


def _ddl(columns: tuple[tuple[str, str], ...]) -> str:
    return ", ".join(f"`{name}` {_spark_type(typ)}" for name, typ in columns)


def local_spark(app_name: str = "fanzha", cores: int = 2) -> Any:
    """A Spark session in local mode, in UTC so naive local timestamps stay as they are."""
    from pyspark.sql import SparkSession

    session = (
        SparkSession.builder.master(f"local[{cores}]")
        .appName(app_name)
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", str(max(2, cores * 2)))
        .config("spark.driver.memory", "2g")
        .config("spark.sql.ansi.enabled", "false")
        # Spark 4's constraint propagation fails on our unions of window results
        # ("key not found" in Union.rewriteConstraints); the plan needs none of it
        .config("spark.sql.constraintPropagation.enabled", "false")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    return session
