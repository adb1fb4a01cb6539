"""A staff member's working day on the pages (SQLite and PostgreSQL): what was typed survives a
refused action, actions that would be refused are not offered, the operator's direct answer
registers nothing when it is refused, the auditor's search box, the analyst's way to the
monthly report, the administrator's readable labels and the confirmations of what cannot be
undone."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from jiesu.services.api_keys import ApiKeyService
from jiesu.services.clock import utcnow
from jiesu.store.tables import AppealRow, EventRow
from tests.support.city import City
from tests.support.city import page_login as _login


def _signed(city: City) -> int:
    """An appeal dispatched to 东城区 and signed by its handler: in progress."""
    a = city.register()
    city.act("dispatcher", a["id"], "dispatch", unit_id=city.unit_ids["D1"])
    city.act("handler_d1", a["id"], "sign")
    return int(a["id"])


def test_a_refused_reply_keeps_what_the_handler_typed(city: City) -> None:
    appeal_id = _signed(city)
    c = city.client
    token = _login(c, "handler_d1")
    page = c.get(f"/staff/appeals/{appeal_id}?back=/staff/inbox")
    assert 'name="origin" value="detail"' in page.text
    typed = "经现场查看，该问题涉及产权纠纷，我单位已多次协调，情况如下"
    form = {"csrf_token": token, "origin": "detail", "back": "/staff/inbox",
            "claim": "cannot_solve", "text": typed, "reason": ""}
    r = c.post(f"/staff/appeals/{appeal_id}/reply", data=form, follow_redirects=False)
    assert r.status_code == 422
    reply = r.text[r.text.index('id="act-reply"'):]
    reply = reply[:reply.index("</details>")]
    assert reply.startswith('id="act-reply" open')
    assert "data-action-error" in reply and "须说明原因" in reply
    assert f">{typed}</textarea>" in reply
    assert '<option value="cannot_solve" selected>' in reply
    assert 'href="/staff/inbox"' in r.text  # the way back to the list is kept
    # the reply goes through once the reason is given
    r = c.post(f"/staff/appeals/{appeal_id}/reply", data=form | {"reason": "产权纠纷"},
               follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/staff/inbox"
    # a form from a work list still goes back with a message
    other = _signed(city)
    r = c.post(f"/staff/appeals/{other}/reply", data=form | {"origin": ""},
               follow_redirects=False)
    assert r.status_code == 303


def test_a_form_whose_action_is_gone_says_why_at_the_top(city: City) -> None:
    appeal_id = _signed(city)
    c = city.client
    token = _login(c, "handler_d1")
    city.act("handler_d1", appeal_id, "reply", claim="solved", text="已修复")
    r = c.post(f"/staff/appeals/{appeal_id}/reply",
               data={"csrf_token": token, "origin": "detail", "back": "/staff/inbox",
                     "claim": "solved", "text": "已修复"})
    assert r.status_code == 409
    assert 'role="alert"' in r.text and "data-action-error" not in r.text


def test_late_appeals_do_not_offer_an_extension_or_a_return(city: City) -> None:
    appeal_id = _signed(city)
    c = city.client
    _login(c, "handler_d1")
    page = c.get(f"/staff/appeals/{appeal_id}").text
    assert 'data-action="request_extension"' in page
    assert 'data-action="request_return"' in page
    with city.runtime.db.uow() as uow:
        row = uow.session.get(AppealRow, appeal_id)
        assert row is not None
        row.handle_due_at = row.return_due_at = utcnow() - timedelta(hours=1)
        uow.commit()
    page = c.get(f"/staff/appeals/{appeal_id}").text
    assert 'data-action="request_extension"' not in page
    assert 'data-action="request_return"' not in page
    assert 'data-action="reply"' in page


def test_contacting_the_requester_is_by_phone_unless_changed(city: City) -> None:
    """联系诉求人, the form open first on a signed appeal: 电话 is picked (the domain records
    phone when none is), not a blank "—" that a handler on a phone must change."""
    appeal_id = _signed(city)
    c = city.client
    _login(c, "handler_d1")
    page = c.get(f"/staff/appeals/{appeal_id}").text
    form = page[page.index('data-action="contact"'):]
    form = form[:form.index("</form>")]
    assert '<option value="phone" selected>' in form and '<option value="">' not in form


def test_while_a_return_waits_for_the_dispatcher_no_reply_is_offered(city: City) -> None:
    """申请退单 pending: the domain refuses a reply until the dispatcher decides, so the page
    offers none and says why, instead of a form that ends in an error; denied, it is back."""
    appeal_id = _signed(city)
    city.act("handler_d1", appeal_id, "request_return", reason="不属于本区管辖")
    c = city.client
    _login(c, "handler_d1")
    page = c.get(f"/staff/appeals/{appeal_id}").text
    assert 'data-action="reply"' not in page and 'data-action="contact"' in page
    assert "等待派单员审核；审核前不能答复" in page
    city.act("dispatcher", appeal_id, "deny_return", reason="属本区职责")
    page = c.get(f"/staff/appeals/{appeal_id}").text
    assert 'data-action="reply"' in page and "审核前不能答复" not in page


def test_a_unit_passed_the_appeal_down_is_not_offered_a_return_to_12345(city: City) -> None:
    """二次派单: the street the district passed the appeal to answers to the district; its page
    offers no 申请退单 (which would take the appeal from the district), the district's does."""
    appeal_id = _signed(city)
    city.act("handler_d1", appeal_id, "sub_dispatch", unit_code="D1S1")
    c = city.client
    _login(c, "handler_s1")
    page = c.get(f"/staff/appeals/{appeal_id}").text
    assert 'data-action="reply"' in page and 'data-action="request_return"' not in page
    refused = city.act("handler_s1", appeal_id, "request_return", reason="不属于街道", expect=403)
    assert "请联系上级单位改派" in refused["error"]["message"]
    _login(c, "handler_d1")
    assert 'data-action="request_return"' in c.get(f"/staff/appeals/{appeal_id}").text


