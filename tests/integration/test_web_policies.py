"""The enterprise and policy pages (企业库, 惠企政策, 申报审核/兑现, 政策直达), driven through
their forms as the people who use them (SQLite and PostgreSQL)."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

from fastapi.testclient import TestClient

from jiesu.domain.enterprise import uscc_check_char
from jiesu.services.clock import utcnow
from tests.integration.test_web_pages import _login, _token
from tests.support.city import City

PHONE = "13900001111"
CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")


def uscc(serial: int) -> str:
    first = f"91110101MA{serial:07d}"
    return first + uscc_check_char(first)


def _logout(c: TestClient) -> None:
    c.post("/logout", data={"csrf_token": _token(c, "/")})
    c.cookies.clear()


def _option(html: str, label: str) -> str:
    m = re.search(r'<option value="(\d+)"[^>]*>[\s　]*' + re.escape(label), html)
    assert m, label
    return m.group(1)


def _conditions(*rows: tuple[str, str, str]) -> dict[str, str]:
    out = {}
    for i, (field, op, value) in enumerate(rows):
        out |= {f"c{i}_field": field, f"c{i}_op": op, f"c{i}_value": value}
    return out


def add_enterprise(c: TestClient, **fields: str) -> tuple[int, str]:
    """Create an enterprise through the form as admin; its id and page."""
    page = c.get("/staff/enterprises/new").text
    data = {"csrf_token": _token(c, "/staff/enterprises/new"), "uscc": uscc(1),
            "name": "示范软件有限公司", "industry": "I65", "employees": "50", "revenue": "800",
            "region_unit_id": _option(page, "东华门街道"), "founded_on": "2020-03-01",
            "certifications": "高新技术企业，专精特新中小企业", "tax_credit": "A",
            "contact_name": "李经理", "contact_phone": PHONE,
            "liaison_user_id": _option(page, "handler_d1")} | fields
    r = c.post("/staff/enterprises/new", data=data, follow_redirects=False)
    assert r.status_code == 303, r.text
    path = r.headers["location"]
    return int(path.rsplit("/", 1)[1]), c.get(path).text


def policy_form(c: TestClient, **fields: str) -> dict[str, str]:
    page = c.get("/staff/policies/new").text
    until = (date.today() + timedelta(days=60)).isoformat()
    return {"csrf_token": _token(c, "/staff/policies/new"), "code": "P-2026-01",
            "title": "小微企业研发补贴", "issuer_unit_id": _option(page, "东城区"),
            "mode": "apply", "summary": "支持小微科技企业研发", "benefit": "一次性补贴 5 万元",
            "amount": "50000", "valid_from": "", "valid_until": until,
            "payout_days": "10"} | fields


def add_policy(c: TestClient, data: dict[str, str]) -> int:
    r = c.post("/staff/policies/new", data=data, follow_redirects=False)
    assert r.status_code == 303, r.text
    return int(r.headers["location"].rsplit("/", 1)[1])


def publish(c: TestClient, policy_id: int) -> str:
    r = c.post(f"/staff/policies/{policy_id}/publish",
               data={"csrf_token": _token(c, f"/staff/policies/{policy_id}")})
    assert r.status_code == 200, r.text
    return r.text


def lookup(c: TestClient, code: str, phone: str) -> Any:
    return c.post("/enterprise", data={"csrf_token": _token(c, "/enterprise"), "uscc": code,
                                       "phone": phone}, follow_redirects=False)


def build(city: City) -> dict[str, Any]:
    """An enterprise, an application policy it qualifies for (published) and a 免申即享
    policy it lacks an attribute for (published), made by the admin through the forms."""
    c = city.client
    _login(c, "admin")
    ent_id, ent_page = add_enterprise(c)
    policy_id = add_policy(c, policy_form(c) | _conditions(
        ("size", "in", "小型、微型"), ("region", "in", "东城区"),
        ("certifications", "has_any", "高新技术企业"), ("age_years", "gte", "2")))
    other_id = add_policy(c, policy_form(c, code="P-2026-02", title="规上企业免申奖励",
                                         mode="auto", amount="20000") | _conditions(
        ("assets", "gte", "1000"), ("tax_credit", "in", "A, B")))
    detail = publish(c, policy_id)
    publish(c, other_id)
    _logout(c)
    return {"enterprise_id": ent_id, "enterprise_page": ent_page, "policy_id": policy_id,
            "other_id": other_id, "detail": detail}


def test_policy_from_the_forms_to_the_payout(city: City) -> None:
    made = build(city)
    assert "小型" in made["enterprise_page"]  # the size the 2017 thresholds give
    detail = made["detail"]
    assert "已发布" in detail and "企业规模为 小型、微型" in detail
    assert "成立年限不少于 2 年" in detail and "所在区域为 东城区" in detail
    assert 'data-count="eligible">待申报 1' in detail
    # a period with only its last day reads as such, not as "… – 2027-01-12"
    last_day = (date.today() + timedelta(days=60)).isoformat()
    assert f"data-validity>截至 {last_day}<" in detail
    c = city.client

    # the enterprise looks itself up: a wrong phone is refused like an unknown code
    wrong_phone = lookup(c, uscc(1), "13900002222")
    unknown = lookup(c, uscc(2), PHONE)
    for r in (wrong_phone, unknown):
        assert r.status_code == 404 and "统一社会信用代码或联系电话不正确" in r.text
    assert "校验位不正确" in lookup(c, uscc(1)[:-1] + "0" if uscc(1)[-1] != "0"
                               else uscc(1)[:-1] + "1", PHONE).text
    r = lookup(c, uscc(1).lower(), PHONE)
    assert r.status_code == 303 and r.headers["location"] == "/enterprise/policies"
    assert PHONE not in r.headers["location"]
    page = c.get("/enterprise/policies").text
    assert "小微企业研发补贴" in page and "待申报" in page and "data-check=\"met\"" in page
    until = (date.today() + timedelta(days=60)).isoformat()
    assert f"data-deadline>{until}" in page
    # the policy it does not qualify for, and why: an attribute its profile lacks
    assert 'data-unmatched="P-2026-02"' in page and "信息不全" in page
    assert "资产总额不少于 1000 万元" in page
    match_id = re.search(r'data-match="(\d+)"', page).group(1)  # type: ignore[union-attr]
    r = c.post(f"/enterprise/policies/{match_id}/apply",
               data={"csrf_token": _token(c, "/enterprise/policies"), "text": "申请研发补贴"})
    assert r.status_code == 200 and "已提交申报" in r.text and "已申报" in r.text
    assert "/apply" not in r.text.split(f'data-match="{match_id}"')[1].split("data-unm")[0]
    c.cookies.clear()

    # a handler of another district sees nothing to decide and may not decide it
    _login(c, "handler_d2")
    assert f'data-match="{match_id}"' not in c.get("/staff/policies").text
    r = c.post(f"/staff/policies/matches/{match_id}/decide",
               data={"csrf_token": _token(c, "/staff/policies"), "decision": "approve"})
    assert "只有政策发布单位的承办人或管理员可以审核政策申报" in r.text
    _logout(c)

    # the handler of the issuing unit decides and records the payout
    _login(c, "handler_d1")
    todo = c.get("/staff/policies").text
    assert f'data-match="{match_id}"' in todo and "申请研发补贴" in todo
    assert "data-review-due>20" in todo  # the date the decision is due
    token = _token(c, "/staff/policies")
    r = c.post(f"/staff/policies/matches/{match_id}/decide",
               data={"csrf_token": token, "decision": "reject", "note": ""})
    assert "审核不通过须填写原因" in r.text
    r = c.post(f"/staff/policies/matches/{match_id}/decide",
               data={"csrf_token": token, "decision": "approve", "note": "材料齐全",
                     "back": "/staff/policies?tab=payouts"})
    assert r.status_code == 200 and f'data-match="{match_id}"' in r.text
    assert 'value="50000"' in r.text  # the payout form offers the standard amount
    r = c.post(f"/staff/policies/matches/{match_id}/pay",
               data={"csrf_token": token, "amount": "50000", "ref": "PZ-2026-001",
                     "back": f"/staff/policies/{made['policy_id']}"})
    assert r.status_code == 200 and "已登记兑现" in r.text and "50,000.00" in r.text
    _logout(c)

    # the enterprise sees the result
    assert lookup(c, uscc(1), PHONE).status_code == 303
    page = c.get("/enterprise/policies").text
    card = page.split(f'data-match="{match_id}"')[1].split("data-unmatched")[0]
    assert "已兑现" in card and "50,000.00" in card and "材料齐全" in card
    r = c.post("/enterprise/leave", data={"csrf_token": _token(c, "/enterprise")},
               follow_redirects=False)
    assert c.get("/enterprise/policies", follow_redirects=False).status_code == 303


def test_a_bad_condition_shows_the_message_and_keeps_what_was_typed(city: City) -> None:
    c = city.client
    _login(c, "admin")
    data = policy_form(c, title="测试政策") | _conditions(
        ("industry", "in", "C, F52"), ("", "in", ""), ("size", "gte", "小型"))
    r = c.post("/staff/policies/new", data=data)
    assert r.status_code == 422
    # numbered as the form's rows, next to the form, with everything typed still there
    assert "第 3 条条件：“企业规模”不能用这种比较方式" in r.text
    assert 'data-row="3"' in r.text and re.search(r'class="cond-row invalid" data-row="3"',
                                                  r.text)
    assert 'value="测试政策"' in r.text and 'value="C, F52"' in r.text
    assert 'value="小型"' in r.text and 'value="50000"' in r.text
    r = c.post("/staff/policies/new", data=data | {"c2_op": "in", "c2_value": "巨型"})
    assert r.status_code == 422 and "企业规模“巨型”无法识别" in r.text
    r = c.post("/staff/policies/new", data=data | {"c2_field": "region", "c2_op": "in",
                                                   "c2_value": "火星区"})
    assert r.status_code == 422 and "区域“火星区”不是单位名称或单位编码" in r.text
    r = c.post("/staff/policies/new", data=data | {"c2_op": "in", "amount": "12.345"})
    assert r.status_code == 422 and "标准金额应为以元计的金额" in r.text
    r = c.post("/staff/policies/new", data=data | {"c2_op": "in"}, follow_redirects=False)
    assert r.status_code == 303
    edit = c.get(r.headers["location"] + "/edit").text
    assert 'value="C、F52"' in edit and 'value="小型"' in edit and 'value="50000"' in edit


def test_an_analyst_reads_but_cannot_post(city: City) -> None:
    made = build(city)
    c = city.client
    _login(c, "analyst")
    listed = c.get("/staff/policies")
    assert listed.status_code == 200 and "小微企业研发补贴" in listed.text
    assert "新建政策" not in listed.text
    assert 'href="/staff/enterprises"' in listed.text  # NAV
    detail = c.get(f"/staff/policies/{made['policy_id']}").text
    assert "/publish" not in detail and "/withdraw" not in detail
    ent = c.get(f"/staff/enterprises/{made['enterprise_id']}").text
    assert "示范软件有限公司" in ent and "<form method=\"post\" action=\"/staff/ent" not in ent
    token = _token(c, "/staff/policies")
    for path in ("/staff/policies/new", f"/staff/policies/{made['policy_id']}/edit",
                 f"/staff/policies/{made['policy_id']}/withdraw", "/staff/enterprises/new",
                 f"/staff/enterprises/{made['enterprise_id']}",
                 "/staff/policies/matches/1/decide", "/staff/policies/matches/1/pay"):
        r = c.post(path, data={"csrf_token": token, "code": "X", "decision": "approve",
                               "reason": "x", "amount": "1", "ref": "x"})
        assert r.status_code == 403, path
    _logout(c)
    _login(c, "operator")
    assert c.get("/staff/policies").status_code == 403


def test_industries_are_typed_and_read_by_name(city: City) -> None:
    """The admin may type an industry's name; the enterprise and the staff read the
    conditions with the names (所属行业属于 制造业（C）), not bare codes."""
    c = city.client
    _login(c, "admin")
    ent_id, page = add_enterprise(c, industry="软件和信息技术服务业")
    assert "data-industry>I65 软件和信息技术服务业<" in page
    # too coarse a code for the size table: the page says what to write instead
    r = c.post(f"/staff/enterprises/{ent_id}", data={
        "csrf_token": _token(c, f"/staff/enterprises/{ent_id}"), "uscc": uscc(1),
        "name": "示范软件有限公司", "industry": "I", "employees": "50", "revenue": "800",
        "contact_phone": PHONE},
        follow_redirects=False)
    assert r.status_code == 303, r.text
    page = c.get(f"/staff/enterprises/{ent_id}").text
    assert "无法按划分办法测算：行业 I 包含规模标准不同的行业，请写到下一级代码" in page
    r = c.post("/staff/enterprises/new", data={
        "csrf_token": _token(c, "/staff/enterprises/new"), "uscc": uscc(2), "name": "错码公司",
        "industry": "C52"})
    assert r.status_code == 422 and "大类 52 不属于门类 C（制造业），应为 F52" in r.text
    policy_id = add_policy(c, policy_form(c) | _conditions(
        ("industry", "in", "制造业、电力、热力、燃气及水生产和供应业")))
    detail = publish(c, policy_id)
    assert "所属行业属于 制造业（C）、电力、热力、燃气及水生产和供应业（D）" in detail
    _logout(c)
    assert lookup(c, uscc(1), PHONE).status_code == 303
    unmet = c.get("/enterprise/policies").text.split('data-unmatched="P-2026-01"')[1]
    assert "所属行业属于 制造业（C）、电力、热力、燃气及水生产和供应业（D）" in unmet
    english = c.get("/enterprise/policies?lang=en").text
    assert "Industry is in Manufacturing (C), Electricity, heat, gas and water supply (D)" \
        in english


def test_an_enterprise_raises_an_appeal_in_its_name_from_the_web(city: City) -> None:
    """From its policy page (which names its 精准帮扶 liaison) to the public form with its
    credit code filled in: the appeal is a 涉企诉求; a mistyped code is refused, nothing
    registered. The operator's form takes the code of a calling enterprise as well."""
    build(city)
    c = city.client
    assert lookup(c, uscc(1), PHONE).status_code == 303
    page = c.get("/enterprise/policies").text
    assert re.search(r"data-liaison>\S+<", page) and "data-liaison>未指定<" not in page
    assert f'href="/submit?uscc={uscc(1)}"' in page
    form = c.get(f"/submit?uscc={uscc(1)}").text
    assert re.search(rf'name="enterprise_code"[^>]* value="{uscc(1)}"', form)
    data = {"csrf_token": _token(c, "/submit"), "kind": "complaint",
            "content": "园区道路施工封闭，货车无法进出厂区，影响交货", "requester_phone": PHONE,
            "enterprise_code": uscc(1)[:-1] + ("0" if uscc(1)[-1] != "0" else "1")}
    r = c.post("/submit", data=data, follow_redirects=False)
    assert r.status_code == 422 and "统一社会信用代码校验位不正确" in r.text
    assert 'aria-invalid="true"' in r.text.split('id="enterprise_code"')[1].split(">")[0]
    headers = city.headers("dispatcher")
    before = c.get("/api/v1/appeals", headers=headers).json()["total"]
    r = c.post("/submit", data=data | {"enterprise_code": uscc(1).lower()},
               follow_redirects=False)
    assert r.status_code == 303, r.text
    latest = c.get("/api/v1/appeals", headers=headers).json()
    assert latest["total"] == before + 1
    assert latest["items"][0]["requester_type"] == "enterprise"
    c.cookies.clear()
    _login(c, "dispatcher")
    staff_page = c.get(f"/staff/appeals/{latest['items'][0]['id']}").text
    assert re.search(r"涉企诉求：示范软件有限公司（小型） · 帮扶联络人：\S+", staff_page)
    _logout(c)

    _login(c, "operator")
    r = c.post("/staff/operator", data={
        "csrf_token": _token(c, "/staff/operator"), "kind": "complaint", "urgency": "normal",
        "content": "企业反映用电报装迟迟未办", "requester_phone": PHONE,
        "enterprise_code": uscc(1)}, follow_redirects=False)
    assert r.status_code == 303, r.text
    latest = c.get("/api/v1/appeals", headers=headers).json()
    assert latest["total"] == before + 2
    assert latest["items"][0]["requester_type"] == "enterprise"


