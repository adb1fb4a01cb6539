"""精准帮扶: an enterprise's liaison is texted, at the mobile phone of their account, when one
of its 涉企诉求 is registered and when its handling deadline passes (JIESU_NOTIFY_LIAISONS).
SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from jiesu.domain.appeal import Actor, Role
from jiesu.domain.events import DomainEvent
from jiesu.jobs.sweeper import sweep_deadlines
from jiesu.services import notices
from jiesu.services.appeals import DirectAnswer, NewAppeal
from jiesu.services.clock import utcnow
from jiesu.store import notify_store
from tests.integration.test_policies import add_enterprise, uscc
from tests.integration.test_users import _ids
from tests.support.city import City

LIAISON_PHONE = "13911112222"
HEAD = "【示范市12345】"


def _enterprise_with_liaison(city: City, n: int = 61, *, phone: str | None = LIAISON_PHONE,
                             name: str | None = None) -> str:
    """An enterprise on file whose liaison is handler_d1, with `phone` on their account;
    its credit code."""
    handler = _ids(city)["handler_d1"]
    fields: dict[str, Any] = {"liaison_user_id": handler}
    if name is not None:
        fields["name"] = name
    add_enterprise(city, n, **fields)
    r = city.client.patch(f"/api/v1/admin/users/{handler}", headers=city.headers("admin"),
                          json={"phone": phone})
    assert r.status_code == 200, r.text
    return uscc(n)


def _texts(city: City, appeal_id: int | None = None) -> list[tuple[str, str, str]]:
    """(recipient, text, ref) of each liaison message, of one appeal or of all."""
    with city.runtime.db.uow(write=False) as uow:
        rows = notify_store.notifications(uow.session, kind="liaison_notice")
        return [(n.recipient, n.body, n.ref or "") for n in rows
                if appeal_id is None or (n.ref or "").startswith(f"liaison:{appeal_id}:")]


def _local(iso: str) -> str:
    return f"{datetime.fromisoformat(iso).astimezone(ZoneInfo('Asia/Shanghai')):%m月%d日 %H:%M}"


def test_a_registered_enterprise_appeal_texts_its_liaison_once(city: City) -> None:
    code = _enterprise_with_liaison(city)
    a = city.register(title="厂区门口道路破损", requester_type="enterprise",
                      enterprise_code=code.lower())  # as typed: the stored code is upper case
    assert _texts(city) == [(
        LIAISON_PHONE,
        f"{HEAD}您帮扶的企业示范科技有限公司61有新诉求（编号 {a['code']}）：厂区门口道路破损，"
        "请关注办理。", f"liaison:{a['id']}:register")]
    # the requester is texted as ever, the liaison only once; an appeal of no enterprise, or
    # of an enterprise not on file, texts no liaison
    city.register(title="路灯不亮")
    city.register(title="别家企业", enterprise_code=uscc(62))
    assert len(_texts(city)) == 1
    # a long title and name are shortened; an appeal without a title says none
    long = _enterprise_with_liaison(city, 63, name="示范" * 30 + "有限公司")
    b = city.register(title="企业厂房周边的排水管网堵塞严重每逢下雨必淹", enterprise_code=long)
    ((_, text, _),) = _texts(city, b["id"])
    assert text == (f"{HEAD}您帮扶的企业{'示范' * 14}示…有新诉求（编号 {b['code']}）："
                    "企业厂房周边的排水管网堵塞严重每逢下雨…，请关注办理。")
    c = city.register(title="", enterprise_code=long)
    assert _texts(city, c["id"])[0][1] == (
        f"{HEAD}您帮扶的企业{'示范' * 14}示…有新诉求（编号 {c['code']}），请关注办理。")


def test_a_consultation_answered_on_the_call_is_texted_as_settled(city: City) -> None:
    code = _enterprise_with_liaison(city)
    result = city.runtime.appeals.register(
        Actor(role=Role.OPERATOR, user_id=1),
        NewAppeal(kind="consult", title="稳岗补贴", content="稳岗补贴怎么申请？",
                  requester_phone="13700007777", enterprise_code=code),
        utcnow(), answer=DirectAnswer("登录人社网上办事大厅提交申请即可。"))
    assert [t for _, t, _ in _texts(city, result.appeal_id)] == [
        f"{HEAD}您帮扶的企业示范科技有限公司61有新诉求（编号 {result.code}）：稳岗补贴，"
        "已当场办结，可在“帮扶企业诉求”中查看。"]


@pytest.mark.parametrize("why", ["no phone", "inactive", "setting off"])
def test_no_liaison_is_texted(city: City, why: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Not when the liaison has no phone or was deactivated, or JIESU_NOTIFY_LIAISONS is off.
    (Imported history registers nothing, and its deadlines passed before the import text no
    liaison: test_import_warnings; an appeal registered here with channel `import` is not
    history and is texted as any.)"""
    code = _enterprise_with_liaison(city, phone=None if why == "no phone" else LIAISON_PHONE)
    body: dict[str, Any] = {"enterprise_code": code}
    if why == "inactive":
        r = city.client.patch(f"/api/v1/admin/users/{_ids(city)['handler_d1']}",
                              headers=city.headers("admin"), json={"active": False})
        assert r.status_code == 200, r.text
    elif why == "setting off":
        off = city.runtime.settings.model_copy(update={"notify_liaisons": False})
        monkeypatch.setattr(city.runtime.rules, "settings", off)
    a = city.register(**body)
    assert _texts(city) == []
    # the requester hears as before: only the liaison's text is off
    with city.runtime.db.uow(write=False) as uow:
        requester = notify_store.notifications(uow.session, kind="requester_notice",
                                               ref_prefix=f"appeal:{a['id']}:")
    assert len(requester) == 1


