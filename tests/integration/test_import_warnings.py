"""Day one: open history imported with `jiesu import` whose deadlines passed before the import
turns red on the first sweep (warning, automatic 督办, the board) but does not text one SMS per
appeal: each duty phone gets one digest, the 精准帮扶 liaison none. A deadline that passes after
the import (a reopened appeal's, one still ahead when imported) texts as usual.
SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, select

from jiesu.jobs.sweeper import sweep_deadlines
from jiesu.services import notices
from jiesu.services.clock import utcnow
from jiesu.store import notify_store
from jiesu.store.notify_tables import HistoryDigestRow
from jiesu.store.tables import AppealRow
from jiesu.store.uow import UnitOfWork
from tests.integration.test_dispatch_notices import DUTY, _duty_phones
from tests.integration.test_liaison_notices import LIAISON_PHONE, _enterprise_with_liaison
from tests.support.city import City
from tests.support.imports import import_rows, imported

MAPPING = """
name = "old_12345"
[source]
format = "csv"
id_prefix = "old:"
[fields]
source_id = "工单号"
created_at = "受理时间"
title = "标题"
content = "诉求描述"
lead_unit = { column = "责任单位", match = "code" }
dispatched_at = "派发时间"
replied_at = "答复时间"
reply_text = "答复内容"
enterprise_code = "信用代码"
requester_phone = "来电号码"
channel = { value = "hotline" }
[fields.status]
column = "工单状态"
map = { "待签收" = "dispatched", "办理中" = "in_progress", "已答复" = "replied" }
"""
HEADER = ["工单号", "受理时间", "标题", "诉求描述", "责任单位", "工单状态", "派发时间", "答复时间",
          "答复内容", "信用代码", "来电号码"]
LONG_AGO = "2025-03-03 09:00"  # dispatched then: its handling deadline passed long before


def _row(ref: str, unit: str, *, dispatched: str = LONG_AGO, enterprise: str = "",
         replied: str = "", phone: str = "", signed: bool = True) -> list[str]:
    status = "已答复" if replied else "办理中" if signed else "待签收"
    return [ref, dispatched, f"历史诉求{ref}", f"历史诉求{ref}的内容", unit, status, dispatched,
            replied, "已处理" if replied else "", enterprise, phone]


def _import(city: City, tmp_path: Path, rows: list[list[str]], at: datetime) -> None:
    import_rows(city, tmp_path, MAPPING, HEADER, rows, at)


def _texts(city: City, kind: str) -> list[tuple[str, str, str]]:
    """(recipient, text, ref) of each message of `kind`, in the order queued."""
    with city.runtime.db.uow(write=False) as uow:
        rows = sorted(notify_store.notifications(uow.session, kind=kind), key=lambda n: n.id)
        return [(n.recipient, n.body, n.ref or "") for n in rows]


def _appeal(city: City, ref: str) -> AppealRow:
    return imported(city, f"old:{ref}")


def _pending_digests(city: City) -> list[tuple[str, int]]:
    """(duty phone, late 办理 count) of each digest recorded but not yet queued."""
    with city.runtime.db.uow(write=False) as uow:
        return sorted((r.recipient, r.handle_red)
                      for r in uow.session.scalars(select(HistoryDigestRow)))


def test_history_late_before_the_import_texts_one_digest_per_duty_phone(
        city: City, tmp_path: Path) -> None:
    _duty_phones(city)  # D1, D1S1 (under D1) and W have duty phones; D2 has none
    firm = _enterprise_with_liaison(city)
    rows = ([_row(f"D1-{i}", "D1") for i in range(12)]
            + [_row(f"S1-{i}", "D1S1") for i in range(8)]
            + [_row(f"W-{i}", "W", enterprise=firm) for i in range(6)]
            + [_row(f"D2-{i}", "D2S1") for i in range(3)])  # no phone up its chain
    now = utcnow()
    _import(city, tmp_path, rows, now)
    result = sweep_deadlines(city.runtime, now + timedelta(minutes=1))
    # the appeals are red and 督办 as any late appeal (timeline, board, KPIs)
    assert (result.red, result.yellow, result.supervised) == (29, 0, 29)
    row = _appeal(city, "W-0")
    assert (row.handle_warning, row.supervision_count) == ("red", 1)
    # one text per duty phone, not 26; the liaison hears of none of its 6
    digests = _texts(city, "deadline_warning")
    assert sorted((p, t) for p, t, _ in digests) == sorted([
        (DUTY["D1"], "【示范市12345】导入的历史诉求中有 12 件办理已超期，已自动督办，"
                     "请登录系统查看。"),
        (DUTY["D1S1"], "【示范市12345】导入的历史诉求中有 8 件办理已超期，已自动督办，"
                       "请登录系统查看。"),
        (DUTY["W"], "【示范市12345】导入的历史诉求中有 6 件办理已超期，已自动督办，"
                    "请登录系统查看。")])
    assert result.units_texted == 3 and result.liaisons_texted == 0
    assert _texts(city, "liaison_notice") == []
    # swept again: nothing new
    again = sweep_deadlines(city.runtime, now + timedelta(hours=1))
    assert (again.red, again.units_texted) == (0, 0)
    assert len(_texts(city, "deadline_warning")) == 3


def test_a_digest_counts_appeals_not_warnings(city: City, tmp_path: Path) -> None:
    """件 counts appeals: one imported appeal late on both clocks (never signed) is 1 件, with
    the clocks named after it; with another late on one clock, of a later import, 2 件."""
    _duty_phones(city)
    now = utcnow()
    _import(city, tmp_path, [_row("BOTH", "D1", signed=False)], now)
    result = sweep_deadlines(city.runtime, now + timedelta(minutes=1))
    assert (result.red, result.units_texted) == (2, 1)
    late = ("【示范市12345】导入的历史诉求中有 {} 件已超期（签收 1、办理 {}），已自动督办，"
            "请登录系统查看。")
    assert [(p, t) for p, t, _ in _texts(city, "deadline_warning")] == [
        (DUTY["D1"], late.format(1, 1))]
    later = now + timedelta(hours=1)
    _import(city, tmp_path, [_row("BOTH-2", "D1", signed=False), _row("HANDLE", "D1")], later)
    result = sweep_deadlines(city.runtime, later + timedelta(minutes=1))
    assert (result.red, result.units_texted) == (3, 1)
    assert [(p, t) for p, t, _ in _texts(city, "deadline_warning")][1:] == [
        (DUTY["D1"], late.format(2, 2))]


def test_a_deadline_that_passes_after_the_import_texts_as_usual(city: City,
                                                                 tmp_path: Path) -> None:
    """A deadline still ahead when imported: yellow and red text the unit one by one, and red
    the liaison; one whose yellow time had come when imported goes into the digest; a reopened
    appeal's new deadline texts as any."""
    _duty_phones(city)
    firm = _enterprise_with_liaison(city)
    now = utcnow()
    _import(city, tmp_path, [_row("AHEAD", "W", enterprise=firm, dispatched=(
        now - timedelta(hours=1)).strftime("%Y-%m-%d %H:%M:%S"))], now)
    due = _appeal(city, "AHEAD").handle_due_at
    assert due is not None
    # dispatched at the same time, imported a minute before that deadline: yellow already
    _import(city, tmp_path, [_row("NEARLY", "W", dispatched=(
        now - timedelta(hours=1)).strftime("%Y-%m-%d %H:%M:%S"))], due - timedelta(minutes=1))
    assert _appeal(city, "NEARLY").handle_due_at == due
    yellow = sweep_deadlines(city.runtime, due - timedelta(seconds=30))
    assert (yellow.yellow, yellow.units_texted) == (2, 2)
    (_, ahead, ref), (_, nearly, _) = _texts(city, "deadline_warning")
    assert ref == f"appeal:{_appeal(city, 'AHEAD').id}:handle:yellow"
    assert "历史诉求AHEAD" in ahead and "办理时限将于" in ahead
    assert nearly == "【示范市12345】导入的历史诉求中有 1 件办理即将到期，请登录系统查看。"
    red = sweep_deadlines(city.runtime, due + timedelta(minutes=5))
    assert (red.red, red.units_texted, red.liaisons_texted) == (2, 2, 1)
    texts = [t for _, t, _ in _texts(city, "deadline_warning")[2:]]
    assert all("办理已超期" in t and "「历史诉求" in t for t in texts)  # one by one
    ((phone, text, _),) = _texts(city, "liaison_notice")
    assert phone == LIAISON_PHONE and "历史诉求AHEAD" in text and "办理已超期" in text
    # replied long ago (its 回访 is late: the follow-up agents' business, no unit's text),
    # reopened now: its new handling deadline is the unit's and the liaison's as any
    _import(city, tmp_path, [_row("REPLIED", "W", enterprise=firm,
                                  replied="2025-03-10 09:00", phone="13700008888")], now)
    sweep_deadlines(city.runtime, now + timedelta(minutes=1))
    before = len(_texts(city, "deadline_warning"))
    out = city.act("dispatcher", _appeal(city, "REPLIED").id, "reopen", reason="仍未解决")
    again = datetime.fromisoformat(out["deadlines"]["handle"])
    late = sweep_deadlines(city.runtime, again + timedelta(minutes=5))
    assert (late.red, late.units_texted, late.liaisons_texted) == (1, 1, 1)
    assert before + 1 == len(_texts(city, "deadline_warning"))
    assert "历史诉求REPLIED" in _texts(city, "deadline_warning")[-1][1]
    assert "历史诉求REPLIED" in _texts(city, "liaison_notice")[-1][1]
    # its requester is not texted of the 重办: imported, though its mapping set `hotline`
    assert _texts(city, "requester_notice") == []


