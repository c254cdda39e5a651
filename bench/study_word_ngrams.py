"""Study: do hashed word n-grams (``rjieba`` segmentation) lift the stage-1 text classifier?

Run: ``OMP_NUM_THREADS=1 .venv/bin/python bench/study_word_ngrams.py`` (one thread, one
process; needs ``rjieba`` — ``.venv/bin/pip install rjieba==0.2.2`` — and ../shared/data;
writes nothing). Arguments: variant names to run (default: all of ``VARIANTS``).

What it measures, on the Telecom_Fraud_Texts_5 protocol (``protocol_split``, seed 0):

- for the shipped ``ScamTextClassifier`` (the baseline, re-measured in the same run) and each
  variant: macro-F1 and normal FPR, each the mean over 5 stratified folds
  (``StratifiedKFold(5, shuffle=True, random_state=0)``) of the training 80 %;
- for the baseline and the best variant by CV macro-F1 only: the 20 % holdout macro-F1 and
  normal FPR (recorded, never used to choose), stage-1 recall on the unseen-types set
  (``tests/unit/models/data/unseen_types.csv``, any fraud label counts) and ``judge``
  throughput on the holdout ×4 in texts per CPU-second (``time.process_time``, best of 2).

A variant is ``WordNgramClassifier``: the shipped model whose count matrix is the char n-gram
counts horizontally stacked with hashed word uni(+bi)grams in their own ``word_features``
buckets, before the same sublinear TF·IDF / L2 weighting and LinearSVC. Adoption rule (fixed
before the run): CV macro-F1 ≥ baseline + 0.002, CV normal FPR at most 0.05 percentage points
above the baseline's, and throughput ≥ 5,000 texts per CPU-second.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import hashlib  # noqa: E402
import importlib.metadata  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable, Sequence  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import rjieba  # noqa: E402
import scipy.sparse as sp  # noqa: E402
from sklearn.model_selection import StratifiedKFold  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script: make ``bench`` importable
    sys.path.insert(0, str(ROOT))

from bench.bench_models import rate  # noqa: E402
from fanzha.core.fraud_types import NORMAL  # noqa: E402
from fanzha.detection.text.classifier import ScamTextClassifier, canonical_label  # noqa: E402
from fanzha.detection.text.metrics import protocol_split, verdict_metrics  # noqa: E402

DATA = ROOT.parent / "shared" / "data" / "fraud-texts" / "train.csv"
UNSEEN = ROOT / "tests" / "unit" / "models" / "data" / "unseen_types.csv"
FOLDS = 5
MIN_GAIN = 0.002
MAX_FPR_RISE = 0.0005  # 0.05 percentage points
MIN_RATE = 5_000.0

_MULT = np.int64(1_000_003)
_MASK = np.int64((1 << 61) - 1)
_BIGRAM_SALT = np.int64(0x5BD1E995)


def _token_hash(token: str) -> int:
    """A stable 61-bit hash of a word (Python's ``hash`` changes between processes)."""
    digest = hashlib.blake2b(token.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "little") & int(_MASK)


def word_counts(texts: Sequence[str], max_words: int, n_features: int) -> sp.csr_matrix:
    """Counts of hashed word 1..``max_words``-grams (rjieba segmentation, blanks dropped)."""
    cache: dict[str, int] = {}
    hashes: list[int] = []
    lengths = np.zeros(len(texts), dtype=np.int64)
    for i, text in enumerate(texts):
        tokens = [w for w in rjieba.cut(str(text)) if not w.isspace()]
        lengths[i] = len(tokens)
        for token in tokens:
            code = cache.get(token)
            if code is None:
                code = cache[token] = _token_hash(token)
            hashes.append(code)
    h = np.array(hashes, dtype=np.int64)
    doc_of = np.repeat(np.arange(len(texts), dtype=np.int64), lengths)
    rows, cols = [doc_of], [h % n_features]
    if max_words >= 2 and len(h) > 1:
        same_doc = doc_of[:-1] == doc_of[1:]
        pair = ((h[:-1] * _MULT + h[1:]) & _MASK) ^ _BIGRAM_SALT
        rows.append(doc_of[:-1][same_doc])
        cols.append(((pair[same_doc] * _MULT) & _MASK) % n_features)
    row, col = np.concatenate(rows), np.concatenate(cols)
    data = np.ones(len(row), dtype=np.float64)
    return sp.coo_matrix((data, (row, col)), shape=(len(texts), n_features)).tocsr()


class WordNgramClassifier(ScamTextClassifier):
    """The shipped classifier with hashed word n-grams stacked after the char n-gram buckets
    (``ScamTextClassifier._counts`` is the one place fit and scoring take their counts)."""

    def __init__(  # every parameter named: the estimator contract reads them from here
        self,
        max_n: int = 3,
        n_features: int = 2**18,
        c: float = 2.0,
        use_lexicon: bool = True,
        lexicon_threshold: float = 3.0,
        override_below: float = 0.6,
        holdout: float = 0.1,
        seed: int = 0,
        max_words: int = 2,
        word_features: int = 2**18,
    ) -> None:
        super().__init__(
            max_n, n_features, c, use_lexicon, lexicon_threshold, override_below, holdout, seed
        )
        self.max_words = max_words
        self.word_features = word_features

    def _counts(self, texts: list[str]) -> sp.csr_matrix:
        chars = super()._counts(texts)
        words = word_counts(texts, self.max_words, self.word_features)
        return sp.hstack([chars, words], format="csr")


Factory = Callable[[], ScamTextClassifier]
BASELINE = "baseline (shipped: char 1-3, C=2)"
VARIANTS: dict[str, Factory] = {
    "words 1": lambda: WordNgramClassifier(max_words=1),
    "words 1-2": lambda: WordNgramClassifier(max_words=2),
    "words 1-2, C=1": lambda: WordNgramClassifier(max_words=2, c=1.0),
    "words 1-2, C=4": lambda: WordNgramClassifier(max_words=2, c=4.0),
}


def cross_validate(factory: Factory, texts: list[str], y: np.ndarray) -> tuple[float, float]:
    """Mean macro-F1 and mean normal FPR over the stratified folds of the training part."""
    folds = StratifiedKFold(FOLDS, shuffle=True, random_state=0).split(texts, y)
    f1s, fprs = [], []
    for fit_rows, val_rows in folds:
        model = factory().fit([texts[i] for i in fit_rows], y[fit_rows].tolist())
        metrics, _ = verdict_metrics(
            y[val_rows].tolist(), model.predict([texts[i] for i in val_rows])
        )
        f1s.append(metrics["macro_f1"])
        fprs.append(metrics["normal_false_positive_rate"])
    return float(np.mean(f1s)), float(np.mean(fprs))


def final_figures(
    factory: Factory,
    train: tuple[list[str], np.ndarray],
    test: tuple[list[str], np.ndarray],
    unseen: list[str],
) -> dict[str, float]:
    """Holdout macro-F1 / FPR, unseen-type recall and judge throughput of one candidate."""
    model = factory().fit(train[0], train[1].tolist())
    metrics, _ = verdict_metrics(test[1].tolist(), model.predict(test[0]))
    recall = float(np.mean(np.array(model.predict(unseen)) != NORMAL))
    batch = test[0] * 4
    return {
        "holdout_f1": metrics["macro_f1"],
        "holdout_fpr": metrics["normal_false_positive_rate"],
        "unseen_recall": recall,
        "rate": rate(lambda: model.judge(batch), len(batch), repeats=2),
    }


def main(names: list[str]) -> None:
    data = pd.read_csv(DATA, dtype=str, keep_default_na=False)
    texts = data["text"].tolist()
    y = np.array([canonical_label(x) for x in data["label"]], dtype=object)
    test_mask = protocol_split(data["label"].tolist())
    train = ([texts[i] for i in np.flatnonzero(~test_mask)], y[~test_mask])
    test = ([texts[i] for i in np.flatnonzero(test_mask)], y[test_mask])
    unseen = pd.read_csv(UNSEEN)["text"].tolist()
    print(
        f"rjieba {importlib.metadata.version('rjieba')}; "
        f"train {len(train[0])}, holdout {len(test[0])}, unseen {len(unseen)} texts"
    )

    factories: dict[str, Factory] = {BASELINE: ScamTextClassifier}
    factories |= {name: VARIANTS[name] for name in names or VARIANTS}
    cv: dict[str, tuple[float, float]] = {}
    for name, factory in factories.items():
        start = time.perf_counter()
        cv[name] = cross_validate(factory, *train)
        print(
            f"{name:36s} CV macro-F1 {cv[name][0]:.4f}  CV normal FPR {cv[name][1]:.4%}  "
            f"({time.perf_counter() - start:.0f} s)",
            flush=True,
        )

    best = max((n for n in factories if n != BASELINE), key=lambda n: cv[n][0])
    finals = {
        name: final_figures(factories[name], train, test, unseen) for name in (BASELINE, best)
    }
    for name, f in finals.items():
        print(
            f"{name:36s} holdout macro-F1 {f['holdout_f1']:.4f}  holdout normal FPR "
            f"{f['holdout_fpr']:.4%}  unseen recall {f['unseen_recall']:.3f}  "
            f"judge {f['rate']:,.0f} texts/CPU-s"
        )

    gain = cv[best][0] - cv[BASELINE][0]
    fpr_rise = cv[best][1] - cv[BASELINE][1]
    checks = {
        f"CV macro-F1 gain {gain:+.4f} >= {MIN_GAIN}": gain >= MIN_GAIN,
        f"CV FPR rise {fpr_rise * 100:+.3f} pp <= 0.05 pp": fpr_rise <= MAX_FPR_RISE,
        f"throughput {finals[best]['rate']:,.0f} >= {MIN_RATE:,.0f}": (
            finals[best]["rate"] >= MIN_RATE
        ),
    }
    for text, ok in checks.items():
        print(f"  {'pass' if ok else 'FAIL'}: {text}")
    print(f"verdict for {best!r}: {'ADOPT' if all(checks.values()) else 'NOT ADOPTED'}")


if __name__ == "__main__":
    main(sys.argv[1:])