def _appeals_of(city: City, phone: str) -> list[str]:
    """The statuses of the appeals registered for a phone."""
    with city.runtime.db.uow(write=False) as uow:
        return list(uow.session.scalars(select(AppealRow.status).where(
            AppealRow.requester_phone == phone)))


def test_a_refused_direct_answer_registers_nothing(city: City) -> None:
    c = city.client
    token = _login(c, "operator")
    assert "来电人称呼" in c.get("/staff/operator").text
    call = {"csrf_token": token, "kind": "consult", "content": "请问住房公积金怎么提取",
            "requester_phone": "13900000123", "urgency": "normal", "direct": "on",
            "answer": "", "idempotency_key": "call-1"}
    r = c.post("/staff/operator", data=call, follow_redirects=False)
    assert r.status_code == 422 and "请填写答复内容" in r.text
    assert "请问住房公积金怎么提取" in r.text  # the form keeps the call
    assert _appeals_of(city, "13900000123") == []
    r = c.post("/staff/operator", data=call | {"answer": "x" * 5001, "idempotency_key": "c2"},
               follow_redirects=False)
    assert r.status_code == 422 and _appeals_of(city, "13900000123") == []
    r = c.post("/staff/operator", data=call | {"answer": "购房、租房可提取",
                                               "idempotency_key": "call-3"},
               follow_redirects=False)
    assert r.status_code == 303
    assert _appeals_of(city, "13900000123") == ["closed"]


def test_a_form_sent_again_with_another_call_says_so_in_plain_words(city: City) -> None:
    """The operator's form restored from the browser's cache keeps the key of the call it
    registered; filled in for the next call and sent, that call is refused (never answered
    with the first one's code) in words about the form, not about an idempotency key, and
    what was typed stays on the page to send again."""
    c = city.client
    token = _login(c, "operator")
    call = {"csrf_token": token, "kind": "complaint", "content": "小区门口路灯不亮",
            "requester_phone": "13900000201", "urgency": "normal", "idempotency_key": "desk-1"}
    assert c.post("/staff/operator", data=call, follow_redirects=False).status_code == 303
    nxt = call | {"content": "楼下餐馆油烟直排", "requester_phone": "13900000202"}
    r = c.post("/staff/operator", data=nxt, follow_redirects=False)
    assert r.status_code == 422
    assert "这张表单已登记过另一件诉求，本次填写的内容尚未登记" in r.text
    assert "幂等键" not in r.text and "楼下餐馆油烟直排" in r.text
    assert _appeals_of(city, "13900000202") == []
    english = c.post("/staff/operator?lang=en", data=nxt, follow_redirects=False).text
    assert "This form has already registered another appeal" in english
    r = c.post("/staff/operator", data=nxt | {"idempotency_key": "desk-2"},
               follow_redirects=False)
    assert r.status_code == 303 and _appeals_of(city, "13900000202") == ["registered"]


