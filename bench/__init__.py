"""Benchmarks (run as scripts; ``pandas_detection`` is also imported by a test)."""
