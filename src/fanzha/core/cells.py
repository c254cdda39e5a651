"""Spreadsheet cells from untrusted text: no formula injection in the files we write.

A cell whose text starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is run
as a formula by Excel, WPS and LibreOffice when a CSV is opened (OWASP "CSV Injection").
Station and community names, fraud-type labels, scam texts and officers' notes all reach our
exports, so every text cell of a CSV goes through :func:`csv_cell` (a leading ``'`` makes it
plain text, the OWASP advice), and XLSX cells are stored as strings, never as formulas
(:func:`is_formula_text`: openpyxl would otherwise write such a text as a formula).
Numbers are never changed: ``-3`` stays a number.
"""

from __future__ import annotations

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def is_formula_text(value: object) -> bool:
    """Whether a spreadsheet would take this text as a formula."""
    return isinstance(value, str) and value.startswith(TRIGGERS)


def csv_cell(value: object) -> object:
    """``value`` for a CSV cell: a text that would run as a formula gets a leading ``'``."""
    return "'" + value if is_formula_text(value) and isinstance(value, str) else value


def csv_row(values: list[object] | tuple[object, ...]) -> list[object]:
    """Every cell of a CSV row through :func:`csv_cell`."""
    return [csv_cell(v) for v in values]