def test_the_handling_deadline_passed_texts_the_liaison_once(city: City) -> None:
    code = _enterprise_with_liaison(city)
    a = city.register(title="厂区停电", enterprise_code=code)
    city.act("dispatcher", a["id"], "dispatch", unit_code="D2")
    signed = city.act("handler_d2", a["id"], "sign")
    due_iso = signed["deadlines"]["handle"]
    due = datetime.fromisoformat(due_iso)
    sweep_deadlines(city.runtime, due - timedelta(minutes=30))  # yellow: not the liaison's
    assert len(_texts(city, a["id"])) == 1  # the registration's
    late = sweep_deadlines(city.runtime, due + timedelta(minutes=5))
    assert late.red == 1 and late.liaisons_texted == 1
    (_, registered, _), (phone, text, ref) = _texts(city, a["id"])
    assert phone == LIAISON_PHONE and ref == f"liaison:{a['id']}:handle:{int(due.timestamp())}"
    assert text == (f"{HEAD}您帮扶的企业示范科技有限公司61的诉求（编号 {a['code']}）：厂区停电，"
                    f"办理已超期（时限 {_local(due_iso)}），已自动督办，请关注并协调推进。")
    # swept again: nothing new; the same warning handed in again is not queued twice
    assert sweep_deadlines(city.runtime, due + timedelta(hours=2)).liaisons_texted == 0
    red = DomainEvent("deadline_warning", utcnow(), None, Role.SYSTEM,
                      {"clock": "handle", "level": "red", "due_at": due_iso})
    with city.runtime.db.uow() as uow:
        appeal, _ = uow.appeals.get(a["id"])
        assert notices.notify_liaison(uow, city.runtime.settings, appeal, [red], utcnow()) == 0
        uow.commit()
    assert len(_texts(city, a["id"])) == 2


def test_a_late_signature_texts_the_unit_not_the_liaison(city: City) -> None:
    """The signing deadline (签收) is the unit's business: its duty phone hears, the liaison
    hears of the handling deadline only."""
    code = _enterprise_with_liaison(city)
    a = city.register(enterprise_code=code)
    d = city.act("dispatcher", a["id"], "dispatch", unit_code="D2")
    due = datetime.fromisoformat(d["deadlines"]["sign"])
    assert sweep_deadlines(city.runtime, due + timedelta(minutes=5)).red == 1
    assert len(_texts(city, a["id"])) == 1