def test_the_appeal_page_names_the_enterprise_and_its_liaison(city: City) -> None:
    """…and whether the caller is the enterprise's own contact: anyone may give a credit code,
    so the page says when the phone differs from the one on file, or the code is not on file
    at all (the appeal is still a 涉企诉求)."""
    build(city)
    c = city.client
    _login(c, "dispatcher")

    def note(**body: Any) -> str:
        appeal = city.register(content="企业门前道路破损，货车无法进出", **body)
        page = c.get(f"/staff/appeals/{appeal['id']}").text
        found = re.search(r'<p class="note" data-enterprise>(.*?)</p>', page, re.S)
        assert found, page
        return re.sub(r"<[^>]+>", "", found.group(1))

    assert re.fullmatch(r"涉企诉求：示范软件有限公司（小型） · 帮扶联络人：\S+ · "
                        r"来电号码与企业登记的联系电话一致",
                        note(enterprise_code=uscc(1), requester_phone=f"139-0000-{PHONE[-4:]}"))
    assert note(enterprise_code=uscc(1), requester_phone="13700002222").endswith(
        " · 来电号码与企业登记的联系电话不同，请核实是否为该企业的诉求")
    assert re.fullmatch(r"涉企诉求：示范软件有限公司（小型） · 帮扶联络人：\S+",
                        note(enterprise_code=uscc(1), requester_phone=None))  # nothing to compare
    assert note(enterprise_code=uscc(42), requester_phone=PHONE) == (
        f"涉企诉求：统一社会信用代码 {uscc(42)} · 未在企业库中登记，请核实是否为该企业的诉求")


