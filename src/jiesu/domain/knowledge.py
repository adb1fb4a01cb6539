"""知识库: the articles an operator answers consultations from (直接答复), and their life.

Pure standard library; the date is passed in. An article is a question's 口径 — the answer an
operator reads out — kept correct by its owning unit. It goes 草稿 → 已发布 → 已归档 (an archived
article may be published again); only published articles are searched. A published article
past its `review_by` date is 待复核: its owner is asked to check it is still right.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from jiesu.domain.appeal import clean_text
from jiesu.domain.errors import IllegalTransition, InvalidArguments

TITLE_MAX = 200
ANSWER_MAX = 5000
KEYWORD_MAX = 30  # characters of one keyword
KEYWORDS_MAX = 20  # keywords of one article


class ArticleStatus(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    ARCHIVED = "archived"


ARTICLE_STATUS_ZH = {ArticleStatus.DRAFT: "草稿", ArticleStatus.PUBLISHED: "已发布",
                     ArticleStatus.ARCHIVED: "已归档"}


class ArticleAction(StrEnum):
    PUBLISH = "publish"
    ARCHIVE = "archive"


ARTICLE_ACTION_ZH = {ArticleAction.PUBLISH: "发布", ArticleAction.ARCHIVE: "归档"}

ARTICLE_TRANSITIONS: dict[tuple[ArticleStatus, ArticleAction], ArticleStatus] = {
    (ArticleStatus.DRAFT, ArticleAction.PUBLISH): ArticleStatus.PUBLISHED,
    (ArticleStatus.ARCHIVED, ArticleAction.PUBLISH): ArticleStatus.PUBLISHED,
    (ArticleStatus.DRAFT, ArticleAction.ARCHIVE): ArticleStatus.ARCHIVED,
    (ArticleStatus.PUBLISHED, ArticleAction.ARCHIVE): ArticleStatus.ARCHIVED,
}


def advance(status: ArticleStatus, action: ArticleAction) -> ArticleStatus:
    """The status after `action`, or IllegalTransition (HTTP 409) with a clear message."""
    try:
        return ARTICLE_TRANSITIONS[(status, action)]
    except KeyError:
        raise IllegalTransition(
            f"该知识库文章当前为“{ARTICLE_STATUS_ZH[status]}”，不能{ARTICLE_ACTION_ZH[action]}",
            status=status.value, action=action.value) from None


@dataclass(frozen=True)
class ArticleText:
    """An article's words as checked: title, answer (口径) and keywords."""

    title: str
    answer: str
    keywords: tuple[str, ...]


_KEYWORD_SPLIT = re.compile(r"[,，、;；\s]+")


def parse_keywords(raw: str | Iterable[str] | None) -> tuple[str, ...]:
    """Keywords from a list or from text separated by commas, 顿号 or spaces; each kept once,
    in the order given."""
    if raw is None:
        return ()
    items = _KEYWORD_SPLIT.split(raw) if isinstance(raw, str) else [
        part for item in raw for part in _KEYWORD_SPLIT.split(str(item))]
    out: list[str] = []
    for item in items:
        word = clean_text(item)
        if not word or word in out:
            continue
        if len(word) > KEYWORD_MAX:
            raise InvalidArguments(f"关键词“{word[:10]}…”过长（每个最多 {KEYWORD_MAX} 字）",
                                   field="keywords")
        out.append(word)
    if len(out) > KEYWORDS_MAX:
        raise InvalidArguments(f"关键词最多 {KEYWORDS_MAX} 个", field="keywords")
    return tuple(out)


def check_text(title: object, answer: object,
               keywords: str | Iterable[str] | None = None) -> ArticleText:
    """The title (≤200 字) and answer (≤5000 字) as stored, or InvalidArguments naming the
    field at fault."""
    t, a = clean_text(title), clean_text(answer)
    if not t:
        raise InvalidArguments("请填写标题", field="title")
    if len(t) > TITLE_MAX:
        raise InvalidArguments(f"标题不能超过 {TITLE_MAX} 字", field="title")
    if not a:
        raise InvalidArguments("请填写答复口径", field="answer")
    if len(a) > ANSWER_MAX:
        raise InvalidArguments(f"答复口径不能超过 {ANSWER_MAX} 字", field="answer")
    return ArticleText(t, a, parse_keywords(keywords))


def review_due(status: ArticleStatus | str, review_by: date | None, today: date) -> bool:
    """待复核: a published article whose review date has passed."""
    return status == ArticleStatus.PUBLISHED and review_by is not None and review_by < today


def first_line(answer: str, limit: int = 80) -> str:
    """The answer's first line (what a hint shows), cut at `limit` characters."""
    line = next((s.strip() for s in answer.splitlines() if s.strip()), "")
    return line if len(line) <= limit else line[: limit - 1] + "…"


def article_ref(value: object) -> int | None:
    """An article id given as a number or digits (a form field), None for anything else
    (the appeal's rules then refuse what is not a valid id)."""
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) < 19:
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool) and 0 < value < 2**62:
        return value
    return None