def test_the_auditor_searches_the_event_log_by_code(city: City) -> None:
    a = city.register()
    c = city.client
    _login(c, "auditor")
    log = c.get("/staff/audit").text
    assert 'action="/staff/audit"' in log and 'action="/staff/appeals/"' not in log
    assert f'href="/staff/audit?code={a["code"]}"' in log
    found = c.get(f"/staff/audit?code={a['code']}")
    assert found.status_code == 200
    assert f"诉求 {a['code']} 的流转记录" in found.text and "<td>登记</td>" in found.text
    missing = c.get("/staff/audit?code=0000&lang=en")
    assert missing.status_code == 200 and "No appeal has the code 0000" in missing.text


def _audit_codes(html: str) -> list[str]:
    return re.findall(r'<a href="/staff/audit\?code=(\d+)">', html)


def test_the_audit_log_is_in_time_order_paged_and_tells_how_far_the_anchors_reach(
        city: City, monkeypatch: pytest.MonkeyPatch) -> None:
    from jiesu.services.audit import anchor
    from jiesu.web.routes import analyst

    codes = [city.register(content=f"路灯坏了 {n}")["code"] for n in range(3)]
    # imported history or a late commit: the first appeal's event is the newest in time
    with city.runtime.db.uow() as uow:
        first = uow.session.scalar(select(AppealRow.id).where(AppealRow.code == codes[0]))
        for e in uow.session.scalars(select(EventRow).where(EventRow.appeal_id == first)):
            e.at = utcnow() + timedelta(minutes=5)
        uow.commit()
    c = city.client
    _login(c, "auditor")
    log = c.get("/staff/audit").text
    assert _audit_codes(log)[:3] == [codes[0], codes[2], codes[1]]
    assert "尚未生成锚点，3 条事件均未锚定" in log and "jiesu audit verify" in log
    monkeypatch.setattr(analyst, "AUDIT_PER_PAGE", 2)
    one, two = c.get("/staff/audit").text, c.get("/staff/audit?page=2").text
    assert _audit_codes(one) == [codes[0], codes[2]] and _audit_codes(two) == [codes[1]]
    assert 'href="?page=2"' in one and 'href="?page=1"' in two
    assert anchor(city.runtime.db, utcnow() + timedelta(minutes=10),
                  min_age=timedelta(0)) == 3
    city.register(content="路灯又坏了")
    state = re.search(r"<p data-anchor>(.*?)</p>", c.get("/staff/audit").text, re.S)
    assert state and "最近一次锚定" in state.group(1) and "（3 条）" in state.group(1)
    assert "其后新增 1 条事件" in state.group(1), state.group(1)
    english = c.get("/staff/audit?lang=en").text
    assert "Tamper evidence" in english and "1 events since" in english


def test_the_monthly_report_is_reachable_from_the_staff_pages(city: City) -> None:
    c = city.client
    _login(c, "analyst")
    dash = c.get("/staff/dashboard").text
    assert 'href="/reports/monthly"' in dash and "data-monthly-report" in dash
    report = c.get("/reports/monthly?month=2026-10")
    assert report.status_code == 200
    assert 'href="/staff"' in report.text
    assert 'name="month" type="month" value="2026-10"' in report.text
    c.post("/logout", data={"csrf_token": _login(c, "analyst")})
    _login(c, "dispatcher")  # reads the dashboard but not the monthly report
    assert "data-monthly-report" not in c.get("/staff/dashboard").text


