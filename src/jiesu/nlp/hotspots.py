"""Hotspots (热点 / 未诉先办): clusters of similar recent appeals in one area.

Many people complaining about the same problem at the same place in a few days is what a city
wants to see before the next hundred calls: a hotspot. `find_hotspots` groups the appeals of a
time window by area (the unit their address was located in; appeals without one form their
own group) and clusters each group by text: character 2–3-gram TF-IDF vectors (the IDF fitted
on the window itself, and n-grams in more than 5 % of its appeals dropped, so that what every
letter says weighs nothing and place names and problems weigh most), then average-linkage
agglomerative clustering on cosine similarity, stopped where the mean similarity between two
clusters falls below `similarity`. Average linkage, unlike linking any two similar appeals,
does not chain unrelated appeals together through a few in between. A cluster of at least
`min_size` appeals is a hotspot. Its heat grows with the people behind it, with its growth and
with dissatisfaction:

    heat = distinct requesters × (1 + max(growth, 0)) × (1 + dissatisfied ÷ volume)

where growth = (appeals in the later half of the window − appeals in the earlier half) ÷
max(earlier half, 1). Ten calls by one person are not a hotspot of ten people.

On the 4,326 real messages of `messages_with_votes.csv` (one group, the whole year as the
window) the default similarity 0.1 puts 51 of the 55 messages about a concrete mixing plant
next to one housing estate into one hotspot (52 messages, 49 different users, the hottest),
and 53 messages about parking spaces sold tied to flats in another (48 users). A week of
20,000 appeals in 50 areas takes about 5 s on one core (`python bench/hotspots.py`).
Those are letters of a few hundred characters. One-sentence appeals are more alike for the
same shared word: in a quiet week of short texts, three that share a common word (晚上,
小时) can form a small hotspot. Its heat stays low (three people, no growth); a city whose
appeals are short can raise `similarity`.

Pure: no database, no clock (`now` is passed in).
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
from scipy.sparse import csr_matrix
from sklearn.cluster import AgglomerativeClustering
from sklearn.feature_extraction.text import TfidfTransformer

from jiesu.nlp.tokenize import ngram_keys, normalize

TEXT_CHARS = 300  # the request is in the first sentences; the tail adds noise and time
COMMON = 0.05  # an n-gram in more than this share of the window's appeals is dropped …
COMMON_MIN = 10  # … when that share is more than this many appeals
MAX_GROUP = 4000  # the newest appeals of one area that are clustered (n² memory)
LABEL_CHARS = 60


@dataclass(frozen=True)
class HotspotInput:
    appeal_id: int
    text: str  # title + "\n" + content
    area_unit_id: int | None
    created_at: datetime  # aware UTC
    requester: str | None  # phone digits: distinct requesters
    dissatisfied: bool  # follow-up 不满意, or reopened


@dataclass(frozen=True)
class Hotspot:
    key: str  # f"h{oldest member id}": stable while the cluster keeps its first appeal
    area_unit_id: int | None
    appeal_ids: tuple[int, ...]  # newest first
    volume: int
    requesters: int
    recent: int  # members in the later half of the window
    earlier: int  # members in the earlier half
    growth: float
    dissatisfied: int
    heat: float
    label: str  # the member nearest the cluster's centre, cut to LABEL_CHARS
    terms: tuple[str, ...]  # up to 5 n-grams that weigh most in the cluster


def find_hotspots(items: Sequence[HotspotInput], now: datetime, *, window_days: int = 7,
                  min_size: int = 3, similarity: float = 0.1,
                  limit: int = 20) -> list[Hotspot]:
    """Clusters of similar appeals in the same area within the window, hottest first."""
    if window_days <= 0 or min_size < 2 or not 0 < similarity <= 1:
        raise ValueError("window_days > 0, min_size >= 2 and 0 < similarity <= 1 are required")
    start = now - timedelta(days=window_days)
    recent = [i for i in items if start <= i.created_at <= now]
    docs = [normalize(i.text)[:TEXT_CHARS] for i in recent]
    usable = [k for k, d in enumerate(docs) if len(d.replace(" ", "")) >= 4]
    if len(usable) < min_size:
        return []
    matrix, vocabulary = _vectors([docs[k] for k in usable])
    if matrix.shape[1] == 0:  # no n-gram occurs twice: nothing can be similar
        return []
    groups: dict[int | None, list[int]] = defaultdict(list)
    newest_first = sorted(range(len(usable)), key=lambda row: recent[usable[row]].created_at,
                          reverse=True)
    for row in newest_first:
        group = groups[recent[usable[row]].area_unit_id]
        if len(group) < MAX_GROUP:
            group.append(row)
    middle = now - timedelta(days=window_days / 2)
    found: list[Hotspot] = []
    for area, rows in groups.items():
        if len(rows) < min_size:
            continue
        sub = matrix[rows]
        for members in _clusters(sub, similarity, min_size):
            found.append(_hotspot(area, [recent[usable[rows[m]]] for m in members],
                                  [docs[usable[rows[m]]] for m in members],
                                  sub[members], vocabulary, middle))
    found.sort(key=lambda h: (-h.heat, -h.volume, h.key))
    return found[:limit]


def _vectors(docs: list[str]) -> tuple[csr_matrix, np.ndarray]:
    """Sublinear TF-IDF rows (L2-normalised) of the documents' character 2-3-grams, and the
    n-gram keys of the columns: n-grams in one document only, or in more than COMMON of them
    (and more than COMMON_MIN), are left out. The n-grams are `ngram_keys` integers, counted
    in numpy: building a Python string per n-gram took 9 of 11 s for a week of 20,000."""
    grams = [ngram_keys(d, 2, 3) for d in docs]  # one key per occurrence
    every = np.concatenate(grams) if grams else np.zeros(0, np.uint64)
    vocabulary, columns = np.unique(every, return_inverse=True)
    rows = np.repeat(np.arange(len(docs)), [len(g) for g in grams])
    tf = csr_matrix((np.ones(len(every), np.float32), (rows, columns)),
                    shape=(len(docs), len(vocabulary)))
    tf.sum_duplicates()  # occurrences → counts
    frequency = np.bincount(tf.indices, minlength=len(vocabulary))  # documents per n-gram
    most = max(COMMON * len(docs), COMMON_MIN)
    kept = np.flatnonzero((frequency >= 2) & (frequency <= most))
    tf = tf[:, kept]
    if not kept.size:  # TF-IDF refuses a matrix without columns; the caller finds nothing
        return csr_matrix((len(docs), 0), dtype=np.float32), vocabulary[kept]
    weighted = TfidfTransformer(sublinear_tf=True).fit_transform(tf)
    return csr_matrix(weighted, dtype=np.float32), vocabulary[kept]


def _decode(key: np.uint64) -> str:
    """The characters of an `ngram_keys` key (16 bits per UTF-16 code unit, first unit low)."""
    value, units = int(key), []
    while value:
        units.append(value & 0xFFFF)
        value >>= 16
    return np.array(units, np.uint16).tobytes().decode("utf-16-le", errors="replace")


def _clusters(vectors: csr_matrix, similarity: float, min_size: int) -> list[list[int]]:
    """Average-linkage clusters of rows (L2-normalised) whose mean cosine similarity to each
    other stays >= similarity; only those with at least min_size rows."""
    if vectors.shape[0] < 2:
        return []
    distance = 1.0 - (vectors @ vectors.T).toarray().astype(np.float64)
    np.clip(distance, 0.0, 2.0, out=distance)
    np.fill_diagonal(distance, 0.0)
    labels = AgglomerativeClustering(
        n_clusters=None, metric="precomputed", linkage="average",
        distance_threshold=1.0 - similarity).fit_predict(distance)
    sizes = np.bincount(labels)
    return [np.flatnonzero(labels == c).tolist() for c in np.flatnonzero(sizes >= min_size)]


def _hotspot(area: int | None, members: list[HotspotInput], texts: list[str],
             vectors: csr_matrix, vocabulary: np.ndarray, middle: datetime) -> Hotspot:
    order = sorted(range(len(members)), key=lambda m: (members[m].created_at,
                                                       members[m].appeal_id), reverse=True)
    volume = len(members)
    later = sum(1 for m in members if m.created_at >= middle)
    earlier = volume - later
    growth = (later - earlier) / max(earlier, 1)
    people = {m.requester for m in members if m.requester}
    requesters = len(people) + sum(1 for m in members if not m.requester)
    unhappy = sum(1 for m in members if m.dissatisfied)
    heat = requesters * (1 + max(growth, 0.0)) * (1 + unhappy / volume)
    used = np.unique(vectors.indices)  # the cluster's own n-grams: a few hundred of 10^6
    local = vectors[:, used]
    centre = np.asarray(local.mean(axis=0)).ravel()
    nearest = int(np.argmax(local @ centre))
    return Hotspot(
        key=f"h{min(m.appeal_id for m in members)}", area_unit_id=area,
        appeal_ids=tuple(members[m].appeal_id for m in order), volume=volume,
        requesters=requesters, recent=later, earlier=earlier, growth=round(growth, 3),
        dissatisfied=unhappy, heat=round(heat, 2), label=_label(members[nearest].text),
        terms=_terms(centre, vocabulary[used], texts))


def _label(text: str) -> str:
    title, _, content = text.partition("\n")
    if content.startswith(title.rstrip("…").strip()):  # a title cut from the content
        text = content
    first = " ".join(text.split())
    return first if len(first) <= LABEL_CHARS else first[:LABEL_CHARS - 1] + "…"


def _terms(centre: np.ndarray, vocabulary: np.ndarray, texts: list[str],
           n: int = 5) -> tuple[str, ...]:
    """The heaviest n-grams of the cluster's centre as the words its members write: n-grams
    that overlap are joined when the members write the joined phrase (阳光 + 光小 + 小区 →
    阳光小区), fragments of a longer term and n-grams with spaces, digits or punctuation are
    left out."""
    picked: list[str] = []
    for index in np.argsort(-centre, kind="stable"):
        if centre[index] <= 0 or len(picked) == 4 * n:
            break
        term = _decode(vocabulary[index])
        if term.isalnum() and "0" not in term:
            picked.append(term)
    joined = True
    while joined:
        joined = False
        for a, b in itertools.permutations(picked, 2):
            phrase = _overlap(a, b)
            if phrase and 2 * sum(phrase in t for t in texts) >= len(texts):
                picked[picked.index(a)] = phrase
                picked.remove(b)
                joined = True
                break
    out: list[str] = []
    for term in picked:
        if term not in out and not any(term != other and term in other for other in picked):
            out.append(term)
    return tuple(out[:n])


def _overlap(a: str, b: str) -> str | None:
    """a and b joined where the end of a is the start of b (阳光, 光小 → 阳光小), or None."""
    for k in range(min(len(a), len(b)) - 1, 0, -1):
        if a.endswith(b[:k]):
            return a + b[k:]
    return None
