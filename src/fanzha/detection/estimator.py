"""The estimator contract every learned detector follows, and its saved form.

Contract (after scikit-learn and river):

- ``__init__`` stores its hyperparameters unchanged, under the same names, and nothing else;
  randomness comes only from the ``seed`` hyperparameter.
- ``fit(...)`` learns, sets attributes whose names end in ``_`` and returns ``self``.
- ``score(X)`` returns P(fraud) in ``[0, 1]``, one value per input row, in input order; an
  empty input gives an empty array.
- ``save(path)`` writes one file (a zip of JSON and NumPy/LightGBM text parts; no pickle, so
  loading a model file never runs code) and ``load(path)`` restores an equal model.
- Training records a :class:`ModelMeta` (version, training-data fingerprint, metrics, confusion
  matrix, top features) and :meth:`Estimator.write_card` renders it as a model card
  (``<model>.card.md`` and ``<model>.card.json``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import inspect
import io
import json
import zipfile
from abc import ABC, abstractmethod
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Generic, Self, TypeVar

import numpy as np

from fanzha.errors import ModelError

FORMAT_VERSION = 1
X = TypeVar("X")


@dataclass
class ModelMeta:
    """What a trained model remembers about its training."""

    kind: str
    version: str
    fingerprint: str
    params: dict[str, Any]
    n_train: int
    trained_at: str
    metrics: dict[str, float] = field(default_factory=dict)
    confusion: dict[str, Any] = field(default_factory=dict)  # {"labels": [...], "matrix": [[]]}
    top_features: list[tuple[str, float]] = field(default_factory=list)
    notes: dict[str, Any] = field(default_factory=dict)
    format_version: int = FORMAT_VERSION

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ModelMeta:
        """Rebuild from :func:`dataclasses.asdict` output (JSON turns tuples into lists)."""
        data = dict(data)
        data["top_features"] = [(str(n), float(v)) for n, v in data.get("top_features", [])]
        return cls(**data)


def fingerprint(*arrays: object) -> str:
    """A SHA-256 over the training inputs (arrays, frames, text lists), in order."""
    digest = hashlib.sha256()
    for item in arrays:
        if hasattr(item, "to_numpy") and hasattr(item, "columns"):
            digest.update("|".join(map(str, item.columns)).encode())
            item = item.to_numpy()
        array = np.asarray(item)
        if array.dtype.kind in "OUS":
            for value in array.ravel():
                digest.update(str(value).encode() + b"\x00")
        else:
            digest.update(np.ascontiguousarray(array, dtype=np.float64).tobytes())
    return digest.hexdigest()


def now_iso() -> str:
    """The current UTC time, to the second, as ISO 8601."""
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()


class Estimator(ABC, Generic[X]):
    """Base of the learned detectors; see the module docstring for the contract."""

    kind: ClassVar[str]
    seed: int
    meta_: ModelMeta

    def get_params(self) -> dict[str, Any]:
        """The hyperparameters, read back under their ``__init__`` names."""
        names = [p for p in inspect.signature(type(self).__init__).parameters if p != "self"]
        return {name: getattr(self, name) for name in names}

    @abstractmethod
    def fit(self, data: X, labels: Any) -> Self:
        """Learn from ``data`` and ``labels``; return ``self``."""

    @abstractmethod
    def score(self, data: X) -> np.ndarray:
        """P(fraud) per row, in ``[0, 1]``, in input order."""

    @abstractmethod
    def _dump(self) -> dict[str, bytes]:
        """The learned state as named byte parts."""

    @abstractmethod
    def _restore(self, parts: dict[str, bytes]) -> None:
        """Set the learned state from the parts written by :meth:`_dump`."""

    @property
    def version(self) -> str:
        """The version string recorded with every output of this model."""
        self.check_fitted()
        return self.meta_.version

    def check_fitted(self) -> None:
        """Raise :class:`ModelError` unless the model has been trained or loaded."""
        if not hasattr(self, "meta_"):
            raise ModelError(f"{self.kind} model is not trained", model=self.kind)

    def build_meta(
        self,
        digest: str,
        n_train: int,
        metrics: dict[str, float],
        confusion: dict[str, Any],
        top_features: list[tuple[str, float]],
        notes: dict[str, Any],
    ) -> ModelMeta:
        """The metadata saved with a freshly trained model (version from the data digest)."""
        return ModelMeta(
            kind=self.kind,
            version=self.make_version(digest),
            fingerprint=digest,
            params=self.get_params(),
            n_train=n_train,
            trained_at=now_iso(),
            metrics=metrics,
            confusion=confusion,
            top_features=top_features,
            notes=notes,
        )

    def make_version(self, fingerprint_hex: str) -> str:
        """A deterministic version: kind, format and the first digits of the data fingerprint."""
        params = json.dumps(self.get_params(), sort_keys=True, default=str)
        tag = hashlib.sha256((fingerprint_hex + params).encode()).hexdigest()[:10]
        return f"{self.kind}-v{FORMAT_VERSION}-{tag}"

    def save(self, path: Path | str) -> Path:
        """Write the model file (zip of ``meta.json`` and the learned parts)."""
        self.check_fitted()
        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("meta.json", json.dumps(asdict(self.meta_), ensure_ascii=False))
            for name, payload in sorted(self._dump().items()):
                archive.writestr(name, payload)
        return target

    @classmethod
    def load(cls, path: Path | str) -> Self:
        """Read a model file written by :meth:`save`."""
        meta, parts = read_model_file(path)
        if meta.kind != cls.kind:
            raise ModelError(f"model file holds a {meta.kind!r} model", file=str(path))
        model = cls(**meta.params)
        model.meta_ = meta
        model._restore(parts)
        return model

    def write_card(self, path: Path | str) -> tuple[Path, Path]:
        """Write ``<path>.card.md`` and ``<path>.card.json`` next to the model file."""
        self.check_fitted()
        base = Path(path)
        json_path = base.with_name(base.name + ".card.json")
        md_path = base.with_name(base.name + ".card.md")
        json_path.write_text(json.dumps(asdict(self.meta_), ensure_ascii=False, indent=2))
        md_path.write_text(render_card(self.meta_), encoding="utf-8")
        return md_path, json_path


def read_model_file(path: Path | str) -> tuple[ModelMeta, dict[str, bytes]]:
    """The metadata and raw parts of a model file; :class:`ModelError` if unreadable."""
    try:
        with zipfile.ZipFile(Path(path)) as archive:
            parts = {name: archive.read(name) for name in archive.namelist()}
    except (OSError, zipfile.BadZipFile) as exc:
        raise ModelError(f"cannot read model file: {exc}", file=str(path)) from exc
    if "meta.json" not in parts:
        raise ModelError("model file has no meta.json", file=str(path))
    meta = ModelMeta.from_dict(json.loads(parts.pop("meta.json")))
    if meta.format_version > FORMAT_VERSION:
        raise ModelError("model file is from a newer Fanzha", file=str(path))
    return meta, parts


def arrays_to_bytes(**arrays: np.ndarray) -> bytes:
    """NumPy arrays as ``.npz`` bytes (no pickled objects)."""
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)  # type: ignore[arg-type]
    return buffer.getvalue()


def arrays_from_bytes(payload: bytes) -> dict[str, np.ndarray]:
    """The arrays of :func:`arrays_to_bytes`."""
    with np.load(io.BytesIO(payload), allow_pickle=False) as npz:
        return {name: npz[name] for name in npz.files}


def render_card(meta: ModelMeta) -> str:
    """A model card in Markdown: what, when, on which data, how good, what it looks at."""
    lines = [
        f"# Model card: {meta.kind}",
        "",
        f"- version: `{meta.version}`",
        f"- trained at (UTC): {meta.trained_at}",
        f"- training rows: {meta.n_train}",
        f"- training-data fingerprint (SHA-256): `{meta.fingerprint}`",
        f"- hyperparameters: `{json.dumps(meta.params, ensure_ascii=False, default=str)}`",
        "",
        "## Metrics (measured during training, on data the fitted parts did not see)",
        "",
        "| metric | value |",
        "|---|---|",
    ]
    lines += [f"| {name} | {value:.4f} |" for name, value in sorted(meta.metrics.items())]
    lines += ["", *_confusion_lines(meta.confusion), "", "## Top features", ""]
    lines += [f"{i}. {name} ({value:.3g})" for i, (name, value) in enumerate(meta.top_features, 1)]
    for key, value in sorted(meta.notes.items()):
        lines.append(f"\n**{key}**: {value}")
    return "\n".join(lines) + "\n"


def _confusion_lines(confusion: dict[str, Any]) -> list[str]:
    labels = [str(x) for x in confusion.get("labels", [])]
    matrix = confusion.get("matrix", [])
    if not labels:
        return []
    header = ["## Confusion matrix (rows: true, columns: predicted)", ""]
    rows = ["| true \\ predicted | " + " | ".join(labels) + " |"]
    rows.append("|---" * (len(labels) + 1) + "|")
    rows += [
        f"| {label} | " + " | ".join(str(int(v)) for v in row) + " |"
        for label, row in zip(labels, matrix, strict=True)
    ]
    return header + rows
