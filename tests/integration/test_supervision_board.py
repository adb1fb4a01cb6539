"""The supervisor's board (督办看板) as a supervisor reads it: a replied appeal whose follow-up
(回访) is late is in the red tab with the clock that ran out, not as a bare "超期" that reads
like the unit's fault."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from jiesu.domain.appeal import Actor, Role
from jiesu.jobs.sweeper import sweep_deadlines
from jiesu.services.appeals import NewAppeal
from tests.support.city import City, page_login

T0 = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)  # Monday 10:00 in Asia/Shanghai


def _replied_and_not_followed_up(city: City) -> str:
    rt = city.runtime
    op = Actor(role=Role.OPERATOR, user_id=None)
    disp = Actor(role=Role.DISPATCHER, user_id=None)
    d1 = city.unit_ids["D1"]
    with rt.db.uow(write=False) as uow:
        scope = uow.units.subtree_ids(d1)
    handler = Actor(role=Role.HANDLER, user_id=None, unit_id=d1, unit_scope=scope)
    reg = rt.appeals.register(op, NewAppeal(kind="help", content="楼道灯坏了，晚上看不见台阶",
                                            requester_phone="13800000041"), T0)
    rt.appeals.act(disp, reg.appeal_id, "dispatch", T0, {"unit_id": d1})
    rt.appeals.act(handler, reg.appeal_id, "sign", T0)
    rt.appeals.act(handler, reg.appeal_id, "contact", T0)
    rt.appeals.act(handler, reg.appeal_id, "reply", T0, {"text": "已更换灯泡", "claim": "solved"})
    # follow-up: 1 working day after the reply (Tue 3 March); a week on it is red
    sweep_deadlines(rt, datetime(2026, 3, 9, 2, 0, tzinfo=UTC))
    return reg.code


def test_a_late_follow_up_shows_its_clock_on_the_red_tab(city: City) -> None:
    code = _replied_and_not_followed_up(city)
    page_login(city.client, "supervisor")
    for lang, late, due in (("zh", "回访超期", "回访时限"), ("en", "Follow-up overdue",
                                                       "Follow-up due")):
        html = city.client.get(f"/staff/supervision?tab=red&lang={lang}").text
        row = re.search(rf'data-code="{code}".*?</li>', html, re.S)
        assert row, html
        text = row.group(0)
        assert f"● {late}" in text, text
        assert 'data-due="follow_up"' in text and due in text and "03-03 23:59" in text, text
        # the unit replied: no 督办 form to press it (the follow-up centre is late)
        assert 'action="/staff/appeals/' not in text and "已更换灯泡" in text, text


def test_the_follow_ups_not_done_in_time_have_their_own_tab(city: City) -> None:
    """DESIGN §5: a supervisor sees the follow-ups not done in time. They were only mixed into
    the red tab among the units' overdue appeals, ordered by a handling deadline that no longer
    ran. 回访超期 lists them by follow-up deadline with the reply and the calls that reached
    no one, and no 督办 form: the unit has replied, the call-back is the follow-up centre's."""
    code = _replied_and_not_followed_up(city)
    page_login(city.client, "supervisor")
    html = city.client.get("/staff/supervision?tab=followup").text
    assert re.search(r'href="\?tab=followup"[^>]*>回访超期 <span class="badge">1</span>', html)
    row = re.search(rf'data-code="{code}".*?</li>', html, re.S)
    assert row, html
    assert "已更换灯泡" in row.group(0) and 'data-due="follow_up"' in row.group(0)
    assert 'action="/staff/appeals/' not in row.group(0)
    city.act("followup", _id_of(city, code), "follow_up", reached=False)
    html = city.client.get("/staff/supervision?tab=followup&lang=en").text
    assert "Follow-up overdue" in html and "<dt>Not reached</dt><dd>1 time(s)</dd>" in html
    assert code not in city.client.get("/staff/supervision?tab=overdue&lang=zh").text
    city.act("followup", _id_of(city, code), "follow_up", reached=True, resolved="yes",
             satisfaction="satisfied")
    assert "目前没有回访超期的诉求" in city.client.get("/staff/supervision?tab=followup").text


def _id_of(city: City, code: str) -> int:
    with city.runtime.db.uow(write=False) as uow:
        found = uow.appeals.find_by_code(code)
    assert found is not None
    return int(found)


