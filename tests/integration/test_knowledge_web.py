"""The knowledge-base pages (知识库) and the operator answering a call with an article, driven
through the forms as the people who use them (SQLite and PostgreSQL)."""

from __future__ import annotations

import re
from datetime import date, timedelta

from fastapi.testclient import TestClient

from jiesu.runtime import Runtime
from tests.integration.test_web_pages import _login, _token
from tests.support.city import City

CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")
TITLE = "住房公积金怎么提取？"
ANSWER = "购房、租房、还贷、离职等情形可以提取住房公积金。\n网上大厅或柜台办理，3 个工作日到账。"


def _option(html: str, label: str) -> str:
    m = re.search(r'<option value="(\d+)"[^>]*>[\s　]*' + re.escape(label), html)
    assert m, label
    return m.group(1)


def write_article(c: TestClient, **fields: str) -> int:
    """Create an article through the form as the logged-in editor, publish it from the list;
    its id."""
    page = c.get("/staff/knowledge/new").text
    data = {"csrf_token": _token(c, "/staff/knowledge/new"), "title": TITLE, "answer": ANSWER,
            "owner_unit_id": _option(page, "东城区"), "keywords": "公积金，提取",
            "category": "", "review_by": ""} | fields
    r = c.post("/staff/knowledge/new", data=data, follow_redirects=False)
    assert r.status_code == 303, r.text
    listed = c.get(r.headers["location"]).text
    m = re.search(r'action="/staff/knowledge/(\d+)/publish"', listed)
    assert m, listed
    r = c.post(f"/staff/knowledge/{m.group(1)}/publish",
               data={"csrf_token": _token(c, "/staff/knowledge"), "back": "/staff/knowledge"},
               follow_redirects=False)
    assert r.status_code == 303
    return int(m.group(1))


def test_operator_answers_a_consultation_with_an_article(city: City, runtime: Runtime) -> None:
    c = city.client
    _login(c, "admin")
    article = write_article(c)
    c.cookies.clear()
    _login(c, "operator")
    assert '/staff/knowledge"' in c.get("/staff/operator").text  # the nav entry
    # the live hints while the call is typed
    hints = c.get("/staff/knowledge/hints", params={"q": "请问公积金怎么提取出来"}).text
    assert TITLE in hints and "购房、租房、还贷" in hints and "用此口径答复" in hints
    assert f'data-use-article="{article}"' in hints
    assert c.get("/staff/knowledge/hints", params={"q": "zzzz"}).text.strip() == ""
    # the operator can also search the knowledge base page (without JavaScript)
    assert TITLE in c.get("/staff/knowledge", params={"q": "公积金提取"}).text
    # register the call, answered with the article (what the hint's button fills in)
    r = c.post("/staff/operator", data={
        "csrf_token": _token(c, "/staff/operator"), "requester_phone": "13800002222",
        "kind": "consult", "content": "请问公积金怎么提取？", "direct": "on",
        "answer": ANSWER, "article_id": str(article)}, follow_redirects=False)
    assert r.status_code == 303, r.text
    [appeal] = city.client.get("/api/v1/appeals",
                               headers=city.headers("dispatcher")).json()["items"]
    assert appeal["status"] == "closed"
    detail = city.client.get(f"/api/v1/appeals/{appeal['id']}",
                             headers=city.headers("dispatcher")).json()
    event = next(e for e in detail["events"] if e["type"] == "answer_directly")
    assert event["data"]["article_id"] == article and event["data"]["text"] == ANSWER
    got = city.client.get(f"/api/v1/knowledge/articles/{article}",
                          headers=city.headers("operator")).json()
    assert got["use_count"] == 1
    # an archived article cannot be answered with: nothing is registered
    c.cookies.clear()
    _login(c, "admin")
    r = c.post(f"/staff/knowledge/{article}/archive",
               data={"csrf_token": _token(c, "/staff/knowledge"), "back": "/staff/knowledge"},
               follow_redirects=False)
    assert r.status_code == 303
    c.cookies.clear()
    _login(c, "operator")
    r = c.post("/staff/operator", data={
        "csrf_token": _token(c, "/staff/operator"), "requester_phone": "13800003333",
        "kind": "consult", "content": "公积金能提取吗？", "direct": "on", "answer": ANSWER,
        "article_id": str(article)})
    assert r.status_code == 422 and "不存在或未发布" in r.text
    assert city.client.get("/api/v1/appeals",
                           headers=city.headers("dispatcher")).json()["total"] == 1


