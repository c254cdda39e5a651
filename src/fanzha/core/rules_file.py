"""Reading a rules file (detection rules, tier rules): TOML bytes, the packaged default when
no path is given, and errors that name the file and the offending field."""

from __future__ import annotations

import tomllib
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from fanzha.errors import ConfigError

__all__ = ["first_error", "parse_toml", "rules_bytes"]


def rules_bytes(package: str, path: Path | None, what: str) -> tuple[bytes, str]:
    """The bytes of ``path`` (``package``'s ``default.toml`` when None) and the name errors
    give; a file that cannot be read is a :class:`ConfigError` ("cannot read ``what``")."""
    if path is None:
        return resources.files(package).joinpath("default.toml").read_bytes(), "default.toml"
    try:
        return Path(path).read_bytes(), str(path)
    except OSError as exc:
        raise ConfigError(f"cannot read {what}: {exc.strerror}", file=str(path)) from exc


def parse_toml(data: bytes, name: str, not_toml: str) -> dict[str, Any]:
    """The TOML table of ``data``; not UTF-8 or not TOML is a :class:`ConfigError` whose
    message starts with ``not_toml``."""
    try:
        return tomllib.loads(data.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{not_toml}: {exc}", file=name) from exc


def first_error(exc: ValidationError) -> str:
    """``where: message`` of the first validation error (``where`` dotted, e.g.
    ``scoring.half_life_hours``)."""
    first = exc.errors()[0]
    return ".".join(str(p) for p in first["loc"]) + ": " + str(first["msg"])