def _tracked(city: City, code: str, phone: str) -> TestClient:
    """A browser of the requester that proved code and phone on /track."""
    other = TestClient(city.client.app)
    r = other.post("/track", data={"csrf_token": _token(other, "/track"), "code": code,
                                   "phone": phone}, follow_redirects=False)
    assert r.status_code == 303, r.text
    return other


def test_the_tracking_page_says_an_enterprise_appeal_is_one(city: City) -> None:
    """涉企诉求 on the requester's /track page: handled as one, on its limits; the enterprise
    and its 精准帮扶 liaison are named (never a phone) only to the enterprise's own contact
    phone, as /enterprise does: anyone may type a credit code. Not on the public board."""
    build(city)
    c = city.client
    assert lookup(c, uscc(1), PHONE).status_code == 303
    liaison = re.search(r"data-liaison>([^<]+)<", c.get("/enterprise/policies").text)
    assert liaison and liaison.group(1) != "未指定"
    name = liaison.group(1)

    def note(appeal: dict[str, Any], phone: str, lang: str = "zh") -> str:
        with _tracked(city, appeal["code"], phone) as browser:
            page = browser.get(f"/track/{appeal['code']}?lang={lang}").text
        found = re.search(r'<p class="note" data-enterprise>(.*?)</p>', page, re.S)
        assert found, page
        return " ".join(re.sub(r"<[^>]+>", " ", found.group(1)).split())

    own = city.register(content="园区道路施工封闭，货车无法进出厂区", requester_phone=PHONE,
                        requester_type="enterprise", enterprise_code=uscc(1))
    city.act("dispatcher", own["id"], "dispatch", unit_code="D1")
    said = note(own, PHONE)
    assert said == (f"本诉求作为涉企诉求办理，适用涉企诉求的办理时限。 企业：示范软件有限公司 · "
                    f"帮扶联络人（精准帮扶）： {name}")
    assert not re.search(r"\d{4}", said)  # no phone of anyone
    with _tracked(city, own["code"], PHONE) as browser:
        page = browser.get(f"/track/{own['code']}").text
    assert "办理时限" in page  # the deadline the enterprise limits gave
    english = note(own, PHONE, "en")
    assert "handled as an enterprise appeal" in english and not CJK.search(
        english.replace("示范软件有限公司", "").replace(name, ""))

    # someone else's phone, or a code not on file: a 涉企诉求 all the same, nobody named
    ent = {"requester_type": "enterprise"}
    for appeal in (city.register(requester_phone="13700002222", enterprise_code=uscc(1), **ent),
                   city.register(requester_phone=PHONE, enterprise_code=uscc(42), **ent)):
        said = note(appeal, appeal["requester_phone"])
        assert said.startswith("本诉求作为涉企诉求办理")
        assert "示范软件有限公司" not in said and name not in said and "data-liaison" not in said
        with _tracked(city, appeal["code"], appeal["requester_phone"]) as browser:
            assert 'href="/enterprise"' in browser.get(f"/track/{appeal['code']}").text

    resident = city.register(requester_phone=PHONE)
    with _tracked(city, resident["code"], PHONE) as browser:
        assert "data-enterprise" not in browser.get(f"/track/{resident['code']}").text
    # the public board says none of it
    with TestClient(city.client.app) as anyone:
        for page in (anyone.get(f"/board/{own['code']}").text, anyone.get("/board").text):
            assert own["code"] in page
            assert "涉企" not in page and name not in page and "示范软件" not in page