def test_handlers_keep_their_articles_and_see_what_is_due_for_review(city: City) -> None:
    c = city.client
    _login(c, "handler_d1")
    past = (date.today() - timedelta(days=1)).isoformat()
    article = write_article(c, review_by=past)
    page = c.get("/staff/knowledge?due=1").text
    assert f'data-article="{article}"' in page and "data-review-due" in page
    assert f"/staff/knowledge/{article}/edit" in page
    r = c.post(f"/staff/knowledge/{article}/edit", data={
        "csrf_token": _token(c, "/staff/knowledge"), "title": "", "answer": ANSWER,
        "owner_unit_id": str(city.unit_ids["D1"]), "version": "1"})
    assert r.status_code == 422 and "请填写标题" in r.text
    c.cookies.clear()
    _login(c, "handler_d2")  # another district's handler reads it but may not change it
    page = c.get("/staff/knowledge").text
    assert TITLE in page and f"/staff/knowledge/{article}/edit" not in page
    assert c.get(f"/staff/knowledge/{article}/edit").status_code == 403
    assert c.get("/staff/knowledge?due=1").text.count("data-article=") == 0
    c.cookies.clear()
    _login(c, "auditor")
    assert c.get("/staff/knowledge").status_code == 403


def test_english_pages_have_no_untranslated_chinese(city: City) -> None:
    c = city.client
    _login(c, "admin")
    past = (date.today() - timedelta(days=1)).isoformat()
    article = write_article(c, review_by=past)
    data = [TITLE, *ANSWER.splitlines(), "公积金", "提取", "东城区", "城乡建设/市政设施/路灯",
            "城乡建设/市政设施/道路", "环境保护/噪音污染/施工噪音", "示范市", "东华门街道",
            "多福巷社区", "西城区", "西长安街街道", "市水务局"]

    def leftover(html: str) -> list[str]:
        html = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", html, flags=re.S)
        html = re.sub(r"<[^>]+>", " ", html)
        html = html.replace("中文", "")
        for d in sorted(data, key=len, reverse=True):
            html = html.replace(d, "")
        return [w for w in re.findall(r"\S+", html) if CJK.search(w)]

    c.get("/staff/knowledge?lang=en")
    for path in ("/staff/knowledge", "/staff/knowledge?due=1", "/staff/knowledge/new",
                 f"/staff/knowledge/{article}/edit", "/staff/knowledge?q=公积金提取"):
        html = c.get(path).text
        assert not leftover(html), (path, leftover(html))
    assert "Due for review" in c.get("/staff/knowledge").text
    r = c.post("/staff/knowledge/new", data={
        "csrf_token": _token(c, "/staff/knowledge/new"), "title": "", "answer": "x",
        "owner_unit_id": str(city.unit_ids["D1"])})
    assert "Please fill in: Title" in r.text and not leftover(r.text), leftover(r.text)
    c.cookies.clear()
    _login(c, "operator")
    c.get("/staff/operator?lang=en")
    hints = c.get("/staff/knowledge/hints", params={"q": "公积金提取"}).text
    assert "Answer with this" in hints and not leftover(hints), leftover(hints)
    assert not leftover(c.get("/staff/operator").text)


def test_a_call_answered_from_an_article_takes_the_articles_category(city: City) -> None:
    """A consultation answered on the spot is never dispatched, where a category is settled
    otherwise: left unchosen on the form, it counted as 未分类 in every statistic. The
    article it was read from names one; a category the operator chose still wins."""
    c = city.client
    _login(c, "admin")
    form = c.get("/staff/knowledge/new").text
    m = re.search(r'<option value="([^"]+)"[^>]*>城乡建设/市政设施/路灯</option>', form)
    assert m, form
    lamp = m.group(1)
    article = write_article(c, category=lamp)
    c.cookies.clear()
    _login(c, "operator")

    def answered(phone: str, **fields: str) -> str | None:
        r = c.post("/staff/operator", data={
            "csrf_token": _token(c, "/staff/operator"), "requester_phone": phone,
            "kind": "consult", "content": "请问公积金怎么提取？", "direct": "on",
            "answer": ANSWER, "article_id": str(article)} | fields, follow_redirects=False)
        assert r.status_code == 303, r.text
        [appeal] = [a for a in c.get("/api/v1/appeals", headers=city.headers(
            "dispatcher")).json()["items"] if a["requester_phone"] == phone]
        assert appeal["status"] == "closed"
        return appeal["category"]  # type: ignore[no-any-return]

    assert answered("13800004444") == lamp
    road = re.search(r'<option value="([^"]+)"[^>]*>城乡建设/市政设施/道路</option>', form)
    assert road and answered("13800005555", category=road.group(1)) == road.group(1)