def test_admin_pages_name_unit_groups_and_time_limits(city: City) -> None:
    c = city.client
    _login(c, "admin")
    units = c.get("/staff/admin?tab=units").text
    assert '<option value="street" >街道/乡镇</option>' in units
    assert '<option value="department" selected>市级部门</option>' in units
    assert ">city<" not in units and '<span class="muted">区</span>' in units
    sla = c.get("/staff/admin?tab=sla&lang=en").text
    assert '<option value="return_window">Return window</option>' in sla
    assert '<option value="workday">working days</option>' in sla
    c.get("/staff/admin?tab=sla&lang=zh")


def test_what_cannot_be_undone_asks_first(city: City) -> None:
    ApiKeyService(city.runtime.db).create("城市网格平台", utcnow())
    city.register()
    c = city.client
    _login(c, "admin")
    keys = c.get("/staff/admin?tab=apikeys").text
    revoke = keys[keys.index('data-confirm="revoke"'):]
    assert revoke.index("<summary") < revoke.index("/revoke") < revoke.index("确认吊销")
    c.post("/logout", data={"csrf_token": _login(c, "admin")})
    _login(c, "dispatcher")
    queue = c.get("/staff/dispatch").text
    merge = queue[queue.index('data-confirm="merge"'):]
    assert merge.index("<summary") < merge.index("/merge") < merge.index("确认合并")


def test_the_navigation_marks_only_the_open_tab(city: City) -> None:
    c = city.client
    _login(c, "dispatcher")

    def current(url: str) -> list[str]:
        html = c.get(url).text
        nav = html[html.index('<nav class="nav"'):]
        return re.findall(r'aria-current="page">([^<]+)<', nav[:nav.index("</nav>")])

    assert current("/staff/dispatch") == ["派单队列"]
    assert current("/staff/dispatch?tab=queue") == ["派单队列"]
    assert current("/staff/dispatch?tab=returns") == ["退单申请"]
    assert current("/staff/dashboard?tab=intensity") == []  # not in the dispatcher's menu


def test_a_co_unit_reads_the_appeal_and_is_offered_nothing_it_would_be_refused(
        city: City) -> None:
    """协办: the co-unit's handler finds the appeal in its inbox, marked as its unit assisting,
    without a 签收 button, and its page names the lead unit instead of offering forms that the
    domain refuses (签收, 申请退单; its one form is its 协办意见), and the API's refusal says
    the lead unit acts. The lead unit's handler still signs it from the list; the timeline
    names the co-units it was dispatched with."""
    a = city.register(title="西长安街路面塌陷")
    city.act("dispatcher", a["id"], "dispatch", unit_code="D2",
             co_unit_ids=[city.unit_ids["D1"]])
    c = city.client
    _login(c, "handler_d1")
    inbox = c.get("/staff/inbox").text
    item = inbox[inbox.index(f'data-code="{a["code"]}"'):]
    item = item[:item.index("</li>")]
    assert "data-helping" in item and "本单位协办" in item
    assert f'/staff/appeals/{a["id"]}/sign' not in item
    page = c.get(f"/staff/appeals/{a['id']}").text
    # its one form: its own word to the lead unit (协办意见)
    assert re.findall(r'data-action="(\w+)"', page) == ["co_opinion"]
    assert "请配合主办单位（西城区）办理" in page and "暂无待办" not in page
    assert "协办单位：东城区" in page  # the dispatch step on the timeline
    refused = city.act("handler_d1", a["id"], "sign", expect=403)
    assert refused["error"]["message"] == "本单位为该诉求的协办单位，签收、答复等由主办单位办理"
    _login(c, "handler_d2")
    inbox = c.get("/staff/inbox").text
    item = inbox[inbox.index(f'data-code="{a["code"]}"'):]
    assert f'/staff/appeals/{a["id"]}/sign' in item[:item.index("</li>")]
    page = c.get(f"/staff/appeals/{a['id']}").text
    assert 'data-action="sign"' in page and "data-helping" not in page
    # the lead unit's refused return is its own news; a reopening is the co-unit's work too
    city.act("handler_d2", a["id"], "sign")
    city.act("handler_d2", a["id"], "request_return", reason="不属于本区")
    city.act("dispatcher", a["id"], "deny_return", reason="属本区职责")

    def row_of(username: str) -> str:
        _login(c, username)
        inbox = c.get("/staff/inbox").text
        item = inbox[inbox.index(f'data-code="{a["code"]}"'):]
        return item[:item.index("</li>")]

    assert 'data-decision="deny_return"' in row_of("handler_d2")
    assert "data-decision=" not in row_of("handler_d1")
    assert "data-decision=" not in c.get(f"/staff/appeals/{a['id']}").text
    city.act("handler_d2", a["id"], "reply", claim="solved", text="已修复")
    city.act("dispatcher", a["id"], "reopen", reason="仍有塌陷")
    helping = row_of("handler_d1")
    assert 'data-decision="reopen"' in helping and "请配合主办单位重新办理" in helping
    assert "请重新办理后再答复" in row_of("handler_d2")


