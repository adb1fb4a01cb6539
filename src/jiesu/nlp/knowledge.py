"""Search over the knowledge base (知识库检索): which published articles answer this question.

An in-memory index, no database. Each article is cut into character 1–3-grams
(`jiesu.nlp.tokenize.ngram_keys` over `jiesu.nlp.text.compact`, so punctuation, spaces and
full-width forms do not matter), weighted TF-IDF with the title counting more than the keywords
and those more than the answer, and L2-normalised; a query is scored by cosine similarity.

Why these choices:

* Character n-grams, not words: operators type fast, with typos and in fragments
  ("公积金提取", "居住证"); there is no word segmentation to get wrong, and a two-character
  query still has its unigrams and its bigram to match.
* The title weighs most because articles are written as the question a caller asks
  ("居住证怎么办理"); a long answer mentions many things it is not about.
* Sublinear term frequency (1 + log tf): an answer that repeats "办理" ten times is not ten times
  more about it.
* The matrix is kept column-wise (scipy CSC): a query touches only the columns of its own
  n-grams, so a search over 5,000 articles is a few hundred microseconds (bench/knowledge.py).

The index is immutable; the service builds a new one when articles change.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import sparse

from jiesu.nlp.text import compact
from jiesu.nlp.tokenize import ngram_keys

NGRAMS = (1, 3)
# how much an n-gram counts by where it occurs: title > keywords > answer
TITLE_WEIGHT = 3.0
KEYWORD_WEIGHT = 2.0
ANSWER_WEIGHT = 1.0
ANSWER_CHARS = 2000  # the head of a long answer says what it is about
QUERY_CHARS = 400  # an appeal's text as typed so far: its start says what is asked
DEFAULT_MIN_SCORE = 0.05  # below this a hit shares only common characters with the query


@dataclass(frozen=True)
class Document:
    """What the index reads of one article."""

    id: int
    title: str
    answer: str
    keywords: Sequence[str] = ()


@dataclass(frozen=True)
class Hit:
    id: int
    score: float  # cosine similarity, 0–1


def _keys(text: str, limit: int | None = None) -> np.ndarray:
    words = compact(text or "")
    if limit is not None:
        words = words[:limit]
    return ngram_keys(words, *NGRAMS)


def _vocabulary(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct keys, sorted, and each key's position among them (np.unique with
    return_inverse, by one unstable argsort: several times faster on millions of keys)."""
    order = np.argsort(keys, kind="quicksort")
    ordered = keys[order]
    first = np.empty(len(ordered), dtype=bool)
    first[:1] = True
    np.not_equal(ordered[1:], ordered[:-1], out=first[1:])
    cols = np.empty(len(keys), dtype=np.int64)
    cols[order] = np.cumsum(first) - 1
    return ordered[first], cols


class KnowledgeIndex:
    """Cosine top-k over TF-IDF character n-grams of the given articles."""

    def __init__(self, ids: np.ndarray, vocabulary: np.ndarray, idf: np.ndarray,
                 matrix: sparse.csc_matrix) -> None:
        self._ids = ids
        self._vocabulary = vocabulary  # sorted n-gram keys; a key's position is its column
        self._idf = idf
        self._matrix = matrix  # articles × n-grams, rows L2-normalised

    @classmethod
    def build(cls, documents: Iterable[Document]) -> KnowledgeIndex:
        """The index of `documents` (the published articles)."""
        ids: list[int] = []
        keys: list[np.ndarray] = []
        weights: list[np.ndarray] = []
        rows: list[np.ndarray] = []
        for row, doc in enumerate(documents):
            ids.append(doc.id)
            parts = ((_keys(doc.title), TITLE_WEIGHT),
                     (_keys(" ".join(doc.keywords)) if doc.keywords else np.zeros(0, np.uint64),
                      KEYWORD_WEIGHT),
                     (_keys(doc.answer, ANSWER_CHARS), ANSWER_WEIGHT))
            for k, w in parts:
                keys.append(k)
                weights.append(np.full(len(k), w))
                rows.append(np.full(len(k), row, dtype=np.int64))
        n_docs = len(ids)
        all_keys = np.concatenate(keys) if keys else np.zeros(0, np.uint64)
        vocabulary, cols = _vocabulary(all_keys)
        if n_docs == 0 or len(vocabulary) == 0:
            return cls(np.array(ids, dtype=np.int64), vocabulary, np.zeros(len(vocabulary)),
                       sparse.csc_matrix((n_docs, len(vocabulary))))
        # weighted term counts per article (duplicates are summed by the COO → CSR step)
        counts = sparse.coo_matrix(
            (np.concatenate(weights), (np.concatenate(rows), cols)),
            shape=(n_docs, len(vocabulary))).tocsr()
        counts.sum_duplicates()
        df = np.bincount(counts.indices, minlength=len(vocabulary))
        idf = np.log((1 + n_docs) / (1 + df)) + 1.0
        counts.data = (1.0 + np.log(counts.data)) * idf[counts.indices]
        norms = np.sqrt(np.asarray(counts.multiply(counts).sum(axis=1)).ravel())
        norms[norms == 0] = 1.0
        matrix = sparse.diags(1.0 / norms) @ counts
        return cls(np.array(ids, dtype=np.int64), vocabulary, idf, sparse.csc_matrix(matrix))

    def __len__(self) -> int:
        return len(self._ids)

    def search(self, query: str, k: int = 5, *, min_score: float = DEFAULT_MIN_SCORE
               ) -> list[Hit]:
        """The `k` articles most similar to `query`, best first, each scoring at least
        `min_score`."""
        if not len(self._ids) or k <= 0:
            return []
        keys = _keys(query, QUERY_CHARS)
        if not len(keys) or not len(self._vocabulary):
            return []
        grams, tf = np.unique(keys, return_counts=True)
        at = np.searchsorted(self._vocabulary, grams)
        at[at == len(self._vocabulary)] = 0
        known = self._vocabulary[at] == grams
        if not known.any():
            return []
        cols = at[known]
        # unknown n-grams still count in the query's norm: a query mostly about something the
        # articles never mention should not score high on the one character it shares
        unknown_idf = math.log(1 + len(self._ids)) + 1.0
        weights = (1.0 + np.log(tf.astype(float)))
        q = weights[known] * self._idf[cols]
        norm = math.sqrt(float(q @ q) + float(
            ((weights[~known] * unknown_idf) ** 2).sum()))
        scores = np.asarray(self._matrix[:, cols] @ (q / norm)).ravel()
        k = min(k, len(scores))
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top], kind="stable")]
        return [Hit(int(self._ids[i]), round(float(scores[i]), 4)) for i in top
                if scores[i] >= min_score and scores[i] > 0]