def test_withdrawing_asks_for_a_reason_and_lapses_what_was_not_applied_for(city: City) -> None:
    made = build(city)
    c = city.client
    _login(c, "admin")
    path = f"/staff/policies/{made['policy_id']}"
    page = c.get(path).text
    assert 'data-confirm="withdraw"' in page and "确定撤回" in page
    r = c.post(f"{path}/withdraw", data={"csrf_token": _token(c, path), "reason": " "})
    assert "请填写撤回原因" in r.text
    r = c.post(f"{path}/withdraw", data={"csrf_token": _token(c, path), "reason": "资金用完"})
    assert "已撤回" in r.text and 'data-count="lapsed">已失效 1' in r.text


def test_a_division_is_named_in_english_by_its_own_name(city: City) -> None:
    """A 大类 reads in English as itself ("F52 Retail trade"), not as its 门类 ("Wholesale
    and retail trade"), on the profile, in the register, in a condition and in the form's list."""
    c = city.client
    _login(c, "admin")
    ent_id, _ = add_enterprise(c, industry="F52")
    page = c.get(f"/staff/enterprises/{ent_id}?lang=en").text
    assert "data-industry>F52 Retail trade<" in page
    assert '<option value="C13">Processing of food from agricultural products</option>' in page
    listed = c.get("/staff/enterprises?lang=en").text
    assert "F52 Retail trade" in listed and "Wholesale and retail trade" not in listed
    assert "data-industry>F52 零售业<" in c.get(f"/staff/enterprises/{ent_id}?lang=zh").text
    policy_id = add_policy(c, policy_form(c) | _conditions(
        ("industry", "in", "农副食品加工业、F52、I、K7020")))
    detail = publish(c, policy_id)
    assert "所属行业属于 农副食品加工业（C13）、零售业（F52）" in detail
    english = c.get(f"/staff/policies/{policy_id}?lang=en").text
    assert ("Industry is in Processing of food from agricultural products (C13), "
            "Retail trade (F52), Information transmission, software and IT services (I), "
            "Real estate (K7020)") in english
    _logout(c)
    assert lookup(c, uscc(1), PHONE).status_code == 303
    assert "F52 Retail trade" in c.get("/enterprise/policies?lang=en").text


