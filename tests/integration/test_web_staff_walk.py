"""One appeal's life as the staff live it, on the pages (SQLite and PostgreSQL): what each
person must see first, the deadline that is running, who had the appeal before, and messages
a person can act on."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from jiesu.jobs.sweeper import sweep_deadlines
from jiesu.runtime import Runtime
from jiesu.services.admin import AdminService
from jiesu.services.clock import utcnow
from tests.support.city import City
from tests.support.city import page_login as _login


def _codes(html: str) -> list[str]:
    """The appeal codes of a work list, top to bottom."""
    return re.findall(r'class="work-item[^"]*" data-code="(\d+)"', html)


def test_the_dispatch_queue_puts_emergencies_first(city: City) -> None:
    older = [city.register()["code"] for _ in range(3)]
    urgent = city.register(urgency="urgent")["code"]
    emergency = city.register(urgency="emergency", content="楼道里有很大的燃气味")["code"]
    _login(city.client, "dispatcher")
    codes = _codes(city.client.get("/staff/dispatch").text)
    # 特急, then 紧急, then the rest oldest first: not the newest call at the bottom
    assert codes == [emergency, urgent, *older], codes


def _api(city: City, appeal_id: int) -> dict[str, Any]:
    r = city.client.get(f"/api/v1/appeals/{appeal_id}", headers=city.headers("dispatcher"))
    assert r.status_code == 200, r.text
    return dict(r.json())


def _returned_then_late(city: City, runtime: Runtime) -> tuple[dict[str, Any], datetime]:
    """An appeal dispatched to 西城区, returned, dispatched to 东城区 and not signed in time;
    with its signing deadline in local time."""
    a = city.register()
    appeal_id = int(a["id"])
    city.act("dispatcher", appeal_id, "dispatch", unit_id=city.unit_ids["D2"])
    city.act("handler_d2", appeal_id, "request_return", reason="不属于本区管辖")
    city.act("dispatcher", appeal_id, "approve_return")
    city.act("dispatcher", appeal_id, "dispatch", unit_id=city.unit_ids["D1"])
    sign_due = datetime.fromisoformat(_api(city, appeal_id)["deadlines"]["sign"])
    sweep_deadlines(runtime, sign_due + timedelta(minutes=1))  # signing is late: red
    return a, sign_due.astimezone(ZoneInfo("Asia/Shanghai"))


def test_the_pages_show_the_clock_that_runs(city: City, runtime: Runtime) -> None:
    a, local = _returned_then_late(city, runtime)
    appeal_id = int(a["id"])
    c = city.client
    _login(c, "handler_d1")
    # the inbox row: the signing deadline, not the handling one two weeks later
    inbox = c.get("/staff/inbox").text
    row = inbox[inbox.index(f'data-code="{a["code"]}"'):]
    row = row[:row.index("</li>")]
    assert f'data-due="sign"><dt>签收时限</dt><dd>{local:%m-%d %H:%M}</dd>' in row, row
    page = c.get(f"/staff/appeals/{appeal_id}").text
    assert f'data-due="sign"><dt>签收时限</dt><dd>{local:%Y-%m-%d %H:%M}' in page
    assert 'data-due="return"' in page and 'data-due="handle"' in page
    # replied: the follow-up clock is the one that runs
    city.act("handler_d1", appeal_id, "sign")
    city.act("handler_d1", appeal_id, "reply", claim="solved", text="已修复")
    follow_due = datetime.fromisoformat(_api(city, appeal_id)["deadlines"]["follow_up"])
    page = c.get(f"/staff/appeals/{appeal_id}").text
    assert (f'data-due="follow_up"><dt>回访时限</dt>'
            f'<dd>{follow_due.astimezone(ZoneInfo("Asia/Shanghai")):%Y-%m-%d %H:%M}') in page
    assert 'data-due="sign"' not in page and 'data-due="return"' not in page


def test_the_follow_up_card_gives_its_deadline_once(city: City) -> None:
    """Each card of 回访队列 said 回访时限 twice: in its head, with the yellow/red mark, and
    again under the reply with the same time."""
    a = city.register()
    city.act("dispatcher", a["id"], "dispatch", unit_id=city.unit_ids["D1"])
    city.act("handler_d1", a["id"], "sign")
    city.act("handler_d1", a["id"], "reply", claim="solved", text="已修复")
    _login(city.client, "followup")
    page = city.client.get("/staff/followup").text
    card = page[page.index(f'data-code="{a["code"]}"'):]
    card = card[:card.index("</li>")]
    assert card.count("回访时限") == 1, card
    assert 'data-due="follow_up"><dt>回访时限</dt>' in card and "答复时间" in card


def test_the_timeline_names_who_had_it_and_which_clock_warned(city: City,
                                                             runtime: Runtime) -> None:
    a, local = _returned_then_late(city, runtime)
    _login(city.client, "dispatcher")
    page = city.client.get(f"/staff/appeals/{a['id']}").text
    timeline = page[page.index('class="timeline"'):]
    # the unit that returned it is named, not shown as its id
    assert "→ 西城区" in timeline and "退回单位：西城区" in timeline and "→ 东城区" in timeline
    assert f"→ {city.unit_ids['D2']}<" not in timeline
    # a warning says which clock, how late and when it was due
    assert f"签收 · 红色预警(超期) · 时限 {local:%Y-%m-%d %H:%M}" in timeline


def test_a_returned_appeal_says_so_in_the_dispatch_queue(city: City) -> None:
    a = city.register()
    fresh = city.register()
    city.act("dispatcher", a["id"], "dispatch", unit_id=city.unit_ids["D2"])
    city.act("handler_d2", a["id"], "request_return", reason="地址在东城区，不属于本区管辖")
    city.act("dispatcher", a["id"], "approve_return")
    _login(city.client, "dispatcher")
    queue = city.client.get("/staff/dispatch").text
    row = queue[queue.index(f'data-code="{a["code"]}"'):]
    row = row[:row.index("</li>")]
    assert "已退单 1 次 · 退单理由：地址在东城区，不属于本区管辖" in row, row
    other = queue[queue.index(f'data-code="{fresh["code"]}"'):]
    assert "data-returned" not in other[:other.index("</li>")]


def test_the_inbox_puts_what_waits_to_be_signed_first(city: City) -> None:
    started = city.register()
    city.act("dispatcher", started["id"], "dispatch", unit_id=city.unit_ids["D1"])
    city.act("handler_d1", started["id"], "sign")
    new = city.register()
    city.act("dispatcher", new["id"], "dispatch", unit_id=city.unit_ids["D1"])
    replied = city.register()
    city.act("dispatcher", replied["id"], "dispatch", unit_id=city.unit_ids["D1"])
    city.act("handler_d1", replied["id"], "sign")
    city.act("handler_d1", replied["id"], "reply", claim="solved", text="已修复")
    c = city.client
    _login(c, "handler_d1")
    inbox = c.get("/staff/inbox").text
    # the new one, with its one-working-day clock, is not below the ones already in hand
    assert _codes(inbox) == [new["code"], started["code"]]
    signing = inbox[inbox.index('data-list="sign"'):inbox.index('data-list="todo"')]
    assert new["code"] in signing and "签收</button>" in signing
    assert re.search(r"<h1>待办诉求 <small[^>]*>共 2 条", inbox)
    # the other tab is named for what it lists, in both languages
    done = c.get("/staff/inbox?tab=replied").text
    assert _codes(done) == [replied["code"]]
    assert re.search(r"<h1>已答复 <small[^>]*>共 1 条", done)
    english = c.get("/staff/inbox?tab=replied&lang=en").text
    assert re.search(r"<h1>Replied <small", english) and ">已答复<" not in english
    # one count, said once ("Total 1 items" read badly)
    assert re.search(r"<h1>Replied <small[^>]*>Total: 1</small>", english), english[:3000]
    c.get("/staff/inbox?lang=zh")


def test_what_waits_to_be_signed_is_listed_by_its_signing_deadline(city: City) -> None:
    """The 待签收 section shows each appeal's 签收时限 and is capped, so it lists the earliest
    to sign first: a complaint already late to sign (its handling deadline weeks away) heads a
    consultation signed by tomorrow (handled within two working days), not the other way."""
    from jiesu.store.tables import AppealRow

    late = city.register(kind="complaint")
    city.act("dispatcher", late["id"], "dispatch", unit_id=city.unit_ids["D1"])
    soon = city.register(kind="consult", content="请问社区卫生服务中心周末开门吗")
    city.act("dispatcher", soon["id"], "dispatch", unit_id=city.unit_ids["D1"])
    with city.runtime.db.uow() as uow:
        row = uow.session.get(AppealRow, late["id"])
        assert row is not None
        row.sign_due_at = utcnow() - timedelta(hours=3)  # dispatched days ago, not signed
        uow.commit()
    _login(city.client, "handler_d1")
    inbox = city.client.get("/staff/inbox").text
    assert _codes(inbox) == [late["code"], soon["code"]]


def test_a_rectification_of_an_appeal_without_a_title_shows_its_text(city: City) -> None:
    phone = "13911112222"
    a = city.register(content="东湖社区3号楼门口的路灯坏了两个星期，晚上很黑", title="",
                      requester_phone=phone)
    city.act("dispatcher", a["id"], "dispatch", unit_id=city.unit_ids["D1"])
    city.act("handler_d1", a["id"], "sign")
    city.act("handler_d1", a["id"], "reply", text="已修复", claim="solved")
    city.act("followup", a["id"], "follow_up", reached=True, resolved="yes",
             satisfaction="satisfied")
    r = city.client.post("/api/v1/feedback/ratings", json={
        "appeal_code": a["code"], "phone": phone, "stars": 1})
    assert r.status_code == 201, r.text
    _login(city.client, "handler_d1")
    for tab in ("rect", "ratings"):
        page = city.client.get(f"/staff/rectifications?tab={tab}").text
        assert '<p class="row-text">东湖社区3号楼门口的路灯坏了两个星期，晚上很黑</p>' in page, tab


def test_the_operator_cannot_save_a_number_nobody_can_call_back(city: City) -> None:
    token = _login(city.client, "operator")
    form = {"csrf_token": token, "kind": "complaint", "urgency": "normal",
            "requester_name": "张先生", "content": "小区门口的路灯坏了两个星期",
            "address": "东城区东华门街道"}
    r = city.client.post("/staff/operator", data=form | {"requester_phone": "abc"},
                         follow_redirects=False)
    assert r.status_code == 422 and "来电号码应为 7–20 位数字" in r.text
    assert ">小区门口的路灯坏了两个星期</textarea>" in r.text  # what was typed is kept
    rows = city.client.get("/api/v1/appeals", headers=city.headers("dispatcher")).json()
    assert rows["total"] == 0, rows
    for phone in ("", "010-6512 3456", "13800138000"):  # anonymous, landline, mobile
        r = city.client.post("/staff/operator", data=form | {"requester_phone": phone},
                             follow_redirects=False)
        assert r.status_code == 303, (phone, r.text[:300])


def _dispatch_form(page: str) -> str:
    start = page.index('data-action="dispatch"')
    return page[start:page.index("</form>", start)]


def test_the_dispatcher_corrects_category_and_urgency_on_the_appeal_page(city: City) -> None:
    a = city.register(category=None)
    appeal_id = int(a["id"])
    token = _login(city.client, "dispatcher")
    # the queue row leads to the form that has them
    queue = city.client.get("/staff/dispatch").text
    assert re.search(rf'href="/staff/appeals/{appeal_id}\?back=[^"]+#act-dispatch" data-correct',
                     queue)
    form = _dispatch_form(city.client.get(f"/staff/appeals/{appeal_id}").text)
    # every leaf is offered; the appeal's own urgency is the one picked
    road = re.search(r'<option value="([^"]+)" >([^<]*道路)</option>', form)
    assert road, form
    assert re.search(r'<option value="normal" selected>', form), form
    base = {"csrf_token": token, "origin": "detail", "back": "/staff/dispatch",
            "version": str(_api(city, appeal_id)["version"]),
            "unit_id": str(city.unit_ids["D1"]), "urgency": "urgent"}
    # an unknown category is refused with what was typed kept, and nothing changes
    r = city.client.post(f"/staff/appeals/{appeal_id}/dispatch",
                         data={**base, "category": "no-such"}, follow_redirects=False)
    assert r.status_code == 422 and "事项分类 no-such 不存在" in r.text
    assert re.search(r'<option value="urgent" selected>', _dispatch_form(r.text))
    assert _api(city, appeal_id)["status"] == "registered"
    r = city.client.post(f"/staff/appeals/{appeal_id}/dispatch",
                         data={**base, "category": road.group(1)}, follow_redirects=False)
    assert r.status_code == 303, r.text
    after = _api(city, appeal_id)
    assert (after["status"], after["category"], after["urgency"]) == (
        "dispatched", road.group(1), "urgent")
    timeline = city.client.get(f"/staff/appeals/{appeal_id}").text
    timeline = timeline[timeline.index('class="timeline"'):]
    assert f"事项分类：{road.group(2)}" in timeline
    assert "紧急程度：一般 → 紧急" in timeline, timeline


def test_the_extension_field_allows_what_the_rule_allows(city: City) -> None:
    a = city.register()
    city.act("dispatcher", a["id"], "dispatch", unit_code="D1")
    city.act("handler_d1", a["id"], "sign")
    _login(city.client, "handler_d1")

    def field() -> str:
        page = city.client.get(f"/staff/appeals/{a['id']}").text
        start = page.index('id="request_extension-days"')
        return page[start:page.index("</small>", start)]

    assert 'max="10"' in field() and "最多 10 个工作日" in field()
    # the administrator allows 45: the form no longer stops at 30 (its old fixed limit)
    AdminService(city.runtime.db, city.runtime.rules).set_rule_settings(
        {"max_extension_days": "45"}, utcnow())
    assert 'max="45"' in field() and "最多 45 个工作日" in field()
    city.act("handler_d1", a["id"], "request_extension", days=40, reason="需跨部门协调")
    page = city.client.get(f"/staff/appeals/{a['id']}").text
    assert "待审核的延期申请：40 个工作日 · 需跨部门协调" in page
    # one request, in the singular (the queue's tab 延期申请 is "Extension requests")
    assert "Extension request waiting for review: 40 working day" in city.client.get(
        f"/staff/appeals/{a['id']}?lang=en").text


def test_a_reply_sent_back_is_shown_as_the_last_one(city: City) -> None:
    a = city.register()
    city.act("dispatcher", a["id"], "dispatch", unit_code="D1")
    city.act("handler_d1", a["id"], "sign")
    city.act("handler_d1", a["id"], "reply", claim="solved", text="已派人修好")
    _login(city.client, "handler_d1")
    assert '<h2 data-reply>答复</h2>' in city.client.get(f"/staff/appeals/{a['id']}").text
    city.act("dispatcher", a["id"], "send_back", note="答复与现场不符")
    page = city.client.get(f"/staff/appeals/{a['id']}").text
    # back in work: the old reply is not the appeal's answer any more
    assert '<h2 data-reply>上次答复（已退回重办）</h2>' in page


def _timeline(page: str) -> str:
    return page[page.index('class="timeline"'):]


def test_a_denial_says_why_to_the_unit_on_its_inbox_and_appeal_page(city: City) -> None:
    """The dispatcher denies a return and an extension from the lists: without a reason the
    denial is refused and the request still waits; with one, the handler's inbox row and
    appeal page say what was refused and why, and so does the timeline."""
    a = city.register(title="多福巷路灯不亮")
    appeal_id = int(a["id"])
    city.act("dispatcher", appeal_id, "dispatch", unit_code="D1")
    city.act("handler_d1", appeal_id, "sign")
    city.act("handler_d1", appeal_id, "request_return", reason="不属于本区管辖")
    token = _login(city.client, "dispatcher")
    returns = city.client.get("/staff/dispatch?tab=returns").text
    form = returns[returns.index('data-confirm="deny_return"'):]
    assert 'name="reason"' in form[:form.index("</form>")] and "required" in form
    post = {"csrf_token": token, "back": "/staff/dispatch?tab=returns"}
    r = city.client.post(f"/staff/appeals/{appeal_id}/deny_return", data=post | {"reason": " "})
    assert "请填写驳回理由" in r.text
    assert _api(city, appeal_id)["return_pending"] is True
    r = city.client.post(f"/staff/appeals/{appeal_id}/deny_return",
                         data=post | {"reason": "路灯归东城区管理，请继续办理"})
    assert "已驳回退单(强制派单)：" in r.text and _api(city, appeal_id)["return_pending"] is False
    city.act("handler_d1", appeal_id, "request_extension", days=5, reason="需协调供电公司")
    r = city.client.post(f"/staff/appeals/{appeal_id}/deny_extension",
                         data=post | {"back": "/staff/dispatch?tab=extensions",
                                      "reason": "一周内可修复"})
    assert r.status_code == 200 and _api(city, appeal_id)["extension_pending_days"] is None

    _login(city.client, "handler_d1")
    inbox = city.client.get("/staff/inbox").text
    row = inbox[inbox.index(f'data-code="{a["code"]}"'):]
    row = row[:row.index("</li>")]
    assert "退单申请未获同意" in row and "驳回理由：路灯归东城区管理，请继续办理" in row
    assert "延期申请未获同意" in row and "驳回理由：一周内可修复" in row
    page = city.client.get(f"/staff/appeals/{appeal_id}").text
    head = page[:page.index('class="timeline"')]
    assert re.search(r'data-decision="deny_extension">.*驳回理由：一周内可修复', head)
    timeline = _timeline(page)
    assert "data-decision-reason>驳回理由：路灯归东城区管理，请继续办理" in timeline
    assert "data-decision-reason>驳回理由：一周内可修复" in timeline
    # asking again answers the earlier denial: only the new request is news now
    city.act("handler_d1", appeal_id, "request_extension", days=2, reason="材料到货需两天")
    page = city.client.get(f"/staff/appeals/{appeal_id}").text
    assert 'data-decision="deny_extension"' not in page and 'data-decision="deny_return"' in page
    # a reply answers them all; sent back, the unit reads why
    city.act("dispatcher", appeal_id, "approve_extension")
    city.act("handler_d1", appeal_id, "reply", claim="solved", text="已修复")
    city.act("dispatcher", appeal_id, "send_back", note="现场仍不亮")
    page = city.client.get(f"/staff/appeals/{appeal_id}").text
    assert re.findall(r'data-decision="(\w+)"', page) == ["send_back"]
    assert "退回意见：现场仍不亮" in page[:page.index('class="timeline"')]
    assert "data-decision-reason>退回意见：现场仍不亮" in _timeline(page)


def test_an_old_denial_without_a_reason_and_a_rejection_read_well(city: City) -> None:
    """Events written before a denial needed a reason still show (without one); a rejection
    names its reason as the requester reads it, not its code."""
    from jiesu.domain.events import DomainEvent

    a = city.register()
    appeal_id = int(a["id"])
    city.act("dispatcher", appeal_id, "dispatch", unit_code="D1")
    city.act("handler_d1", appeal_id, "request_return", reason="不属于本区管辖")
    now = utcnow()
    with city.runtime.db.uow() as uow:
        appeal, row = uow.appeals.get(appeal_id)
        appeal.return_pending = False
        uow.appeals.save(appeal, row, [DomainEvent(
            "deny_return", now, None, "dispatcher",
            {"from": "dispatched", "to": "dispatched", "note": None, "forced": True})], now=now)
        uow.commit()
    _login(city.client, "handler_d1")
    page = city.client.get(f"/staff/appeals/{appeal_id}").text
    said = r'data-decision="deny_return"><strong>退单申请未获同意</strong> · 请继续办理 <small'
    assert re.search(said, page), page[:3000]
    assert "data-decision-reason" not in _timeline(page)
    b = city.register()
    city.act("dispatcher", b["id"], "reject", reason="litigation")
    _login(city.client, "dispatcher")
    timeline = _timeline(city.client.get(f"/staff/appeals/{b['id']}").text)
    assert "data-reject-reason>理由：诉讼</p>" in timeline and "litigation" not in timeline


def test_fewer_days_granted_say_why_on_the_dispatcher_tab_inbox_and_timeline(
        city: City) -> None:
    """延期申请 tab: 部分批准… takes the days and a required reason. Refused without one (the
    request still waits); with one the unit's inbox row and appeal page say how many days were
    asked and granted and why, and so does the timeline. The appeal page's 同意延期 form asks
    for the reason too, with the days asked filled in."""
    a = city.register(title="多福巷路灯不亮")
    appeal_id = int(a["id"])
    city.act("dispatcher", appeal_id, "dispatch", unit_code="D1")
    city.act("handler_d1", appeal_id, "sign")
    city.act("handler_d1", appeal_id, "request_extension", days=5, reason="需协调供电公司")
    token = _login(city.client, "dispatcher")
    tab = city.client.get("/staff/dispatch?tab=extensions").text
    form = tab[tab.index('data-confirm="partial_extension"'):]
    form = form[:form.index("</form>")]
    assert 'name="days"' in form and 'max="4"' in form
    assert re.search(r'<textarea[^>]*name="reason"[^>]*required', form)
    page = city.client.get(f"/staff/appeals/{appeal_id}").text
    approve = page[page.index('data-action="approve_extension"'):]
    approve = approve[:approve.index("</form>")]
    assert 'name="days"' in approve and 'max="5" value="5"' in approve
    assert "申请 5 个工作日" in approve
    assert "部分批准理由" in approve and "批准天数少于申请天数时必填" in approve
    post = {"csrf_token": token, "back": "/staff/dispatch?tab=extensions", "days": "2"}
    r = city.client.post(f"/staff/appeals/{appeal_id}/approve_extension",
                         data=post | {"reason": " "})
    assert "请填写部分批准理由" in r.text and _api(city, appeal_id)["extension_pending_days"] == 5
    r = city.client.post(f"/staff/appeals/{appeal_id}/approve_extension",
                         data=post | {"reason": "材料两天内到货"})
    assert r.status_code == 200 and _api(city, appeal_id)["extension_pending_days"] is None

    _login(city.client, "handler_d1")
    inbox = city.client.get("/staff/inbox").text
    row = inbox[inbox.index(f'data-code="{a["code"]}"'):]
    row = row[:row.index("</li>")]
    assert re.search(r'data-decision="approve_extension"><strong>延期申请部分批准</strong> · '
                     r"申请 5 个工作日，批准 2 个工作日 · 请在新的办理时限内办结<br>"
                     r"部分批准理由：材料两天内到货", row), row
    page = city.client.get(f"/staff/appeals/{appeal_id}").text
    assert "部分批准理由：材料两天内到货" in page[:page.index('class="timeline"')]
    timeline = _timeline(page)
    assert "data-decision-reason>部分批准理由：材料两天内到货" in timeline
    assert "data-extension-days>申请 5 个工作日，批准 2 个工作日 · " in timeline
    english = city.client.get(f"/staff/appeals/{appeal_id}?lang=en").text
    assert "The extension was partly approved" in english
    assert "5 working days asked, 2 granted" in english
    assert "Why fewer days are granted: 材料两天内到货" in english
    # the full days, with words typed anyway: kept on the timeline as a note, not as a reason
    # for fewer days, and no standing decision for the unit
    city.act("handler_d1", appeal_id, "request_extension", days=1, reason="验收")
    city.act("admin", appeal_id, "approve_extension", reason="同意，请抓紧")
    page = city.client.get(f"/staff/appeals/{appeal_id}").text
    timeline = _timeline(page)
    assert '<p class="step-text">同意，请抓紧</p>' in timeline
    assert "部分批准理由：同意，请抓紧" not in page


def test_a_reopened_appeal_says_why_on_the_units_inbox_and_timeline(city: City) -> None:
    """重办 puts the appeal back in the unit's hands: its inbox row says so with the reason
    until it replies again, and the timeline labels the reason."""
    a = city.register()
    appeal_id = int(a["id"])
    city.act("dispatcher", appeal_id, "dispatch", unit_code="D1")
    city.act("handler_d1", appeal_id, "sign")
    city.act("handler_d1", appeal_id, "reply", claim="solved", text="已修复")
    city.act("dispatcher", appeal_id, "reopen", reason="现场核实路灯仍不亮")
    _login(city.client, "handler_d1")
    inbox = city.client.get("/staff/inbox").text
    row = inbox[inbox.index(f'data-code="{a["code"]}"'):]
    row = row[:row.index("</li>")]
    assert re.search(r'data-decision="reopen"><strong>已转重办</strong> · 请重新办理后再答复'
                     r"<br>重办理由：现场核实路灯仍不亮", row), row
    page = city.client.get(f"/staff/appeals/{appeal_id}").text
    assert "data-decision-reason>重办理由：现场核实路灯仍不亮" in _timeline(page)
    city.act("handler_d1", appeal_id, "reply", claim="solved", text="已更换灯杆")
    assert 'data-decision="reopen"' not in city.client.get(f"/staff/appeals/{appeal_id}").text
