"""The knowledge base (知识库): search for operators and every staff role, articles kept by
admins and by the handlers of the owning unit. Staff only."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Header, Path, Query
from pydantic import BaseModel, ConfigDict, Field

from jiesu.api.deps import RuntimeDep, expected_version, require_roles
from jiesu.services import knowledge as svc
from jiesu.services.auth import CurrentUser
from jiesu.services.clock import utcnow

router = APIRouter(prefix="/api/v1/knowledge", tags=["knowledge"])

Id = Annotated[int, Path(ge=1, le=2**62)]
Staff = Annotated[CurrentUser, require_roles(*sorted(svc.STAFF),
                                             message="您的角色无权查看知识库")]
Editor = Annotated[CurrentUser, require_roles(
    *sorted(svc.EDITORS), message="只有管理员和负责单位的承办人可以维护知识库")]
IfMatch = Annotated[str | None, Header(alias="If-Match", max_length=20,
                                       description="版本号（乐观锁），也可放在请求体 version")]


class ArticleIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: str = Field(min_length=1, max_length=200, description="标题（来电人会怎么问）")
    answer: str = Field(min_length=1, max_length=5000, description="答复口径（话务员照读）")
    owner_unit_id: int = Field(ge=1, le=2**62, description="负责单位（保证内容准确）")
    category: str | None = Field(None, max_length=64, description="事项分类代码")
    keywords: Annotated[list[Annotated[str, Field(max_length=30)]], Field(max_length=100)] | \
        Annotated[str, Field(max_length=1000)] = Field(
            default_factory=list, description="关键词（最多 20 个）：列表，或以逗号、顿号分隔")
    review_by: date | None = Field(None, description="复核日期：过期后标为“待复核”")
    version: int | None = Field(None, ge=0, le=2**31, description="修改时：读到的版本号")

    def data(self) -> svc.ArticleInput:
        return svc.ArticleInput(
            title=self.title, answer=self.answer, owner_unit_id=self.owner_unit_id,
            category=self.category, review_by=self.review_by,
            keywords=self.keywords if isinstance(self.keywords, str) else tuple(self.keywords))


class ArticleOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    title: str
    answer: str
    first_line: str
    category: str | None
    category_name: str | None
    keywords: list[str]
    owner_unit_id: int
    owner_name: str | None
    status: str = Field(description="draft 草稿 / published 已发布 / archived 已归档")
    status_zh: str
    review_by: date | None
    review_due: bool = Field(description="待复核：已发布且已过复核日期")
    use_count: int = Field(description="话务员用此口径直接答复的次数")
    published_at: datetime | None
    created_at: datetime
    updated_at: datetime
    version: int
    may_edit: bool = Field(description="调用者可否修改")


class ArticlePage(BaseModel):
    total: int
    items: list[ArticleOut]


class HitOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    title: str
    first_line: str
    answer: str
    owner_name: str | None
    score: float = Field(description="相似度 0–1")


class SearchOut(BaseModel):
    q: str
    items: list[HitOut]


def _out(view: svc.ArticleView) -> ArticleOut:
    return ArticleOut.model_validate(view)


@router.get("", response_model=SearchOut, summary="检索知识库（已发布的文章，按相似度）")
def search(runtime: RuntimeDep, user: Staff,
           q: Annotated[str, Query(max_length=2000, description="来电人的问题或关键词")] = "",
           k: Annotated[int, Query(ge=1, le=20, description="最多返回几条")] = 5) -> SearchOut:
    hits = runtime.knowledge.search(user.actor(), q, k)
    return SearchOut(q=q, items=[HitOut.model_validate(h) for h in hits])


@router.get("/articles", response_model=ArticlePage, summary="知识库文章列表（可筛选待复核）")
def list_articles(
        runtime: RuntimeDep, user: Staff,
        q: Annotated[str, Query(max_length=100, description="标题包含")] = "",
        status: Literal["draft", "published", "archived"] | None = None,
        review_due: Annotated[bool, Query(description="只看待复核")] = False,
        mine: Annotated[bool, Query(description="承办人：只看本单位负责的")] = False,
        page: Annotated[int, Query(ge=1, le=100_000)] = 1,
        per_page: Annotated[int, Query(ge=1, le=200)] = 50) -> ArticlePage:
    items, total = runtime.knowledge.list_articles(
        user.actor(), q=q, status=status, review_due=review_due, mine=mine,
        limit=per_page, offset=(page - 1) * per_page)
    return ArticlePage(total=total, items=[_out(v) for v in items])


@router.post("/articles", response_model=ArticleOut, status_code=201,
             summary="新建知识库文章（草稿）")
def create_article(body: ArticleIn, runtime: RuntimeDep, user: Editor) -> ArticleOut:
    return _out(runtime.knowledge.save(user.actor(), body.data(), utcnow()))


@router.get("/articles/{article_id}", response_model=ArticleOut, summary="知识库文章详情")
def get_article(article_id: Id, runtime: RuntimeDep, user: Staff) -> ArticleOut:
    return _out(runtime.knowledge.article(user.actor(), article_id))


@router.put("/articles/{article_id}", response_model=ArticleOut, summary="修改知识库文章")
def update_article(article_id: Id, body: ArticleIn, runtime: RuntimeDep, user: Editor,
                   if_match: IfMatch = None) -> ArticleOut:
    return _out(runtime.knowledge.save(user.actor(), body.data(), utcnow(),
                                       article_id=article_id,
                                       expected_version=expected_version(body.version, if_match)))


@router.post("/articles/{article_id}/publish", response_model=ArticleOut,
             summary="发布知识库文章（可被检索）")
def publish_article(article_id: Id, runtime: RuntimeDep, user: Editor) -> ArticleOut:
    return _out(runtime.knowledge.publish(user.actor(), article_id, utcnow()))


@router.post("/articles/{article_id}/archive", response_model=ArticleOut,
             summary="归档知识库文章（不再被检索）")
def archive_article(article_id: Id, runtime: RuntimeDep, user: Editor) -> ArticleOut:
    return _out(runtime.knowledge.archive(user.actor(), article_id, utcnow()))