def test_the_english_pages_have_no_chinese_of_their_own(city: City) -> None:
    made = build(city)
    c = city.client
    # what people typed and the city's names stay as they are; nothing else is Chinese
    data = ["示范软件有限公司", "小微企业研发补贴", "规上企业免申奖励", "支持小微科技企业研发",
            "一次性补贴 5 万元", "高新技术企业", "专精特新中小企业", "李经理", "东城区",
            "东华门街道", "示范市", "多福巷社区", "西城区", "西长安街街道", "市水务局"]

    def leftover(html: str) -> list[str]:
        html = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", html, flags=re.S)
        html = re.sub(r"<[^>]+>", " ", html)
        html = html.replace('中文', "")  # the switch back to Chinese
        for d in data:
            html = html.replace(d, "")
        return [w for w in re.findall(r"\S+", html) if CJK.search(w)]

    assert lookup(c, uscc(1), PHONE).status_code == 303
    page = c.get("/enterprise/policies?lang=en").text
    assert "Policies you qualify for" in page and "Size is Small, Micro" in page
    assert not leftover(page), leftover(page)
    assert not leftover(c.get("/enterprise?lang=en").text)
    assert "For enterprises" in c.get("/?lang=en").text
    c.cookies.clear()
    _login(c, "admin")
    c.get("/staff/policies?lang=en")
    for path in ("/staff/policies", f"/staff/policies/{made['policy_id']}",
                 "/staff/policies/new", f"/staff/policies/{made['policy_id']}/edit",
                 "/staff/policies?tab=applications", "/staff/policies?tab=payouts",
                 "/staff/enterprises", f"/staff/enterprises/{made['enterprise_id']}",
                 "/staff/enterprises/new"):
        html = c.get(path).text
        assert not leftover(html), (path, leftover(html))
    r = c.post("/staff/policies/new", data=policy_form(c) | _conditions(("size", "gte", "小型")))
    assert "Condition 1: “Size” cannot use this comparison" in r.text
    assert not leftover(r.text), leftover(r.text)


