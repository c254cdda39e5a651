"""The two stores: the event store (Parquet + DuckDB) and the workflow store (SQLAlchemy)."""
