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
`min_size` appeals is a hotspot.

A hotspot makes its own words common: in the demo's week of 153 appeals, 停水 was in 12 (seven
letters of one estate's outage, five elsewhere), over the cut, so it weighed nothing; the two
letters about 没有通知 / 恢复供水 then shared nothing with the five about 高层两天没水 (0.00 to
0.05 alike) and were a pair of their own (0.39): seven people reported the outage, the hotspot
and its warning counted five. So there are second vectors whose commonness and IDF are counted,
for each area, on the other areas' appeals (when there are REFERENCE_MIN of them): there 停水
weighs, and the pair's centre is 0.15 alike to the hotspot's. A smaller cluster joins a hotspot
of its area when their centres are at least `similarity` alike by these vectors and all their
appeals have the same 事项 (third-level category) and an address (`_join_same_problem`). The
clustering itself keeps the window's vectors: with 停水 weighing, two letters that name it in
passing (车库的灯坏了 / 快递柜坏了) were alike enough to join, and the text alone cannot tell
them from the pair, nor 工地 noise from 酒吧 noise in the same words; the category can. The
terms and the label are taken from the second vectors (停水 is the outage's first term).

The same place is not the same problem. A hotline appeal is mostly one operator-written
sentence (人民路阳光小区门口路灯不亮), where the place is most of what two appeals share: by
their n-grams alone, 油烟 and 拖欠工资 on one street were one hotspot. So each vector has two
parts. The place is what the text shares with the appeal's own address (地址), and a 方位词
right after it (门口, 楼下); an n-gram touching it (阳光小区, 区门口) is place, the rest (路灯,
灯不亮) is the problem. Each part is normalised on its own and the place gets PLACE_SHARE
(0.2) of the vector's length, so two appeals alike by their place alone are at most 0.04
alike, below any sensible `similarity`; an appeal whose problem words no other appeal writes
keeps only that short place part. Appeals without an address (the letters below) have no
place part and are compared as before. And when both appeals have a category (事项分类) that
disagree, neither equal nor one the other's parent (01.02 and 01.02.003), they are not
similar at all: the city's own classification says they are different problems.

A hotspot's terms are the heaviest n-grams of its centre joined into the phrases its members
write (阳光 + 光小 + 小区 → 阳光小区), kept only when they are words: in jieba's dictionary, or
starting and ending at jieba's word boundaries in the members' texts (丽发新城小区, not 区丽发
or 路交叉). They are found for the hotspots returned only.

Its heat grows with the people behind it, with its growth and with dissatisfaction:

    heat = distinct requesters × (1 + max(growth, 0)) × (1 + dissatisfied ÷ volume)

where growth = (appeals in the later half of the window − appeals in the earlier half) ÷
max(earlier half, 1). Ten calls by one person are not a hotspot of ten people.

On the 4,326 real messages of `messages_with_votes.csv` (one group, the whole year as the
window, no address or category) the default similarity 0.1 puts 51 of the 55 messages about
a concrete mixing plant next to one housing estate into one hotspot (52 messages, 49
different users, the hottest), and 51 of the 56 messages about parking spaces sold tied to
flats in another into one of 53 (48 users). A week of 20,000 appeals in 50 areas takes about
5 s on one core (`python bench/hotspots.py`). Those are letters of a few hundred characters
without an address, where a place shared with other problems still counts in full (several
small hotspots there are one estate's different complaints). One-sentence appeals are more
alike for the same shared word: in a quiet week of short texts, three that share a common
word (晚上, 小时) can form a small hotspot. Its heat stays low (three people, no growth); a
city whose appeals are short can raise `similarity`.

Pure: no database, no clock (`now` is passed in).
"""

from __future__ import annotations

import itertools
import logging
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from functools import cache, partial
from typing import Any

import numpy as np
from scipy.sparse import csr_matrix, diags
from sklearn.cluster import AgglomerativeClustering
from sklearn.preprocessing import normalize as normalize_rows

from jiesu.nlp.tokenize import ngram_keys, normalize

TEXT_CHARS = 300  # the request is in the first sentences; the tail adds noise and time
COMMON = 0.05  # an n-gram in more than this share of the window's appeals is dropped …
COMMON_MIN = 10  # … when that share is more than this many appeals
PROBLEM_LEVEL = 3  # 事项分类 level that names a problem (停水), joined by `_join_same_problem`
REFERENCE_MIN = 50  # other areas' appeals that say what is common; else the whole window
MAX_GROUP = 4000  # the newest appeals of one area that are clustered (n² memory)
LABEL_CHARS = 60
TERM_TEXTS = 50  # members whose words the terms are checked against
PARTICLES = frozenset("的了很是在都也就还又和与及把被将对向从给等个们着过吗呢吧啊")
PLACE_SHARE = 0.2  # of a vector's length: two appeals alike by place alone are <= 0.04
# 方位词: where at the place, not what is wrong there (2-3 characters: `ngram_keys` sizes)
POSITIONS = ("门口", "大门", "楼下", "楼上", "楼道", "附近", "旁边", "对面", "周边", "周围",
             "隔壁", "一带", "路口", "交叉口", "路段", "两侧", "东侧", "西侧", "南侧", "北侧")


@dataclass(frozen=True)
class HotspotInput:
    appeal_id: int
    text: str  # title + "\n" + content
    area_unit_id: int | None
    created_at: datetime  # aware UTC
    requester: str | None  # phone digits: distinct requesters
    dissatisfied: bool  # follow-up 不满意, or reopened
    address: str = ""  # where it is (地址): what the text shares with it names the place
    category: str | None = None  # 事项分类 code, e.g. "01.02.003"


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
    areas = [recent[k].area_unit_id for k in usable]
    number = {area: n for n, area in enumerate(dict.fromkeys(areas))}
    vectors = _vectors([docs[k] for k in usable], [normalize(recent[k].address) for k in usable],
                       np.array([number[a] for a in areas], np.int64))
    if vectors.vocabulary.size == 0:  # no n-gram occurs twice: nothing can be similar
        return []
    groups: dict[int | None, list[int]] = defaultdict(list)
    newest_first = sorted(range(len(usable)), key=lambda row: recent[usable[row]].created_at,
                          reverse=True)
    for row in newest_first:
        group = groups[recent[usable[row]].area_unit_id]
        if len(group) < MAX_GROUP:
            group.append(row)
    middle = now - timedelta(days=window_days / 2)
    found: list[tuple[Hotspot, Callable[[], tuple[str, ...]]]] = []
    for area, rows in groups.items():
        if len(rows) < min_size:
            continue
        own = vectors.area[rows]
        categories = [recent[usable[row]].category for row in rows]
        problems = [_problem(recent[usable[row]]) for row in rows]
        for members in _clusters(vectors.window[rows], own, categories, problems, similarity,
                                 min_size):
            found.append(_hotspot(area, [recent[usable[rows[m]]] for m in members],
                                  [docs[usable[rows[m]]] for m in members],
                                  own[members], vectors.vocabulary, middle))
    found.sort(key=lambda f: (-f[0].heat, -f[0].volume, f[0].key))
    # the terms only of those shown: they segment the members' texts into words
    return [replace(hotspot, terms=terms()) for hotspot, terms in found[:limit]]


@dataclass(frozen=True)
class _Vectors:
    """The rows of the window two ways, on the same columns (`vocabulary`, n-gram keys)."""

    window: csr_matrix  # commonness counted on the whole window: the clustering
    area: csr_matrix  # counted on the other areas (`_weights`): joins and terms
    vocabulary: np.ndarray


def _vectors(docs: list[str], addresses: list[str], areas: np.ndarray) -> _Vectors:
    """Sublinear TF-IDF rows (L2-normalised) of the documents' character 2-3-grams, the
    columns the n-grams in two documents or more, the rows' common n-grams weighing nothing
    (`_weights`), counted on the whole window and on the other areas. A row with a place
    (`_in_place`) is its unit problem part plus PLACE_SHARE of its unit place part. The
    n-grams are `ngram_keys` integers, counted in numpy: building a Python string per n-gram
    took 9 of 11 s for a week of 20,000."""
    grams = [ngram_keys(d, 2, 3) for d in docs]  # one key per occurrence
    every = np.concatenate(grams) if grams else np.zeros(0, np.uint64)
    vocabulary, columns = np.unique(every, return_inverse=True)
    rows = np.repeat(np.arange(len(docs)), [len(g) for g in grams])
    shape = (len(docs), len(vocabulary))
    tf = csr_matrix((np.ones(len(every), np.float32), (rows, columns)), shape=shape)
    tf.sum_duplicates()  # occurrences → counts
    frequency = np.bincount(tf.indices, minlength=len(vocabulary))  # documents per n-gram
    kept = np.flatnonzero(frequency >= 2)
    if not kept.size:  # nothing can be similar; the caller finds nothing
        empty = csr_matrix((len(docs), 0), dtype=np.float32)
        return _Vectors(empty, empty, vocabulary[kept])
    counts = csr_matrix(tf[:, kept])
    whole = _weights(counts, np.zeros(len(docs), np.int64))
    # with one area, or none that has REFERENCE_MIN appeals elsewhere, the two are the same
    apart = np.bincount(areas).min() <= len(docs) - REFERENCE_MIN
    place = _in_place(addresses, grams, vocabulary, columns, rows)
    if not place.any():
        window = csr_matrix(normalize_rows(whole), dtype=np.float32)
        area = (csr_matrix(normalize_rows(_weights(counts, areas)), dtype=np.float32)
                if apart else window)
        return _Vectors(window, area, vocabulary[kept])
    # an n-gram the appeal also writes outside its place is about the problem
    column_of = np.full(len(vocabulary), -1)
    column_of[kept] = np.arange(len(kept))
    outside = np.flatnonzero(~place & (column_of[columns] >= 0))
    elsewhere = csr_matrix((np.ones(len(outside), np.float32),
                            (rows[outside], column_of[columns[outside]])),
                           shape=(len(docs), len(kept))) > 0
    window = _place_apart(whole, elsewhere)
    area = _place_apart(_weights(counts, areas), elsewhere) if apart else window
    return _Vectors(window, area, vocabulary[kept])


def _place_apart(weighted: csr_matrix, elsewhere: csr_matrix) -> csr_matrix:
    """Unit problem part (the n-grams `elsewhere`: written outside the place) plus unit place
    part, the place PLACE_SHARE of the length: an appeal that says nothing about a problem
    others share keeps a short vector of its place."""
    problem = csr_matrix(weighted.multiply(elsewhere))
    where = csr_matrix(weighted - problem)
    has_problem = np.diff(problem.indptr) > 0
    share = np.where(has_problem, np.sqrt(1 - PLACE_SHARE ** 2), 0.0)
    place_share = np.where(np.diff(where.indptr) > 0, PLACE_SHARE, 0.0)
    share[has_problem & (place_share == 0)] = 1.0
    vectors = (diags(share) @ normalize_rows(problem)
               + diags(place_share) @ normalize_rows(where))
    vectors = csr_matrix(vectors, dtype=np.float32)
    vectors.eliminate_zeros()
    return vectors


def _weights(tf: csr_matrix, areas: np.ndarray) -> csr_matrix:
    """Sublinear TF × IDF of the counts `tf`, zero for n-grams that are common.

    How common an n-gram is, is counted for each area's rows (`areas`: one group number a
    row) on the appeals of the other areas: the words a hotspot's own letters repeat (停水 in
    an estate's outage) are common in the window because of the hotspot itself, and were
    dropped as what every letter says. An area with fewer than REFERENCE_MIN appeals
    elsewhere (a window of one area) counts on the whole window."""
    n = tf.shape[0]
    frequency = np.bincount(tf.indices, minlength=tf.shape[1])
    weighted = tf.copy()
    weighted.data = 1 + np.log(weighted.data)
    weighted.data *= _idf(frequency, n)[weighted.indices]
    lengths = np.diff(tf.indptr)
    for area in np.unique(areas):
        mine = np.flatnonzero(areas == area)
        if n - len(mine) < REFERENCE_MIN:
            continue
        # the positions of these rows' entries in `data`
        starts, sizes = tf.indptr[mine], lengths[mine]
        at = np.repeat(starts - np.cumsum(sizes) + sizes, sizes) + np.arange(sizes.sum())
        inside = np.bincount(tf.indices[at], minlength=tf.shape[1])
        idf = _idf(frequency - inside, n - len(mine))
        weighted.data[at] = (1 + np.log(tf.data[at])) * idf[tf.indices[at]]
    weighted.eliminate_zeros()
    return weighted


def _idf(frequency: np.ndarray, n: int) -> np.ndarray:
    """Smoothed inverse document frequency (as scikit-learn's), 0 where an n-gram is in more
    than COMMON of the n documents and more than COMMON_MIN of them."""
    idf = np.log((1 + n) / (1 + frequency)) + 1
    idf[frequency > max(COMMON * n, COMMON_MIN)] = 0.0
    return idf.astype(np.float32)


def _in_place(addresses: list[str], grams: list[np.ndarray], vocabulary: np.ndarray,
              columns: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """For each n-gram occurrence (`vocabulary[columns]`, in document `rows`): whether it
    touches the place, that is a character of an n-gram the document shares with its own
    address, or of a 方位词 right after one. So with the address 人民路阳光小区, in
    人民路阳光小区门口路灯不亮 the place is 人民路阳光小区门口, and 区门, 口路 are place too;
    路灯 and 灯不亮 are not."""
    wanted = [k for k, a in enumerate(addresses) if a]
    if not wanted:
        return np.zeros(len(columns), bool)
    # (n-gram, document) pairs of the addresses as one integer each, sorted; an address
    # n-gram that no text writes is not in the vocabulary and cannot matter
    address_grams = [ngram_keys(addresses[k], 2, 3) for k in wanted]
    keys = np.concatenate(address_grams)
    owners = np.repeat(np.array(wanted, np.int64), [len(g) for g in address_grams])
    at = np.minimum(np.searchsorted(vocabulary, keys), len(vocabulary) - 1)
    known = vocabulary[at] == keys
    n_docs = np.int64(len(grams))
    theirs = np.unique(at[known].astype(np.int64) * n_docs + owners[known])
    in_some = np.zeros(len(vocabulary), bool)
    in_some[at[known]] = True
    maybe = np.flatnonzero(in_some[columns])  # only these are looked up: a few per cent
    own = columns[maybe].astype(np.int64) * n_docs + rows[maybe]
    found = np.minimum(np.searchsorted(theirs, own), max(len(theirs) - 1, 0))
    shared = np.zeros(len(columns), bool)
    if len(theirs):
        shared[maybe] = theirs[found] == own
    # where each occurrence starts, counted over all documents, and its length: `ngram_keys`
    # lists a document's n characters as n-1 2-grams at positions 0, 1, … and then n-2
    # 3-grams at 0, 1, …
    counts = np.array([len(g) for g in grams])
    lengths = np.where(counts > 0, (counts + 3) // 2, 0)
    blocks = np.column_stack([np.maximum(lengths - 1, 0), np.maximum(lengths - 2, 0)]).ravel()
    sizes = np.repeat(np.tile([2, 3], len(grams)), blocks)
    offsets = np.concatenate([[0], np.cumsum(lengths + 1)])  # +1: documents never touch
    first = (offsets[rows] + np.arange(len(columns))
             - np.repeat(np.cumsum(blocks) - blocks, blocks))
    total = int(offsets[-1]) + 1
    covered = _covered(first, sizes, shared, total)
    after = (np.isin(vocabulary, _position_keys())[columns]
             & (covered[first] > covered[first - 1]))
    covered = _covered(first, sizes, shared | after, total)
    touching: np.ndarray = covered[first + sizes] > covered[first]
    return touching


def _covered(first: np.ndarray, sizes: np.ndarray, marked: np.ndarray,
             total: int) -> np.ndarray:
    """How many characters before each position the marked occurrences cover (a prefix sum:
    character i is covered when the value at i + 1 exceeds the value at i)."""
    edges = (np.bincount(first[marked], minlength=total)
             - np.bincount(first[marked] + sizes[marked], minlength=total))
    prefix: np.ndarray = np.concatenate([[0], np.cumsum(np.cumsum(edges) > 0)])
    return prefix


@cache
def _position_keys() -> np.ndarray:
    return np.concatenate([ngram_keys(w, len(w), len(w)) for w in POSITIONS])


def _decode(key: np.uint64) -> str:
    """The characters of an `ngram_keys` key (16 bits per UTF-16 code unit, first unit low)."""
    value, units = int(key), []
    while value:
        units.append(value & 0xFFFF)
        value >>= 16
    return np.array(units, np.uint16).tobytes().decode("utf-16-le", errors="replace")


def _clusters(vectors: csr_matrix, own: csr_matrix, categories: list[str | None],
              problems: list[str | None], similarity: float,
              min_size: int) -> list[list[int]]:
    """Average-linkage clusters of rows (L2-normalised) whose mean cosine similarity to each
    other stays >= similarity; only those with at least min_size rows. Two rows whose
    categories disagree (`_agree`) are not similar at all, and a row that an uncategorised
    one brought into a cluster of another category is left out of it."""
    if vectors.shape[0] < 2:
        return []
    distance = 1.0 - (vectors @ vectors.T).toarray().astype(np.float64)
    named = sorted({c for c in categories if c})
    if len(named) > 1:
        index = {c: k for k, c in enumerate(named, start=1)}  # 0: no category, agrees with all
        agree = np.ones((len(named) + 1, len(named) + 1), bool)
        for (i, a), (j, b) in itertools.product(enumerate(named, start=1), repeat=2):
            agree[i, j] = _agree(a, b)
        of = np.array([index.get(c or "", 0) for c in categories])
        distance[~agree[np.ix_(of, of)]] = 1.0
    np.clip(distance, 0.0, 2.0, out=distance)
    np.fill_diagonal(distance, 0.0)
    labels = AgglomerativeClustering(
        n_clusters=None, metric="precomputed", linkage="average",
        distance_threshold=1.0 - similarity).fit_predict(distance)
    out = []
    for members in _join_same_problem(own, labels, problems, similarity, min_size):
        counted = Counter(c for m in members if (c := categories[m]))
        if counted:
            common = counted.most_common(1)[0][0]
            members = [m for m in members if _agree(categories[m] or common, common)]
        if len(members) >= min_size:
            out.append(members)
    return out


def _join_same_problem(vectors: csr_matrix, labels: np.ndarray, problems: list[str | None],
                       similarity: float, min_size: int) -> list[list[int]]:
    """The clusters `labels` makes, each smaller one joined into a bigger one of at least
    min_size rows (a hotspot) that is the same problem at a known place: every row of both
    has the same `problems` entry (`_problem`: its 事项 and an address) and their centres
    are at least `similarity` alike.

    Average linkage asks the mean similarity of all pairs: the letters about one outage that
    stress different things (没有通知，何时恢复供水 / 高层两天没水) share one word pairwise,
    so they formed a pair beside the hotspot; a hotspot's centre is what its letters share
    (停水). The text alone cannot tell such a pair from two letters that name 停水 in
    passing, or 工地 noise from 酒吧 noise: the category can, and the place must be known
    apart from the problem words. Without both (letters of a few hundred characters with
    the place in the text, categories of the first level only) joining by the centres glued
    letters about one district's different roads."""
    sizes = np.bincount(labels)
    members: dict[int, list[int]] = defaultdict(list)
    for row, label in enumerate(labels):
        members[int(label)].append(row)
    problem = {label: rows_problem for label, rows in members.items()
               if (rows_problem := problems[rows[0]]) is not None
               and all(problems[m] == rows_problem for m in rows)}
    hotspots = [label for label in problem if sizes[label] >= min_size]
    if not hotspots or len(problem) == len(hotspots):
        return list(members.values())
    indicator = csr_matrix((np.ones(len(labels), np.float32), (labels, np.arange(len(labels)))))
    centres = csr_matrix(normalize_rows(indicator @ vectors))
    alike = (centres @ centres[hotspots].T).toarray()
    out: dict[int, list[int]] = {}
    for label in sorted(members, key=lambda la: (-sizes[la], la)):
        into = [(alike[label, k], target) for k, target in enumerate(hotspots)
                if target in out and sizes[target] > sizes[label]
                and label in problem and problem[label] == problem[target]
                and alike[label, k] >= similarity]
        if into:
            out[max(into)[1]].extend(members[label])
        else:
            out[label] = list(members[label])
    return list(out.values())


def _problem(item: HotspotInput) -> str | None:
    """What an appeal is about by the city's own classification, at a place it names: its
    category when that is a 事项 (the third level, 城乡建设/供水供电供气供热/停水; a
    first-level 城乡建设 is half of all appeals) and it has an address; else None."""
    category = item.category
    if category and item.address.strip() and category.count(".") >= PROBLEM_LEVEL - 1:
        return category
    return None


def _agree(a: str, b: str) -> bool:
    """Whether two category codes may be the same problem: equal, or one is the other's
    parent (01.02 and 01.02.003), since an operator may stop at the second level."""
    return a == b or a.startswith(b + ".") or b.startswith(a + ".")


def _hotspot(area: int | None, members: list[HotspotInput], texts: list[str],
             vectors: csr_matrix, vocabulary: np.ndarray,
             middle: datetime) -> tuple[Hotspot, Callable[[], tuple[str, ...]]]:
    """The hotspot without its terms, and how to find them."""
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
        terms=()), partial(_terms, centre, vocabulary[used], texts)


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
    阳光小区); a phrase that cuts a word (区养老 of 小区养老, 路交叉 of 路交叉口) or starts or
    ends with a particle (的路灯, 晚上很) is left out, unless it is a word itself (路灯 in 路灯不亮,
    which jieba cuts 路/灯不亮); so are n-grams with spaces, digits or punctuation and
    fragments of a longer term."""
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
    sample = texts[:TERM_TEXTS]
    bounds = [_word_bounds(t) for t in sample]
    readable = [t for t in picked if _readable(t, sample, bounds)]
    out: list[str] = []
    for term in readable:
        if term not in out and not any(term != other and term in other for other in readable):
            out.append(term)
    return tuple(out[:n])


def _readable(term: str, texts: list[str], bounds: list[frozenset[int]]) -> bool:
    """Whether `term` is a word, or starts and ends where words do in most of the texts that
    write it, without a particle at either end."""
    if _words().FREQ.get(term, 0) > 0:
        return True
    if term[0] in PARTICLES or term[-1] in PARTICLES:
        return False
    written = aligned = 0
    for text, cuts in zip(texts, bounds, strict=True):
        at = text.find(term)
        while at >= 0:
            written += 1
            aligned += at in cuts and at + len(term) in cuts
            at = text.find(term, at + 1)
    return written > 0 and 2 * aligned >= written


def _word_bounds(text: str) -> frozenset[int]:
    """The positions where jieba's words start or end in `text`."""
    return frozenset(itertools.chain.from_iterable(
        (start, end) for _, start, end in _words().tokenize(text, HMM=False)))


@cache
def _words() -> Any:
    """jieba's tokenizer, its dictionary loaded (about a second, once per process)."""
    import jieba

    jieba.setLogLevel(logging.WARNING)
    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()
    return tokenizer


def _overlap(a: str, b: str) -> str | None:
    """a and b joined where the end of a is the start of b (阳光, 光小 → 阳光小), or None."""
    for k in range(min(len(a), len(b)) - 1, 0, -1):
        if a.endswith(b[:k]):
            return a + b[k:]
    return None
