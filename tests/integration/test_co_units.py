"""Co-units (协办单位) and the lead unit's inbox (SQLite and PostgreSQL): a co-unit sends its
协办意见 to the lead unit, and the 待签收 count is what the unit itself must sign."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from tests.support.city import City
from tests.support.city import page_login as _login

OPINION = "该路段路灯线路归西城区维护，我区已安排明日检修"


def _with_co_unit(city: City, lead: str = "D1S1", co: str = "D2") -> int:
    a = city.register()
    city.act("dispatcher", a["id"], "dispatch", unit_code=lead,
             co_unit_ids=[city.unit_ids[co]])
    return int(a["id"])


def test_a_co_unit_sends_its_opinion_and_the_lead_unit_reads_it(city: City) -> None:
    """A co-unit could only read the appeal. Its handler now sends 协办意见 (API and page); the
    lead unit reads it in its inbox and on the appeal page, the public never."""
    appeal_id = _with_co_unit(city)
    # the lead unit and the unit above it act on the appeal themselves; 422 for no text
    for lead in ("handler_s1", "handler_d1"):
        refused = city.act(lead, appeal_id, "co_opinion", text=OPINION, expect=403)
        assert "协办意见由协办单位提交" in refused["error"]["message"]
    assert city.act("handler_d2", appeal_id, "co_opinion", text=" ", expect=422)
    assert city.act("handler_d2", appeal_id, "co_opinion", text="字" * 2001, expect=422)
    out = city.act("handler_d2", appeal_id, "co_opinion", text=OPINION)
    (said,) = [e for e in out["events"] if e["type"] == "co_opinion"]
    assert said["data"]["text"] == OPINION
    assert said["data"]["co_unit_id"] == city.unit_ids["D2"]
    assert out["status"] == "dispatched"

    c = city.client
    _login(c, "handler_s1")
    inbox = c.get("/staff/inbox").text
    row = inbox[inbox.index('data-section="sign"'):]
    assert 'data-decision="co_opinion"' in row and "收到协办意见" in row
    assert "西城区" in row and OPINION in row
    page = c.get(f"/staff/appeals/{appeal_id}").text
    assert 'data-action="co_opinion"' not in page
    assert re.search(r"协办单位：\s*西城区", page) and OPINION in page

    # the co-unit's page offers the form and tells it what it is for
    token = _login(c, "handler_d2")
    page = c.get(f"/staff/appeals/{appeal_id}").text
    assert 'data-action="co_opinion"' in page and "以协办意见发给主办单位" in page
    assert 'data-action="sign"' not in page
    r = c.post(f"/staff/appeals/{appeal_id}/co_opinion",
               data={"csrf_token": token, "origin": "detail", "text": "补充：检修需停电两小时"},
               follow_redirects=False)
    assert r.status_code == 303, r.text
    assert "已发送协办意见" in c.get(r.headers["location"]).text

    with TestClient(c.app) as public:
        board = public.get(f"/board/{out['code']}").text
        assert OPINION not in board and "协办意见" not in board


def test_the_sign_count_is_what_the_unit_must_sign_not_what_it_helps_with(city: City) -> None:
    """The 待签收 count took in the appeals the unit only helps with (协办), which it cannot
    sign: now they are listed apart, and the count is the unit's own."""
    helping = _with_co_unit(city, lead="D1S1", co="D2")
    own = city.register()
    city.act("dispatcher", own["id"], "dispatch", unit_code="D2S1")
    c = city.client
    _login(c, "handler_d2")
    page = c.get("/staff/inbox").text
    sign = re.search(r'data-section="sign">[^<]*<span class="badge">([^<]*)</span>', page)
    assert sign and sign.group(1) == "1"
    signing = page[page.index('data-list="sign"'):]
    signing = signing[:signing.index("</ul>")]
    assert f'data-code="{own["code"]}"' in signing and "data-helping" not in signing
    assert 'data-section="co_sign"' in page
    co = page[page.index('data-list="co_sign"'):]
    co = co[:co.index("</ul>")]
    code = city.client.get(f"/api/v1/appeals/{helping}",
                           headers=city.headers("dispatcher")).json()["code"]
    assert f'data-code="{code}"' in co and "data-helping" in co
    assert "共 2 条" in page  # the inbox lists both


def test_a_second_extension_is_said_to_need_an_administrator_before_it_is_asked(
        city: City) -> None:
    """At most one extension unless an administrator approves: the unit learned it only when a
    dispatcher's approval was refused. The form says so before it types, the dispatcher is
    not offered an approval the domain refuses, the administrator is."""
    a = city.register()
    city.act("dispatcher", a["id"], "dispatch", unit_code="D1")
    city.act("handler_d1", a["id"], "sign")
    c = city.client
    _login(c, "handler_d1")
    assert "data-extension-admin" not in c.get(f"/staff/appeals/{a['id']}").text
    city.act("handler_d1", a["id"], "request_extension", days=3, reason="需协调供电公司")
    city.act("dispatcher", a["id"], "approve_extension")
    page = c.get(f"/staff/appeals/{a['id']}").text
    form = page[page.index('data-action="request_extension"'):]
    form = form[:form.index("</form>")]
    assert "该诉求已延期 1 次（每件最多 1 次），再次申请须由管理员审批" in form
    city.act("handler_d1", a["id"], "request_extension", days=2, reason="仍需协调")
    _login(c, "dispatcher")
    page = c.get(f"/staff/appeals/{a['id']}").text
    assert 'data-action="approve_extension"' not in page
    assert 'data-action="deny_extension"' in page and "再次延期须由管理员批准" in page
    queue = c.get("/staff/dispatch?tab=extensions").text
    assert "再次延期须由管理员批准" in queue
    assert f'/staff/appeals/{a["id"]}/approve_extension' not in queue
    _login(c, "admin")
    assert 'data-action="approve_extension"' in c.get(f"/staff/appeals/{a['id']}").text
    english = c.get(f"/staff/appeals/{a['id']}?lang=en").text
    assert "only an administrator can grant another extension" in english


