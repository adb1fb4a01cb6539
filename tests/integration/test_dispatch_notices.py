"""An urgent appeal's unit is texted the moment it is dispatched (JIESU_NOTIFY_UNITS_ON_DISPATCH):
紧急 and 特急 appeals must be signed within 2 hours and 30 minutes, too soon to wait for
someone to open the inbox. SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from jiesu.domain.events import DomainEvent
from jiesu.services import notices as unit_notices
from jiesu.services.clock import utcnow
from jiesu.store import notify_store
from tests.support.city import City

DUTY = {"D1": "01065120001", "D1S1": "01065120011", "W": "01066120002"}


def _duty_phones(city: City) -> None:
    for code, phone in DUTY.items():
        assert city.client.put(f"/api/v1/admin/units/{code}/contact", json={
            "contact_phone": phone}, headers=city.headers("admin")).status_code == 200


def _texts(city: City, appeal_id: int) -> list[tuple[str, str]]:
    with city.runtime.db.uow(write=False) as uow:
        return [(n.recipient, n.body) for n in sorted(notify_store.notifications(
            uow.session, kind="unit_dispatch"), key=lambda n: n.id)
            if n.ref and n.ref.startswith(f"appeal:{appeal_id}:")]


def _local(iso: str) -> str:
    return f"{datetime.fromisoformat(iso).astimezone(ZoneInfo('Asia/Shanghai')):%m月%d日 %H:%M}"


def test_the_units_of_an_urgent_appeal_hear_of_it_when_it_is_dispatched(city: City) -> None:
    _duty_phones(city)
    a = city.register(title="燃气管道漏气", urgency="emergency",
                      content="多福巷3号楼道里燃气味很重，怀疑管道漏气")
    out = city.act("dispatcher", a["id"], "dispatch", unit_code="D1",
                   co_unit_ids=[city.unit_ids["W"]])
    head = f"【示范市12345】特急诉求 {a['code']}「燃气管道漏气」"
    lead, co = _texts(city, a["id"])
    assert lead == (DUTY["D1"], f"{head}已派你单位主办，"
                                f"请于 {_local(out['deadlines']['sign'])} 前签收并办理。")
    assert co == (DUTY["W"], f"{head}已派你单位协办，请配合主办单位办理。")
    # passed on to the street below: the street hears, with the handling deadline
    city.act("handler_d1", a["id"], "sign")
    passed = city.act("handler_d1", a["id"], "sub_dispatch", unit_id=city.unit_ids["D1S1"])
    assert _texts(city, a["id"])[-1] == (
        DUTY["D1S1"], f"{head}已由上级单位转派你单位办理，"
                      f"请于 {_local(passed['deadlines']['handle'])} 前办结。")
    # taken back (收回): the street is told to stop; the district, which acted, is not texted
    city.act("handler_d1", a["id"], "sub_dispatch", unit_id=city.unit_ids["D1"])
    assert _texts(city, a["id"])[-1] == (DUTY["D1S1"],
                                         f"{head}已由上级单位收回，你单位无需继续办理。")
    assert len(_texts(city, a["id"])) == 4


def test_an_ordinary_appeal_texts_no_unit_by_default(city: City) -> None:
    _duty_phones(city)
    normal = city.register()
    city.act("dispatcher", normal["id"], "dispatch", unit_code="D1")
    assert _texts(city, normal["id"]) == []
    # an imported appeal still waiting for dispatch is dispatched live: its unit must sign
    # it in time like any other's, so an urgent one texts the unit (not its requester)
    imported = city.register(channel="import", urgency="urgent")
    city.act("dispatcher", imported["id"], "dispatch", unit_code="D1")
    ((phone, text),) = _texts(city, imported["id"])
    assert phone == DUTY["D1"] and "紧急诉求" in text
    urgent = city.register(urgency="urgent", title="")
    city.act("dispatcher", urgent["id"], "dispatch", unit_code="D1S1")
    ((phone, text),) = _texts(city, urgent["id"])
    assert phone == DUTY["D1S1"] and "紧急诉求" in text and "「无标题」" in text


def test_the_setting_texts_every_dispatch_or_none(city: City) -> None:
    """all: an ordinary appeal's unit is texted too; none: not even a 特急 one's; a unit
    without a duty phone, nor one above it, is texted nothing."""
    _duty_phones(city)
    runtime = city.runtime
    cases = (("all", "normal", "D1", 1), ("none", "emergency", "D1", 0),
             ("all", "emergency", "D2", 0))  # 西城区 and the city have no duty phone
    for wanted, urgency, unit, expected in cases:
        settings = runtime.settings.model_copy(update={"notify_units_on_dispatch": wanted})
        a = city.register(urgency=urgency)
        city.act("dispatcher", a["id"], "dispatch", unit_code=unit)
        event = DomainEvent("dispatch", utcnow(), None, "dispatcher",
                            {"unit_id": city.unit_ids[unit], "co_unit_ids": []})
        with runtime.db.uow() as uow:
            appeal, _ = uow.appeals.get(a["id"])
            assert unit_notices.notify_units(uow, settings, appeal, [event], utcnow()) == (
                expected), (wanted, urgency, unit)
