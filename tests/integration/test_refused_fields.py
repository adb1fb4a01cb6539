"""A field a form refuses is marked for screen readers: aria-invalid="true" and an
aria-describedby naming the element that says why (the refusal's message), on every form that
names the refused field (knowledge articles, enterprises, policies and their conditions, the
rating of a service item, the tracking page's forms, the survey). SQLite and PostgreSQL."""

from __future__ import annotations

from html.parser import HTMLParser

from fastapi.testclient import TestClient

from tests.integration.test_public_pages import _replied_from_the_web
from tests.integration.test_rate_item_page import _item
from tests.integration.test_web_pages import _login, _token
from tests.integration.test_web_policies import _conditions, policy_form, uscc
from tests.support.city import City


class _Page(HTMLParser):
    """The controls marked aria-invalid (name, describedby ids) and the text of each element
    with an id."""

    VOID = {"input", "br", "img", "meta", "link", "hr", "source", "col", "wbr"}

    def __init__(self, html: str) -> None:
        super().__init__()
        self.invalid: list[tuple[str, list[str]]] = []
        self.text: dict[str, str] = {}
        self._open: list[tuple[str, str | None]] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if a.get("aria-invalid") == "true":
            self.invalid.append((a.get("name") or "", (a.get("aria-describedby") or "").split()))
        if tag not in self.VOID:
            self._open.append((tag, a.get("id")))
            if a.get("id"):
                self.text.setdefault(a["id"] or "", "")

    def handle_endtag(self, tag: str) -> None:
        while self._open:
            if self._open.pop()[0] == tag:
                break

    def handle_data(self, data: str) -> None:
        for _, ident in self._open:
            if ident:
                self.text[ident] += data


def refused(html: str) -> dict[str, list[str]]:
    """Each refused control's name and the texts it is described by."""
    page = _Page(html)
    return {name: [page.text.get(i, "<missing>").strip() for i in ids]
            for name, ids in page.invalid}


def test_the_staff_forms_mark_the_refused_field(city: City) -> None:
    c = city.client
    _login(c, "admin")
    r = c.post("/staff/knowledge/new", data={
        "csrf_token": _token(c, "/staff/knowledge/new"), "title": "", "answer": "x",
        "owner_unit_id": str(city.unit_ids["D1"])})
    assert r.status_code == 422
    assert refused(r.text) == {"title": ["请填写标题"]}

    good = uscc(7)
    r = c.post("/staff/enterprises/new", data={
        "csrf_token": _token(c, "/staff/enterprises/new"), "uscc": good[:-1] + (
            "0" if good[-1] != "0" else "1"), "name": "无障碍测试有限公司"})
    assert r.status_code == 422
    assert list(refused(r.text)) == ["uscc"]
    assert all(refused(r.text)["uscc"]), r.text  # described by the message, not by nothing

    data = policy_form(c) | _conditions(("industry", "in", "C"), ("size", "gte", "小型"))
    r = c.post("/staff/policies/new", data=data)
    assert r.status_code == 422
    message = "第 2 条条件：“企业规模”不能用这种比较方式"
    marked = refused(r.text)
    assert sorted(marked) == ["c1_field", "c1_op", "c1_value"], marked
    assert all(message in texts[0] for texts in marked.values()), marked
    r = c.post("/staff/policies/new", data=data | {"c1_op": "in", "amount": "12.345"})
    assert r.status_code == 422
    assert list(refused(r.text)) == ["amount"]
    assert "标准金额应为以元计的金额" in refused(r.text)["amount"][0]


def test_the_service_item_rating_marks_the_refused_field(city: City) -> None:
    item = _item(city)
    with TestClient(city.client.app) as c:
        token = _token(c, f"/rate/item/{item}")
        r = c.post(f"/rate/item/{item}", data={"csrf_token": token, "stars": "4",
                                                "phone": "12"})
        assert r.status_code == 422
        # the message first, then the field's own hint
        assert refused(r.text) == {"phone": ["联系电话格式不正确", "仅用于核实评价，不会公开"]}
        r = c.post(f"/rate/item/{item}", data={"csrf_token": token, "stars": "9",
                                                "phone": "13812345678"})
        assert r.status_code == 422
        assert refused(r.text) == {"stars": ["评价等级须为 1 到 5 星"]}


def test_the_tracking_page_marks_the_refused_field(city: City) -> None:
    a = _replied_from_the_web(city)
    c = city.client
    track = f"/track/{a['code']}"
    r = c.post(f"{track}/rate", data={"csrf_token": _token(c, track), "comment": "灯还有点暗"})
    assert r.status_code == 422
    assert refused(r.text) == {"stars": ["请选择评价星级"]}  # the first star, focused
    r = c.post(f"{track}/rate", data={"csrf_token": _token(c, track), "stars": "2",
                                      "comment": "差" * 1001})
    assert refused(r.text) == {"comment": ["评价说明不能超过 1000 字"]}
    r = c.post(f"{track}/add_info", data={"csrf_token": _token(c, track), "text": "补" * 5001})
    assert list(refused(r.text)) == ["text"] and refused(r.text)["text"][0]
    r = c.post(f"{track}/reopen", data={"csrf_token": _token(c, track), "reason": " "})
    assert r.status_code == 422
    assert refused(r.text)["reason"][0] == "请填写重办理由"


def test_the_survey_marks_the_refused_question(city: City) -> None:
    a = city.register()
    city.act("dispatcher", a["id"], "dispatch", unit_id=city.unit_ids["D1S1"])
    city.act("handler_s1", a["id"], "sign")
    city.act("handler_s1", a["id"], "reply", claim="solved", text="路灯已更换")
    r = city.client.post(f"/api/v1/feedback/followups/{a['id']}/survey",
                         headers=city.headers("followup"))
    assert r.status_code == 201, r.text
    page = f"/survey/{r.json()['token']}"
    with TestClient(city.client.app) as c:
        r = c.post(page, data={"csrf_token": _token(c, page), "resolved": "yes"})
        assert r.status_code == 422
        # each of the question's answers is marked, and says why
        assert refused(r.text) == {"satisfaction": ["请选择是否解决和满意程度"]}
        r = c.post(page, data={"csrf_token": _token(c, page), "resolved": "yes",
                               "satisfaction": "satisfied", "comment": "好" * 1001})
        assert refused(r.text) == {"comment": ["评价说明不能超过 1000 字"]}