def _extension_asked(city: City, *, past_limit: bool) -> dict[str, object]:
    """An appeal whose unit asks for an extension; `past_limit`: its second (max is one)."""
    a = city.register()
    city.act("dispatcher", a["id"], "dispatch", unit_code="D1")
    city.act("handler_d1", a["id"], "sign")
    if past_limit:
        city.act("handler_d1", a["id"], "request_extension", days=3, reason="需协调供电公司")
        city.act("dispatcher", a["id"], "approve_extension")
    city.act("handler_d1", a["id"], "request_extension", days=2, reason="仍需协调")
    return a


def _form(page: str, action: str) -> dict[str, str]:
    form = re.search(rf'<form method="post" action="{re.escape(action)}".*?</form>', page,
                     re.S)
    assert form, action
    return dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', form.group(0)))


def test_an_administrator_decides_the_extensions_only_it_may_approve_on_its_own_queue(
        city: City) -> None:
    """Past `max_extensions` only an administrator approves an extension, but it had no list
    of them: it opened each appeal. Now its navigation has the 延期申请 it alone may approve,
    decided there as a dispatcher decides the others; the dispatcher's queue marks them."""
    mine = _extension_asked(city, past_limit=False)
    admins = _extension_asked(city, past_limit=True)
    c = city.client
    _login(c, "dispatcher")
    queue = c.get("/staff/dispatch?tab=extensions").text
    for a in (mine, admins):
        assert f'data-code="{a["code"]}"' in queue
    row = queue[queue.index(f'data-code="{admins["code"]}"'):]
    row = row[:row.index("</li>")]
    assert "data-admin-only" in row and "须管理员审批" in row
    assert f'/staff/appeals/{admins["id"]}/approve_extension' not in row
    row = queue[queue.index(f'data-code="{mine["code"]}"'):]
    assert "data-admin-only" not in row[:row.index("</li>")]
    assert c.get("/staff/extensions").status_code == 403
    _login(c, "handler_d1")
    assert c.get("/staff/extensions").status_code == 403

    _login(c, "admin")
    home = c.get("/staff/admin").text
    assert 'href="/staff/extensions"' in home
    # the administrator's landing page says one waits for it (the nav link has no count)
    assert "有 1 条延期申请已超过可延期次数，须由管理员审批。" in home
    assert "1 extension request(s) are past the allowed extensions" in c.get(
        "/staff/admin?lang=en").text
    c.get("/staff/admin?lang=zh")  # the language chosen sticks (a cookie)
    page = c.get("/staff/extensions").text
    assert f'data-code="{admins["code"]}"' in page and f'data-code="{mine["code"]}"' not in page
    assert "须管理员审批的延期申请" in page and "data-admin-queue" in page
    assert "Extensions for an administrator to approve" in c.get(
        "/staff/extensions?lang=en").text
    # a denial without a reason is refused and changes nothing
    deny = _form(page, f"/staff/appeals/{admins['id']}/deny_extension")
    r = c.post(f"/staff/appeals/{admins['id']}/deny_extension", data=deny | {"reason": " "},
               follow_redirects=False)
    assert r.status_code == 303
    detail = city.client.get(f"/api/v1/appeals/{admins['id']}", headers=city.headers("admin"))
    assert detail.json()["extension_pending_days"] == 2
    approve = _form(page, f"/staff/appeals/{admins['id']}/approve_extension")
    assert approve["back"] == "/staff/extensions"
    r = c.post(f"/staff/appeals/{admins['id']}/approve_extension", data=approve,
               follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/staff/extensions"
    detail = city.client.get(f"/api/v1/appeals/{admins['id']}", headers=city.headers("admin"))
    assert detail.json()["extension_pending_days"] is None
    assert detail.json()["extension_count"] == 2
    assert f'data-code="{admins["code"]}"' not in c.get("/staff/extensions").text
    assert "data-extensions-waiting" not in c.get("/staff/admin").text


def test_the_grid_counts_its_own_work_and_what_it_assists_with_apart(city: City) -> None:
    """The grid page's 待办诉求 counted the appeals the grid only helps with (协办), which the
    lead unit signs and replies to, while the inbox's 待签收 no longer did. Now the figure is
    the grid's own work, and what it assists with is a figure of its own."""
    own = city.register()
    city.act("dispatcher", own["id"], "dispatch", unit_code="D1S1C1")
    for lead in ("D2", "D1S1"):
        _with_co_unit(city, lead=lead, co="D1S1C1")
    c = city.client
    _login(c, "grid")

    def figures() -> tuple[str, str | None]:
        page = c.get("/staff/grid").text
        todo = re.search(r"data-todo>([^<]*)<", page)
        assisting = re.search(r"data-assisting>([^<]*)<", page)
        assert todo
        return todo.group(1), assisting.group(1) if assisting else None

    assert figures() == ("1", "2")
    city.act("grid", own["id"], "sign")  # in progress: still the grid's to do
    assert figures() == ("1", "2")
    grid = city.client.get("/api/v1/grid", headers=city.headers("grid")).json()
    assert (grid["todo"], grid["assisting"]) == (1, 2)
    # the inbox lists the same: one to handle, two it assists with
    inbox = c.get("/staff/inbox").text
    assert 'data-section="co_sign"' in inbox and "共 3 条" in inbox
