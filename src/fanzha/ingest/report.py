"""What an import did, per file and in total."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from fanzha.errors import IngestError, NothingValidError

__all__ = ["FileReport", "IngestReport"]


@dataclass
class FileReport:
    """Counts for one source file. Invariant: ``rows_read == accepted + quarantined``."""

    file: Path
    kind: str
    rows_read: int = 0
    new: int = 0
    already_present: int = 0
    quarantined: int = 0
    updated: int = 0  # small tables: rows that replaced an older row with the same key
    reasons: Counter[str] = field(default_factory=Counter)
    quarantine_file: Path | None = None
    extra_columns: tuple[str, ...] = ()
    sha256: str = ""
    error: IngestError | None = None

    @property
    def accepted(self) -> int:
        """Valid rows: newly stored plus already present from an earlier import."""
        return self.new + self.already_present

    def top_reasons(self, n: int = 3) -> list[tuple[str, int]]:
        """The most frequent quarantine reasons."""
        return self.reasons.most_common(n)


@dataclass
class IngestReport:
    """The files of one import."""

    files: list[FileReport] = field(default_factory=list)

    @property
    def rows_read(self) -> int:
        """Rows read from all files."""
        return sum(f.rows_read for f in self.files)

    @property
    def accepted(self) -> int:
        """Valid rows of all files."""
        return sum(f.accepted for f in self.files)

    @property
    def new(self) -> int:
        """Rows newly written to the store."""
        return sum(f.new for f in self.files)

    @property
    def quarantined(self) -> int:
        """Rows sent to quarantine."""
        return sum(f.quarantined for f in self.files)

    def extend(self, other: IngestReport) -> None:
        """Append another report's files."""
        self.files.extend(other.files)

    def check(self) -> None:
        """Raise an unreadable file's error, or :class:`NothingValidError` if no row was valid."""
        for report in self.files:
            if report.error is not None:
                raise report.error
        if self.accepted == 0:
            names = ", ".join(f.file.name for f in self.files) or "no files"
            raise NothingValidError(
                f"no valid row in {names}: {self.rows_read} read, {self.quarantined} quarantined",
                file=self.files[0].file.name if len(self.files) == 1 else None,
            )
