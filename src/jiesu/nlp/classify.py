"""Category classifier for appeals (诉求分类): NB-SVM on character 1-4-grams.

How it works (see docs/classifier.md):

1. An appeal is two token blocks (title chars 1-4; title + detail chars 1-4, the detail cut at
   900 or 3000 characters, whichever an inner CV prefers; as uint64 n-gram keys,
   `jiesu.nlp.tokenize`). Each block is a sublinear TF-IDF vector (min_df 2), L2 normalised
   and weighted, so the title counts even though most appeals have none.
2. One linear SVM per category on features scaled by the naive-Bayes log-count ratio of that
   category (NB-SVM, Wang & Manning 2012). The ratio is folded into the weights, so scoring is
   a single sparse dot product.
3. An inner 5-fold cross-validation on the training data (each inner fold fitting its own
   vocabulary and IDF) gives out-of-fold SVM scores of every training appeal. A multinomial
   logistic regression fitted on them gives calibrated probabilities and corrects the
   per-class biases of one-vs-rest SVMs. The model's own NB-SVM is then refitted on all rows,
   and its scores divided by the growth that a quarter more rows gives (measured one step
   down, `_score_growth`), so they match the scale the calibrator learnt from.
4. The top-1 probability shown is mapped, per title group, to the chance that the top guess
   is right (`recalibrate`, Platt scaling fitted on the same held-out predictions): the
   calibrator is fitted over all appeals, and titled appeals came out over-confident.
5. The auto-dispatch threshold is the smallest shown top-1 probability at which the inner
   out-of-fold predictions keep precision >= 97 %, chosen separately for appeals with and
   without a title (`choose_thresholds`). It is chosen on training data only.
"""

from __future__ import annotations

import csv
import hashlib
import json
import math
import os
import platform
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from scipy import sparse

from jiesu.nlp.tokenize import BLOCKS, DETAIL_CHOICES, AppealTokens, has_title, tokenize_appeal

FORMAT = 4  # 4: title in the detail block, detail length in the state (3: neither,
#             2: string n-grams, 1: jieba words)
TARGET_PRECISION = 0.97
# The title block weighs less than the detail block: titles are short, so their normalised
# vectors would otherwise dominate.
BLOCK_WEIGHTS = (0.7, 1.0)
MIN_DF = 2
SVM_C = 1.0  # liblinear's default; NB scaling already sharpens the features
NB_ALPHA = 1.0  # Laplace smoothing of the log-count ratio, as in the NB-SVM paper
INNER_CV = 5
GROWTH_FOLDS = 2  # inner folds on which the score growth of the refit is measured
# Appeals with and without a title get their own auto-dispatch threshold; a group with fewer
# training appeals than this uses the threshold of all appeals (about 9 errors at 97 %).
THRESHOLD_GROUPS = ("untitled", "titled")
MIN_GROUP_ROWS = 300
ARTIFACT = "model.joblib"
ACTIVE_FILE = "ACTIVE"

Progress = Callable[[str], None]


@dataclass(frozen=True, slots=True)
class Prediction:
    """One category guess with its calibrated probability."""

    label: str
    probability: float


# --------------------------------------------------------------------------- features


class _Counts:
    """Raw n-gram counts of many appeals; per block, the sorted distinct keys are the columns.

    Built once per data set; each (inner or outer) training fold then only selects columns
    and computes IDF from its own rows, which is exactly a vectorizer fitted on that fold.
    """

    def __init__(self, docs: Sequence[AppealTokens]) -> None:
        self.keys: list[np.ndarray] = []
        self.matrices: list[sparse.csr_matrix] = []
        for b in range(len(BLOCKS)):
            per_doc = [doc.blocks()[b] for doc in docs]
            indptr = np.cumsum([0] + [len(k) for k in per_doc])
            flat = np.concatenate(per_doc) if per_doc else np.zeros(0, np.uint64)
            keys, cols = np.unique(flat, return_inverse=True)
            m = sparse.csr_matrix(
                (np.ones(len(cols), np.float32), cols.astype(np.int32).ravel(), indptr),
                shape=(len(docs), len(keys)),
            )
            m.sum_duplicates()
            self.keys.append(keys)
            self.matrices.append(m)


@dataclass
class _Features:
    """Columns kept per block (indices into `_Counts`) and their IDF, fitted on some rows."""

    keep: list[np.ndarray]
    idf: list[np.ndarray]

    @classmethod
    def fit(cls, counts: _Counts, rows: np.ndarray) -> _Features:
        keep, idf = [], []
        for m in counts.matrices:
            df = np.asarray((m[rows] > 0).sum(axis=0)).ravel()
            cols = np.flatnonzero(df >= MIN_DF)
            keep.append(cols)
            # sklearn's smooth IDF, so the figures match a TfidfVectorizer
            idf.append((np.log((1 + len(rows)) / (1 + df[cols])) + 1).astype(np.float32))
        return cls(keep, idf)

    def transform(self, counts: _Counts, rows: np.ndarray) -> sparse.csr_matrix:
        parts = []
        for m, cols, idf, w in zip(counts.matrices, self.keep, self.idf, BLOCK_WEIGHTS,
                                   strict=True):
            x = m[rows][:, cols].tocsr()
            x.data = (1 + np.log(x.data)) * idf[x.indices]
            norms = np.sqrt(np.asarray(x.multiply(x).sum(axis=1)).ravel())
            norms[norms == 0] = 1
            parts.append(sparse.diags((w / norms).astype(np.float32)) @ x)
        return sparse.hstack(parts, format="csr", dtype=np.float32)


