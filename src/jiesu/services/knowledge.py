"""The knowledge base (知识库): articles operators answer consultations from, and their search.

One transaction per public method; every change to an article (created, edited, published,
archived) is recorded in the configuration-change log (配置变更记录) in that transaction, as
made by the editor. Who may do what:
- admin: create, edit, publish and archive any article;
- handler: the same for articles owned by a unit of its own subtree (it keeps them correct);
- every staff role (operator, dispatcher, handler, grid worker, supervisor, follow-up agent,
  analyst, admin): search the published articles and read them; admins and handlers also see
  drafts and archived ones in the list.

Search runs on an in-memory index (`jiesu.nlp.knowledge`), one per process (`Runtime.knowledge`):
built on first use, rebuilt on the next search after an article changes in this process, and
otherwise when a cheap "how many articles, latest change" query differs, asked at most every
`refresh_seconds` — so a change made by another process shows within a minute. While one thread
rebuilds, the others keep searching the previous index.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime

from jiesu.config import Settings
from jiesu.domain import appeal as dom
from jiesu.domain import knowledge as kb
from jiesu.domain.errors import (
    ConcurrencyConflict,
    InvalidArguments,
    NotFound,
    PermissionDenied,
)
from jiesu.nlp.knowledge import DEFAULT_MIN_SCORE, Document, KnowledgeIndex
from jiesu.services.clock import utcnow
from jiesu.services.config_log import record_change, record_update
from jiesu.store import knowledge_store as ks
from jiesu.store import queries
from jiesu.store.knowledge_tables import KnowledgeArticleRow
from jiesu.store.uow import Database, UnitOfWork

Role = dom.Role
ArticleStatus = kb.ArticleStatus

STAFF = frozenset({Role.OPERATOR, Role.DISPATCHER, Role.HANDLER, Role.GRID_WORKER,
                   Role.SUPERVISOR, Role.FOLLOWUP_AGENT, Role.ANALYST, Role.ADMIN})
EDITORS = frozenset({Role.ADMIN, Role.HANDLER})
MAX_PAGE = 200
MAX_HITS = 20
REFRESH_SECONDS = 60.0
# an article's parts as the configuration-change log names them
_FIELD_ZH = {"title": "标题", "answer": "答复口径", "keywords": "关键词", "category": "事项分类",
             "owner_unit_id": "负责单位", "review_by": "复核日期"}


# --- inputs and views ------------------------------------------------------------------------


@dataclass
class ArticleInput:
    title: str
    answer: str
    owner_unit_id: int
    category: str | None = None
    keywords: str | list[str] | tuple[str, ...] = ()
    review_by: date | None = None


@dataclass
class ArticleView:
    id: int
    title: str
    answer: str
    first_line: str
    category: str | None
    category_name: str | None
    keywords: list[str]
    owner_unit_id: int
    owner_name: str | None
    status: str
    status_zh: str
    review_by: date | None
    review_due: bool  # 待复核
    use_count: int
    published_at: datetime | None
    created_at: datetime
    updated_at: datetime
    version: int
    may_edit: bool


@dataclass
class SearchHit:
    id: int
    title: str
    first_line: str
    answer: str
    owner_name: str | None
    score: float


@dataclass
class _Built:
    index: KnowledgeIndex
    texts: dict[int, tuple[str, str, int]]  # id → title, answer, owner unit id
    owners: dict[int, str]
    stamp: tuple[int, datetime | None]
    checked_at: float


# --- access checks ---------------------------------------------------------------------------


def _require(actor: dom.Actor, roles: frozenset[Role], what: str) -> None:
    if actor.role not in roles:
        raise PermissionDenied(f"“{dom.ROLE_ZH.get(actor.role, actor.role)}”无权{what}")


def _may_edit(actor: dom.Actor, owner_unit_id: int) -> bool:
    return actor.role is Role.ADMIN or (
        actor.role is Role.HANDLER and owner_unit_id in actor.unit_scope)


def _check_edit(actor: dom.Actor, owner_unit_id: int) -> None:
    _require(actor, EDITORS, "维护知识库")
    if not _may_edit(actor, owner_unit_id):
        raise PermissionDenied("只能维护本单位及下级单位负责的知识库文章")


# --- the configuration-change log ------------------------------------------------------------


def _recorded(row: KnowledgeArticleRow) -> dict[str, object]:
    """What the log keeps of an article: its words in full (what operators are told to say)
    and who owns it."""
    return {"title": row.title, "answer": row.answer, "keywords": list(row.keywords or []),
            "category": row.category, "owner_unit_id": row.owner_unit_id,
            "review_by": row.review_by}


# --- the service -----------------------------------------------------------------------------


class KnowledgeService:
    def __init__(self, db: Database, settings: Settings, *,
                 refresh_seconds: float = REFRESH_SECONDS,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        self.db = db
        self.settings = settings
        self.refresh_seconds = refresh_seconds
        self._monotonic = monotonic
        self._built: _Built | None = None
        self._dirty = False
        self._building = threading.Lock()

    def _today(self, now: datetime) -> date:
        return now.astimezone(self.settings.tz).date()

    # --- writes ----------------------------------------------------------------------------

    def save(self, actor: dom.Actor, data: ArticleInput, now: datetime,
             article_id: int | None = None, expected_version: int | None = None
             ) -> ArticleView:
        """Create a draft (no id) or edit an article; an edited published article stays
        published and is searched in its new words."""
        text = kb.check_text(data.title, data.answer, data.keywords)
        category = (data.category or "").strip() or None
        with self.db.uow() as uow:
            s = uow.session
            if not ks.unit_exists(s, data.owner_unit_id):
                raise InvalidArguments(f"负责单位 {data.owner_unit_id} 不存在",
                                       field="owner_unit_id")
            _check_edit(actor, data.owner_unit_id)
            if category is not None and not ks.category_names(s, {category}):
                raise InvalidArguments(f"事项分类 {category} 不存在", field="category")
            before: dict[str, object] = {}
            if article_id is None:
                row = KnowledgeArticleRow(
                    status=ArticleStatus.DRAFT.value, use_count=0, created_at=now,
                    created_by=actor.user_id, version=0)
            else:
                found = ks.article(s, article_id, lock=True)
                if found is None:
                    raise NotFound(f"知识库文章 {article_id} 不存在")
                row = found
                _check_edit(actor, row.owner_unit_id)  # and the new owner, checked above
                if expected_version is not None and row.version != expected_version:
                    raise ConcurrencyConflict("该文章已被他人修改，请刷新后重试",
                                              version=row.version)
                row.version += 1
                before = _recorded(row)
            row.title, row.answer, row.keywords = text.title, text.answer, list(text.keywords)
            row.category, row.owner_unit_id = category, data.owner_unit_id
            row.review_by = data.review_by
            row.updated_at, row.updated_by = now, actor.user_id
            if article_id is None:
                ks.add(s, row)
                record_change(uow, actor, "knowledge", "add",
                              f"新增知识库文章 #{row.id}《{row.title}》（草稿）",
                              {"article_id": row.id, "after": _recorded(row)}, now=now)
            else:
                ks.flush(s)
                record_update(uow, actor, "knowledge", f"知识库文章 #{row.id}《{row.title}》",
                              _FIELD_ZH, before, _recorded(row), {"article_id": row.id},
                              now=now)
            view = self._views(uow, actor, [row], now)[0]
            uow.commit()
        self._dirty = True
        return view

    def publish(self, actor: dom.Actor, article_id: int, now: datetime) -> ArticleView:
        return self._advance(actor, article_id, kb.ArticleAction.PUBLISH, now)

    def archive(self, actor: dom.Actor, article_id: int, now: datetime) -> ArticleView:
        return self._advance(actor, article_id, kb.ArticleAction.ARCHIVE, now)

    def _advance(self, actor: dom.Actor, article_id: int, action: kb.ArticleAction,
                 now: datetime) -> ArticleView:
        with self.db.uow() as uow:
            row = ks.article(uow.session, article_id, lock=True)
            if row is None:
                raise NotFound(f"知识库文章 {article_id} 不存在")
            _check_edit(actor, row.owner_unit_id)
            was = row.status
            row.status = kb.advance(ArticleStatus(row.status), action).value
            if action is kb.ArticleAction.PUBLISH:
                row.published_at = now
            row.updated_at, row.updated_by, row.version = now, actor.user_id, row.version + 1
            ks.flush(uow.session)
            record_change(uow, actor, "knowledge", action.value,
                          f"{kb.ARTICLE_ACTION_ZH[action]}知识库文章 #{row.id}《{row.title}》",
                          {"article_id": row.id, "before": {"status": was},
                           "after": {"status": row.status}}, now=now)
            view = self._views(uow, actor, [row], now)[0]
            uow.commit()
        self._dirty = True
        return view

    # --- reads -----------------------------------------------------------------------------

    def article(self, actor: dom.Actor, article_id: int, now: datetime | None = None
                ) -> ArticleView:
        """One article; staff other than admins and handlers see only published ones."""
        _require(actor, STAFF, "查看知识库")
        with self.db.uow(write=False) as uow:
            row = ks.article(uow.session, article_id)
            if row is None or (actor.role not in EDITORS
                               and row.status != ArticleStatus.PUBLISHED):
                raise NotFound(f"知识库文章 {article_id} 不存在")
            return self._views(uow, actor, [row], now or utcnow())[0]

    def check_usable(self, actor: dom.Actor, article_id: int) -> None:
        """InvalidArguments unless the article is published (before answering with it)."""
        _require(actor, STAFF, "使用知识库")
        with self.db.uow(write=False) as uow:
            row = ks.article(uow.session, article_id)
            if row is None or row.status != ArticleStatus.PUBLISHED:
                raise InvalidArguments(f"知识库文章 {article_id} 不存在或未发布",
                                       field="article_id")

    def list_articles(self, actor: dom.Actor, *, q: str = "", status: str | None = None,
             review_due: bool = False, mine: bool = False, now: datetime | None = None,
             limit: int = 50, offset: int = 0) -> tuple[list[ArticleView], int]:
        """A page of articles, latest change first. Admins and handlers see every status,
        the other staff the published ones. `review_due` keeps the published articles past
        their review date (待复核); for a handler, `review_due` and `mine` keep those its
        unit subtree owns."""
        _require(actor, STAFF, "查看知识库")
        now = now or utcnow()
        if status is not None and status not in {s.value for s in ArticleStatus}:
            raise InvalidArguments("状态应为 draft、published 或 archived", field="status")
        if actor.role not in EDITORS:
            statuses: list[str] | None = [ArticleStatus.PUBLISHED.value]
            if status not in (None, ArticleStatus.PUBLISHED.value):
                statuses = []
        else:
            statuses = None if status is None else [status]
        if review_due:
            statuses = [s for s in statuses or [ArticleStatus.PUBLISHED.value]
                        if s == ArticleStatus.PUBLISHED.value]
        with self.db.uow(write=False) as uow:
            owner_path = None
            if actor.role is Role.HANDLER and (mine or review_due):
                owner_path = queries.unit_path(uow.session, actor.unit_id)
                if owner_path is None:
                    raise PermissionDenied("您的账号没有所属单位，无法查看")
            if statuses == []:
                return [], 0
            rows, total = ks.articles(
                uow.session, statuses=statuses, q=(q or "").strip()[:100],
                owner_path=owner_path, review_before=self._today(now) if review_due else None,
                limit=min(max(int(limit), 1), MAX_PAGE), offset=max(int(offset), 0))
            return self._views(uow, actor, rows, now), total

    def search(self, actor: dom.Actor, q: str, k: int = 5,
               min_score: float = DEFAULT_MIN_SCORE) -> list[SearchHit]:
        """The published articles that best answer `q`, best first (at most `k`)."""
        _require(actor, STAFF, "检索知识库")
        q = dom.clean_text(q)
        if not q:
            return []
        built = self._index()
        hits = built.index.search(q, min(max(int(k), 1), MAX_HITS), min_score=min_score)
        out = []
        for hit in hits:
            title, answer, owner = built.texts[hit.id]
            out.append(SearchHit(hit.id, title, kb.first_line(answer), answer,
                                 built.owners.get(owner), hit.score))
        return out

    def warm(self) -> None:
        """Build the search index now (the jobs thread at startup), so that the first search
        of the day does not wait for it (about 2 s at 5,000 articles)."""
        self._index()

    def changed(self) -> None:
        """Mark the index stale (an article changed outside this service, e.g. the demo)."""
        self._dirty = True

    # --- the index -------------------------------------------------------------------------

    def _fresh(self, built: _Built | None, now: float) -> bool:
        return built is not None and not self._dirty and \
            now - built.checked_at < self.refresh_seconds

    def _index(self) -> _Built:
        built, now = self._built, self._monotonic()
        if built is not None and self._fresh(built, now):
            return built
        # one thread rebuilds; the others keep searching the index they have
        if not self._building.acquire(blocking=built is None):
            assert built is not None
            return built
        try:
            built = self._built
            if built is not None and self._fresh(built, now):
                return built
            dirty, self._dirty = self._dirty, False  # a change from now on rebuilds again
            with self.db.uow(write=False) as uow:
                stamp = ks.stamp(uow.session)
                if built is not None and not dirty and stamp == built.stamp:
                    built.checked_at = now
                    return built
                rows = ks.published(uow.session)
                owners = queries.unit_names(uow.session, {r[4] for r in rows})
            index = KnowledgeIndex.build(Document(i, t, a, tuple(kw)) for i, t, a, kw, _ in rows)
            self._built = _Built(index, {i: (t, a, o) for i, t, a, _, o in rows}, owners,
                                 stamp, now)
            return self._built
        finally:
            self._building.release()

    # --- views -----------------------------------------------------------------------------

    def _views(self, uow: UnitOfWork, actor: dom.Actor, rows: Iterable[KnowledgeArticleRow],
               now: datetime) -> list[ArticleView]:
        rows = list(rows)
        owners = queries.unit_names(uow.session, {r.owner_unit_id for r in rows})
        cats = ks.category_names(uow.session, {r.category for r in rows if r.category})
        today = self._today(now)
        return [ArticleView(
            id=r.id, title=r.title, answer=r.answer, first_line=kb.first_line(r.answer),
            category=r.category, category_name=cats.get(r.category or ""),
            keywords=list(r.keywords or []), owner_unit_id=r.owner_unit_id,
            owner_name=owners.get(r.owner_unit_id), status=r.status,
            status_zh=kb.ARTICLE_STATUS_ZH[ArticleStatus(r.status)], review_by=r.review_by,
            review_due=kb.review_due(r.status, r.review_by, today), use_count=r.use_count,
            published_at=r.published_at, created_at=r.created_at, updated_at=r.updated_at,
            version=r.version, may_edit=_may_edit(actor, r.owner_unit_id)) for r in rows]
