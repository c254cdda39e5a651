"""Opening text files: gzip, encodings (UTF-8 ± BOM, UTF-16, GBK/GB18030), binary junk."""

from __future__ import annotations

import codecs
import gzip
import io
import re
import zlib
from pathlib import Path
from typing import IO, cast

from fanzha.errors import IngestError

__all__ = ["detect_encoding", "has_undecoded", "open_binary", "open_text", "shown"]

_CHUNK = 1 << 20
_FALLBACKS = ("utf-8", "gb18030")
# What errors="surrogateescape" makes of bytes the encoding cannot decode: lone low surrogates.
_UNDECODED = re.compile("[\udc80-\udcff]")


def has_undecoded(text: str) -> bool:
    """Whether ``text`` (read by :func:`open_text`) held bytes its encoding could not decode."""
    return _UNDECODED.search(text) is not None


def shown(text: str) -> str:
    """``text`` with undecodable bytes as U+FFFD, fit to write to a UTF-8 quarantine file."""
    return _UNDECODED.sub("\ufffd", text)


def open_binary(path: Path) -> IO[bytes]:
    """The file's bytes, decompressed when it is gzip (detected by its magic number)."""
    try:
        with path.open("rb") as probe:
            magic = probe.read(2)
    except OSError as exc:
        raise IngestError(f"cannot open file: {exc.strerror}", file=path.name) from exc
    if magic == b"\x1f\x8b":
        return cast(IO[bytes], gzip.open(path, "rb"))
    return path.open("rb")


def _idle(decoder: codecs.IncrementalDecoder) -> bool:
    """Whether ``decoder`` holds no partial character (so ASCII bytes need no decoding)."""
    try:
        return not decoder.getstate()[0]
    except (AttributeError, NotImplementedError):
        return False


def _decodes(path: Path, encoding: str) -> bool:
    decoder = codecs.getincrementaldecoder(encoding)()
    try:
        with open_binary(path) as stream:
            while chunk := stream.read(_CHUNK):
                if not (chunk.isascii() and _idle(decoder)):  # ASCII decodes as itself
                    decoder.decode(chunk)
            decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    except (EOFError, gzip.BadGzipFile, zlib.error) as exc:
        raise IngestError(f"truncated or corrupt gzip file: {exc}", file=path.name) from exc
    return True


def _head(path: Path) -> bytes:
    try:
        with open_binary(path) as stream:
            return stream.read(8192)
    except (EOFError, gzip.BadGzipFile, zlib.error) as exc:
        raise IngestError(f"truncated or corrupt gzip file: {exc}", file=path.name) from exc


def detect_encoding(path: Path) -> str:
    """The encoding of a text file; :class:`IngestError` for empty, binary or undecodable files."""
    head = _head(path)
    if head.startswith(codecs.BOM_UTF8):
        encoding = "utf-8-sig"
    elif head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encoding = "utf-16"
    else:
        if b"\x00" in head:
            raise IngestError("file looks binary, not text (NUL bytes)", file=path.name)
        encoding = next((e for e in _FALLBACKS if _decodes(path, e)), "")
        if not encoding:
            raise IngestError(
                "cannot decode file: neither UTF-8 nor GBK/GB18030 text", file=path.name
            )
    if encoding != "utf-16" and not head.removeprefix(codecs.BOM_UTF8).strip():
        raise IngestError("empty file", file=path.name)
    return encoding


def open_text(path: Path) -> tuple[IO[str], str]:
    """The file as text in its detected encoding, with universal newlines kept for ``csv``.

    Bytes the encoding cannot decode (a BOM file cut inside a character, say) are read as lone
    surrogates (:func:`has_undecoded`), so a reader rejects the row holding them and reads on:
    a strict decoder raises at the same place on every call and never gets past it.
    """
    encoding = detect_encoding(path)
    if encoding == "utf-16" and not _decodes(path, "utf-16"):
        raise IngestError("cannot decode UTF-16 file", file=path.name)
    stream = io.TextIOWrapper(
        open_binary(path), encoding=encoding, errors="surrogateescape", newline=""
    )
    return stream, encoding