def built_for_fuzz(city: City) -> dict[str, Any]:
    """What the form fuzz needs on these pages: the policies of `build`, an application
    waiting for a decision and a 免申即享 entitlement waiting for its payout."""
    made = build(city)
    c = city.client
    _login(c, "admin")
    publish(c, add_policy(c, policy_form(c, code="P-2026-03", title="小微企业免申补贴",
                                         mode="auto") | _conditions(("size", "in", "small"))))
    _logout(c)
    assert lookup(c, uscc(1), PHONE).status_code == 303
    page = c.get("/enterprise/policies").text
    match_id = re.search(r'data-match="(\d+)"[^<]*>\s*<div class="card-head">\s*<span class="tag'
                         r' ms-eligible"', page)
    assert match_id, "no match to apply for"
    c.post(f"/enterprise/policies/{match_id.group(1)}/apply",
           data={"csrf_token": _token(c, "/enterprise/policies"), "text": "申请"})
    c.cookies.clear()
    return made | {"uscc": uscc(1), "phone": PHONE}


def test_guessing_phone_numbers_on_the_enterprise_page_is_stopped(city: City) -> None:
    build(city)
    for n in range(5):
        assert lookup(city.client, uscc(1), f"1350000{n:04d}").status_code == 404
    r = lookup(city.client, uscc(1), PHONE)
    assert r.status_code == 429 and "尝试次数过多" in r.text


