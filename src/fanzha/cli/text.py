"""`fanzha text …`: train the scam-text classifier (one stage or the cascade) and classify."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Annotated

import pandas as pd
import typer

from fanzha.detection.estimator import Estimator
from fanzha.detection.text import load_scorer
from fanzha.detection.text.cascade import CascadeTextClassifier
from fanzha.detection.text.classifier import ScamTextClassifier
from fanzha.errors import ModelError

text_app = typer.Typer(help="The scam-text classifier.", no_args_is_help=True)
FileIn = Annotated[Path, typer.Option(exists=True, dir_okay=False, readable=True)]


def register(app: typer.Typer) -> None:
    """Add ``text`` to the app."""
    app.add_typer(text_app, name="text")


def _read_column(path: Path, column: str, *others: str) -> pd.DataFrame:
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (OSError, ValueError) as exc:
        raise ModelError(f"cannot read CSV: {exc}", file=str(path)) from exc
    for name in (column, *others):
        if name not in frame.columns:
            raise ModelError(f"column {name!r} not in the CSV", file=str(path))
    return frame


@text_app.command("train")
def train(
    data: FileIn,
    text_col: Annotated[str, typer.Option(help="column holding the text")],
    label_col: Annotated[str, typer.Option(help="column holding 正常 or a fraud type")],
    out: Annotated[Path, typer.Option(help="model file to write")],
    seed: Annotated[int, typer.Option(help="random seed")] = 0,
    semantic: Annotated[
        bool,
        typer.Option(
            "--semantic/--no-semantic",
            help="two stages: char n-grams, then a sentence encoder for unsure texts",
        ),
    ] = False,
    band_low: Annotated[
        float, typer.Option(help="cascade: stage-1 P(fraud) from which a text is unsure")
    ] = 0.02,
    semantic_threshold: Annotated[
        float, typer.Option(help="cascade: P(fraud) of the semantic stage that flags")
    ] = 0.5,
) -> None:
    """Train on labelled texts; writes the model and its card."""
    frame = _read_column(data, text_col, label_col)
    model: Estimator[Sequence[str]]
    if semantic:
        model = CascadeTextClassifier(
            band_low=band_low, semantic_threshold=semantic_threshold, seed=seed
        )
    else:
        model = ScamTextClassifier(seed=seed)
    model.fit(frame[text_col].tolist(), frame[label_col].tolist())
    model.save(out)
    card, _ = model.write_card(out)
    m = model.meta_.metrics
    routed = f", routed {m['routed_share']:.1%}" if "routed_share" in m else ""
    typer.echo(
        f"{model.version}: held-out macro-F1 {m.get('macro_f1', float('nan')):.4f}, "
        f"normal FPR {m.get('normal_false_positive_rate', float('nan')):.4f}{routed}; card {card}"
    )


@text_app.command("classify")
def classify(
    model: FileIn,
    input: FileIn,
    text_col: Annotated[str, typer.Option(help="column holding the text")],
    out: Annotated[Path, typer.Option(help="CSV to write: label,fraud_score")],
) -> None:
    """Classify texts; writes ``label,fraud_score`` per input row, in input order."""
    frame = _read_column(input, text_col)
    verdicts = load_scorer(model).judge(frame[text_col].tolist())
    result = pd.DataFrame(
        {"label": [v.label for v in verdicts], "fraud_score": [v.fraud_score for v in verdicts]}
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    result.to_csv(out, index=False, float_format="%.6f")
    flagged = int((result["label"] != "正常").sum())
    typer.echo(f"{len(result)} texts classified, {flagged} flagged as fraud → {out}")
