"""Near-duplicate search over recent appeals (重复诉求 → 建议合并).

An appeal is a duplicate candidate of an earlier one when both come from the same requester
within 30 days, or from the same area (grid, community or street code) within 7 days, and
their texts are similar.

How similarity is computed, and why:

* Text is normalised (`jiesu.nlp.text.compact`: NFKC, lower case, punctuation and spaces
  dropped) and cut into character bigrams. Chinese has no spaces and word segmentation is
  slow and unstable on typos; character n-grams are robust to the edits real re-posts have
  (punctuation, a changed clause, sentences in another order — reordering only touches the
  n-grams at the seams). Bigrams rather than trigrams: on short hotline texts (30–60 汉字)
  a few edits destroy too many trigrams; on real re-posts both reach the same precision.
* The score is the Jaccard similarity of the two n-gram sets, estimated by MinHash with
  `num_perm` (64) permutations. Only the low 8 bits of each minimum are kept (b-bit
  MinHash, Li & König 2010): 64 bytes per appeal, so a million appeals fit in 64 MB of one
  NumPy matrix, and comparing a query to a whole bucket is one vectorised `==`.
* Candidate generation is by key, not by LSH: the rule says "same requester or same area",
  so the index keeps, per requester and per area, the rows of its appeals, and scores the
  whole bucket. A bucket of a grid over 30 days holds hundreds of rows, a street's a few
  thousand: NumPy compares 10,000 signatures in well under a millisecond, with exact recall
  and no banding to tune. LSH tables for 1M appeals would cost far more memory in Python.

The index keeps no text. Time is passed in; naive datetimes are taken as UTC.
"""

from __future__ import annotations

import contextlib
from array import array
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal, TypeAlias

import numpy as np

from jiesu.nlp.text import compact

Reason = Literal["same_requester", "same_area"]

DEFAULT_MIN_SCORE = 0.5
"""Estimated Jaccard over character bigrams above which two texts are called duplicates.

Chosen on edited re-posts of real messages (tests/unit/nlp/test_duplicates.py, figures in
docs/text-intelligence.md): recall 0.99 at precision 0.99.
"""

# Odd 64-bit multipliers for the n-gram hash (golden-ratio family): any odd constants do.
_GRAM_MULT = np.array(
    [0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9, 0xD6E8FEB86659FD93],
    dtype=np.uint64,
)


def _word_char_table() -> np.ndarray:
    """For every BMP code point: the code point `compact` would keep it as, or 0 to drop it."""
    table = np.zeros(0x10000, dtype=np.uint32)
    for cp in range(0x10000):
        ch = chr(cp)
        if 0xD800 <= cp <= 0xDFFF:
            continue
        folded = compact(ch)
        if len(folded) == 1:
            table[cp] = ord(folded)
    return table


_WORD_CHAR = _word_char_table()  # built once at import, ~0.1 s, 256 KB


def _normalised_codepoints(text: str) -> np.ndarray:
    """`compact(text)` as uint64 code points, vectorised (the per-appeal hot path).

    Per-character NFKC + lower case, punctuation dropped; characters outside the BMP (emoji)
    are dropped too. Equal to `compact` except for the rare sequences NFKC composes.
    """
    cps = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
    cps = _WORD_CHAR[cps[cps < 0x10000]]
    words: np.ndarray = cps[cps != 0].astype(np.uint64)
    return words


_SHIFT = np.uint64(31)
_SHIFT_BYTE = np.uint64(32)


@dataclass(frozen=True)
class DuplicateCandidate:
    """An earlier appeal that may be the same matter, with the estimated text similarity."""

    appeal_id: int
    score: float
    reason: Reason


def _seconds(at: datetime) -> int:
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return int(at.timestamp())