def test_a_follow_up_says_what_it_came_to_and_how_many_calls_reached_no_one(
        city: City) -> None:
    """回访: a call that reached no one is no follow-up done. The agent reads which attempt it
    was and that the third closes the appeal, the list and the form say how many failed so
    far; a reached one says whether it closed the appeal or sent it back to the unit. (The
    calls follow each other at once here: the least time between two failed calls is off.)"""
    rt = city.runtime
    rt.rules.settings = rt.settings.model_copy(update={"followup_retry_minutes": 0})
    rt.rules.invalidate()

    def replied() -> int:
        appeal_id = _signed(city)
        city.act("handler_d1", appeal_id, "reply", claim="solved", text="已修复")
        return appeal_id

    c = city.client
    token = _login(c, "followup")
    a = replied()

    def follow_up(appeal_id: int, **fields: str) -> str:
        r = c.post(f"/staff/appeals/{appeal_id}/follow_up", follow_redirects=True, data={
            "csrf_token": token, "back": "/staff/followup", "origin": "detail", **fields})
        assert r.status_code == 200 and r.url.path == "/staff/followup", r.text
        return r.text

    code = _api_code(city, a)
    page = follow_up(a, reached="no")
    assert f"未联系上（第 1 次，满 3 次按未联系上办结）：{code}" in page
    row = page[page.index(f'data-code="{code}"'):]
    assert "<dt>未联系上</dt><dd>1 次，最近 " in row[:row.index("</li>")]
    form = c.get(f"/staff/appeals/{a}").text
    assert "已 1 次未联系上，满 3 次按未联系上办结" in form
    # unhappy with no fault chosen goes back to the unit: the form says so beside the choice
    assert 'aria-describedby="follow_up-fault-hint"' in form
    assert "不选即为承办单位，诉求将转承办单位重办" in form
    assert "第 2 次" in follow_up(a, reached="no")
    assert f"第 3 次未联系上，已按未联系上办结：{code}" in follow_up(a, reached="no")
    assert f"已回访并办结：{_api_code(city, b := replied())}" in follow_up(
        b, reached="yes", resolved="yes", satisfaction="satisfied")
    assert f"已回访，转承办单位重办：{_api_code(city, d := replied())}" in follow_up(
        d, reached="yes", resolved="no", satisfaction="dissatisfied", fault="unit")
    # and in English
    e = replied()
    english = c.post(f"/staff/appeals/{e}/follow_up?lang=en", follow_redirects=True, data={
        "csrf_token": token, "back": "/staff/followup?lang=en", "reached": "no"}).text
    assert (f"Not reached (attempt 1; after 3 it is closed as not reached): "
            f"{_api_code(city, e)}") in english
    assert "none chosen means the unit" in c.get(f"/staff/appeals/{e}?lang=en").text


def _api_code(city: City, appeal_id: int) -> str:
    r = city.client.get(f"/api/v1/appeals/{appeal_id}", headers=city.headers("admin"))
    return str(r.json()["code"])


def _form_fields(html: str, action: str) -> dict[str, str]:
    """The hidden fields of the form posting to `action` on a page."""
    form = re.search(rf'<form method="post" action="{re.escape(action)}".*?</form>', html, re.S)
    assert form, html
    return dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', form.group(0)))