def _fit_nbsvm(x: sparse.csr_matrix, y: np.ndarray, n_classes: int,
               seed: int) -> tuple[np.ndarray, np.ndarray]:
    """One-vs-rest NB-SVM; returns effective weights (n_features, n_classes) and biases."""
    from sklearn.svm import LinearSVC

    present = x.copy()
    present.data[:] = 1  # the log-count ratio is computed on binarised features

    def one(c: int) -> tuple[np.ndarray, float]:
        pos = y == c
        p = NB_ALPHA + np.asarray(present[pos].sum(axis=0)).ravel()
        q = NB_ALPHA + np.asarray(present[~pos].sum(axis=0)).ravel()
        r = np.log((p / p.sum()) / (q / q.sum())).astype(np.float32)
        svm = LinearSVC(C=SVM_C, random_state=seed).fit(x @ sparse.diags(r), pos)
        return (svm.coef_.ravel() * r).astype(np.float32), float(svm.intercept_[0])

    # liblinear releases the GIL, so threads use both cores without copying the matrix
    with ThreadPoolExecutor(max_workers=max(1, min(2, os.cpu_count() or 1))) as pool:
        fitted = list(pool.map(one, range(n_classes)))
    weights = np.column_stack([w for w, _ in fitted])
    return np.ascontiguousarray(weights), np.array([b for _, b in fitted], np.float32)


def _softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=-1, keepdims=True)
    e = np.exp(z)
    out: np.ndarray = e / e.sum(axis=-1, keepdims=True)
    return out


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, 1e-6, 1 - 1e-6)
    out: np.ndarray = np.log(p / (1 - p))
    return out


def fit_confidence(top_probability: np.ndarray, correct: np.ndarray) -> tuple[float, float]:
    """Slope and intercept that map the logit of a top-1 probability to the logit of the chance
    that the top guess is right (Platt scaling on held-out predictions).

    (1, 0), no change, when the predictions are all right or all wrong, or the fitted slope is
    not positive (the map must keep the order of the appeals).
    """
    from sklearn.linear_model import LogisticRegression

    ok = np.asarray(correct, bool)
    if ok.all() or not ok.any():
        return 1.0, 0.0
    x = _logit(np.asarray(top_probability, np.float64))[:, None]
    fit = LogisticRegression(C=1.0, max_iter=1000).fit(x, ok)
    a, b = float(fit.coef_[0, 0]), float(fit.intercept_[0])
    return (a, b) if a > 0 else (1.0, 0.0)


def recalibrate(proba: np.ndarray, titled: np.ndarray,
                confidence: dict[str, tuple[float, float]]) -> np.ndarray:
    """Probabilities whose top-1 value is the chance, for the appeal's title group, that the top
    guess is right (`fit_confidence`); the other categories share the rest in their proportions.

    The calibrator is fitted over all appeals, but a titled appeal has a second block of
    evidence and comes out over-confident at the top (0.996 shown, 0.977 right on the shared
    file), an untitled one under-confident below 0.9. The top guess stays the top guess.
    """
    proba = np.asarray(proba, np.float64)
    if not confidence or not len(proba):
        return proba.copy()
    a = _by_row({g: ab[0] for g, ab in confidence.items()}, titled)
    b = _by_row({g: ab[1] for g, ab in confidence.items()}, titled)
    rows = np.arange(len(proba))
    order = np.argsort(-proba, axis=1, kind="stable")
    best = order[:, 0]
    top, second = proba[rows, best], proba[rows, order[:, 1]]
    new_top = 1 / (1 + np.exp(-(a * _logit(top) + b)))
    # never below the share the runner-up would then get, so the top guess keeps its place
    new_top = np.maximum(new_top, second / np.maximum(1 - top + second, 1e-300))
    out: np.ndarray = proba * ((1 - new_top) / np.maximum(1 - top, 1e-300))[:, None]
    out[rows, best] = new_top
    # a row that is certain (1 - top rounds to 0), or whose order rounding would change, stays
    keep = (1 - top < 1e-12) | (out.argmax(axis=1) != best)
    out[keep] = proba[keep]
    return out


def calibration_error(top_probability: np.ndarray, correct: np.ndarray, bins: int = 10) -> float:
    """Expected calibration error of the top-1 probability: over ten equal-width bins, the
    gap between the mean probability shown and the share right, weighted by the bin's size."""
    p = np.asarray(top_probability, np.float64)
    ok = np.asarray(correct, bool)
    if not len(p):
        return 0.0
    which = np.minimum((p * bins).astype(int), bins - 1)
    err = 0.0
    for k in np.unique(which):
        m = which == k
        err += m.mean() * abs(p[m].mean() - ok[m].mean())
    return float(err)


# --------------------------------------------------------------------------- model