def test_the_liaison_follows_the_enterprise_appeals_sent_to_other_units(city: City) -> None:
    """精准帮扶: the enterprise's liaison (handler_d1) reads its 涉企诉求 wherever they were
    sent, in the API and in the inbox's own tab, and acts on none of them; other handlers
    still see only their units' appeals."""
    build(city)
    theirs = city.register(content="企业门前道路破损，货车无法进出",
                           enterprise_code=uscc(1).lower())
    other = city.register(content="西城区路灯不亮")
    # the API says whose appeal it is, normalised as stored
    assert (theirs["enterprise_code"], other["enterprise_code"]) == (uscc(1), None)
    for appeal in (theirs, other):
        city.act("dispatcher", appeal["id"], "dispatch", unit_id=city.unit_ids["D2"])
    liaison = city.headers("handler_d1")
    r = city.client.get(f"/api/v1/appeals/{theirs['id']}", headers=liaison)
    assert r.status_code == 200 and r.json()["lead_unit"]["id"] == city.unit_ids["D2"]
    assert city.client.get(f"/api/v1/appeals/{other['id']}", headers=liaison).status_code == 404
    assert city.client.get(f"/api/v1/appeals/{theirs['id']}",
                           headers=city.headers("handler_s1")).status_code == 404
    city.act("handler_d1", theirs["id"], "sign", expect=403)  # the unit it was sent to signs

    c = city.client
    _login(c, "handler_d1")
    inbox = c.get("/staff/inbox").text
    assert 'href="?tab=liaison"' in inbox and "帮扶企业诉求" in inbox
    listed = c.get("/staff/inbox?tab=liaison").text
    assert f'data-code="{theirs["code"]}"' in listed and other["code"] not in listed
    assert "data-liaison" in listed and f'/staff/appeals/{theirs["id"]}/sign' not in listed
    assert re.search(r"data-enterprise-name><dt>企业</dt><dd>示范软件有限公司</dd>", listed)
    page = c.get(f"/staff/appeals/{theirs['id']}")
    assert page.status_code == 200 and "data-enterprise" in page.text
    assert f'action="/staff/appeals/{theirs["id"]}/sign"' not in page.text
    assert c.get(f"/staff/appeals/{other['id']}").status_code == 404
    _logout(c)
    _login(c, "handler_d2")  # no enterprise to look after: no such tab
    assert "tab=liaison" not in c.get("/staff/inbox").text
    assert c.get("/staff/inbox?tab=liaison").status_code == 200  # the usual inbox instead


def test_editing_a_published_policy_warns_that_saving_matches_again(city: City) -> None:
    """The form said "新建的政策为草稿，发布后才匹配企业" under every save button, also while a
    published policy was edited, whose save texts the enterprises that now qualify and lapses
    the matches of those that no longer do."""
    made = build(city)
    c = city.client
    _login(c, "admin")
    new = c.get("/staff/policies/new").text
    assert "新建的政策为草稿" in new and "data-save-note" not in new
    published = c.get(f"/staff/policies/{made['policy_id']}/edit").text
    assert 'data-save-note="published"' in published and "新建的政策为草稿" not in published
    assert "新符合条件的企业会收到短信" in published
    draft = add_policy(c, policy_form(c, code="P-2026-03", title="草稿政策"))
    page = c.get(f"/staff/policies/{draft}/edit").text
    assert 'data-save-note="draft"' in page and "新建的政策为草稿" not in page
    # shown again after a refused save, too
    form = policy_form(c, version="") | {"csrf_token": _token(c, "/staff/policies/new"),
                                         "payout_days": "0"}
    r = c.post(f"/staff/policies/{made['policy_id']}/edit", data=form)
    assert r.status_code == 422 and 'data-save-note="published"' in r.text