def test_appeals_registered_with_channel_import_are_not_history(city: City) -> None:
    """Only what `jiesu import` wrote (its import marker) is history: an appeal registered
    live whose channel is `import` texts its requester and its warnings as any."""
    _duty_phones(city)
    a = city.register(channel="import")
    ((phone, accepted, _),) = _texts(city, "requester_notice")
    assert phone == "13812345678" and f"您的诉求已受理，编号 {a['code']}" in accepted
    d = city.act("dispatcher", a["id"], "dispatch", unit_code="D1")
    due = datetime.fromisoformat(d["deadlines"]["sign"])
    result: Any = sweep_deadlines(city.runtime, due + timedelta(minutes=5))
    assert (result.red, result.units_texted) == (1, 1)
    ((_, text, _),) = _texts(city, "deadline_warning")
    assert "签收已超期" in text


def test_an_enterprise_appeal_handed_down_from_above_texts_its_liaison(city: City) -> None:
    """上级交办 (channel `supervisor`) is current work, not history: the liaison hears of it as
    of any 涉企诉求 (the quiet channel spares only its requester, the leader who handed it
    down), and of its handling deadline passing."""
    firm = _enterprise_with_liaison(city)
    a = city.register(channel="supervisor", enterprise_code=firm, title="企业用地审批久拖")
    city.act("dispatcher", a["id"], "dispatch", unit_code="D2")
    due = datetime.fromisoformat(city.act("handler_d2", a["id"], "sign")["deadlines"]["handle"])
    late = sweep_deadlines(city.runtime, due + timedelta(minutes=5))
    assert (late.red, late.liaisons_texted) == (1, 1)
    texts = [t for p, t, _ in _texts(city, "liaison_notice") if p == LIAISON_PHONE]
    assert len(texts) == 2 and "有新诉求" in texts[0] and "办理已超期" in texts[1]
    assert _texts(city, "requester_notice") == []