def test_a_stale_queue_row_cannot_merge_or_decide_what_another_dispatcher_changed(
        city: City) -> None:
    """Two dispatchers on one queue: one dispatches an appeal, the other, on the page as it
    was, merges it into another. The merge was taken (a dispatched appeal may be merged), and
    the unit just given it lost it. Every form of the queue and of the returns and extensions
    tabs now carries the row's version: the second dispatcher is told someone changed it."""
    c = city.client
    _login(c, "dispatcher")
    a, target = city.register(), city.register()
    queue = c.get("/staff/dispatch?tab=queue").text
    merge = _form_fields(queue, f"/staff/appeals/{a['id']}/merge")
    reject = _form_fields(queue, f"/staff/appeals/{a['id']}/reject")
    assert merge["version"] == reject["version"] == str(a["version"])
    city.act("dispatcher", a["id"], "dispatch", unit_code="D1")  # the other dispatcher
    r = c.post(f"/staff/appeals/{a['id']}/merge", data=merge | {"target_code": target["code"]})
    assert r.status_code == 200 and "该诉求已被其他人修改，请刷新后重试" in r.text
    assert _api_status(city, a["id"]) == "dispatched"
    # a return one dispatcher approved is not then denied by another's stale page
    city.act("handler_d1", a["id"], "sign")
    city.act("handler_d1", a["id"], "request_return", reason="不属于本单位职责")
    returns = c.get("/staff/dispatch?tab=returns").text
    deny = _form_fields(returns, f"/staff/appeals/{a['id']}/deny_return")
    assert _form_fields(returns, f"/staff/appeals/{a['id']}/approve_return")["version"] == \
        deny["version"]
    city.act("dispatcher", a["id"], "approve_return")
    r = c.post(f"/staff/appeals/{a['id']}/deny_return", data=deny | {"reason": "请继续办理"})
    assert "该诉求已被其他人修改，请刷新后重试" in r.text
    assert _api_status(city, a["id"]) == "registered"


def _api_status(city: City, appeal_id: int) -> str:
    r = city.client.get(f"/api/v1/appeals/{appeal_id}", headers=city.headers("admin"))
    return str(r.json()["status"])


def test_the_co_unit_list_says_it_takes_several(city: City) -> None:
    """协办单位 is a list that takes several units with Ctrl-click, which nothing said: a
    dispatcher picked one, or clicked a second and lost the first."""
    a = city.register()
    c = city.client
    _login(c, "dispatcher")
    page = c.get(f"/staff/appeals/{a['id']}?lang=zh").text
    assert re.search(r'<select id="dispatch-co_unit_ids" name="co_unit_ids"[^>]*multiple[^>]*'
                     r'aria-describedby="dispatch-co_unit_ids-hint"', page), page
    # a phone's browser shows a multiple select as a list to tick: no Ctrl there
    assert "选填，可多选（手机上直接勾选；电脑上按住 Ctrl 或 ⌘ 逐个点选）" in page
    assert "on a phone tick each; on a computer hold Ctrl or ⌘ and click each" in c.get(
        f"/staff/appeals/{a['id']}?lang=en").text


def test_the_lead_unit_takes_back_an_appeal_it_passed_down(city: City) -> None:
    """二次派单 refused the lead unit's own id, so a district (or street) that sent a case to
    the wrong unit below could not take it back (收回). Now its form offers itself, the
    timeline says from whom it was taken, and the unit below no longer has it."""
    appeal_id = _signed(city)
    before = city.client.get(f"/api/v1/appeals/{appeal_id}",
                             headers=city.headers("handler_d1")).json()
    city.act("handler_d1", appeal_id, "sub_dispatch", unit_code="D1S1")
    c = city.client
    token = _login(c, "handler_d1")
    page = c.get(f"/staff/appeals/{appeal_id}").text
    form = page[page.index('id="act-sub_dispatch"'):]
    form = form[:form.index("</details>")]
    assert f'<option value="{city.unit_ids["D1"]}" >东城区（收回，由主办单位办理）' in form
    assert f'<option value="{city.unit_ids["D1S1"]}"' not in form  # it has it already
    r = c.post(f"/staff/appeals/{appeal_id}/sub_dispatch",
               data={"csrf_token": token, "origin": "detail", "note": "派错了",
                     "unit_id": str(city.unit_ids["D1"])}, follow_redirects=False)
    assert r.status_code == 303, r.text
    page = c.get(f"/staff/appeals/{appeal_id}").text
    assert "从 东华门街道 收回，由主办单位 东城区 办理" in page
    after = city.client.get(f"/api/v1/appeals/{appeal_id}",
                            headers=city.headers("handler_d1")).json()
    assert after["handling_unit"]["id"] == city.unit_ids["D1"]
    assert after["deadlines"]["handle"] == before["deadlines"]["handle"]  # the clock runs on
    assert city.client.get(f"/api/v1/appeals/{appeal_id}",
                           headers=city.headers("handler_s1")).status_code in (403, 404)
    # passed on again through the API, to another unit below; then back once more
    city.act("handler_d1", appeal_id, "sub_dispatch", unit_code="D1S1C1")
    again = city.act("handler_d1", appeal_id, "sub_dispatch", unit_code="D1")
    assert again["handling_unit"]["id"] == city.unit_ids["D1"]
    refused = city.act("handler_d1", appeal_id, "sub_dispatch", unit_code="D1", expect=422)
    assert "无需收回" in refused["error"]["message"]