def test_the_supervise_form_names_the_levels_in_the_page_language(city: City) -> None:
    """The appeal page's 督办 form offered 催办 and 黄牌督办 untranslated in English and the red
    card as "Red cards" (the monthly report's column)."""
    reg = city.register()
    page_login(city.client, "supervisor")
    for lang, levels in (("zh", ["催办", "黄牌督办", "红牌督办"]),
                         ("en", ["Reminder", "Yellow card", "Red card"])):
        html = city.client.get(f"/staff/appeals/{reg['id']}?lang={lang}").text
        form = re.search(r'<form[^>]*data-action="supervise".*?</form>', html, re.S)
        assert form, html
        options = re.findall(r'<option value="(\w+)"[^>]*>([^<]*)</option>', form.group(0))
        assert options == list(zip(["remind", "yellow", "red"], levels, strict=True)), options


def test_the_supervisor_reaches_the_monthly_report_from_the_navigation(city: City) -> None:
    """The 通报's 超期清单 and 差评清单 (with the handler) are the supervisor's accountability
    lists: a supervisor may read it, and now finds it in the navigation."""
    page_login(city.client, "supervisor")
    board = city.client.get("/staff/supervision").text
    nav = re.search(r'<nav class="nav".*?</nav>', board, re.S)
    assert nav and 'href="/reports/monthly"' in nav.group(0), board
    assert city.client.get("/reports/monthly").status_code == 200


def test_the_appeal_page_and_the_code_search_speak_of_the_follow_up(city: City) -> None:
    """Opened from the board by its code, the appeal marks the late follow-up as such; a code
    that does not exist is said in the page's language."""
    code = _replied_and_not_followed_up(city)
    page_login(city.client, "supervisor")
    zh = city.client.get(f"/staff/appeals/?code={code}&lang=zh")
    assert zh.status_code == 200 and "● 回访超期" in zh.text
    assert "● Follow-up overdue" in city.client.get(f"{zh.url.path}?lang=en").text
    missing = city.client.get("/staff/appeals/?code=123&lang=en")
    assert missing.status_code == 404 and "No appeal has the code 123" in missing.text
    assert "没有编号为" not in missing.text
    # read off a phone call or pasted from an SMS: spaces and full-width digits are the code
    spaced = " ".join(code[i:i + 4] for i in range(0, len(code), 4)).translate(
        {ord(d): ord(d) + 0xFEE0 for d in "0123456789"})
    assert city.client.get("/staff/appeals/", params={"code": spaced}).url.path == zh.url.path


def test_an_empty_tab_says_what_there_is_none_of(city: City) -> None:
    """"暂无待办" (nothing to do) said nothing about which warning there is none of."""
    page_login(city.client, "supervisor")
    for tab, zh, en in (("overdue", "目前没有超期未答复的诉求",
                         "No appeal is past its handling deadline without a reply"),
                        ("followup", "目前没有回访超期的诉求", "No follow-up is past its deadline"),
                        ("red", "目前没有红色预警的诉求", "No appeal has a red warning"),
                        ("yellow", "目前没有黄色预警的诉求", "No appeal has a yellow warning")):
        assert zh in city.client.get(f"/staff/supervision?tab={tab}&lang=zh").text
        assert en in city.client.get(f"/staff/supervision?tab={tab}&lang=en").text


def test_the_header_search_keeps_the_page_language(city: City) -> None:
    """Searching a code from the header of an English page landed on a Chinese page: the box
    sent the code alone and the jump to the appeal dropped ?lang=."""
    code = _replied_and_not_followed_up(city)
    page_login(city.client, "supervisor")
    board = city.client.get("/staff/supervision?lang=en").text
    form = re.search(r'<form class="inline find" method="get" action="([^"]+)".*?</form>', board,
                     re.S)
    assert form, board
    fields = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', form.group(0)))
    assert fields == {"lang": "en"}, form.group(0)
    city.client.cookies.delete("jiesu_lang")  # a browser that keeps no language cookie
    r = city.client.get(form.group(1), params={"code": code, **fields}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].endswith("?lang=en"), r.headers
    page = city.client.get(r.headers["location"]).text
    assert "● Follow-up overdue" in page and "回访超期" not in page
