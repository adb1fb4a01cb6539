"""The knowledge base (知识库) through the REST API: who may write and read, validation,
search, publish/archive, 待复核, and answering a consultation with an article (SQLite and
PostgreSQL)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from jiesu.runtime import Runtime
from tests.support.city import PASSWORD, City

HOUSING = {"title": "住房公积金怎么提取？",
           "answer": "购房、租房、还贷、离职等情形可以提取住房公积金。\n"
                     "网上大厅或柜台办理，3 个工作日到账。",
           "keywords": "公积金，提取"}
PERMIT = {"title": "居住证怎么办理？",
          "answer": "在本市居住满半年的，可到街道便民服务中心申领居住证。", "keywords": ["居住证"]}
HEATING = {"title": "供暖时间是什么时候？",
           "answer": "本市供暖期为每年 11 月 15 日至次年 3 月 15 日。", "keywords": "暖气，供暖"}


def add(city: City, body: dict[str, Any], *, user: str = "admin", unit: str = "D1",
        expect: int = 201) -> dict[str, Any]:
    r = city.client.post("/api/v1/knowledge/articles",
                         json={"owner_unit_id": city.unit_ids[unit]} | body,
                         headers=city.headers(user))
    assert r.status_code == expect, r.text
    return dict(r.json())


def step(city: City, article_id: int, action: str, user: str = "admin",
         expect: int = 200) -> dict[str, Any]:
    r = city.client.post(f"/api/v1/knowledge/articles/{article_id}/{action}",
                         headers=city.headers(user))
    assert r.status_code == expect, r.text
    return dict(r.json())


def search(city: City, q: str, user: str = "operator") -> list[dict[str, Any]]:
    r = city.client.get("/api/v1/knowledge", params={"q": q}, headers=city.headers(user))
    assert r.status_code == 200, r.text
    return list(r.json()["items"])


def published(city: City, body: dict[str, Any], unit: str = "D1") -> dict[str, Any]:
    return step(city, add(city, body, unit=unit)["id"], "publish")


def test_roles_who_may_write_and_read(city: City) -> None:
    made = add(city, HOUSING)
    assert (made["status"], made["status_zh"], made["version"]) == ("draft", "草稿", 0)
    assert made["keywords"] == ["公积金", "提取"] and made["owner_name"] == "东城区"
    # a handler writes for its own subtree only
    own = add(city, PERMIT, user="handler_d1", unit="D1S1")
    assert own["may_edit"] is True
    r = city.client.post("/api/v1/knowledge/articles",
                         json=PERMIT | {"owner_unit_id": city.unit_ids["D2"]},
                         headers=city.headers("handler_d1"))
    assert r.status_code == 403 and "本单位" in r.json()["error"]["message"]
    step(city, made["id"], "publish", user="handler_d2", expect=403)
    # operators and other staff read and search, but do not write; auditors and the public not
    for user in ("operator", "dispatcher", "analyst"):
        add(city, HEATING, user=user, expect=403)
    r = city.client.get("/api/v1/knowledge", params={"q": "公积金"},
                        headers=city.headers("auditor"))
    assert r.status_code == 403 and r.json()["error"]["message"] == "您的角色无权查看知识库"
    assert city.client.get("/api/v1/knowledge?q=x").status_code == 401
    # drafts are not searched and not shown to operators
    assert search(city, "公积金提取") == []
    r = city.client.get(f"/api/v1/knowledge/articles/{made['id']}",
                        headers=city.headers("operator"))
    assert r.status_code == 404
    listed = city.client.get("/api/v1/knowledge/articles", headers=city.headers("operator"))
    assert listed.json()["total"] == 0
    listed = city.client.get("/api/v1/knowledge/articles", headers=city.headers("admin"))
    assert listed.json()["total"] == 2


def test_validation_in_chinese(city: City) -> None:
    r = city.client.post("/api/v1/knowledge/articles",
                         json=HOUSING | {"owner_unit_id": city.unit_ids["D1"], "title": "  "},
                         headers=city.headers("admin"))
    assert r.status_code == 422 and r.json()["error"]["message"] == "请填写标题"
    r = city.client.post("/api/v1/knowledge/articles",
                         json=HOUSING | {"owner_unit_id": city.unit_ids["D1"],
                                         "answer": "长" * 5001},
                         headers=city.headers("admin"))
    assert r.status_code == 422
    r = city.client.post("/api/v1/knowledge/articles",
                         json=HOUSING | {"owner_unit_id": 999_999},
                         headers=city.headers("admin"))
    assert r.status_code == 422 and r.json()["error"]["message"] == "负责单位 999999 不存在"
    r = city.client.post("/api/v1/knowledge/articles",
                         json=HOUSING | {"owner_unit_id": city.unit_ids["D1"],
                                         "category": "NOPE"},
                         headers=city.headers("admin"))
    assert r.status_code == 422 and "事项分类 NOPE 不存在" in r.json()["error"]["message"]
    r = city.client.post("/api/v1/knowledge/articles",
                         json=HOUSING | {"owner_unit_id": city.unit_ids["D1"],
                                         "keywords": "、".join(f"词{i}" for i in range(25))},
                         headers=city.headers("admin"))
    assert r.status_code == 422 and r.json()["error"]["message"] == "关键词最多 20 个"
    step(city, 10**6, "publish", expect=404)


def test_search_publish_archive_and_edit(city: City) -> None:
    housing = published(city, HOUSING)
    permit = published(city, PERMIT, unit="D2")
    published(city, HEATING, unit="W")
    assert housing["status"] == "published" and housing["published_at"]
    assert search(city, "公积金提取")[0]["id"] == housing["id"]
    assert search(city, "居住证")[0]["id"] == permit["id"]
    hit = search(city, "想问问暖气什么时候来", user="dispatcher")[0]
    assert hit["title"] == HEATING["title"] and 0 < hit["score"] <= 1
    first = search(city, "公积金提取")[0]["first_line"]
    assert first == "购房、租房、还贷、离职等情形可以提取住房公积金。"
    # archived: no longer found; published again: found again
    step(city, permit["id"], "archive")
    assert permit["id"] not in [h["id"] for h in search(city, "居住证")]
    step(city, permit["id"], "archive", expect=409)
    step(city, permit["id"], "publish")
    assert search(city, "居住证")[0]["id"] == permit["id"]
    # an edit is searched in its new words; a stale version is refused
    r = city.client.put(f"/api/v1/knowledge/articles/{housing['id']}",
                        json=HOUSING | {"owner_unit_id": city.unit_ids["D1"],
                                        "title": "社保卡丢了怎么补办", "keywords": "社保卡",
                                        "answer": "到合作银行网点补办。", "version": 1},
                        headers=city.headers("admin"))
    assert r.status_code == 200 and r.json()["version"] == 2, r.text
    assert search(city, "社保卡补办")[0]["id"] == housing["id"]
    r = city.client.put(f"/api/v1/knowledge/articles/{housing['id']}",
                        json=HOUSING | {"owner_unit_id": city.unit_ids["D1"], "version": 1},
                        headers=city.headers("admin"))
    assert r.status_code == 409


def test_an_article_past_its_review_date_is_due_for_review(city: City) -> None:
    past = (date.today() - timedelta(days=2)).isoformat()
    later = (date.today() + timedelta(days=30)).isoformat()
    due = published(city, HOUSING | {"review_by": past}, unit="D1S1")
    fine = published(city, PERMIT | {"review_by": later}, unit="D1S1")
    other = published(city, HEATING | {"review_by": past}, unit="D2")
    draft = add(city, HEATING | {"review_by": past})
    assert due["review_due"] is True and fine["review_due"] is False
    assert draft["review_due"] is False  # only a published article is flagged

    def listed(user: str) -> list[int]:
        r = city.client.get("/api/v1/knowledge/articles", params={"review_due": "true"},
                            headers=city.headers(user))
        assert r.status_code == 200, r.text
        return [a["id"] for a in r.json()["items"]]

    assert sorted(listed("admin")) == sorted([due["id"], other["id"]])
    assert listed("handler_d1") == [due["id"]]  # the owner's own: its subtree
    assert listed("handler_d2") == [other["id"]]


def test_the_use_count_rises_when_a_consultation_is_answered_with_the_article(
        city: City, runtime: Runtime) -> None:
    housing = published(city, HOUSING)
    draft = add(city, PERMIT)
    appeal = city.register(kind="consult", content="请问公积金怎么提取？")
    city.act("operator", appeal["id"], "answer_directly", expect=422, text="照读",
             article_id=draft["id"])
    done = city.act("operator", appeal["id"], "answer_directly", text=housing["answer"],
                    article_id=housing["id"])
    assert done["status"] == "closed"
    event = next(e for e in done["events"] if e["type"] == "answer_directly")
    assert event["data"]["article_id"] == housing["id"]
    r = city.client.get(f"/api/v1/knowledge/articles/{housing['id']}",
                        headers=city.headers("operator"))
    assert r.json()["use_count"] == 1
    # answering without an article stays as it was
    plain = city.register(kind="consult", content="请问办事大厅几点下班？")
    done = city.act("operator", plain["id"], "answer_directly", text="9:00—17:00")
    event = next(e for e in done["events"] if e["type"] == "answer_directly")
    assert "article_id" not in event["data"]


def test_the_jobs_thread_builds_the_search_index_at_startup(city: City,
                                                             runtime: Runtime) -> None:
    """The first operator's search of the day must not wait for the index (2 s at 5,000
    articles): a process that runs the periodic jobs builds it as it starts."""
    import time

    from fastapi.testclient import TestClient

    from jiesu.app import create_app

    published(city, HOUSING)
    other = Runtime.create(runtime.settings)  # another process, nothing searched yet
    try:
        assert other.knowledge._built is None
        with TestClient(create_app(other.settings, run_jobs=True, runtime=other)):
            deadline = time.monotonic() + 30
            while other.knowledge._built is None and time.monotonic() < deadline:
                time.sleep(0.05)
            built = other.knowledge._built
        assert built is not None and len(built.texts) == 1
    finally:
        other.close()


def test_a_call_answered_as_it_is_registered_is_one_transaction(city: City,
                                                                  runtime: Runtime) -> None:
    """直接答复 given with the registration (the operator page): registered and answered
    together, the article's use counted; an answer refused — here its article was archived
    after the operator picked it — leaves nothing registered."""
    import pytest

    from jiesu.domain.errors import InvalidArguments
    from jiesu.services.appeals import DirectAnswer, NewAppeal
    from jiesu.services.clock import utcnow

    housing = published(city, HOUSING)
    operator = runtime.auth.login("operator", PASSWORD)[1].actor()
    call = NewAppeal(kind="consult", content="请问公积金怎么提取？", channel="hotline",
                     requester_phone="13900000777")
    done = runtime.appeals.register(operator, call, utcnow(),
                                    answer=DirectAnswer(housing["answer"], housing["id"]))
    assert done.appeal is not None and done.appeal.status.value == "closed"
    r = city.client.get(f"/api/v1/knowledge/articles/{housing['id']}",
                        headers=city.headers("operator"))
    assert r.json()["use_count"] == 1
    step(city, housing["id"], "archive")
    before = city.client.get("/api/v1/appeals", headers=city.headers("dispatcher")).json()
    with pytest.raises(InvalidArguments, match="不存在或未发布"):
        runtime.appeals.register(operator, call, utcnow(),
                                 answer=DirectAnswer(housing["answer"], housing["id"]))
    with pytest.raises(InvalidArguments, match="请填写答复内容"):
        runtime.appeals.register(operator, call, utcnow(), answer=DirectAnswer("  "))
    after = city.client.get("/api/v1/appeals", headers=city.headers("dispatcher")).json()
    assert after["total"] == before["total"]
