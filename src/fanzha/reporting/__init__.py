"""Reporting: metric definitions (``metrics``), periods (``periods``) and exported reports.

The public interface is :mod:`fanzha.reporting.metrics` (``summary``, ``breakdown``,
``series``, ``compare``) with :mod:`fanzha.reporting.periods`; see ``docs/reporting.md``.
"""