class CategoryModel:
    """A trained category classifier: features, NB-SVM weights, calibrator, threshold."""

    def __init__(self, state: dict[str, Any], metadata: dict[str, Any]) -> None:
        self.labels: list[str] = list(state["labels"])
        # per block, the sorted n-gram keys of the kept columns: column j is key vocab[j]
        self._vocab: list[np.ndarray] = state["vocab"]
        self._idf: list[np.ndarray] = state["idf"]
        self._offsets: list[int] = state["offsets"]
        self._weights: np.ndarray = state["weights"]
        self._bias: np.ndarray = state["bias"]
        self._cal_coef: np.ndarray = state["cal_coef"]
        self._cal_intercept: np.ndarray = state["cal_intercept"]
        if len(self._cal_coef) == 1 and len(self.labels) == 2:
            # sklearn's binary form, the logit of labels[1] alone, as the softmax of two halves
            # (one column gave every appeal labels[0] at probability 1)
            self._cal_coef = np.vstack([-self._cal_coef / 2, self._cal_coef / 2])
            self._cal_intercept = np.concatenate([-self._cal_intercept / 2,
                                                  self._cal_intercept / 2])
        self.threshold: float = float(state["threshold"])  # over all training appeals
        # per THRESHOLD_GROUPS; models trained before the split use the one threshold for both
        groups = state.get("thresholds") or {}
        self.thresholds: dict[str, float] = {
            g: float(groups.get(g, self.threshold)) for g in THRESHOLD_GROUPS}
        self.detail_chars: int = int(state["detail_chars"])
        # per THRESHOLD_GROUPS, the map of the top-1 probability to the chance it is right
        # (`recalibrate`); models trained before it have none and show the calibrator's own
        self._confidence: dict[str, tuple[float, float]] = {
            g: (float(a), float(b)) for g, (a, b) in (state.get("confidence") or {}).items()}
        self.metadata: dict[str, Any] = metadata

    @property
    def version(self) -> str:
        return str(self.metadata.get("version", ""))

    # -- scoring
    def _vector(self, doc: AppealTokens) -> tuple[np.ndarray, np.ndarray]:
        """Sparse feature vector of one appeal as (column indices, values)."""
        idx_parts, val_parts = [], []
        for toks, vocab, idf, off, w in zip(doc.blocks(), self._vocab, self._idf,
                                            self._offsets, BLOCK_WEIGHTS, strict=True):
            if not len(toks) or not len(vocab):
                continue
            keys, tf = np.unique(toks, return_counts=True)
            pos = np.minimum(np.searchsorted(vocab, keys), len(vocab) - 1)
            known = vocab[pos] == keys
            if not known.any():
                continue
            cols, tf = pos[known], tf[known]
            vals = (1 + np.log(tf.astype(np.float32))) * idf[cols]
            vals *= w / np.sqrt(vals @ vals)
            idx_parts.append(cols + off)
            val_parts.append(vals)
        if not idx_parts:
            return np.zeros(0, np.int64), np.zeros(0, np.float32)
        return np.concatenate(idx_parts), np.concatenate(val_parts)

    def _proba(self, scores: np.ndarray) -> np.ndarray:
        return _softmax(scores @ self._cal_coef.T + self._cal_intercept)

    def _proba_docs(self, docs: Sequence[AppealTokens]) -> np.ndarray:
        scores = np.empty((len(docs), len(self.labels)), np.float64)
        for i, doc in enumerate(docs):
            idx, vals = self._vector(doc)
            scores[i] = vals @ self._weights[idx] + self._bias
        titled = np.array([doc.titled for doc in docs], bool)
        return recalibrate(self._proba(scores), titled, self._confidence)

    def _top(self, proba: np.ndarray, k: int) -> list[Prediction]:
        order = np.argsort(-proba, kind="stable")[: max(0, k)]
        return [Prediction(self.labels[j], float(proba[j])) for j in order]

    def _tokens(self, title: str, detail: str) -> AppealTokens:
        return tokenize_appeal(title, detail, self.detail_chars)

    def predict_proba(self, title: str, detail: str) -> dict[str, float]:
        """Calibrated probability of every category."""
        p = self._proba_docs([self._tokens(title, detail)])[0]
        return {label: float(v) for label, v in zip(self.labels, p, strict=True)}

    def predict_top(self, title: str, detail: str, k: int = 3) -> list[Prediction]:
        """The k most likely categories, most likely first."""
        return self._top(self._proba_docs([self._tokens(title, detail)])[0], k)

    def predict_many(self, items: list[tuple[str, str]], k: int = 3) -> list[list[Prediction]]:
        """`predict_top` for many (title, detail) pairs."""
        proba = self._proba_docs([self._tokens(t, d) for t, d in items])
        return [self._top(p, k) for p in proba]

    def threshold_for(self, title: str) -> float:
        """The auto-dispatch threshold of an appeal with this title (empty: none)."""
        return self.thresholds[_group(has_title(title))]

    def auto_dispatch(self, prediction: Prediction, title: str) -> bool:
        """True when the top guess for the appeal with this title is confident enough to
        dispatch without a person."""
        return prediction.probability >= self.threshold_for(title)

    # -- persistence
    def _state(self) -> dict[str, Any]:
        return {
            "format": FORMAT, "labels": self.labels, "vocab": self._vocab, "idf": self._idf,
            "offsets": self._offsets, "weights": self._weights, "bias": self._bias,
            "cal_coef": self._cal_coef, "cal_intercept": self._cal_intercept,
            "threshold": self.threshold, "thresholds": self.thresholds,
            "detail_chars": self.detail_chars, "confidence": self._confidence,
        }

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the artifact (joblib) and its metadata as JSON beside it (`.json`)."""
        import joblib

        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp")
        joblib.dump({"state": self._state(), "metadata": self.metadata}, tmp)
        os.replace(tmp, path)
        _write_json(metadata_path(path), self.metadata)

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> CategoryModel:
        """Read a model written by `save` (a trusted file: joblib runs pickle)."""
        import joblib

        path = Path(path)
        if path.is_dir():
            path = path / ARTIFACT
        if not path.is_file():
            raise FileNotFoundError(f"模型文件不存在：{path}")
        blob = joblib.load(path)
        if not isinstance(blob, dict) or blob.get("state", {}).get("format") != FORMAT:
            raise ValueError(f"{path} 不是本版本 jiesu 的分类模型（模型格式 {FORMAT}），请重新训练")
        model = cls(blob["state"], blob["metadata"])
        _ = model._vector(tokenize_appeal("", "预热"))  # warm the code path before the first appeal
        return model


def metadata_path(artifact: Path) -> Path:
    """Where the metadata JSON of an artifact lives."""
    return artifact.with_suffix(".json")


def _write_json(path: Path, data: Any) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
    os.replace(tmp, path)


# --------------------------------------------------------------------------- training


def choose_threshold(top_probability: np.ndarray, correct: np.ndarray,
                     target: float = TARGET_PRECISION) -> float:
    """Smallest top-1 probability whose share of predictions at or above it is >= target precise.

    Returns a value above 1 when no threshold reaches the target (never auto-dispatch).
    """
    p = np.asarray(top_probability, np.float64)
    ok = np.asarray(correct, bool)
    order = np.argsort(-p, kind="stable")
    p, ok = p[order], ok[order]
    precision = np.cumsum(ok) / np.arange(1, len(p) + 1)
    # only cut between distinct probabilities: ties are all in or all out
    ends = np.flatnonzero(np.r_[p[1:] != p[:-1], True])
    good = ends[precision[ends] >= target]
    if len(good) == 0:
        return math.nextafter(1.0, 2.0)
    return float(p[good.max()])


def _group(titled: bool) -> str:
    return THRESHOLD_GROUPS[int(titled)]


def choose_thresholds(top_probability: np.ndarray, correct: np.ndarray, titled: np.ndarray,
                      target: float = TARGET_PRECISION) -> tuple[float, dict[str, float]]:
    """The threshold over all appeals, and one per THRESHOLD_GROUPS (`choose_threshold`).

    An appeal with a title has a second block of evidence, so its scores and probabilities
    are larger, but it is no more often right: on the shared file's held-out predictions, the
    appeals with a title above the common threshold were 95.8 % right and those without
    97.9 %. Each group therefore gets the threshold that keeps its own share >= target;
    a group with fewer than MIN_GROUP_ROWS appeals is too small to measure and uses the
    common one.
    """
    return _by_group(lambda top, ok: choose_threshold(top, ok, target), top_probability,
                     correct, titled)


def fit_confidences(top_probability: np.ndarray, correct: np.ndarray,
                    titled: np.ndarray) -> dict[str, tuple[float, float]]:
    """`fit_confidence` per THRESHOLD_GROUPS; a group smaller than MIN_GROUP_ROWS uses the fit
    over all appeals."""
    return _by_group(fit_confidence, top_probability, correct, titled)[1]


def _by_group(fit: Callable[[np.ndarray, np.ndarray], Any], top_probability: np.ndarray,
              correct: np.ndarray, titled: np.ndarray) -> tuple[Any, dict[str, Any]]:
    """`fit` over all appeals, and over each THRESHOLD_GROUPS group; a group with fewer than
    MIN_GROUP_ROWS appeals is too small to measure and gets the fit over all of them."""
    top = np.asarray(top_probability, np.float64)
    ok = np.asarray(correct, bool)
    titled = np.asarray(titled, bool)
    common = fit(top, ok)
    return common, {name: fit(top[mask], ok[mask]) if mask.sum() >= MIN_GROUP_ROWS else common
                    for name, mask in zip(THRESHOLD_GROUPS, (~titled, titled), strict=True)}


def _by_row(groups: dict[str, Any], titled: np.ndarray) -> np.ndarray:
    """Each appeal's value of its THRESHOLD_GROUPS group."""
    out: np.ndarray = np.where(np.asarray(titled, bool), groups["titled"], groups["untitled"])
    return out


