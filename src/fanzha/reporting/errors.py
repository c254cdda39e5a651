"""The reporting package's error: a subclass of the one hierarchy in :mod:`fanzha.errors`."""

from __future__ import annotations

from fanzha.errors import FanzhaError


class ReportError(FanzhaError):
    """A period, dimension or report request that cannot be served (bad input, not a bug)."""