class MinHasher:
    """b-bit MinHash signatures (uint8 × num_perm) of character n-gram sets."""

    def __init__(self, num_perm: int = 64, ngram: int = 2, seed: int = 20260101) -> None:
        if not 1 <= ngram <= len(_GRAM_MULT):
            raise ValueError(f"ngram must be 1..{len(_GRAM_MULT)}")
        rng = np.random.default_rng(seed)
        # Multiply-add hashing mod 2**64; the minimum is decided by the high bits, so the
        # stored byte is taken from bits 32–39, which are independent of being the minimum.
        self._a = rng.integers(1, 2**63, size=num_perm, dtype=np.uint64) * np.uint64(2) + 1
        self._b = rng.integers(0, 2**63, size=num_perm, dtype=np.uint64)
        self.num_perm = num_perm
        self.ngram = ngram
        self._recent: dict[str, np.ndarray | None] = {}

    def grams(self, text: str) -> np.ndarray:
        """Distinct 64-bit hashes of the character n-grams of the normalised text."""
        cps = _normalised_codepoints(text)
        n = len(cps)
        if n == 0:
            return np.empty(0, dtype=np.uint64)
        k = min(self.ngram, n)
        # Array arithmetic on uint64 wraps silently (mod 2**64), which is what hashing wants.
        h = cps[: n - k + 1] * _GRAM_MULT[0]
        for j in range(1, k):
            h += cps[j : n - k + 1 + j] * _GRAM_MULT[j]
        h ^= h >> _SHIFT
        hashes: np.ndarray = h
        return hashes

    def signature(self, text: str) -> np.ndarray | None:
        """The signature of `text`, or None when it has no letters, digits or 汉字.

        The last few are kept: registration searches with a text and then indexes the same
        text once it is stored, with other registrations in between.
        """
        recent = self._recent
        if text in recent:
            return recent[text]
        sig = self._signature(text)
        recent[text] = sig
        if len(recent) > 64:
            with contextlib.suppress(RuntimeError, StopIteration):  # another thread's insert
                recent.pop(next(iter(recent)), None)
        return sig

    def _signature(self, text: str) -> np.ndarray | None:
        h = self.grams(text)
        if h.size == 0:
            return None
        mins = (h[:, None] * self._a + self._b).min(axis=0)
        sig: np.ndarray = (mins >> _SHIFT_BYTE).astype(np.uint8)  # astype keeps bits 32–39
        return sig

    def similarity(self, sig: np.ndarray, others: np.ndarray) -> np.ndarray:
        """Estimated Jaccard of `sig` against each row of `others` (b-bit correction)."""
        equal = np.count_nonzero(others == sig, axis=-1) / self.num_perm
        # Two unrelated minima still agree on 8 bits with probability 1/256.
        jaccard: np.ndarray = np.clip((equal - 1 / 256) / (1 - 1 / 256), 0.0, 1.0)
        return jaccard


Bucket: TypeAlias = "int | array[int]"  # a single row (most requesters) or an array('q') of rows