def _titled_rows(counts: _Counts, rows: np.ndarray) -> np.ndarray:
    """Which of `rows` have a title (`has_title`: a non-empty title block)."""
    titled: np.ndarray = counts.matrices[BLOCKS.index("title_chars")][rows].getnnz(axis=1) > 0
    return titled


def _held_out_scores(counts: _Counts, y_rows: np.ndarray, rows: np.ndarray, fit_on: np.ndarray,
                      score: np.ndarray, n_classes: int, seed: int) -> np.ndarray:
    """NB-SVM scores of `rows[score]` by a model, features included, fitted on `rows[fit_on]`."""
    feats = _Features.fit(counts, rows[fit_on])
    w, b = _fit_nbsvm(feats.transform(counts, rows[fit_on]), y_rows[fit_on], n_classes, seed)
    scores: np.ndarray = feats.transform(counts, rows[score]) @ w + b
    return scores


def _oof_scores(counts: _Counts, y_rows: np.ndarray, rows: np.ndarray, n_classes: int,
                folds: int, seed: int, say: Progress) -> np.ndarray:
    """Out-of-fold NB-SVM scores of every row of `rows` by an inner cross-validation.

    Each inner fold fits its own vocabulary and IDF on its own rows, exactly as the final
    model will meet new appeals: with features fitted on all rows, a held-out appeal keeps
    the n-grams it shares only with other held-out appeals, which have no weight but take
    part in the length normalisation, so its out-of-fold scores were 10 % smaller than the
    scores of really new appeals and the calibrator was fitted on the wrong scale.
    """
    from sklearn.model_selection import StratifiedKFold

    oof = np.zeros((len(rows), n_classes))
    inner = StratifiedKFold(folds, shuffle=True, random_state=seed)
    for i, (tr, va) in enumerate(inner.split(rows, y_rows), 1):
        oof[va] = _held_out_scores(counts, y_rows, rows, tr, va, n_classes, seed)
        say(f"内部第 {i}/{folds} 折完成")
    return oof