class _Died(Exception):
    """The sweeping process dies (killed, the machine lost power)."""


def test_a_sweep_that_dies_before_queuing_its_digests_leaves_them_to_the_next_pass(
        city: City, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The digest is recorded in the transaction that records the warnings: a process that
    dies after its batches committed, before the digests were queued, loses none; the next
    pass (whichever process runs it) queues each once."""
    _duty_phones(city)
    now = utcnow()
    _import(city, tmp_path, [_row(f"D1-{i}", "D1") for i in range(5)]
            + [_row(f"W-{i}", "W") for i in range(2)], now)
    db = city.runtime.db
    opened: list[bool] = []

    def dies_after_its_batch(*, write: bool = True) -> UnitOfWork:
        # 7 appeals: the pass's one batch is its first transaction; the process dies before
        # it opens another
        if opened:
            raise _Died
        opened.append(write)
        return UnitOfWork(db, write=write)

    monkeypatch.setattr(db, "uow", dies_after_its_batch)
    with pytest.raises(_Died):
        sweep_deadlines(city.runtime, now + timedelta(minutes=1))
    monkeypatch.undo()
    assert _appeal(city, "D1-0").handle_warning == "red"  # the warnings are recorded
    assert _texts(city, "deadline_warning") == []
    assert _pending_digests(city) == [(DUTY["D1"], 5), (DUTY["W"], 2)]
    # the next pass has no appeal to sweep, and queues what the dead one recorded
    again = sweep_deadlines(city.runtime, now + timedelta(minutes=2))
    assert (again.checked, again.red, again.units_texted) == (0, 0, 2)
    texts = _texts(city, "deadline_warning")
    late = "【示范市12345】导入的历史诉求中有 {} 件办理已超期，已自动督办，请登录系统查看。"
    assert sorted((p, t) for p, t, _ in texts) == sorted([(DUTY["D1"], late.format(5)),
                                                          (DUTY["W"], late.format(2))])
    assert {r for _, _, r in texts} == {f"imported:{int(now.timestamp())}:{DUTY[u]}"
                                        for u in ("D1", "W")}
    assert _pending_digests(city) == []
    assert sweep_deadlines(city.runtime, now + timedelta(minutes=3)).units_texted == 0
    assert len(_texts(city, "deadline_warning")) == 2


def test_sweepers_side_by_side_queue_every_digest_once(city: City, tmp_path: Path) -> None:
    """Several sweeping processes on one PostgreSQL: a digest one of them holds is skipped by
    the other, not waited for, and queued once; and two passes at once in small batches put
    every warning in exactly one digest."""
    if city.runtime.db.dialect != "postgresql":
        pytest.skip("SQLite has one writer at a time: its write lock serialises the passes")
    from tests.support.concurrency import side_by_side
    _duty_phones(city)
    db, settings = city.runtime.db, city.runtime.settings
    now = utcnow()
    with db.uow() as uow:
        notify_store.add_to_history_digest(uow.session, DUTY["D1"], now.isoformat(),
                                           {("handle", "red"): 3}, now, appeals=3)
        uow.commit()
    sent: list[int] = []
    with db.uow() as holder:  # another process is queuing it
        assert len(notify_store.claim_history_digests(holder.session, 10)) == 1
        other = threading.Thread(target=lambda: sent.append(
            notices.send_history_digests(db, settings, now)))
        other.start()
        other.join(timeout=20)
        assert not other.is_alive() and sent == [0]  # skipped, not waited for
    assert notices.send_history_digests(db, settings, now) == 1  # the holder died: still there
    assert notices.send_history_digests(db, settings, now) == 0
    _import(city, tmp_path, [_row(f"D1-{i}", "D1") for i in range(40)]
            + [_row(f"W-{i}", "W") for i in range(20)], now)
    results = side_by_side(city.runtime,
                           lambda rt: sweep_deadlines(rt, now + timedelta(minutes=1), batch=5))
    assert sum(r.red for r in results) == 60
    counted: dict[str, int] = {}
    for phone, text, _ in _texts(city, "deadline_warning")[1:]:
        counted[phone] = counted.get(phone, 0) + int(text.split("有 ")[1].split(" 件")[0])
    assert counted == {DUTY["D1"]: 40, DUTY["W"]: 20}
    assert _pending_digests(city) == []


def test_an_import_whose_time_is_unknown_is_history_whatever_its_channel(
        city: City, tmp_path: Path) -> None:
    """An appeal with the import marker but no import time (one the import wrote before it
    kept its time, that migration 0033 found no `import` event for) is history all the same:
    its late warnings go into the digest, and its requester (the mapping gave it the channel
    `hotline`) is not texted, a reopening included, while its unit is."""
    _duty_phones(city)
    now = utcnow()
    _import(city, tmp_path, [_row(f"OLD-{i}", "D1", phone="13700008888") for i in range(3)]
            + [_row("DONE", "D1", replied="2025-03-10 09:00", phone="13700009999")], now)
    with city.runtime.db.uow() as uow:
        for row in uow.session.scalars(select(AppealRow)):
            assert row.channel == "hotline"
            row.extra = {**row.extra, "import": {k: v for k, v in row.extra["import"].items()
                                                 if k != "at"}}
        uow.commit()
    result = sweep_deadlines(city.runtime, now + timedelta(minutes=1))
    assert (result.red, result.units_texted) == (4, 1)  # DONE's late 回访: no unit's business
    ((phone, text, ref),) = _texts(city, "deadline_warning")
    assert (phone, ref) == (DUTY["D1"], f"imported:unknown:{DUTY['D1']}")
    assert text == "【示范市12345】导入的历史诉求中有 3 件办理已超期，已自动督办，请登录系统查看。"
    city.act("dispatcher", _appeal(city, "DONE").id, "reopen", reason="仍未解决")
    assert _texts(city, "requester_notice") == []
    assert len(_texts(city, "unit_decision")) == 1


def test_a_pass_without_digests_takes_no_write_lock(city: City) -> None:
    """The sweeper sends imported history's digests every pass: one with none to send only
    reads, so that on SQLite it does not take the write lock (BEGIN IMMEDIATE) each time, and
    on PostgreSQL it locks no rows (FOR UPDATE); one with a digest still claims it."""
    db, settings = city.runtime.db, city.runtime.settings
    statements: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        statements.append(statement.upper())

    def writes() -> list[str]:
        return [s for s in statements if "BEGIN IMMEDIATE" in s or "FOR UPDATE" in s]

    now = utcnow()
    event.listen(db.engine, "before_cursor_execute", record)
    try:
        assert notices.send_history_digests(db, settings, now) == 0
        assert writes() == [], statements
        _duty_phones(city)
        with db.uow() as uow:
            notify_store.add_to_history_digest(uow.session, DUTY["D1"], now.isoformat(),
                                               {("handle", "red"): 2}, now, appeals=2)
            uow.commit()
        statements.clear()
        assert notices.send_history_digests(db, settings, now) == 1
        assert writes() != [], statements  # the listener sees a claim when there is one
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