class DuplicateIndex:
    """In-memory index of recent appeals for duplicate suggestions.

    Memory per appeal: `num_perm` bytes of signature + 17 bytes of columns + its place in the
    id map and in one requester and one area bucket. Call `evict_older_than` periodically
    with `now - requester_window` to keep it bounded.
    """

    def __init__(self, *, num_perm: int = 64, ngram: int = 2, capacity: int = 1024) -> None:
        self._hasher = MinHasher(num_perm=num_perm, ngram=ngram)
        capacity = max(capacity, 16)
        self._sigs = np.zeros((capacity, num_perm), dtype=np.uint8)
        self._times = np.zeros(capacity, dtype=np.int64)
        self._ids = np.zeros(capacity, dtype=np.int64)
        self._alive = np.zeros(capacity, dtype=bool)
        self._size = 0  # rows used, alive or not
        self._dead = 0
        self._row_of: dict[int, int] = {}
        self._by_requester: dict[str, Bucket] = {}
        self._by_area: dict[str, Bucket] = {}

    def __len__(self) -> int:
        return len(self._row_of)

    def __contains__(self, appeal_id: object) -> bool:
        return appeal_id in self._row_of

    # -- writing ---------------------------------------------------------------------------

    def add(
        self, appeal_id: int, text: str, requester: str | None, area: str | None, at: datetime
    ) -> None:
        """Index an appeal; adding an id again replaces its earlier entry."""
        if appeal_id in self._row_of:
            self.remove(appeal_id)
        sig = self._hasher.signature(text)
        if sig is None or (requester is None and area is None):
            return  # nothing it could ever be matched by
        if self._size == len(self._ids):
            self._grow()
        row = self._size
        self._size += 1
        self._sigs[row] = sig
        self._times[row] = _seconds(at)
        self._ids[row] = appeal_id
        self._alive[row] = True
        self._row_of[appeal_id] = row
        if requester is not None:
            _push(self._by_requester, requester, row)
        if area is not None:
            _push(self._by_area, area, row)

    def remove(self, appeal_id: int) -> None:
        """Forget an appeal (merged, rejected, no longer open). No-op if absent."""
        row = self._row_of.pop(appeal_id, None)
        if row is not None:
            self._alive[row] = False
            self._dead += 1
            self._maybe_compact()

    def evict_older_than(self, at: datetime) -> int:
        """Drop appeals registered before `at`; returns how many were dropped."""
        n = self._size
        old = np.flatnonzero(self._alive[:n] & (self._times[:n] < _seconds(at)))
        for appeal_id in self._ids[old].tolist():
            del self._row_of[appeal_id]
        self._alive[old] = False
        self._dead += len(old)
        self._maybe_compact()
        return len(old)

    # -- reading ---------------------------------------------------------------------------

    def candidates(
        self,
        text: str,
        requester: str | None,
        area: str | None,
        at: datetime,
        *,
        requester_window: timedelta = timedelta(days=30),
        area_window: timedelta = timedelta(days=7),
        min_score: float = DEFAULT_MIN_SCORE,
        limit: int = 5,
        exclude_id: int | None = None,
    ) -> list[DuplicateCandidate]:
        """Earlier or later appeals within the windows of `at` whose text scores ≥ min_score.

        Best first; an appeal found both ways is reported as `same_requester`, the stronger
        reason. `exclude_id` leaves out the appeal being checked if it is already indexed.
        """
        sig = self._hasher.signature(text)
        if sig is None or limit <= 0:
            return []
        t = _seconds(at)
        found: dict[int, tuple[float, Reason]] = {}
        searches: tuple[tuple[Reason, str | None, timedelta, dict[str, Bucket]], ...] = (
            ("same_requester", requester, requester_window, self._by_requester),
            ("same_area", area, area_window, self._by_area),
        )
        for reason, key, window, buckets in searches:
            if key is None or (bucket := buckets.get(key)) is None:
                continue
            rows = _rows(bucket)
            rows = rows[
                self._alive[rows] & (np.abs(self._times[rows] - t) <= window.total_seconds())
            ]
            if rows.size == 0:
                continue
            scores = self._hasher.similarity(sig, self._sigs[rows])
            hit = scores >= min_score
            for row, score in zip(rows[hit].tolist(), scores[hit].tolist(), strict=True):
                if row not in found:
                    found[row] = (score, reason)
        ranked = sorted(found.items(), key=lambda kv: (-kv[1][0], kv[0]))
        out = []
        for row, (score, reason) in ranked:
            appeal_id = int(self._ids[row])
            if appeal_id != exclude_id:
                out.append(DuplicateCandidate(appeal_id, round(score, 3), reason))
                if len(out) == limit:
                    break
        return out

    def similarity(self, a: str, b: str) -> float:
        """Estimated similarity of two texts, on the same scale as candidate scores."""
        sa, sb = self._hasher.signature(a), self._hasher.signature(b)
        if sa is None or sb is None:
            return 0.0
        return float(self._hasher.similarity(sa, sb[None, :])[0])

    def appeal_ids(self) -> Iterator[int]:
        """Ids currently indexed."""
        return iter(self._row_of)

    # -- storage ---------------------------------------------------------------------------

    def _grow(self) -> None:
        cap = len(self._ids) * 2
        self._sigs = _resized(self._sigs, cap)
        self._times = _resized(self._times, cap)
        self._ids = _resized(self._ids, cap)
        self._alive = _resized(self._alive, cap)

    def _maybe_compact(self) -> None:
        # Amortised: compaction is O(size + buckets); doing it only when a quarter of the rows
        # are dead keeps eviction cheap on average and memory within 4/3 of what is alive.
        if self._dead >= 1024 and self._dead * 4 >= self._size:
            self._compact()

    def _compact(self) -> None:
        n = self._size
        keep = np.flatnonzero(self._alive[:n])
        remap = np.full(n, -1, dtype=np.int64)
        remap[keep] = np.arange(len(keep), dtype=np.int64)
        m = len(keep)
        self._sigs[:m] = self._sigs[keep]
        self._times[:m] = self._times[keep]
        self._ids[:m] = self._ids[keep]
        self._alive[:m] = True
        self._alive[m:] = False
        self._size, self._dead = m, 0
        self._row_of = dict(zip(self._ids[:m].tolist(), range(m), strict=True))
        for buckets in (self._by_requester, self._by_area):
            for key, bucket in list(buckets.items()):
                rows = remap[_rows(bucket)]
                rows = rows[rows >= 0]
                if rows.size == 0:
                    del buckets[key]
                elif rows.size == 1:
                    buckets[key] = int(rows[0])
                else:
                    buckets[key] = array("q", rows.tobytes())


def _push(buckets: dict[str, Bucket], key: str, row: int) -> None:
    bucket = buckets.get(key)
    if bucket is None:
        buckets[key] = row  # a bare int: most requesters call once, an array costs ~80 bytes
    elif isinstance(bucket, int):
        buckets[key] = array("q", (bucket, row))
    else:
        bucket.append(row)


def _rows(bucket: Bucket) -> np.ndarray:
    if isinstance(bucket, int):
        return np.array([bucket], dtype=np.int64)
    # A copy, not a view: a live view would stop the array from growing later.
    return np.array(bucket, dtype=np.int64)


def _resized(a: np.ndarray, cap: int) -> np.ndarray:
    out = np.zeros((cap, *a.shape[1:]), dtype=a.dtype)
    out[: len(a)] = a
    return out


__all__ = ["DEFAULT_MIN_SCORE", "DuplicateCandidate", "DuplicateIndex", "MinHasher"]