def _score_growth(counts: _Counts, y_rows: np.ndarray, rows: np.ndarray, oof: np.ndarray,
                  n_classes: int, folds: int, seed: int) -> float:
    """How much larger NB-SVM scores get when the model learns from 1/(folds-1) more rows.

    The calibrator and the threshold learn from the out-of-fold scores of inner models that
    saw (folds-1)/folds of the rows, but the stored model is refitted on all of them. More
    data gives larger margins (about 4 % on the shared file), so the refit's top-1
    probabilities on new appeals were over-confident and the share above the threshold
    came out less precise than the 97 % it was chosen for. The growth is measured one step
    down, where it can be seen: on `GROWTH_FOLDS` inner folds, a model fitted on
    (folds-1)/folds of the fold's training rows scores the fold's held-out rows, and the
    ratio of the inner models' score spread to that model's is the growth. From the
    inner models to the refit is the same ratio of rows, so the refit's scores are divided
    by it. Never below 1: the refit is not made more confident than the inner models.
    """
    from sklearn.model_selection import StratifiedKFold

    rng = np.random.default_rng(seed + 2)
    inner = StratifiedKFold(folds, shuffle=True, random_state=seed)
    held, small_scores = [], []
    for _, (tr, va) in zip(range(GROWTH_FOLDS), inner.split(rows, y_rows), strict=False):
        # the same share of every category, as the stratified inner folds have
        keep = np.concatenate([
            rng.permutation(part)[: max(1, len(part) * (folds - 1) // folds)]
            for part in (tr[y_rows[tr] == c] for c in range(n_classes)) if len(part)
        ])
        held.append(va)
        small_scores.append(_held_out_scores(counts, y_rows, rows, keep, va, n_classes, seed))
    spread = float(np.std(np.vstack(small_scores))) if small_scores else 0.0
    if spread == 0:
        return 1.0
    return max(1.0, float(np.std(oof[np.concatenate(held)])) / spread)


def _prefixed(say: Progress, prefix: str) -> Progress:
    return lambda msg: say(prefix + msg)


def _fit(counts: dict[int, _Counts], y: np.ndarray, rows: np.ndarray, labels: list[str], *,
         seed: int, inner_cv: int = INNER_CV,
         progress: Progress | None = None) -> tuple[dict[str, Any], dict[str, Any]]:
    """Fit the model on `rows`; `counts` maps each candidate detail length to its n-gram counts.

    Returns (state, training metrics). The detail length is chosen by the inner CV.
    """
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import log_loss
    from sklearn.model_selection import StratifiedKFold, cross_val_predict

    say = progress or (lambda _msg: None)
    n_classes = len(labels)
    y_rows = y[rows]
    folds = min(inner_cv, int(np.bincount(y_rows, minlength=n_classes).min()))
    if folds < 2:
        raise ValueError("每个分类至少要有 2 条样本才能训练")
    # probabilities of the calibrator itself held out, so the threshold is not optimistic
    cal_folds = StratifiedKFold(folds, shuffle=True, random_state=seed + 1)
    # Each candidate detail length gets an inner CV; the one whose held-out calibrated
    # probabilities have the lowest log-loss (ties: the shorter, cheaper one) is kept. The
    # choice uses the training rows only, so an outer evaluation stays honest.
    best: tuple[float, int, np.ndarray, np.ndarray] | None = None
    candidates: dict[str, float] = {}
    for chars in sorted(counts):
        oof = _oof_scores(counts[chars], y_rows, rows, n_classes, folds, seed,
                          _prefixed(say, f"详情截取 {chars} 字："))
        proba = cross_val_predict(LogisticRegression(C=1.0, max_iter=1000), oof, y_rows,
                                  cv=cal_folds, method="predict_proba")
        loss = float(log_loss(y_rows, proba, labels=list(range(n_classes))))
        candidates[str(chars)] = round(loss, 5)
        if best is None or loss < best[0]:
            best = (loss, chars, oof, proba)
    assert best is not None
    _, chars, oof, proba = best
    losses = "，".join(f"{c} 字 {loss}" for c, loss in candidates.items())
    say(f"选定详情截取长度 {chars} 字（内部交叉验证的 log-loss：{losses}）")
    # The model itself is refitted on all training rows (features too): a quarter more data
    # than each inner model, which is worth about half a point of accuracy.
    feats = _Features.fit(counts[chars], rows)
    w, b = _fit_nbsvm(feats.transform(counts[chars], rows), y_rows, n_classes, seed)
    say("已用全部样本重新拟合")
    growth = _score_growth(counts[chars], y_rows, rows, oof, n_classes, folds, seed)
    w, b = w / np.float32(growth), b / np.float32(growth)
    say(f"重新拟合后分数的放大倍数：{growth:.4f}（已除去）")
    calibrator = LogisticRegression(C=1.0, max_iter=1000).fit(oof, y_rows)
    pred = proba.argmax(axis=1)
    titled = _titled_rows(counts[chars], rows)
    confidence = fit_confidences(proba.max(axis=1), pred == y_rows, titled)
    proba = recalibrate(proba, titled, confidence)
    top = proba.max(axis=1)
    threshold, thresholds = choose_thresholds(top, pred == y_rows, titled)
    train_metrics = _metrics(y_rows, pred, top, threshold, n_classes, labels,
                             row_thresholds=_by_row(thresholds, titled), titled=titled)
    train_metrics["detail_log_loss"] = candidates
    train_metrics["score_growth"] = round(growth, 5)
    # _Counts keys are sorted and the kept columns ascending, so each vocabulary stays sorted
    vocab = [keys[cols] for keys, cols in zip(counts[chars].keys, feats.keep, strict=True)]
    offsets = np.cumsum([0] + [len(c) for c in feats.keep[:-1]]).tolist()
    state = {
        "format": FORMAT, "labels": labels, "vocab": vocab, "idf": feats.idf,
        "offsets": offsets, "weights": w, "bias": b,
        "cal_coef": calibrator.coef_.astype(np.float64),
        "cal_intercept": calibrator.intercept_.astype(np.float64),
        "threshold": threshold, "thresholds": thresholds, "detail_chars": int(chars),
        "confidence": confidence,
    }
    return state, train_metrics


def _all_counts(titles: Sequence[str], details: Sequence[str]
                ) -> tuple[dict[int, list[AppealTokens]], dict[int, _Counts]]:
    """Tokens and n-gram counts of the appeals for every candidate detail length."""
    docs = {c: [tokenize_appeal(t, d, c) for t, d in zip(titles, details, strict=True)]
            for c in DETAIL_CHOICES}
    return docs, {c: _Counts(d) for c, d in docs.items()}


def data_sha256(titles: Sequence[str], details: Sequence[str], labels: Sequence[str]) -> str:
    """Fingerprint of a training set (order-sensitive), stored in the model metadata."""
    h = hashlib.sha256()
    for t, d, lab in zip(titles, details, labels, strict=True):
        for part in (t, d, lab):
            h.update(part.encode("utf-8"))
            h.update(b"\x1f")
        h.update(b"\x1e")
    return h.hexdigest()


def _library_versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    out = {"python": platform.python_version()}
    for name in ("jiesu", "scikit-learn", "numpy", "scipy"):
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = "unknown"
    return out


def _encode(labels: Sequence[str]) -> tuple[list[str], np.ndarray]:
    names = sorted(set(labels))
    index = {lab: i for i, lab in enumerate(names)}
    return names, np.array([index[lab] for lab in labels], np.int64)


def _check(titles: Sequence[str], details: Sequence[str], labels: Sequence[str]) -> None:
    if not (len(titles) == len(details) == len(labels)):
        raise ValueError("titles, details and labels must have the same length")
    if len(set(labels)) < 2:
        raise ValueError("至少要有 2 个分类才能训练")


def train(titles: Sequence[str], details: Sequence[str], labels: Sequence[str], *,
          seed: int = 0, progress: Progress | None = None) -> CategoryModel:
    """Train on labelled appeals; the threshold comes from an inner CV on the same data."""
    _check(titles, details, labels)
    say = progress or (lambda _msg: None)
    started = time.perf_counter()
    _, counts = _all_counts(titles, details)
    n = len(labels)
    say(f"已切分 {n} 条诉求的文本（{time.perf_counter() - started:.1f} 秒）")
    names, y = _encode(labels)
    state, metrics = _fit(counts, y, np.arange(n), names, seed=seed, progress=say)
    now = datetime.now(UTC)
    sha = data_sha256(titles, details, labels)
    metadata = {
        "version": f"{now:%Y%m%dT%H%M%SZ}-{sha[:8]}",
        "created_at": now.isoformat(timespec="seconds"),
        "kind": "nbsvm-char",
        "training_data_sha256": sha,
        "n_samples": n,
        "labels": names,
        "class_counts": {n: int(c) for n, c in zip(names, np.bincount(y), strict=True)},
        "threshold": state["threshold"],
        # what auto-dispatch uses: one threshold for appeals without a title, one with
        "thresholds": state["thresholds"],
        # slope and intercept per group of the top-1 probability's map (`recalibrate`)
        "confidence": {g: list(v) for g, v in state["confidence"].items()},
        "target_precision": TARGET_PRECISION,
        # inner cross-validation on the training data (what chose the threshold)
        "metrics": _summary(metrics),
        # detail length chosen by the inner CV, and each candidate's held-out log-loss
        "detail_chars": state["detail_chars"],
        "detail_log_loss": metrics["detail_log_loss"],
        # the refit's scores were divided by this (see _score_growth)
        "score_growth": metrics["score_growth"],
        "train_seconds": round(time.perf_counter() - started, 2),
        "n_features": int(sum(len(v) for v in state["vocab"])),
        "seed": seed,
        "libraries": _library_versions(),
    }
    return CategoryModel(state, metadata)


# --------------------------------------------------------------------------- evaluation


def _summary(metrics: dict[str, Any]) -> dict[str, Any]:
    keys = ("accuracy", "macro_f1", "coverage_at_97", "precision_at_threshold",
            "calibration_error", "n", "by_title")
    return {k: metrics[k] for k in keys if k in metrics}


def _auto_figures(auto: np.ndarray, correct: np.ndarray, top: np.ndarray) -> dict[str, Any]:
    return {"n": int(len(auto)),
            "accuracy": float(correct.mean()) if len(correct) else 0.0,
            "coverage_at_97": float(auto.mean()) if len(auto) else 0.0,
            "precision_at_threshold": float(correct[auto].mean()) if auto.any() else 0.0,
            "calibration_error": calibration_error(top, correct)}


def _metrics(y_true: np.ndarray, y_pred: np.ndarray, top: np.ndarray, threshold: float,
             n_classes: int, labels: list[str], *, row_thresholds: np.ndarray | None = None,
             titled: np.ndarray | None = None) -> dict[str, Any]:
    """Accuracy, macro-F1, per-class P/R/F1, confusion and coverage at the threshold.

    `row_thresholds` (one per appeal, by its group) decide auto-dispatch when given, else
    `threshold` does; with `titled`, `by_title` gives the figures of each group.
    """
    from sklearn.metrics import confusion_matrix, precision_recall_fscore_support

    ids = list(range(n_classes))
    p, r, f, s = precision_recall_fscore_support(y_true, y_pred, labels=ids, zero_division=0)
    auto = top >= (threshold if row_thresholds is None else row_thresholds)
    correct = y_true == y_pred
    by_title = {} if titled is None else {
        name: _auto_figures(auto[mask], correct[mask], top[mask])
        for name, mask in zip(THRESHOLD_GROUPS, (~titled, titled), strict=True)}
    return {
        "n": int(len(y_true)),
        "accuracy": float(correct.mean()) if len(correct) else 0.0,
        "macro_f1": float(np.mean(f)),
        "per_class": {
            labels[i]: {"precision": float(p[i]), "recall": float(r[i]), "f1": float(f[i]),
                        "support": int(s[i])}
            for i in ids
        },
        "confusion": {"labels": labels,
                      "matrix": confusion_matrix(y_true, y_pred, labels=ids).tolist()},
        "threshold": float(threshold),
        "coverage_at_97": float(auto.mean()) if len(auto) else 0.0,
        "precision_at_threshold": float(correct[auto].mean()) if auto.any() else 0.0,
        # of the top-1 probability shown (`calibration_error`)
        "calibration_error": calibration_error(top, correct),
        **({"by_title": by_title} if by_title else {}),
    }


def evaluate(titles: Sequence[str], details: Sequence[str], labels: Sequence[str], *,
             cv: int = 5, seed: int = 0, progress: Progress | None = None) -> dict[str, Any]:
    """Stratified K-fold cross-validation of `train`; every fold picks its own threshold.

    Figures are pooled over the out-of-fold predictions; `folds` lists each fold's.
    """
    from sklearn.model_selection import StratifiedKFold

    _check(titles, details, labels)
    say = progress or (lambda _msg: None)
    started = time.perf_counter()
    docs, counts = _all_counts(titles, details)
    names, y = _encode(labels)
    n_classes = len(names)
    # the title block is the same for every detail length
    titled = _titled_rows(next(iter(counts.values())), np.arange(len(y)))
    pred = np.zeros(len(y), np.int64)
    top = np.zeros(len(y))
    thresholds = np.zeros(len(y))  # each fold's own, by the appeal's group
    folds = []
    outer = StratifiedKFold(cv, shuffle=True, random_state=seed)
    for i, (tr, te) in enumerate(outer.split(np.zeros(len(y)), y), 1):
        t0 = time.perf_counter()
        state, _ = _fit(counts, y, tr, names, seed=seed)
        model = CategoryModel(state, {})
        proba = model._proba_docs([docs[model.detail_chars][j] for j in te])
        pred[te], top[te] = proba.argmax(1), proba.max(1)
        thresholds[te] = _by_row(model.thresholds, titled[te])
        m = _metrics(y[te], pred[te], top[te], state["threshold"], n_classes, names,
                     row_thresholds=thresholds[te])
        folds.append({**_summary(m), "threshold": state["threshold"],
                      "thresholds": model.thresholds, "detail_chars": state["detail_chars"],
                      "train_seconds": round(time.perf_counter() - t0, 2)})
        say(f"第 {i}/{cv} 折：准确率 {m['accuracy']:.4f}，宏平均 F1 {m['macro_f1']:.4f}，"
            f"自动派单覆盖率 {m['coverage_at_97']:.3f}（其准确率 "
            f"{m['precision_at_threshold']:.4f}）")
    out = _metrics(y, pred, top, float(np.mean([f["threshold"] for f in folds])), n_classes,
                   names, row_thresholds=thresholds, titled=titled)
    out["thresholds"] = {g: float(np.mean([f["thresholds"][g] for f in folds]))
                         for g in THRESHOLD_GROUPS}
    out.update(cv=cv, seed=seed, folds=folds,
               seconds=round(time.perf_counter() - started, 1))
    return out


def evaluate_model(model: CategoryModel, titles: Sequence[str], details: Sequence[str],
                   labels: Sequence[str]) -> dict[str, Any]:
    """Hold-out figures of a trained model on labelled appeals (unknown labels count wrong)."""
    if not (len(titles) == len(details) == len(labels)):
        raise ValueError("titles, details and labels must have the same length")
    names = list(model.labels) + sorted(set(labels) - set(model.labels))
    index = {lab: i for i, lab in enumerate(names)}
    docs = [model._tokens(t, d) for t, d in zip(titles, details, strict=True)]
    proba = model._proba_docs(docs) if docs else np.zeros((0, len(model.labels)))
    y = np.array([index[lab] for lab in labels], np.int64)
    titled = np.array([has_title(t) for t in titles], bool)
    out = _metrics(y, proba.argmax(1), proba.max(1), model.threshold, len(names), names,
                   row_thresholds=_by_row(model.thresholds, titled), titled=titled)
    out["thresholds"] = dict(model.thresholds)
    out["model_version"] = model.version
    return out


# --------------------------------------------------------------------------- data


_COLUMNS = {
    "title": ("title", "留言主题", "标题", "主题"),
    "detail": ("detail", "留言详情", "详情", "内容", "content"),
    "label": ("label", "一级分类", "分类", "category"),
}


def _pick_columns(header: Sequence[Any], path: Path) -> dict[str, int | None]:
    names = [str(h).strip().lower() if h is not None else "" for h in header]
    found: dict[str, int | None] = {}
    for key, aliases in _COLUMNS.items():
        found[key] = next((names.index(a) for a in aliases if a in names), None)
    missing = [k for k in ("detail", "label") if found[k] is None]
    if missing:
        wanted = "，".join(f"{k}（或 {'、'.join(a for a in _COLUMNS[k] if not a.isascii())}）"
                          for k in missing)
        raise ValueError(f"{path}：缺少列 {wanted}；"
                         f"表头为 {', '.join(n for n in names if n) or '（空）'}")
    return found


def _read_rows(path: Path) -> list[list[Any]]:
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        from openpyxl import load_workbook

        wb = load_workbook(path, read_only=True, data_only=True)
        try:
            return [list(r) for r in wb.worksheets[0].iter_rows(values_only=True)]
        finally:
            wb.close()
    raw = path.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):  # exports from Chinese Excel are often GBK
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ValueError(f"{path}：不是 UTF-8 或 GBK（GB18030）编码的文本")
    return list(csv.reader(text.splitlines()))


def read_labelled(path: str | os.PathLike[str]) -> tuple[list[str], list[str], list[str]]:
    """Titles, details and labels from a CSV or XLSX with columns title, detail, label.

    The Chinese headers of the 问政平台 export (留言主题, 留言详情, 一级分类) are accepted too;
    a missing title column or cell becomes ""; rows without a label or text are skipped.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"文件不存在：{path}")
    rows = _read_rows(path)
    if not rows:
        raise ValueError(f"{path}：文件是空的")
    cols = _pick_columns(rows[0], path)

    def cell(row: list[Any], key: str) -> str:
        i = cols[key]
        if i is None or i >= len(row) or row[i] is None:
            return ""
        return str(row[i]).strip()

    titles, details, labels = [], [], []
    for row in rows[1:]:
        label, title, detail = cell(row, "label"), cell(row, "title"), cell(row, "detail")
        if label and (title or detail):
            titles.append(title)
            details.append(detail)
            labels.append(label)
    if not labels:
        raise ValueError(f"{path}：没有既有分类（label）又有内容的行")
    return titles, details, labels


# --------------------------------------------------------------------------- registry


class ModelRegistry:
    """Versioned models in a directory: `<root>/<version>/model.joblib` + `model.json`.

    The active version's id is in `<root>/ACTIVE`, replaced atomically on `activate`.
    """

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)

    def _artifact(self, version: str) -> Path:
        if (not version or len(version) > 200 or "/" in version or "\\" in version
                or "\x00" in version or version.startswith(".")):
            raise ValueError(f"模型版本号“{version}”无效")
        return self.root / version / ARTIFACT

    def save(self, model: CategoryModel) -> str:
        """Store a model under its version id (suffixed if taken); returns the version."""
        base = model.version or datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        version, n = base, 1
        while (self.root / version).exists():
            n += 1
            version = f"{base}-{n}"
        if version != model.version:
            model.metadata["version"] = version
        model.save(self._artifact(version))
        return version

    def list(self) -> list[dict[str, Any]]:
        """Metadata of every stored model, oldest first, with `active` set on the active one."""
        if not self.root.is_dir():
            return []
        active = self.active_version()
        out = []
        for meta in sorted(self.root.glob(f"*/{Path(ARTIFACT).stem}.json")):
            try:
                data = json.loads(meta.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue
            data["version"] = meta.parent.name
            data["active"] = meta.parent.name == active
            # saved before the split by title: one threshold for both groups (as CategoryModel)
            if "threshold" in data and not data.get("thresholds"):
                data["thresholds"] = {g: data["threshold"] for g in THRESHOLD_GROUPS}
            out.append(data)
        return sorted(out, key=lambda d: (str(d.get("created_at", "")), d["version"]))

    def activate(self, version: str) -> None:
        """Make `version` the model used for suggestions and auto-dispatch."""
        if not self._artifact(version).is_file():
            raise KeyError(f"模型目录 {self.root} 中没有版本 {version}")
        self.root.mkdir(parents=True, exist_ok=True)
        tmp = self.root / f".{ACTIVE_FILE}.tmp"
        tmp.write_text(version + "\n", encoding="utf-8")
        os.replace(tmp, self.root / ACTIVE_FILE)

    def deactivate(self) -> None:
        """Leave no model active (undoes the first `activate` of a registry)."""
        (self.root / ACTIVE_FILE).unlink(missing_ok=True)

    def active_version(self) -> str | None:
        try:
            version = (self.root / ACTIVE_FILE).read_text(encoding="utf-8").strip()
        except FileNotFoundError:
            return None
        return version or None

    def load(self, version: str) -> CategoryModel:
        return CategoryModel.load(self._artifact(version))

    def active(self) -> CategoryModel | None:
        """The active model, or None when nothing was activated."""
        version = self.active_version()
        return self.load(version) if version else None

    def resolve(self, ref: str) -> Path:
        """Artifact path of a version id or of a model file/directory path."""
        if (self.root / ref / ARTIFACT).is_file() and "/" not in ref:
            return self._artifact(ref)
        path = Path(ref)
        if path.is_dir():
            path = path / ARTIFACT
        if path.is_file():
            return path
        raise FileNotFoundError(f"没有模型版本或模型文件“{ref}”（模型目录 {self.root}）")


def default_model_dir() -> Path:
    """`$JIESU_MODEL_DIR`, else ./var/models (the same default as the settings)."""
    return Path(os.environ.get("JIESU_MODEL_DIR") or "var/models")
