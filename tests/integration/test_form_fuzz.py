"""Every form the pages show, posted with hostile values in each field in turn, as the role
that sees it: the answer is never a 5xx (SQLite and PostgreSQL).

The forms are read from the pages themselves, so a new form is covered without touching this
test. A helper script that sent about 21,000 such requests to `jiesu demo` found the bugs this
guards against ("²" as a unit id, a model version too long for a file name, nested JSON...).
"""

from __future__ import annotations

from html.parser import HTMLParser

from fastapi.testclient import TestClient

from tests.integration.test_web_pages import _login, _token
from tests.integration.test_web_policies import built_for_fuzz as policies_built
from tests.integration.test_web_policies import lookup as enterprise_lookup
from tests.support.city import City
from tests.support.fuzz import server_error

HOSTILE = ["", " ", "x" * 20_000, "路灯\x00坏了", "²", str(10**30), "-1", "1.5", "nan", "1e400",
           "0000-00-00", "2026-02-30", "<script>alert(1)</script>", "[/x]", "{" * 3000]
SKIP_ACTIONS = ("/login", "/logout")


class _Forms(HTMLParser):
    """The POST forms of a page: action and the default value of each named field."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[tuple[str, dict[str, str]]] = []
        self._fields: dict[str, str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form" and a.get("method", "").lower() == "post":
            self._fields = {}
            self.forms.append((a.get("action", ""), self._fields))
        elif tag in ("input", "select", "textarea") and self._fields is not None and "name" in a:
            if a.get("type") in ("checkbox", "radio") and "checked" not in a:
                self._fields.setdefault(a["name"], "")
            else:
                self._fields.setdefault(a["name"], a.get("value", ""))

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._fields = None


def _forms(c: TestClient, path: str) -> list[tuple[str, dict[str, str]]]:
    r = c.get(path)
    assert r.status_code == 200, (path, r.status_code)
    parser = _Forms()
    parser.feed(r.text)
    return [(action or path, fields) for action, fields in parser.forms
            if not action.startswith(SKIP_ACTIONS)]


def _hammer(c: TestClient, path: str, failures: list[str]) -> int:
    sent = 0
    token = _token(c, path)  # one per session, as long as the session lasts
    for action, fields in _forms(c, path):
        for name in fields:
            if name == "csrf_token":
                continue
            for value in HOSTILE:
                body = dict(fields, **{name: value}, csrf_token=token)
                error = server_error(c.post, action, data=body, follow_redirects=False)
                if error:
                    failures.append(f"{action} {name}={value[:20]!r}: {error}")
                sent += 1
    return sent


def test_no_form_answers_hostile_input_with_a_server_error(city: City) -> None:
    c = city.client
    failures: list[str] = []
    sent = 0
    registered = city.register()
    dispatched = city.register()
    city.act("dispatcher", dispatched["id"], "dispatch", unit_code="D1")
    for text in ("光明路井盖丢失，行人容易掉进去", "光明路的井盖丢了，晚上很危险",
                 "光明路井盖缺失好几天了，请尽快补上"):  # a hotspot (and its form) in 西城区
        city.act("dispatcher", city.register(content=text)["id"], "dispatch", unit_code="D2")
    made = policies_built(city)  # an enterprise, a policy it applied for, one it is owed
    r = c.post("/api/v1/knowledge/articles", headers=city.headers("admin"), json={
        "title": "居住证怎么办理？", "answer": "到街道便民服务中心申领。",
        "owner_unit_id": city.unit_ids["D1"], "review_by": "2020-01-01"})
    article = r.json()["id"]  # a knowledge-base article, published (and due for review)
    c.post(f"/api/v1/knowledge/articles/{article}/publish", headers=city.headers("admin"))
    item = c.post("/api/v1/feedback/service-items", headers=city.headers("admin"), json={
        "unit_code": "W", "code": "W-001", "name": "供水报装"}).json()["id"]  # 服务事项
    pages: dict[str | None, list[str]] = {
        None: ["/submit", "/track", "/enterprise"],
        "analyst": ["/staff/hotspots"],
        "operator": ["/staff/operator", "/staff/knowledge"],
        "dispatcher": ["/staff/dispatch", f"/staff/appeals/{registered['id']}"],
        "handler_d1": ["/staff/inbox", f"/staff/appeals/{dispatched['id']}",
                       "/staff/policies?tab=applications", "/staff/policies?tab=payouts",
                       "/staff/knowledge?due=1"],
        "admin": [f"/staff/admin?tab={t}" for t in ("units", "users", "taxonomy", "sla",
                                                       "calendar", "intake", "apikeys",
                                                       "settings")]
        # the rating page before the edit form, whose 停用 form switches the item off
        + [f"/rate/item/{item}", f"/staff/admin?tab=items&edit={item}",
           "/staff/policies/new", f"/staff/policies/{made['policy_id']}/edit",
           f"/staff/policies/{made['policy_id']}", "/staff/enterprises/new",
           f"/staff/enterprises/{made['enterprise_id']}", "/staff/knowledge",
           "/staff/knowledge/new", f"/staff/knowledge/{article}/edit",
           "/staff/admin/users/6", "/staff/password"],  # user 6: the grid worker
    }
    for role, paths in pages.items():
        c.cookies.clear()
        if role:
            _login(c, role)
        for path in paths:
            sent += _hammer(c, path, failures)
    c.cookies.clear()  # the enterprise's own page after looking itself up (政策直达)
    assert enterprise_lookup(c, made["uscc"], made["phone"]).status_code == 303
    sent += _hammer(c, "/enterprise/policies", failures)
    assert sent > 1000  # the pages' forms were found, not a handful
    assert not failures, "\n".join(failures[:30])




ODD_QUERIES = [{"page": "-1"}, {"page": str(10**30)}, {"per_page": "0"}, {"status": "zzz"},
               {"from": "0000-00-00"}, {"to": "2026-02-30"}, {"month": "2026-13"},
               {"period": "x"}, {"unit": str(10**30)}, {"unit": "²"}, {"category": "路\x00灯"},
               {"q": "x" * 5000}, {"lang": "xx"}, {"tab": "zzz"},
               {"back": "javascript:alert(1)"}, {"next": "//evil.example"},
               {"code": "'; drop table appeals; --"}, {"phone": "１３８" * 20}]


def test_no_page_answers_odd_query_parameters_with_a_server_error(city: City) -> None:
    c = city.client
    a = city.register()
    city.act("dispatcher", a["id"], "dispatch", unit_code="D1")  # public once dispatched
    pages: dict[str | None, list[str]] = {
        None: ["/", "/board", f"/board/{a['code']}", "/stats", "/stats.json", "/stats.csv",
               "/submit", "/track", "/login", "/enterprise", "/enterprise/policies"],
        "dispatcher": ["/staff", "/staff/dispatch", "/staff/dashboard",
                       f"/staff/appeals/?code={a['code']}",
                       f"/staff/appeals/{a['id']}"],
        "supervisor": ["/staff/supervision"],
        "operator": ["/staff/operator", "/staff/operator/earlier", "/staff/knowledge",
                     "/staff/knowledge/hints"],
        "handler_d1": ["/staff/inbox"],
        "followup": ["/staff/followup"],
        "analyst": ["/reports/monthly", "/reports/monthly.xlsx", "/staff/hotspots",
                    "/staff/policies", "/staff/policies?tab=payouts", "/staff/enterprises"],
        "auditor": ["/staff/audit"],
        # the row a 修改 or 移动到… link names (odd ones: "²" is a digit to str.isdigit)
        "admin": ["/staff/admin", "/staff/admin?tab=intake&routing=²&urgency=0",
                  "/staff/admin?tab=intake&urgency=" + "9" * 30,
                  "/staff/admin?tab=units&move=%00", "/staff/admin?tab=items&edit=²",
                  "/staff/admin?tab=items&edit=" + "9" * 30,
                  "/staff/policies", "/staff/policies/new",
                  "/staff/enterprises", "/staff/enterprises/new", "/staff/knowledge",
                  "/staff/knowledge/new"],
    }
    failures: list[str] = []
    for role, paths in pages.items():
        c.cookies.clear()
        if role:
            _login(c, role)
        for path in paths:
            plain = c.get(path, follow_redirects=False).status_code
            assert plain in (200, 303), (role, path, plain)  # the page exists for this role
            for params in ODD_QUERIES:
                error = server_error(c.get, path, params=params, follow_redirects=False)
                if error:
                    failures.append(f"{path} {params}: {error}")
    assert not failures, "\n".join(failures[:30])
