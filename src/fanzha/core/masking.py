"""Masked forms of payee accounts: one function for lists, exports and purges.

Phone numbers have theirs in :func:`fanzha.core.phone.mask`, ID numbers in
:func:`fanzha.ingest.idnumbers.mask_id`.
"""

from __future__ import annotations

__all__ = ["MASK", "mask_account"]

MASK = "****"


def mask_account(account: str, *, purged: bool = False) -> str:
    """A payee account masked for display (``6222********1234``: first and last four) or, with
    ``purged``, for keeping after a purge (``****1234``: the last four only).

    An account already masked for a purge is returned as it is, so a purged case shows the
    four characters it kept.
    """
    value = account.strip()
    if value.startswith(MASK):
        return value
    if purged:
        return MASK + value[-4:] if len(value) > 8 else MASK
    if len(value) <= 8:
        return value[:2] + "*" * max(len(value) - 2, 0)
    return value[:4] + "*" * (len(value) - 8) + value[-4:]
