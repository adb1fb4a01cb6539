"""One mobile, however it is written (SQLite and PostgreSQL): "+86 138 …", "0086 138 …" and
"86-138-…" are the phone "138…" wherever phones are compared or used as keys — a service
item's one rating a day per phone, the /submit limit per phone, the tracking lookup by code
and phone, and the operator's list of a caller's earlier appeals. So is a landline: "+86 10 …"
is "010…"."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from jiesu.runtime import Runtime
from tests.integration.test_item_rating_limit import _item, _rate
from tests.integration.test_web_pages import _token
from tests.support.city import City, page_login

BARE = "13912345678"
WRITTEN = ("+86 139 1234 5678", "0086-139-1234-5678", "86 139 1234 5678", "(+86)13912345678")


def _submit(c: TestClient, token: str, phone: str, content: str) -> int:
    return c.post("/submit", data={"kind": "complaint", "content": content,
                                   "requester_phone": phone, "csrf_token": token},
                  follow_redirects=False).status_code


def test_a_service_item_is_rated_once_a_day_per_phone_with_or_without_the_country_code(
        city: City) -> None:
    item = _item(city, "PH1")
    assert _rate(city.client, item, BARE) == 201
    for written in WRITTEN:
        assert _rate(city.client, item, written) == 409, written
    assert _rate(city.client, item, "13700001111") == 201  # another phone may


def test_the_submit_limit_counts_one_phone_in_every_form(city: City) -> None:
    c = city.client
    token = _token(c, "/submit")
    for i, phone in enumerate((BARE, WRITTEN[0], WRITTEN[1])):
        assert _submit(c, token, phone, f"第{i}件：多福巷路灯不亮") == 303, phone
    assert _submit(c, token, WRITTEN[2], "第四件：楼下餐馆油烟扰民") == 429


def test_an_appeal_given_with_the_country_code_is_the_bare_number_everywhere(
        city: City, runtime: Runtime) -> None:
    given = city.register(requester_phone=WRITTEN[0])
    with runtime.db.uow(write=False) as uow:
        assert uow.appeals.get(given["id"])[0].requester_phone == BARE  # stored as 11 digits
    other = city.register(requester_phone=BARE)
    # the requester tracks it with the number as their phone shows it
    c = TestClient(city.client.app)
    r = c.post("/track", data={"code": given["code"], "phone": BARE,
                               "csrf_token": _token(c, "/track")}, follow_redirects=False)
    assert r.status_code == 303, r.text
    r = c.post("/track", data={"code": other["code"], "phone": WRITTEN[1],
                               "csrf_token": _token(c, "/track")}, follow_redirects=False)
    assert r.status_code == 303, r.text
    # the operator sees both when the caller's number shows +86
    page_login(city.client, "operator")
    page = city.client.get("/staff/operator/earlier", params={"phone": WRITTEN[3]}).text
    assert {given["code"], other["code"]} <= set(re.findall(r"\d{13}", page))


LANDLINE = "01065551234"


def test_a_landline_given_with_the_country_code_is_the_phone_dialled_at_home(
        city: City, runtime: Runtime) -> None:
    """"+86 10 6555 1234" and "010-6555 1234" are one requester: stored alike, each appeal
    tracked with the other form, and both listed for the caller."""
    given = city.register(requester_phone="+86 10 6555 1234")
    other = city.register(requester_phone="010-6555 1234")
    with runtime.db.uow(write=False) as uow:
        assert [uow.appeals.get(a["id"])[0].requester_phone
                for a in (given, other)] == [LANDLINE, LANDLINE]
    c = TestClient(city.client.app)
    for appeal, phone in ((given, "(010) 6555-1234"), (other, "0086 10 65551234")):
        r = c.post("/track", data={"code": appeal["code"], "phone": phone,
                                   "csrf_token": _token(c, "/track")}, follow_redirects=False)
        assert r.status_code == 303, (phone, r.text)
    page_login(city.client, "operator")
    page = city.client.get("/staff/operator/earlier", params={"phone": "+86 10 6555 1234"}).text
    assert {given["code"], other["code"]} <= set(re.findall(r"\d{13}", page))