def test_a_district_above_the_lead_street_passes_the_appeal_below_that_street_only(
        city: City) -> None:
    """二次派单 checked the actor's subtree, not the lead unit's: the district above a lead
    street could give the appeal to another street of the district, and the street, still
    accountable for it, lost it. The page offers, and the API accepts, the lead street's
    subtree only (and the street itself, to take it back)."""
    from jiesu.services.admin import AdminService

    AdminService(city.runtime.db, city.runtime.rules).add_unit(
        "D1S2", "景山街道", parent_code="D1", group="street")
    a = city.register()
    city.act("dispatcher", a["id"], "dispatch", unit_code="D1S1")
    city.act("handler_s1", a["id"], "sign")
    refused = city.act("handler_d1", a["id"], "sub_dispatch", unit_code="D1S2", expect=422)
    assert refused["error"]["message"] == "二次派单只能派给主办单位的下级单位"
    c = city.client
    _login(c, "handler_d1")
    page = c.get(f"/staff/appeals/{a['id']}").text
    form = page[page.index('id="act-sub_dispatch"'):]
    form = form[:form.index("</details>")]
    assert "景山街道" not in form and "东城区" not in form
    assert f'<option value="{city.unit_ids["D1S1C1"]}"' in form
    passed = city.act("handler_d1", a["id"], "sub_dispatch", unit_code="D1S1C1")
    assert passed["handling_unit"]["id"] == city.unit_ids["D1S1C1"]


def test_a_refused_form_puts_the_focus_on_the_field_it_names(city: City) -> None:
    """A reply refused for its missing reason, or a follow-up for its missing 解决情况, put
    the focus on the form's first field (办理结果, 是否联系上): on a phone the keyboard or the
    picker opened on a field that was fine. The focus is on the field the refusal names."""
    appeal_id = _signed(city)
    c = city.client
    token = _login(c, "handler_d1")
    r = c.post(f"/staff/appeals/{appeal_id}/reply", data={
        "csrf_token": token, "origin": "detail", "claim": "cannot_solve", "text": "产权纠纷",
        "reason": ""})
    assert r.status_code == 422 and r.text.count("autofocus") == 1
    assert re.search(r'<input id="reply-reason"[^>]*autofocus', r.text), r.text[-3000:]
    r = c.post(f"/staff/appeals/{appeal_id}/reply", data={
        "csrf_token": token, "origin": "detail", "claim": "solved", "text": ""})
    assert re.search(r'<textarea id="reply-text"[^>]*autofocus', r.text)
    city.act("handler_d1", appeal_id, "reply", claim="solved", text="已修复")
    token = _login(c, "followup")
    r = c.post(f"/staff/appeals/{appeal_id}/follow_up", data={
        "csrf_token": token, "origin": "detail", "reached": "yes"})
    assert r.status_code == 422 and "请选择解决情况" in r.text
    assert re.search(r'<select id="follow_up-resolved"[^>]*autofocus', r.text)
    assert r.text.count("autofocus") == 1
