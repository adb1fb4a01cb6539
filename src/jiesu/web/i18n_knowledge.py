"""English of the knowledge-base pages (知识库): labels, the domain's value names and the
Chinese sentences the knowledge service builds from parts. `jiesu.web.i18n` merges these in;
an article's own words stay as written."""

from __future__ import annotations

import re
from typing import Any

from jiesu.domain.knowledge import ARTICLE_ACTION_ZH, ARTICLE_STATUS_ZH
from jiesu.web import i18n_config

LABELS_ZH: dict[str, dict[str, str]] = {
    "article_status": {k.value: v for k, v in ARTICLE_STATUS_ZH.items()},
}
LABELS_EN: dict[str, dict[str, str]] = {
    "article_status": {"draft": "Draft", "published": "Published", "archived": "Archived"},
}
_STATUS_EN = {v: LABELS_EN["article_status"][k.value] for k, v in ARTICLE_STATUS_ZH.items()}
_ACTION_EN = {v: {"publish": "published", "archive": "archived"}[k.value]
              for k, v in ARTICLE_ACTION_ZH.items()}

EN: dict[str, str] = {
    "知识库": "Knowledge base", "话务员直接答复的口径": "What operators answer callers with",
    "检索知识库": "Search the knowledge base", "检索": "Search",
    "例如：公积金提取": "e.g. housing fund withdrawal", "新建文章": "New article",
    "修改文章": "Edit article", "全部文章": "All articles",
    "没有找到相关文章": "No matching article", "只看待复核": "Due for review only",
    "待复核": "Due for review", "关键词": "Keywords", "复核日期": "Review by",
    "使用次数": "Times used", "暂无文章": "No articles yet", "答复口径": "Answer",
    "负责单位": "Owning unit", "例如：居住证怎么办理": "e.g. How do I get a residence permit",
    "话务员照此答复来电人；第一行是提示中显示的摘要。":
        "Operators read this to the caller; its first line is the summary hints show.",
    "多个用逗号或顿号分隔": "Separate several with commas",
    "新建的文章为草稿，发布后话务员才能检索到。":
        "A new article is a draft: operators find it once it is published.",
    "用此口径答复": "Answer with this", "知识库口径": "Knowledge-base answers",
    "在知识库中检索口径": "Search the knowledge base for an answer",
    "已发布，话务员可检索": "Published: operators can find it", "已归档": "Archived",
    "归档": "Archive",
    "请选择负责单位": "Choose the owning unit",
    "复核日期格式不正确": "The review date is not valid",
    "知识库文章编号": "Knowledge-base article number",
    "知识库文章编号不正确": "The knowledge-base article number is not valid",
    "只能维护本单位及下级单位负责的知识库文章":
        "You can only keep articles owned by your unit or the units below it",
    "该文章已被他人修改，请刷新后重试":
        "Someone else changed this article: reload the page and try again",
    "状态应为 draft、published 或 archived": "The status must be draft, published or archived",
    "您的角色无权查看知识库": "Your role may not read the knowledge base",
    "只有管理员和负责单位的承办人可以维护知识库":
        "Only administrators and the owning unit's handlers keep the knowledge base",
}

PATTERNS: list[tuple[re.Pattern[str], str, dict[str, Any]]] = [
    (re.compile(r"知识库文章 (?P<id>\S+) 不存在或未发布"),
     "Knowledge-base article {id} does not exist or is not published", {}),
    (re.compile(r"知识库文章 (?P<id>\S+) 不存在"),
     "Knowledge-base article {id} does not exist", {}),
    (re.compile(r"负责单位 (?P<id>\S+) 不存在"), "Owning unit {id} does not exist", {}),
    (re.compile(r"该知识库文章当前为“(?P<status>[^”]+)”，不能(?P<action>\S+)"),
     "The article is “{status}”: it cannot be {action}",
     {"status": _STATUS_EN.__getitem__, "action": _ACTION_EN.__getitem__}),
    (re.compile(r"关键词最多 (?P<n>\d+) 个"), "At most {n} keywords", {}),
    (re.compile(r"关键词“(?P<word>[^”]*)”过长（每个最多 (?P<n>\d+) 字）"),
     "Keyword “{word}” is too long (at most {n} characters each)", {}),
    (re.compile(r"“(?P<role>[^”]+)”无权(?P<what>检索知识库|查看知识库|使用知识库|维护知识库)"),
     "{role}: not allowed to {what}",
     {"role": lambda zh: zh, "what": {"检索知识库": "search the knowledge base",
                                      "查看知识库": "read the knowledge base",
                                      "使用知识库": "use the knowledge base",
                                      "维护知识库": "keep the knowledge base"}.__getitem__}),
]


def translate(message: str) -> str | None:
    """English of a knowledge-base message built from parts, or None."""
    return i18n_config.apply_patterns(PATTERNS, message)
