"""Hotspots (热点预警) through the API and the pages (SQLite and PostgreSQL): a cluster of
similar appeals in one area is listed with its figures, a leader turns it into a governance
task dispatched to a unit, and the task never feeds a hotspot itself."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from sqlalchemy import select, update

from jiesu.domain.appeal import Actor
from jiesu.services.appeals import NewAppeal
from jiesu.services.clock import utcnow
from jiesu.store.tables import AppealRow
from tests.integration.test_web_pages import _login, _token
from tests.support.city import UNITS, City

API = "/api/v1/stats/hotspots"
GAZETTEER = (
    "code,name,level,parent_code,aliases\n"
    "D1,东城区,district,,东城\n"
    "D1S1,东华门街道,street,D1,东华门\n"
    "D2,西城区,district,,西城\n"
    "D2S1,西长安街街道,street,D2,西长安街\n"
)
HERE = "东城区东华门街道阳光小区"
# (phone, text, days ago); the first phone calls twice, written differently
CLUSTER = [
    ("13900000001", "阳光小区停水三天了，一直没有来水，生活很不方便", 5),
    ("13900000002", "阳光小区又停水了，已经三天没水，请尽快恢复供水", 2),
    ("13900000003", "阳光小区停水，家里老人做饭都没水，希望尽快来水", 1),
    ("13900000004", "阳光小区3号楼停水好几天了，没有任何通知，何时来水", 0),
    ("139 0000 0001", "阳光小区还在停水，第三次反映了，到现在还没有来水", 0),
]


def build(city: City) -> dict[str, Any]:
    """The cluster in 东华门街道 and appeals that must stay out of it."""
    r = city.client.put("/api/v1/admin/intake/gazetteer", content=GAZETTEER.encode(),
                        headers={**city.headers("admin"), "Content-Type": "text/csv"})
    assert r.status_code == 200, r.text
    members = [city.register(content=text, requester_phone=phone, address=f"{HERE}{i}号楼")
               for i, (phone, text, _) in enumerate(CLUSTER)]
    others = [
        # the same street, another problem
        city.register(content="东华门街道路口的路灯不亮，晚上很黑", address="东城区东华门街道",
                      requester_phone="13700000001"),
        city.register(content="东华门街道早市噪音太大，凌晨就开始吵", address="东城区东华门街道",
                      requester_phone="13700000002"),
        # the same problem in another district: too few there to be a hotspot
        city.register(content="阳光小区停水两天了，一直没有来水", address="西城区西长安街街道",
                      requester_phone="13700000003"),
        city.register(content="阳光小区停水，请尽快恢复供水", address="西城区西长安街街道",
                      requester_phone="13700000004"),
    ]
    now = utcnow()
    with city.runtime.db.uow() as uow:
        for appeal, (_, _, days) in zip(members, CLUSTER, strict=True):
            uow.session.execute(update(AppealRow).where(AppealRow.id == appeal["id"])
                                .values(created_at=now - timedelta(days=days, hours=1)))
        uow.session.execute(update(AppealRow).where(AppealRow.id == members[1]["id"])
                            .values(reopened_count=1))
        uow.commit()
    return {"members": members, "others": others}


def listed(city: City, username: str = "analyst") -> list[dict[str, Any]]:
    r = city.client.get(API, headers=city.headers(username))
    assert r.status_code == 200, r.text
    return list(r.json())


def test_the_cluster_is_listed_with_its_figures_and_nothing_else(city: City) -> None:
    built = build(city)
    members = built["members"]
    [hot] = listed(city)
    assert hot["key"] == f"h{min(m['id'] for m in members)}"
    assert [a["id"] for a in hot["appeals"]] == [m["id"] for m in reversed(members)]
    assert {a["code"] for a in hot["appeals"]} == {m["code"] for m in members}
    assert hot["area_unit_id"] == city.unit_ids["D1S1"] and hot["area_name"] == "东华门街道"
    assert (hot["volume"], hot["requesters"], hot["dissatisfied"]) == (5, 4, 1)
    assert (hot["earlier"], hot["recent"], hot["growth"]) == (1, 4, 3.0)
    assert hot["heat"] > 0 and "阳光小区" in hot["label"] and hot["terms"]
    assert hot["kind"] == "complaint" and hot["task"] is None
    # every role that reads reports sees it; a handler does not
    for username in ("supervisor", "admin", "dispatcher"):
        assert [h["key"] for h in listed(city, username)] == [hot["key"]]
    r = city.client.get(API, headers=city.headers("handler_d1"))
    assert r.status_code == 403 and r.json()["error"]["code"] == "permission_denied"
    assert city.client.get(API).status_code == 401


def test_a_leader_turns_the_hotspot_into_a_dispatched_governance_task(city: City) -> None:
    built = build(city)
    [hot] = listed(city)
    key, unit = hot["key"], city.unit_ids["D1S1"]
    c = city.client
    # only leaders, supervisors and admins; a bad unit, a long note and a stale key say why
    for username in ("handler_d1", "dispatcher", "operator"):
        r = c.post(f"{API}/{key}/task", json={"unit_id": unit}, headers=city.headers(username))
        assert r.status_code == 403, (username, r.text)
    r = c.post(f"{API}/{key}/task", json={"unit_id": 99999}, headers=city.headers("analyst"))
    assert r.status_code == 422 and "99999" in r.json()["error"]["message"]
    r = c.post(f"{API}/{key}/task", json={"unit_id": unit, "note": "x" * 501},
               headers=city.headers("analyst"))
    assert r.status_code == 422
    # the page's form, which calls the note 交办意见, said 备注不能超过 500 字
    _login(c, "analyst")
    r = c.post(f"/staff/hotspots/{key}/task", data={
        "csrf_token": _token(c, "/staff/hotspots"), "unit_id": str(unit), "note": "请" * 501})
    assert "交办意见不能超过 500 字" in r.text and listed(city)[0]["task"] is None
    r = c.post(f"{API}/h999999/task", json={"unit_id": unit}, headers=city.headers("analyst"))
    assert r.status_code == 404 and r.json()["error"]["message"] == "热点已变化，请刷新后重试"

    r = c.post(f"{API}/{key}/task", json={"unit_id": unit, "note": "请街道牵头，三日内恢复供水"},
               headers=city.headers("analyst"))
    assert r.status_code == 201, r.text
    task = r.json()
    assert task["key"] == key and task["unit_id"] == unit
    appeal = c.get(f"/api/v1/appeals/{task['id']}", headers=city.headers("dispatcher")).json()
    assert appeal["code"] == task["code"] and appeal["status"] == "dispatched"
    assert appeal["channel"] == "supervisor" and appeal["lead_unit"]["id"] == unit
    assert appeal["kind"] == "complaint" and appeal["title"].startswith("热点治理：")
    assert all(m["code"] in appeal["content"] for m in built["members"])
    assert "请街道牵头，三日内恢复供水" in appeal["content"]
    with city.runtime.db.uow(write=False) as uow:
        row = uow.session.scalars(select(AppealRow).where(AppealRow.id == task["id"])).one()
        assert row.extra["hotspot"]["key"] == key
        assert sorted(row.extra["hotspot"]["appeal_ids"]) == sorted(
            m["id"] for m in built["members"])
        assert row.area_unit_id == unit  # the hotspot's area
        assert row.requester_name  # the leader who asked: whom the follow-up reports to
        assert row.requester_phone is None
        assert row.confidential  # internal: never on the public board or in open data
    assert task["code"] not in c.get("/board").text
    [dispatch] = [e for e in appeal["events"] if e["type"] == "dispatch"]
    assert dispatch["actor_role"] == "system" and "交办人" in dispatch["data"]["note"]

    # the list names the task; a second request is refused with its code
    assert listed(city)[0]["task"]["code"] == task["code"]
    r = c.post(f"{API}/{key}/task", json={"unit_id": unit}, headers=city.headers("supervisor"))
    assert r.status_code == 409 and task["code"] in r.json()["error"]["message"]

    # the task never joins the hotspot, nor does a new appeal's arrival change its key
    city.register(content="阳光小区停水第四天了，还是没有来水", address=f"{HERE}9号楼",
                  requester_phone="13900000009")
    city.runtime.hotspots.forget()
    [again] = listed(city)
    assert again["key"] == key and again["volume"] == 6
    assert task["id"] not in [a["id"] for a in again["appeals"]]
    assert again["task"]["code"] == task["code"]


def test_a_replied_governance_task_is_a_follow_up_with_no_phone_naming_the_leader(
        city: City) -> None:
    """The task has no requester phone: its 回访 says 无联系电话, names the leader who asked
    (to be asked another way), and records 无法回访 in one step."""
    build(city)
    [hot] = listed(city)
    r = city.client.post(f"{API}/{hot['key']}/task", json={"unit_id": city.unit_ids["D1S1"]},
                         headers=city.headers("analyst"))
    assert r.status_code == 201, r.text
    task = r.json()
    city.act("handler_d1", task["id"], "sign")
    city.act("handler_d1", task["id"], "reply", text="已协调恢复供水", claim="solved")
    with city.runtime.db.uow(write=False) as uow:
        leader = uow.session.get(AppealRow, task["id"]).requester_name
    assert leader
    _login(city.client, "followup")
    html = city.client.get("/staff/followup").text
    row = re.search(rf'data-code="{task["code"]}".*?</li>', html, re.S)
    assert row, html
    assert "无联系电话" in row.group(0) and f"<dd>{leader}</dd>" in row.group(0)
    r = city.client.post(f"/staff/appeals/{task['id']}/follow_up", data={
        "csrf_token": _token(city.client, "/staff/followup"), "reached": "no",
        "back": "/staff/followup"})
    assert f"无联系电话，已按无法回访办结：{task['code']}" in r.text
    with city.runtime.db.uow(write=False) as uow:
        done = uow.session.get(AppealRow, task["id"])
        assert (done.status, done.followup_reached) == ("closed", False)


def test_governance_tasks_never_form_a_hotspot_but_other_supervisor_appeals_do(
        city: City) -> None:
    texts = ["光明路井盖丢失，行人容易掉进去", "光明路的井盖丢了，晚上很危险",
             "光明路井盖缺失好几天了，请尽快补上"]

    def assigned(text: str, extra: dict[str, Any]) -> int:  # 上级交办
        return city.runtime.appeals.register(
            Actor.system(), NewAppeal(kind="complaint", content=text, channel="supervisor",
                                      extra=extra), utcnow()).appeal_id

    for i, text in enumerate(texts):
        assigned(text, {"hotspot": {"key": f"h{9000 + i}", "appeal_ids": [], "by": None}})
    assert listed(city) == []
    ordinary = [assigned(text, {}) for text in texts]
    city.runtime.hotspots.forget()
    [hot] = listed(city)
    assert sorted(a["id"] for a in hot["appeals"]) == ordinary


def test_praise_never_forms_a_hotspot(city: City) -> None:
    """表扬 is not a problem to govern: five thanks for one care station are no 热点预警 to
    turn into a governance task (the demo city listed one)."""
    r = city.client.put("/api/v1/admin/intake/gazetteer", content=GAZETTEER.encode(),
                        headers={**city.headers("admin"), "Content-Type": "text/csv"})
    assert r.status_code == 200, r.text
    for i in range(5):
        city.register(kind="praise", content="幸福家园养老驿站工作人员照顾老人非常细心，特此表扬",
                      address=f"{HERE}{i}号楼", requester_phone=f"1390000010{i}")
    assert listed(city) == []


def _page_text(html: str) -> str:
    main = re.search(r"<main.*?</main>", html, re.S)
    assert main
    return main.group(0)


def test_the_page_shows_cards_and_the_form_to_those_who_may_act(city: City) -> None:
    built = build(city)
    c = city.client
    _login(c, "analyst")
    page = c.get("/staff/hotspots")
    assert page.status_code == 200
    [hot] = listed(city)
    key = hot["key"]
    assert f'data-key="{key}"' in page.text and "热点预警" in page.text
    assert "东城区 › 东华门街道" in page.text  # the area below the city
    links = re.findall(r'href="/staff/appeals/(\d+)\?', _page_text(page.text))
    assert len(links) == 5 and set(map(int, links)) <= {m["id"] for m in built["members"]}
    form = re.search(rf'<form method="post" action="/staff/hotspots/{key}/task".*?</form>',
                     page.text, re.S)
    assert form and 'name="csrf_token"' in form.group(0)
    assert f'value="{city.unit_ids["D1S1"]}" selected' in form.group(0)  # the area's unit
    # the form offers the units near the area (its communities); the whole list, another
    # district's streets too, is fetched once for every form to copy (jiesu.js)
    assert f'<option value="{city.unit_ids["D1S1C1"]}">' in form.group(0)
    far = f'<option value="{city.unit_ids["D2S1"]}">'
    assert far not in page.text
    assert 'data-unit-options="/staff/units/options.html"' in form.group(0)
    assert far in c.get("/staff/units/options.html").text
    for field_id in re.findall(r'<(?:select|textarea) id="([^"]+)"', form.group(0)):
        assert f'<label for="{field_id}">' in form.group(0)
    # the dashboard's card links here
    dashboard = c.get("/staff/dashboard").text
    assert f'href="/staff/hotspots#{key}"' in dashboard and 'href="/staff/hotspots"' in dashboard

    # without the token nothing happens; with it the task is made and linked from the card
    r = c.post(f"/staff/hotspots/{key}/task", data={"unit_id": str(city.unit_ids["D1S1"])})
    assert r.status_code == 403
    token = _token(c, "/staff/hotspots")
    r = c.post(f"/staff/hotspots/{key}/task", data={"csrf_token": token, "unit_id": "²"},
               follow_redirects=False)
    assert r.status_code == 303
    assert "请指定主办单位" in c.get("/staff/hotspots").text
    r = c.post(f"/staff/hotspots/{key}/task",
               data={"csrf_token": token, "unit_id": str(city.unit_ids["D1S1"]),
                     "note": "请街道牵头"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/staff/hotspots"
    page = c.get("/staff/hotspots").text
    code = listed(city)[0]["task"]["code"]
    assert f"已转为治理任务：{code}" in page and "data-task" in page
    assert f'action="/staff/hotspots/{key}/task"' not in page
    r = c.post(f"/staff/hotspots/{key}/task",
               data={"csrf_token": token, "unit_id": str(city.unit_ids["D1S1"])})
    assert f"该热点已转为治理任务 {code}" in r.text

    # the task's own page says who asked for it
    task_page = c.get(f"/staff/appeals/{listed(city)[0]['task']['id']}").text
    assert "热点预警转为治理任务，交办人" in task_page


def test_without_script_a_task_form_links_to_the_whole_unit_list(city: City) -> None:
    """A task form offers the units near its area; without JavaScript (or when the whole list
    cannot be fetched) its 显示全部单位… link, the appeal page's, opens the page with every
    unit in that form, the proposed one still chosen."""
    from html import unescape

    build(city)
    c = city.client
    _login(c, "analyst")
    [hot] = listed(city)
    key = hot["key"]

    def task_form(html: str) -> str:
        form = re.search(rf'<form method="post" action="/staff/hotspots/{key}/task".*?</form>',
                         html, re.S)
        assert form
        return form.group(0)

    form = task_form(c.get("/staff/hotspots").text)
    link = re.search(r'<noscript data-units-link><a class="small" href="([^"]+)" '
                     r'data-all-units>显示全部单位…</a></noscript>', form)
    assert link
    url = unescape(link.group(1))
    assert url == f"/staff/hotspots?units={key}#{key}"
    whole = task_form(c.get(url.split("#")[0]).text)
    assert "data-unit-options" not in whole and "data-units-link" not in whole
    listed_ids = [v for v in re.findall(r'<option value="([^"]*)"', whole) if v]
    assert listed_ids == [v for v in re.findall(
        r'<option value="([^"]*)"', c.get("/staff/units/options.html").text) if v]
    assert len(listed_ids) == len(UNITS)
    assert f'value="{city.unit_ids["D1S1"]}" selected' in whole
    assert "Show every unit" in task_form(c.get("/staff/hotspots?lang=en").text)


def test_dispatchers_read_the_page_without_the_form_and_handlers_cannot(city: City) -> None:
    build(city)
    c = city.client
    _login(c, "dispatcher")
    page = c.get("/staff/hotspots")
    assert page.status_code == 200 and "data-key=" in page.text
    assert "/task" not in page.text and "转为治理任务" not in page.text
    assert 'href="/staff/hotspots"' in page.text  # NAV
    r = c.post("/staff/hotspots/h1/task", data={"csrf_token": _token(c, "/staff/hotspots"),
                                                 "unit_id": "1"})
    assert r.status_code == 403
    c.post("/logout", data={"csrf_token": _token(c, "/staff/hotspots")})
    _login(c, "handler_d1")
    assert c.get("/staff/hotspots").status_code == 403


def test_the_english_page_has_no_chinese_of_its_own(city: City) -> None:
    build(city)
    c = city.client
    _login(c, "analyst")
    html = _page_text(c.get("/staff/hotspots?lang=en").text)
    assert "Hotspots" in html and "Make a governance task" in html and "Heat" in html
    [hot] = listed(city)
    # what people wrote and the city's names stay as they are; nothing else is Chinese
    for data in [hot["label"], *hot["terms"], "东城区 › 东华门街道", *(u[1] for u in UNITS)]:
        html = html.replace(data, "")
    leftover = re.findall(r"[^\x00-\u2fff\s]+", re.sub(r"<[^>]+>", " ", html))
    assert not [w for w in leftover if re.search(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]", w)]


def test_the_periodic_jobs_refresh_hotspots_only_while_someone_looks(
        city: City, monkeypatch: Any) -> None:
    from jiesu.jobs.sweeper import run_all

    city.runtime.settings.hotspot_alert_people = 0  # its texts need hotspots every 15 minutes
    service = city.runtime.hotspots
    computed: list[Any] = []
    monkeypatch.setattr(service, "_compute", lambda now: computed.append(now) or [])
    now = utcnow()
    assert run_all(city.runtime, now).hotspots_refreshed is False  # nobody has looked
    assert computed == []
    service.current(now)  # a leader opens the page
    assert computed == [now]
    assert service.refresh(now + timedelta(minutes=1)) is False  # still fresh
    ahead = now + timedelta(minutes=3, seconds=30)
    assert run_all(city.runtime, ahead).hotspots_refreshed is True  # before expiry
    assert computed == [now, ahead]
    service.current(now + timedelta(minutes=6))  # the reader finds the refreshed figures
    assert computed == [now, ahead]
    assert service.refresh(now + timedelta(hours=2)) is False  # nobody looked for an hour


def test_the_dispatch_queue_and_the_appeal_page_mark_members_of_a_kept_hotspot(
        city: City) -> None:
    built = build(city)
    member, other = built["members"][0], built["others"][0]
    c = city.client
    _login(c, "dispatcher")
    assert "data-hotspot" not in c.get("/staff/dispatch").text  # nothing clustered yet
    [hot] = listed(city, "dispatcher")  # someone looked: the hotspots are kept
    queue = c.get("/staff/dispatch").text
    row = re.search(rf'data-code="{member["code"]}"(.*?)(?:data-code=|</ul>)', queue, re.S)
    assert row and f'/staff/hotspots#{hot["key"]}' in row.group(1)
    row = re.search(rf'data-code="{other["code"]}"(.*?)(?:data-code=|</ul>)', queue, re.S)
    assert row and "data-hotspot" not in row.group(1)
    page = c.get(f"/staff/appeals/{member['id']}").text
    assert f'/staff/hotspots#{hot["key"]}' in page and "data-hotspot" in page
    # how many: "（5 件诉求）", "(5 appeals)" — not "(Appeals 5)"
    n = hot["volume"]
    assert f"（{n} 件诉求）" in page and f"（{n} 件诉求）" in queue
    english = c.get(f"/staff/appeals/{member['id']}?lang=en").text
    assert f" ({n} appeals)" in english and "(Appeals" not in english
    assert "data-hotspot" not in c.get(f"/staff/appeals/{other['id']}").text


def test_the_dashboard_never_waits_for_the_clustering(city: City, monkeypatch: Any) -> None:
    """The first view after an idle hour used to wait ~5 s (a big city's week) for the
    clustering; now the dashboard shows the kept hotspots, or says they are being computed,
    and a background thread computes them while a page that waits (/staff/hotspots) would."""
    import threading

    service = city.runtime.hotspots
    release = threading.Event()
    real = service._compute

    def slow(now: Any) -> Any:
        assert release.wait(10)
        return real(now)

    monkeypatch.setattr(service, "_compute", slow)
    service.forget()
    c = city.client
    _login(c, "analyst")
    page = c.get("/staff/dashboard")  # the clustering is blocked: the page must not wait
    assert page.status_code == 200 and "热点正在计算" in page.text
    assert c.get("/staff/dashboard").status_code == 200  # a second view starts no second run
    release.set()
    service.wait_for_background(10)
    page = c.get("/staff/dashboard").text
    assert "热点正在计算" not in page
    later = utcnow() + timedelta(minutes=10)  # expired: the old figures stay until replaced
    release.clear()
    kept = service._kept
    assert kept is not None and service.without_waiting(later) == kept[1]
    release.set()
    service.wait_for_background(10)
    assert service._kept is not None and service._kept[0] == later


def _alerts(city: City) -> list[tuple[str, str]]:
    from jiesu.store import notify_store

    with city.runtime.db.uow(write=False) as uow:
        return [(n.recipient, n.body) for n in sorted(notify_store.notifications(
            uow.session, kind="hotspot_alert"), key=lambda n: n.id)]


def test_a_hotspot_with_enough_people_is_texted_once_to_its_area_and_the_leaders(
        city: City) -> None:
    """热点预警 (未诉先办): the periodic jobs text a hotspot once it has
    JIESU_HOTSPOT_ALERT_PEOPLE different requesters, whether or not anyone has the page open,
    to its area unit's duty phone and to JIESU_HOTSPOT_ALERT_PHONES; they look every 15
    minutes and never text the same hotspot twice, nor one that has a governance task. Its
    words, not a member's text (which may hold a phone number), say what it is about."""
    from jiesu.jobs.sweeper import run_all
    from jiesu.store.hotspot_tables import HotspotAlertRow

    settings = city.runtime.settings
    settings.hotspot_alert_phones = "13800000099, 13800000098"
    assert city.client.put("/api/v1/admin/units/D1/contact", headers=city.headers("admin"),
                           json={"contact_phone": "01065120001"}).status_code == 200
    build(city)  # four people in 东华门街道 (the fifth appeal is the first caller again)
    now = utcnow()
    settings.hotspot_alert_people = 5
    assert run_all(city.runtime, now).hotspot_alerts == 0 and _alerts(city) == []
    settings.hotspot_alert_people = 4
    # looked at a minute ago: not again before 15 minutes have passed
    assert run_all(city.runtime, now + timedelta(minutes=1)).hotspot_alerts == 0
    later = now + timedelta(minutes=16)
    assert run_all(city.runtime, later).hotspot_alerts == 1
    texts = _alerts(city)
    assert [phone for phone, _ in texts] == ["01065120001", "13800000099", "13800000098"]
    body = texts[0][1]
    assert re.fullmatch(r"【示范市12345】热点预警：东华门街道近 7 天有 4 人反映同一问题（5 件，"
                        r"关键词：\S*停水\S*），请关注并提前处置。详见 /staff/hotspots", body), body
    assert "1390000" not in body
    with city.runtime.db.uow(write=False) as uow:
        row = uow.session.scalars(select(HotspotAlertRow)).one()
        assert (row.requesters, row.appeals, row.texted) == (4, 5, 3)
        assert row.area_unit_id == city.unit_ids["D1S1"]
    # the page and the API say it was warned of, from the copy kept when it was texted
    [hot] = [h for h in city.runtime.hotspots.current(later)]
    assert hot.alerted_at == later
    [hot] = listed(city)
    assert hot["alerted_at"] is not None
    _login(city.client, "analyst")
    page = city.client.get("/staff/hotspots").text
    assert re.search(r"data-alerted>已于 \d{4}-\d\d-\d\d \d\d:\d\d 短信预警<", page), page
    # recomputed, grown by one appeal: the same hotspot, not texted again
    city.register(content="阳光小区停水第四天了，还是没有来水", requester_phone="13900000005",
                  address=f"{HERE}5号楼")
    city.runtime.hotspots.forget()
    assert run_all(city.runtime, later + timedelta(minutes=16)).hotspot_alerts == 0
    assert len(_alerts(city)) == 3
    # twice the people it had when texted: texted again, as grown (热点扩大); here the warning
    # is made to have named two people (the clustering of a grown hotspot is not the point)
    with city.runtime.db.uow() as uow:
        uow.session.execute(update(HotspotAlertRow).values(requesters=2))
        uow.commit()
    city.runtime.hotspots.forget()
    assert run_all(city.runtime, later + timedelta(minutes=32)).hotspot_alerts == 1
    grown = _alerts(city)[3:]
    assert [phone for phone, _ in grown] == ["01065120001", "13800000099", "13800000098"]
    assert re.fullmatch(r"【示范市12345】热点预警（扩大）：东华门街道近 7 天反映同一问题的已由 2 人"
                        r"增至 5 人（6 件，关键词：\S+），请尽快处置。详见 /staff/hotspots",
                        grown[0][1]), grown
    city.runtime.hotspots.forget()
    assert run_all(city.runtime, later + timedelta(minutes=48)).hotspot_alerts == 0


def test_no_hotspot_warning_when_turned_off_or_already_in_hand(city: City) -> None:
    from jiesu.jobs.sweeper import run_all

    settings = city.runtime.settings
    build(city)
    settings.hotspot_alert_people = 0
    assert run_all(city.runtime, utcnow()).hotspot_alerts == 0
    settings.hotspot_alert_people = 2
    [hot] = listed(city)
    r = city.client.post(f"{API}/{hot['key']}/task", headers=city.headers("supervisor"),
                         json={"unit_id": city.unit_ids["D1S1"], "note": "排查供水管网"})
    assert r.status_code == 201, r.text
    city.runtime.hotspots.forget()
    assert run_all(city.runtime, utcnow() + timedelta(minutes=1)).hotspot_alerts == 0
    assert _alerts(city) == []


def test_a_hotspot_keeps_its_task_when_its_oldest_appeal_leaves_the_window(city: City) -> None:
    """A hotspot's key is its oldest appeal: once that one is older than the window the key
    changes, but the hotspot is the same and in hand. It kept offering 转为治理任务 (a second
    task for the same problem, dispatched again) and its warning was texted as if nobody
    acted."""
    built = build(city)
    [hot] = listed(city)
    r = city.client.post(f"{API}/{hot['key']}/task", headers=city.headers("analyst"),
                         json={"unit_id": city.unit_ids["D1S1"], "note": "排查供水管网"})
    assert r.status_code == 201, r.text
    task = r.json()
    oldest = min(m["id"] for m in built["members"])
    with city.runtime.db.uow() as uow:  # the first appeal leaves the seven days
        uow.session.execute(update(AppealRow).where(AppealRow.id == oldest)
                            .values(created_at=utcnow() - timedelta(days=8)))
        uow.commit()
    city.runtime.hotspots.forget()
    [again] = listed(city)
    assert again["key"] != hot["key"] and oldest not in [a["id"] for a in again["appeals"]]
    assert again["task"] is not None and again["task"]["code"] == task["code"]
    r = city.client.post(f"{API}/{again['key']}/task", headers=city.headers("supervisor"),
                         json={"unit_id": city.unit_ids["D1S1"]})
    assert r.status_code == 409 and task["code"] in r.json()["error"]["message"]
    _login(city.client, "analyst")
    page = city.client.get("/staff/hotspots").text
    assert re.search(rf'<a href="/staff/appeals/{task["id"]}\?[^"]*" data-task>{task["code"]}</a>',
                     page)
    assert f'action="/staff/hotspots/{again["key"]}/task"' not in page