def test_a_refused_decision_or_payout_keeps_what_was_typed(city: City) -> None:
    """不通过 without a reason, or a payout without its 凭证号 or with a bad amount, comes back
    with the note, the amount and the 凭证号 typed (not the policy's standard amount again),
    and nothing is recorded."""
    made = build(city)
    c = city.client
    assert lookup(c, uscc(1), PHONE).status_code == 303
    page = c.get("/enterprise/policies").text
    match_id = re.search(r'data-match="(\d+)"', page).group(1)  # type: ignore[union-attr]
    c.post(f"/enterprise/policies/{match_id}/apply",
           data={"csrf_token": _token(c, "/enterprise/policies"), "text": "申请研发补贴"})
    c.cookies.clear()
    _login(c, "handler_d1")
    token = _token(c, "/staff/policies")
    note = "材料不全：缺少研发费用专项审计报告"
    r = c.post(f"/staff/policies/matches/{match_id}/decide",
               data={"csrf_token": token, "decision": "bogus", "note": note})
    assert "请选择审核通过或不通过" in r.text
    assert f">{note}</textarea>" in r.text.split(f'data-match="{match_id}"')[1]
    r = c.post(f"/staff/policies/matches/{match_id}/decide",
               data={"csrf_token": token, "decision": "approve", "note": "材料齐全",
                     "back": "/staff/policies?tab=payouts"})
    assert "已审核通过" in r.text
    back = f"/staff/policies/{made['policy_id']}"
    for typed, message in ((("12345.67", ""), "请填写兑现凭证号"),
                           (("-5", "PZ-2026-009"), "兑现金额应为以元计的金额"),
                           (("0.001", "PZ-2026-009"), "兑现金额应为以元计的金额")):
        r = c.post(f"/staff/policies/matches/{match_id}/pay",
                   data={"csrf_token": token, "amount": typed[0], "ref": typed[1],
                         "back": back})
        assert message in r.text, typed
        card = r.text.split(f'data-match="{match_id}"')[1].split("</form>")[0]
        assert f'name="amount" inputmode="decimal" value="{typed[0]}"' in card, typed
        assert re.search(rf'name="ref"[^>]* value="{typed[1]}"', card), typed
        assert "已兑现" not in card
    # a fresh visit offers the standard amount again: what was typed is shown once
    card = c.get(back).text.split(f'data-match="{match_id}"')[1].split("</form>")[0]
    assert 'value="50000"' in card and 'value="PZ-2026-009"' not in card


def test_a_last_day_already_past_is_refused_on_the_form(city: City) -> None:
    """Such a policy could never be published: the form says so, next to the date, with
    everything typed kept, in Chinese and in English; nothing is saved."""
    c = city.client
    _login(c, "admin")
    yesterday = (utcnow().astimezone(city.runtime.settings.tz).date()
                 - timedelta(days=1)).isoformat()
    data = policy_form(c, code="P-2026-09", title="过期政策", valid_until=yesterday)
    r = c.post("/staff/policies/new", data=data)
    assert r.status_code == 422
    assert f"有效期截止日期 {yesterday} 已过，过期的政策不能发布" in r.text
    assert 'value="过期政策"' in r.text and f'value="{yesterday}"' in r.text
    assert '<div class="field invalid"><label for="p-until">' in r.text  # the date is marked
    r = c.post("/staff/policies/new?lang=en", data=data)
    assert r.status_code == 422 and f"The last day {yesterday} has passed" in r.text
    assert "P-2026-09" not in c.get("/staff/policies").text


def test_the_enterprise_search_keeps_its_words_across_pages(city: City) -> None:
    """The 企业库's 下一页 carries the search as typed: 'q=甲&乙' unencoded made the next page
    a search for 甲 (and a '#' cut the link)."""
    from html import unescape
    from urllib.parse import parse_qs, urlsplit

    c = city.client
    _login(c, "admin")
    for i in range(21):
        add_enterprise(c, uscc=uscc(10 + i), name=f"甲&乙#{i}科技有限公司")
    first = c.get("/staff/enterprises", params={"q": "甲&乙#"}).text
    nxt = re.search(r'<a href="([^"]+)">下一页', first)
    assert nxt, "a second page"
    query = parse_qs(urlsplit(unescape(nxt.group(1))).query)
    assert query == {"q": ["甲&乙#"], "page": ["2"]}
