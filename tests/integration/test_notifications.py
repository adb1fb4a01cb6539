"""Sending the notification outbox, on SQLite and PostgreSQL: only what committed is sent, each
message once per claim, failures retried with backoff, given up for good when retrying cannot
help, several senders at once never share a message, and the admin list masks recipients."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from jiesu.adapters.notify import Notifier, NotifyError, NullNotifier
from jiesu.domain.appeal import Actor, Role
from jiesu.domain.notification import Message
from jiesu.jobs.sweeper import run_all
from jiesu.runtime import Runtime
from jiesu.services.appeals import DirectAnswer, NewAppeal
from jiesu.services.clock import utcnow
from jiesu.services.notifications import DeliveryResult, deliver_due
from jiesu.store import notify_store
from jiesu.store.notify_tables import NotificationRow
from tests.support.city import City, page_login
from tests.support.concurrency import side_by_side
from tests.support.imports import import_rows, imported

T0 = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)
PHONE = "13800138000"


def _enqueue(runtime: Runtime, n: int = 1, *, channel: str = "sms", recipient: str = PHONE,
             at: datetime = T0, commit: bool = True) -> list[int]:
    with runtime.db.uow() as uow:
        rows = [notify_store.enqueue(uow.session, channel=channel, recipient=recipient,
                                     body=f"您的企业符合第{i}项政策的申报条件", kind="policy_match",
                                     now=at, ref=f"policy_match:{i}") for i in range(n)]
        uow.session.flush()
        ids = [r.id for r in rows]
        if commit:
            uow.commit()
    return ids


def _row(runtime: Runtime, notification_id: int) -> NotificationRow:
    with runtime.db.uow(write=False) as uow:
        row = uow.session.get(NotificationRow, notification_id)
        assert row is not None
        uow.session.expunge(row)
        return row


class Failing:
    """Fails the first `times` sends with the given error, then takes messages."""

    def __init__(self, times: int, *, permanent: bool = False) -> None:
        self.times, self.permanent = times, permanent
        self.tried: list[Message] = []
        self.sent: list[Message] = []

    def send(self, message: Message) -> None:
        self.tried.append(message)
        if len(self.tried) <= self.times:
            raise NotifyError("HTTP 503: gateway busy" if not self.permanent else "HTTP 400",
                              permanent=self.permanent)
        self.sent.append(message)


class Recording:
    """A channel that takes every message (a gateway that works), keeping what it took."""

    def __init__(self) -> None:
        self.sent: list[Message] = []

    def send(self, message: Message) -> None:
        self.sent.append(message)


def _channels(sms: Notifier) -> dict[str, Notifier]:
    return {"sms": sms, "email": NullNotifier("email"), "webhook": NullNotifier("webhook")}


def test_what_rolled_back_is_never_sent(runtime: Runtime) -> None:
    _enqueue(runtime, 2, commit=False)
    result = run_all(runtime, T0 + timedelta(minutes=5))
    assert result.notified == DeliveryResult()
    sms = runtime.notifiers["sms"]
    assert isinstance(sms, NullNotifier) and list(sms.sent) == []


def test_committed_messages_are_sent_once_by_the_runtimes_notifier(runtime: Runtime) -> None:
    [first, second] = _enqueue(runtime, 2)
    sms = Recording()
    runtime.notifiers = _channels(sms)
    result = run_all(runtime, T0)
    assert result.notified == DeliveryResult(sent=2)
    assert sorted(m.id for m in sms.sent) == [first, second]
    assert {m.recipient for m in sms.sent} == {PHONE}
    assert run_all(runtime, T0 + timedelta(hours=2)).notified == DeliveryResult()
    assert len(sms.sent) == 2
    row = _row(runtime, first)
    assert (row.status, row.attempts, row.sent_at, row.next_attempt_at) == ("sent", 1, T0, None)


def test_a_channel_without_a_gateway_records_its_messages_as_skipped_not_sent(
        runtime: Runtime) -> None:
    """A null channel (nothing configured, as in the tests) only logs: the outbox must not say
    the SMS went out. Skipped messages are done: not tried again, not queued by 重发."""
    [nid] = _enqueue(runtime)
    sms = runtime.notifiers["sms"]
    assert isinstance(sms, NullNotifier)  # nothing configured in the tests
    assert run_all(runtime, T0).notified == DeliveryResult(skipped=1)
    assert [m.id for m in sms.sent] == [nid]  # it logged it
    row = _row(runtime, nid)
    assert (row.status, row.attempts, row.sent_at, row.next_attempt_at) == (
        "skipped", 1, T0, None)
    assert run_all(runtime, T0 + timedelta(hours=2)).notified == DeliveryResult()
    with runtime.db.uow() as uow:
        assert notify_store.retry_failed(uow.session, T0) == 0
        # a late failure report of an attempt that was meanwhile recorded leaves it skipped
        notify_store.mark_failed(uow.session, nid, "HTTP 503", permanent=False,
                                 next_attempt_at=T0)
        uow.commit()
    assert _row(runtime, nid).status == "skipped"


def test_a_message_enqueued_for_later_waits(runtime: Runtime) -> None:
    _enqueue(runtime, at=T0 + timedelta(minutes=10))
    assert deliver_due(runtime.db, runtime.notifiers, T0).handled == 0
    assert deliver_due(runtime.db, runtime.notifiers, T0 + timedelta(minutes=10)).handled == 1


def test_a_failure_is_retried_with_backoff_and_its_error_kept(runtime: Runtime) -> None:
    [nid] = _enqueue(runtime)
    flaky = Failing(times=3)
    runtime.notifiers = _channels(flaky)
    now = T0
    for attempt, wait in ((1, 1), (2, 2), (3, 4)):
        result = run_all(runtime, now)
        assert result.notified == DeliveryResult(retried=1)
        row = _row(runtime, nid)
        assert (row.status, row.attempts) == ("pending", attempt)
        assert row.next_attempt_at == now + timedelta(minutes=wait)
        assert row.last_error == "HTTP 503: gateway busy"
        # not due again before the backoff has passed
        almost = now + timedelta(minutes=wait) - timedelta(seconds=1)
        assert deliver_due(runtime.db, runtime.notifiers, almost) == DeliveryResult()
        now += timedelta(minutes=wait)
    assert run_all(runtime, now).notified == DeliveryResult(sent=1)
    row = _row(runtime, nid)
    assert (row.status, row.attempts, row.sent_at) == ("sent", 4, now)
    assert row.last_error == "HTTP 503: gateway busy"  # the history stays visible
    assert [m.attempt for m in flaky.tried] == [1, 2, 3, 4]


def test_after_the_last_attempt_the_message_fails(runtime: Runtime,
                                                 caplog: pytest.LogCaptureFixture) -> None:
    [nid] = _enqueue(runtime)
    never = Failing(times=100)
    now = T0
    for _ in range(2):
        assert deliver_due(runtime.db, _channels(never), now, max_attempts=3).retried == 1
        now += timedelta(hours=1)
    assert deliver_due(runtime.db, _channels(never), now, max_attempts=3).failed == 1
    row = _row(runtime, nid)
    assert (row.status, row.attempts, row.next_attempt_at) == ("failed", 3, None)
    assert row.last_error == "HTTP 503: gateway busy"
    assert deliver_due(runtime.db, _channels(never), now + timedelta(days=1)) == DeliveryResult()
    assert "notification failed" in caplog.text and PHONE not in caplog.text


def test_a_permanent_failure_fails_at_once(runtime: Runtime) -> None:
    [nid] = _enqueue(runtime)
    runtime.notifiers = _channels(Failing(times=1, permanent=True))
    assert run_all(runtime, T0).notified == DeliveryResult(failed=1)
    row = _row(runtime, nid)
    assert (row.status, row.attempts, row.last_error) == ("failed", 1, "HTTP 400")


def test_a_channel_that_raises_does_not_lose_the_message(runtime: Runtime) -> None:
    class Broken:
        def send(self, message: Message) -> None:
            raise RuntimeError("bug in a channel")

    [nid] = _enqueue(runtime)
    assert deliver_due(runtime.db, _channels(Broken()), T0) == DeliveryResult(retried=1)
    row = _row(runtime, nid)
    assert row.status == "pending" and row.last_error == "RuntimeError: bug in a channel"


def test_a_sender_that_stopped_mid_send_leaves_the_message_to_the_next_pass(
        runtime: Runtime) -> None:
    """At least once: claimed (leased) but never recorded, it is sent after the lease lapses."""
    [nid] = _enqueue(runtime)
    with runtime.db.uow() as uow:  # a pass that claims, then its process dies
        assert [r.id for r in notify_store.claim_due(uow.session, T0, 10)] == [nid]
        uow.commit()
    sms = Recording()
    assert deliver_due(runtime.db, _channels(sms), T0 + timedelta(minutes=1)) == DeliveryResult()
    assert deliver_due(runtime.db, _channels(sms),
                       T0 + notify_store.LEASE) == DeliveryResult(sent=1)
    assert [m.attempt for m in sms.sent] == [2]


def test_two_senders_at_once_never_send_the_same_message(runtime: Runtime) -> None:
    ids = _enqueue(runtime, 60)
    got: list[int] = []
    lock = threading.Lock()

    class Slow:
        def send(self, message: Message) -> None:
            time.sleep(0.002)  # sending takes a while: the other sender claims meanwhile
            with lock:
                got.append(message.id)

    def run(rt: Runtime) -> None:
        for _ in range(10):  # passes until the outbox is empty
            if deliver_due(rt.db, _channels(Slow()), T0, batch=25).handled == 0:
                break

    side_by_side(runtime, run)
    assert sorted(got) == sorted(ids), [i for i, n in Counter(got).items() if n > 1]
    with runtime.db.uow(write=False) as uow:
        assert notify_store.counts_by_status(uow.session) == {"pending": 0, "sent": 60,
                                                              "skipped": 0, "failed": 0}


def test_an_open_claim_is_skipped_not_waited_for_on_postgresql(runtime: Runtime) -> None:
    if runtime.db.dialect != "postgresql":
        pytest.skip("SQLite has one writer at a time: its write lock serialises the claims")
    ids = _enqueue(runtime, 6)
    other = Runtime.create(runtime.settings)
    try:
        with runtime.db.uow() as first, other.db.uow() as second:
            mine = [r.id for r in notify_store.claim_due(first.session, T0, 4)]
            theirs = [r.id for r in notify_store.claim_due(second.session, T0, 4)]
            assert mine == ids[:4] and theirs == ids[4:]
    finally:
        other.close()


def test_admin_sees_the_outbox_failed_first_with_phones_masked(runtime: Runtime,
                                                                city: City) -> None:
    [ok] = _enqueue(runtime)
    [bad] = _enqueue(runtime, recipient="13912345678")
    _enqueue(runtime, channel="email", recipient="boss@firm.example")
    [logged] = _enqueue(runtime, channel="webhook", recipient="督办系统")
    with runtime.db.uow() as uow:
        notify_store.mark_sent(uow.session, ok, T0)
        notify_store.mark_sent(uow.session, logged, T0, skipped=True)
        notify_store.mark_failed(uow.session, bad, "HTTP 400: 号码无效", permanent=True,
                                 next_attempt_at=None)
        uow.commit()
    r = city.client.get("/api/v1/admin/notifications", headers=city.headers("admin"))
    assert r.status_code == 200, r.text
    page = r.json()
    assert page["total"] == 4 and page["counts"] == {"pending": 1, "sent": 1, "skipped": 1,
                                                     "failed": 1}
    assert [i["status"] for i in page["items"]] == ["failed", "pending", "skipped", "sent"]
    assert [i["recipient"] for i in page["items"]] == ["139****5678", "b***@firm.example",
                                                        "督办系统", "138****8000"]
    assert page["items"][0]["last_error"] == "HTTP 400: 号码无效"
    for secret in (PHONE, "13912345678", "boss@"):
        assert secret not in r.text

    r = city.client.get("/api/v1/admin/notifications", params={"status": "sent", "per_page": 1},
                        headers=city.headers("admin"))
    assert [i["id"] for i in r.json()["items"]] == [ok] and r.json()["total"] == 1
    r = city.client.get("/api/v1/admin/notifications", params={"status": "lost"},
                        headers=city.headers("admin"))
    assert r.status_code == 422

    for role in ("dispatcher", "analyst", "auditor"):
        r = city.client.get("/api/v1/admin/notifications", headers=city.headers(role))
        assert r.status_code == 403, role
        assert r.json()["error"]["message"] == "只有管理员可以查看通知发送记录"
    assert city.client.get("/api/v1/admin/notifications").status_code == 401


@pytest.mark.slow
def test_the_cli_sends_one_pass(runtime: Runtime, db_url: str, tmp_path: Path) -> None:
    _enqueue(runtime, 2, at=datetime(2020, 1, 1, tzinfo=UTC))
    env = {**os.environ, "JIESU_DATABASE_URL": db_url, "JIESU_ENVIRONMENT": "test"}
    r = subprocess.run([sys.executable, "-m", "jiesu.cli", "notify", "send"], env=env,
                       cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    # the CLI's runtime has no channel configured either: only logged, and it says so
    assert "通知：发出 0，待重试 0，失败 0；未配置通道、未发送 2" in r.stdout
    with runtime.db.uow(write=False) as uow:
        assert notify_store.counts_by_status(uow.session)["skipped"] == 2


def test_the_requester_is_texted_at_registration_rejection_merge_and_reply(
        city: City) -> None:
    """受理 with the code, 不予受理 with why, 合并 with the code to follow, 答复: each an SMS in
    the outbox, written with the step; steps in between send nothing."""
    def texts(appeal_id: int) -> list[str]:
        with city.runtime.db.uow(write=False) as uow:
            return [n.body for n in notify_store.notifications(uow.session,
                                                               kind="requester_notice")
                    if n.ref and n.ref.startswith(f"appeal:{appeal_id}:")]

    a = city.register(requester_phone="13700001234")
    assert texts(a["id"]) == [f"【示范市12345】您的诉求已受理，编号 {a['code']}。"
                              "凭编号和手机号可在 /track 查询办理进度。"]
    city.act("dispatcher", a["id"], "dispatch", unit_code="D1")
    city.act("handler_d1", a["id"], "sign")
    city.act("handler_d1", a["id"], "contact", note="已电话联系")
    assert len(texts(a["id"])) == 1
    city.act("handler_d1", a["id"], "reply", text="路灯已修复", claim="solved")
    assert "已答复" in texts(a["id"])[-1] and len(texts(a["id"])) == 2
    b = city.register(requester_phone="13700004321")
    city.act("dispatcher", b["id"], "reject", reason="litigation")
    assert "原因：该事项应通过诉讼途径解决" in texts(b["id"])[-1]
    c, d = city.register(requester_phone="13700005555"), city.register()
    city.act("dispatcher", c["id"], "merge", target_code=d["code"])
    # the requester's own code opens the tracking page (which shows the other appeal): the
    # other appeal's code would not open with this phone, so it is not what the text offers
    assert f"编号 {c['code']}）已与同一问题的诉求合并办理，可凭本编号查询" in texts(c["id"])[-1]
    assert d["code"] not in texts(c["id"])[-1]
    with city.runtime.db.uow(write=False) as uow:
        sms = [n.recipient for n in notify_store.notifications(uow.session,
                                                                kind="requester_notice")
               if n.ref == f"appeal:{c['id']}:merge"]
    assert sms == ["13700005555"]
    # only what `jiesu import` wrote is quiet (its import marker: test_import_warnings); an
    # appeal registered live whose channel is `import` is told as any
    live = city.register(channel="import", requester_phone="13700006666")
    (accepted,) = texts(live["id"])
    assert f"您的诉求已受理，编号 {live['code']}" in accepted


def test_a_consultation_answered_on_the_call_is_texted_as_answered_not_as_accepted(
        city: City) -> None:
    """直接答复 closes the appeal as it is registered: one text saying it was answered (with the
    code to read the answer by), not 已受理…查询办理进度 for progress that will never come."""
    operator = Actor(role=Role.OPERATOR, user_id=1)
    result = city.runtime.appeals.register(
        operator, NewAppeal(kind="consult", content="公积金怎么提取？",
                            requester_phone="13700007777"),
        utcnow(), answer=DirectAnswer("登录公积金网上大厅提交申请即可。"))
    with city.runtime.db.uow(write=False) as uow:
        texts = [n.body for n in notify_store.notifications(uow.session, kind="requester_notice")
                 if n.ref and n.ref.startswith(f"appeal:{result.appeal_id}:")]
    assert texts == [f"【示范市12345】您的咨询（编号 {result.code}）已直接答复办结。"
                     "凭编号和手机号可在 /track 查看答复内容。"]


def test_deadline_warnings_are_texted_to_the_responsible_units_duty_phone(city: City) -> None:
    """DESIGN §4: yellow and red warnings raise notifications. The unit that must sign (the
    lead unit) is texted at its duty phone, or at the nearest unit above it that has one."""
    from jiesu.jobs.sweeper import sweep_deadlines

    admin = city.headers("admin")
    r = city.client.put("/api/v1/admin/units/D1/contact", headers=admin,
                        json={"contact_phone": "010-6512 3456"})
    assert r.status_code == 200 and r.json()["contact_phone"] == "01065123456", r.text
    bad = city.client.put("/api/v1/admin/units/D1/contact", headers=admin,
                          json={"contact_phone": "值班室"})
    assert bad.status_code == 422 and "值班电话" in bad.json()["error"]["message"]
    assert city.client.put("/api/v1/admin/units/NOPE/contact", headers=admin,
                           json={"contact_phone": "01065123456"}).status_code == 404
    a = city.register(title="多福巷路灯不亮")
    d = city.act("dispatcher", a["id"], "dispatch", unit_code="D1S1")  # the street has none
    due = datetime.fromisoformat(d["deadlines"]["sign"])
    sweep_deadlines(city.runtime, due - timedelta(minutes=30))  # inside the yellow window
    result = sweep_deadlines(city.runtime, due + timedelta(minutes=5))
    assert result.units_texted == 1
    with city.runtime.db.uow(write=False) as uow:
        sent = [(n.recipient, n.body) for n in notify_store.notifications(
            uow.session, kind="deadline_warning") if n.ref and n.ref.startswith(
                f"appeal:{a['id']}:")]
    assert [p for p, _ in sent] == ["01065123456", "01065123456"]
    assert "签收时限将于" in sent[0][1] and "多福巷路灯不亮" in sent[0][1]
    assert "签收已超期" in sent[1][1] and "已自动督办" in sent[1][1]
    r = city.client.put("/api/v1/admin/units/D1/contact", headers=admin,
                        json={"contact_phone": ""})
    assert r.status_code == 200 and r.json()["contact_phone"] is None


def test_a_denied_request_or_a_reply_sent_back_is_texted_to_the_unit_with_the_reason(
        city: City) -> None:
    """驳回退单, 驳回延期 and 退回重办 reach the handling unit's duty phone with the
    dispatcher's reason, in the transaction of the decision; a denial without a reason is
    refused (422, in Chinese) and leaves the request pending and nothing texted."""
    admin = city.headers("admin")
    assert city.client.put("/api/v1/admin/units/D1/contact", headers=admin,
                           json={"contact_phone": "01065123456"}).status_code == 200

    def texts(appeal_id: int) -> list[tuple[str, str]]:
        with city.runtime.db.uow(write=False) as uow:
            return [(n.recipient, n.body) for n in notify_store.notifications(
                uow.session, kind="unit_decision") if n.ref and n.ref.startswith(
                    f"appeal:{appeal_id}:")]

    a = city.register(title="多福巷路灯不亮")
    city.act("dispatcher", a["id"], "dispatch", unit_code="D1S1")
    city.act("handler_s1", a["id"], "sign")
    city.act("handler_s1", a["id"], "request_return", reason="不属于街道职责")
    r = city.client.post(f"/api/v1/appeals/{a['id']}/deny_return", json={"reason": " "},
                         headers=city.headers("dispatcher"))
    assert r.status_code == 422 and r.json()["error"]["message"] == "请填写驳回理由", r.text
    assert city.act("handler_s1", a["id"], "contact")["return_pending"] is True
    assert texts(a["id"]) == []
    out = city.act("dispatcher", a["id"], "deny_return", reason="路灯归街道管理，请继续办理")
    assert out["return_pending"] is False
    assert out["events"][-1]["data"]["reason"] == "路灯归街道管理，请继续办理"
    city.act("handler_s1", a["id"], "request_extension", days=3, reason="需协调供电公司")
    city.act("dispatcher", a["id"], "deny_extension", expect=422)
    city.act("dispatcher", a["id"], "deny_extension", reason="一周内可修复")
    city.act("handler_s1", a["id"], "reply", text="已修复", claim="solved")
    city.act("dispatcher", a["id"], "send_back", note="现场仍不亮")
    sent = texts(a["id"])
    assert [p for p, _ in sent] == ["01065123456"] * 3  # the street has none: the district's
    assert sent[0][1].endswith("退单申请未获同意，请继续办理。驳回理由：路灯归街道管理，请继续办理")
    assert sent[1][1].endswith("延期申请未获同意，请在原办理时限内办结。驳回理由：一周内可修复")
    assert sent[2][1].endswith("答复被退回，请重新办理后再答复。退回意见：现场仍不亮")


def _texts(city: City, appeal_id: int, kind: str) -> list[tuple[int, str, str]]:
    """(id, recipient, text) of each message of `kind` an appeal caused, oldest first."""
    with city.runtime.db.uow(write=False) as uow:
        return sorted((n.id, n.recipient, n.body) for n in notify_store.notifications(
            uow.session, kind=kind) if n.ref and n.ref.startswith(f"appeal:{appeal_id}:"))


def _local_due(due: str) -> str:
    return f"{datetime.fromisoformat(due).astimezone(ZoneInfo('Asia/Shanghai')):%m月%d日 %H:%M}"


def test_fewer_days_granted_need_a_reason_and_the_unit_is_texted_the_days_and_why(
        city: City) -> None:
    """延期部分批准: without a reason it is refused (422, in Chinese) and the request still
    waits, nothing texted; with one the event records asked, granted and why, and the handling
    unit's duty phone is texted them with the new deadline. Days granted in full say nothing."""
    assert city.client.put("/api/v1/admin/units/D1/contact", headers=city.headers("admin"),
                           json={"contact_phone": "01065123456"}).status_code == 200
    a = city.register(title="多福巷路灯不亮")
    city.act("dispatcher", a["id"], "dispatch", unit_code="D1S1")
    city.act("handler_s1", a["id"], "sign")
    city.act("handler_s1", a["id"], "request_extension", days=5, reason="需协调供电公司")
    for body in ({"days": 2}, {"days": 2, "reason": "  "}):
        r = city.client.post(f"/api/v1/appeals/{a['id']}/approve_extension", json=body,
                             headers=city.headers("dispatcher"))
        assert r.status_code == 422 and r.json()["error"]["message"] == "请填写部分批准理由"
    assert city.act("handler_s1", a["id"], "contact")["extension_pending_days"] == 5
    assert _texts(city, a["id"], "unit_decision") == []
    out = city.act("dispatcher", a["id"], "approve_extension", days=2, reason="材料两天内到货")
    data = out["events"][-1]["data"]
    assert (data["days"], data["asked"], data["reason"]) == (2, 5, "材料两天内到货")
    ((phone, text),) = [(p, t) for _, p, t in _texts(city, a["id"], "unit_decision")]
    assert phone == "01065123456"  # the street has none: the district's
    assert text.endswith(f"延期申请部分批准（申请 5 个工作日，批准 2 个工作日，办理时限 "
                         f"{_local_due(out['deadlines']['handle'])}），请在新的办理时限内办结。"
                         "部分批准理由：材料两天内到货")
    # a second extension (an administrator's to approve), granted in full: nothing to hear of
    city.act("handler_s1", a["id"], "request_extension", days=1, reason="验收")
    full = city.act("admin", a["id"], "approve_extension")
    assert "reason" not in full["events"][-1]["data"]
    assert len(_texts(city, a["id"], "unit_decision")) == 1


def test_a_reopen_texts_the_unit_that_handles_it_again_and_the_requester(
        city: City, tmp_path: Path) -> None:
    """重办 by a dispatcher: the unit that handles the appeal again hears of it at its duty
    phone with the reason and the new deadline, and the requester that it is handled again
    (without the reason), in the transaction of the reopening. A refused reopen writes
    nothing; the requester's own reopen tells the unit and the requester alike; one back to
    registration tells only the requester (no unit has it yet); the requester of an imported
    appeal is not texted, whatever channel its import's mapping gave it."""
    from jiesu.domain.appeal import Actor, Role
    from jiesu.services.clock import utcnow

    assert city.client.put("/api/v1/admin/units/D1/contact", headers=city.headers("admin"),
                           json={"contact_phone": "01065123456"}).status_code == 200
    a = city.register(title="多福巷路灯不亮", requester_phone="13700001234")
    city.act("dispatcher", a["id"], "dispatch", unit_code="D1S1")
    city.act("handler_s1", a["id"], "sign")
    city.act("handler_s1", a["id"], "reply", text="已修复", claim="solved")
    told = len(_texts(city, a["id"], "requester_notice"))  # 受理 and 答复
    city.act("dispatcher", a["id"], "reopen", expect=422)
    city.act("handler_s1", a["id"], "reopen", expect=403, reason="再办一次")
    assert _texts(city, a["id"], "unit_decision") == []
    assert len(_texts(city, a["id"], "requester_notice")) == told
    out = city.act("dispatcher", a["id"], "reopen", reason="现场核实路灯仍不亮")
    assert out["status"] == "in_progress"
    due = _local_due(out["deadlines"]["handle"])
    ((phone, text),) = [(p, t) for _, p, t in _texts(city, a["id"], "unit_decision")]
    assert phone == "01065123456"
    assert text.endswith(f"「多福巷路灯不亮」已转重办（办理时限 {due}），"
                         "请重新办理后再答复。重办理由：现场核实路灯仍不亮")
    sms = _texts(city, a["id"], "requester_notice")
    assert len(sms) == told + 1 and sms[-1][1] == "13700001234"
    assert sms[-1][2] == (f"【示范市12345】您的诉求（编号 {a['code']}）已转重办，承办单位正在"
                          "重新办理，办理结果将再次答复您。查询：/track")
    # the requester's own reopen: the same two texts
    city.act("handler_s1", a["id"], "reply", text="已更换灯杆", claim="solved")
    requester = Actor(role=Role.REQUESTER, phone="13700001234")
    city.runtime.appeals.act(requester, a["id"], "reopen", utcnow(), {"reason": "还是不亮"})
    assert _texts(city, a["id"], "unit_decision")[-1][2].endswith("重办理由：还是不亮")
    assert "已转重办" in _texts(city, a["id"], "requester_notice")[-1][2]
    # closed, then reopened back to registration: no unit has it, the requester is told
    b = city.register(requester_phone="13700004321")
    city.act("dispatcher", b["id"], "dispatch", unit_code="D1")
    city.act("handler_d1", b["id"], "sign")
    city.act("handler_d1", b["id"], "reply", text="已修复", claim="solved")
    city.act("followup", b["id"], "follow_up", reached=True, resolved="yes",
             satisfaction="satisfied")
    assert city.act("dispatcher", b["id"], "reopen", reason="派错单位", to="registered")[
        "status"] == "registered"
    assert _texts(city, b["id"], "unit_decision") == []
    last = _texts(city, b["id"], "requester_notice")[-1][2]
    assert "已重新受理，将重新派单办理" in last and "派错单位" not in last
    # an imported appeal's requester is never texted, a reopening included; its unit is
    import_rows(city, tmp_path, REPLIED_LEDGER, ["编号", "时间", "内容", "单位", "电话"],
                [["Q1", "2025-03-03 09:00", "路灯不亮", "D1", "13700006666"]], utcnow())
    quiet = imported(city, "Q1")
    assert quiet.channel == "hotline"
    city.act("dispatcher", quiet.id, "reopen", reason="现场仍不亮")
    assert _texts(city, quiet.id, "requester_notice") == []
    assert len(_texts(city, quiet.id, "unit_decision")) == 1


# a ledger of replied appeals whose mapping gives them the channel `hotline`
REPLIED_LEDGER = """
name = "replied"
[source]
format = "csv"
[fields]
source_id = "编号"
created_at = "时间"
content = "内容"
lead_unit = { column = "单位", match = "code" }
requester_phone = "电话"
status = { value = "replied" }
dispatched_at = "时间"
replied_at = "时间"
reply_text = "内容"
channel = { value = "hotline" }
"""


def test_the_co_units_of_a_reopened_appeal_hear_of_it_too(city: City) -> None:
    """重办 sends the appeal back to its lead unit with its co-units (协办), who work on it again
    too: each co-unit's duty phone hears of it (to help the lead unit), whether a dispatcher or
    a follow-up reopened it. A reply sent back is the lead unit's alone; a co-unit that shares
    the lead unit's phone (none of its own) is texted once."""
    for code, phone in (("D1", "01065120001"), ("W", "01066120002")):
        assert city.client.put(f"/api/v1/admin/units/{code}/contact", json={
            "contact_phone": phone}, headers=city.headers("admin")).status_code == 200

    def replied(co_units: list[str]) -> dict[str, Any]:
        a = city.register(title="多福巷积水", requester_phone="13700001234")
        city.act("dispatcher", a["id"], "dispatch", unit_code="D1",
                 co_unit_ids=[city.unit_ids[c] for c in co_units])
        city.act("handler_d1", a["id"], "sign")
        city.act("handler_d1", a["id"], "reply", text="已疏通", claim="solved")
        return a

    a = replied(["W"])
    city.act("dispatcher", a["id"], "send_back", note="未附现场照片")
    assert [p for _, p, _ in _texts(city, a["id"], "unit_decision")] == ["01065120001"]
    city.act("handler_d1", a["id"], "reply", text="已疏通，附照片", claim="solved")
    out = city.act("dispatcher", a["id"], "reopen", reason="雨后仍积水")
    lead, co = [(p, t) for _, p, t in _texts(city, a["id"], "unit_decision")][1:]
    due = _local_due(out["deadlines"]["handle"])
    assert lead[0] == "01065120001" and lead[1].endswith("请重新办理后再答复。重办理由：雨后仍积水")
    assert co == ("01066120002", f"【示范市12345】诉求 {a['code']}「多福巷积水」已转重办（办理时限 "
                                 f"{due}），请配合主办单位重新办理。重办理由：雨后仍积水")

    b = replied(["W"])
    city.act("followup", b["id"], "follow_up", reached=True, resolved="no",
             satisfaction="dissatisfied", note="还是积水")
    texts = _texts(city, b["id"], "unit_decision")
    assert [p for _, p, _ in texts] == ["01065120001", "01066120002"]
    assert "经回访已转重办" in texts[1][2] and "请配合主办单位重新办理" in texts[1][2]

    # the street below the district has no phone of its own: it shares the district's
    c = replied(["D1S1"])
    city.act("dispatcher", c["id"], "reopen", reason="雨后仍积水")
    assert [p for _, p, _ in _texts(city, c["id"], "unit_decision")] == ["01065120001"]


def test_the_co_units_hear_when_the_lead_units_return_or_extension_is_decided(
        city: City) -> None:
    """What the dispatcher decides on the lead unit's 退单 or 延期 changes what its co-units
    (协办) must do, so each co-unit's duty phone hears of it: a return denied (keep helping,
    with the reason), approved (they leave the appeal with the lead unit: stop), an extension
    approved, in full too (help by the new deadline), or denied (the old one holds)."""
    for code, phone in (("D1", "01065120001"), ("W", "01066120002")):
        assert city.client.put(f"/api/v1/admin/units/{code}/contact", json={
            "contact_phone": phone}, headers=city.headers("admin")).status_code == 200

    def signed() -> dict[str, Any]:
        a = city.register(title="多福巷积水")
        city.act("dispatcher", a["id"], "dispatch", unit_code="D1",
                 co_unit_ids=[city.unit_ids["W"]])
        city.act("handler_d1", a["id"], "sign")
        return a

    def co_texts(appeal_id: int) -> list[str]:
        return [t for _, p, t in _texts(city, appeal_id, "unit_decision") if p == "01066120002"]

    a = signed()
    head = f"【示范市12345】诉求 {a['code']}「多福巷积水」"
    city.act("handler_d1", a["id"], "request_return", reason="应由水务局主办")
    city.act("dispatcher", a["id"], "deny_return", reason="排水设施属区管")
    assert co_texts(a["id"]) == [f"{head}主办单位退单申请未获同意，请继续配合主办单位办理。"
                                 "驳回理由：排水设施属区管"]
    city.act("handler_d1", a["id"], "request_extension", days=3, reason="等待抽水设备")
    out = city.act("dispatcher", a["id"], "approve_extension")
    due = _local_due(out["deadlines"]["handle"])
    assert co_texts(a["id"])[1] == (f"{head}主办单位延期申请已获批准（延期 3 个工作日，办理时限 "
                                    f"{due}），请在新的办理时限内配合办理。")
    # the lead unit asked for those days: it is not texted them
    assert [p for _, p, _ in _texts(city, a["id"], "unit_decision")].count("01065120001") == 1

    b = signed()
    city.act("handler_d1", b["id"], "request_extension", days=3, reason="等待抽水设备")
    city.act("dispatcher", b["id"], "deny_extension", reason="可按期办结")
    assert co_texts(b["id"]) == [f"【示范市12345】诉求 {b['code']}「多福巷积水」主办单位延期申请"
                                 "未获同意，请配合主办单位在原办理时限内办结。驳回理由：可按期办结"]
    city.act("handler_d1", b["id"], "request_return", reason="应由水务局主办")
    out = city.act("dispatcher", b["id"], "approve_return")
    assert out["status"] == "registered" and out["co_units"] == []
    assert co_texts(b["id"])[1] == (f"【示范市12345】诉求 {b['code']}「多福巷积水」主办单位退单申请"
                                    "已获同意，该诉求将重新派单，你单位暂无需继续协办。")


def test_a_follow_up_that_reopens_texts_the_unit_and_the_requester(city: City) -> None:
    """回访 that finds it unresolved or unsatisfying by the unit's fault sends it back (重办):
    the unit hears what the requester said and the new deadline, the requester that it is
    handled again, whether the agent recorded it or the requester answered the online
    survey. A follow-up that closes it, or blames no unit, texts no one."""
    assert city.client.put("/api/v1/admin/units/D1/contact", headers=city.headers("admin"),
                           json={"contact_phone": "01065123456"}).status_code == 200

    def replied(phone: str) -> dict[str, Any]:
        a = city.register(title="多福巷路灯不亮", requester_phone=phone)
        city.act("dispatcher", a["id"], "dispatch", unit_code="D1S1")
        city.act("handler_s1", a["id"], "sign")
        city.act("handler_s1", a["id"], "reply", text="已修复", claim="solved")
        return a

    a = replied("13700001234")
    told = len(_texts(city, a["id"], "requester_notice"))  # 受理 and 答复
    out = city.act("followup", a["id"], "follow_up", reached=True, resolved="no",
                   satisfaction="dissatisfied", note="路灯晚上还是不亮")
    assert out["status"] == "in_progress"
    ((phone, text),) = [(p, t) for _, p, t in _texts(city, a["id"], "unit_decision")]
    assert phone == "01065123456"
    assert text.endswith(f"「多福巷路灯不亮」经回访已转重办（诉求人反映未解决、不满意，办理时限 "
                         f"{_local_due(out['deadlines']['handle'])}），请重新办理后再答复。"
                         "回访记录：路灯晚上还是不亮")
    sms = _texts(city, a["id"], "requester_notice")
    assert len(sms) == told + 1 and sms[-1][1] == "13700001234"
    assert sms[-1][2] == (f"【示范市12345】您反映诉求（编号 {a['code']}）未解决或不满意，已转承办"
                          "单位重新办理，办理结果将再次答复您。查询：/track")
    # the unit's inbox says so until it replies
    page_login(city.client, "handler_s1")
    inbox = city.client.get("/staff/inbox").text
    assert "经回访已转重办" in inbox and "诉求人反映未解决、不满意" in inbox

    # the online survey answered unsatisfied: the same two texts
    b = replied("13700004321")
    link = city.client.post(f"/api/v1/feedback/followups/{b['id']}/survey",
                            headers=city.headers("followup")).json()["url"]
    assert city.client.post(link, json={"resolved": "partly", "satisfaction": "dissatisfied"}
                            ).json()["status"] == "in_progress"
    assert "诉求人反映部分解决、不满意" in _texts(city, b["id"], "unit_decision")[-1][2]
    assert "已转承办单位重新办理" in _texts(city, b["id"], "requester_notice")[-1][2]

    # closed, or unhappy for a reason that is not the unit's: nobody is texted
    for args in ({"resolved": "yes", "satisfaction": "satisfied"},
                 {"resolved": "no", "satisfaction": "dissatisfied", "fault": "policy"}):
        c = replied("13700006666")
        told = len(_texts(city, c["id"], "requester_notice"))
        assert city.act("followup", c["id"], "follow_up", reached=True, **args)[
            "status"] == "closed"
        assert _texts(city, c["id"], "unit_decision") == []
        assert len(_texts(city, c["id"], "requester_notice")) == told


def test_sent_messages_are_purged_after_the_keep_days_failed_ones_stay(city: City) -> None:
    """The outbox does not grow forever: a message sent more than JIESU_NOTIFY_KEEP_DAYS (90)
    ago is deleted by the jobs; failed ones stay for the administrator, and one sent just now
    stays whenever it was written."""
    from jiesu.jobs.sweeper import run_all

    now = datetime.now(UTC)
    old = now - timedelta(days=100)
    with city.runtime.db.uow() as uow:
        for status in ("sent", "skipped", "failed", "pending"):
            row = notify_store.enqueue(uow.session, channel="sms", recipient="13800000000",
                                       body=status, kind="test", now=old)
            row.status = status
            row.sent_at = old if status in ("sent", "skipped") else None
        recent = notify_store.enqueue(uow.session, channel="sms", recipient="13800000000",
                                      body="recent", kind="test", now=now)
        recent.status, recent.sent_at = "sent", now - timedelta(days=89)
        uow.commit()
    result = run_all(city.runtime, now)  # sends the old pending one, then purges
    assert result.notifications_purged == 2
    with city.runtime.db.uow(write=False) as uow:
        left = sorted(n.body for n in notify_store.notifications(uow.session, kind="test"))
    assert left == ["failed", "pending", "recent"]


def test_the_outbox_read_in_full_is_not_cut_at_a_thousand(runtime: Runtime) -> None:
    """`notify_store.notifications` (what tests and benchmarks count texts by) returns every
    matching message: it once stopped at 1,000 without saying so, and a count of 1,001
    policy texts read 1,000. Pages read `list_page`, a page at a time."""
    now = utcnow()
    with runtime.db.uow() as uow:
        for n in range(1001):
            notify_store.enqueue(uow.session, channel="sms", recipient="13800000000",
                                 body=f"第 {n} 条", kind="bulk", now=now, ref=f"bulk:{n}")
        uow.commit()
    with runtime.db.uow(write=False) as uow:
        rows = notify_store.notifications(uow.session, kind="bulk")
        assert [r.ref for r in rows] == [f"bulk:{n}" for n in range(1001)]
        assert len(notify_store.notifications(uow.session, ref_prefix="bulk:1")) == 112
        assert len(notify_store.notifications(uow.session, kind="bulk", limit=10)) == 10


def test_admin_queues_failed_messages_again_and_sees_unconfigured_channels(
        runtime: Runtime, city: City) -> None:
    first, second, kept = _enqueue(runtime, 3)
    with runtime.db.uow() as uow:
        for i in (first, second, kept):
            notify_store.mark_failed(uow.session, i, "HTTP 401: token", permanent=True,
                                     next_attempt_at=None)
        uow.commit()
    page = city.client.get("/api/v1/admin/notifications", headers=city.headers("admin")).json()
    assert page["unconfigured"] == ["sms", "email", "webhook"]  # the test runtime has none

    r = city.client.post("/api/v1/admin/notifications/retry", json={"ids": [first, 999]},
                         headers=city.headers("admin"))
    assert r.status_code == 200 and r.json() == {"queued": 1}, r.text
    r = city.client.post("/api/v1/admin/notifications/retry", headers=city.headers("admin"))
    assert r.json() == {"queued": 2}
    with runtime.db.uow(write=False) as uow:
        rows = {r.id: (r.status, r.attempts, r.last_error)
                for r in notify_store.notifications(uow.session)}
    # back in the queue with the full number of attempts, the last error kept for the record
    assert rows[first] == rows[second] == ("pending", 0, "HTTP 401: token")
    # the next pass sends them with the full number of attempts
    due = datetime.now(UTC) + timedelta(seconds=1)
    assert deliver_due(runtime.db, runtime.notifiers, due).skipped == 3  # no gateway here
    r = city.client.post("/api/v1/admin/notifications/retry", headers=city.headers("admin"))
    assert r.json() == {"queued": 0}  # nothing failed any more

    r = city.client.post("/api/v1/admin/notifications/retry", headers=city.headers("dispatcher"))
    assert r.status_code == 403 and r.json()["error"]["message"] == "只有管理员可以重发通知"


def test_purging_goes_a_short_transaction_per_batch_and_stops_after_max_batches(
        runtime: Runtime) -> None:
    from jiesu.services.batches import in_batches
    from jiesu.store.uow import UnitOfWork

    ids = _enqueue(runtime, 5)
    with runtime.db.uow() as uow:
        for i in ids:
            notify_store.mark_sent(uow.session, i, T0)
        uow.commit()
    after = T0 + timedelta(days=1)
    calls: list[int] = []

    def step(uow: UnitOfWork) -> int:
        n = notify_store.purge_sent(uow.session, after, limit=2)
        calls.append(n)
        return n

    assert in_batches(runtime.db, step, batch=2, max_batches=2) == 4
    assert calls == [2, 2]  # stopped by max_batches, one message left for the next pass
    assert in_batches(runtime.db, step, batch=2) == 1
    assert calls[2:] == [1]  # a short batch means nothing is left


def test_a_pass_sends_a_burst_within_its_time_budget(runtime: Runtime) -> None:
    """A busy hour's burst goes out in one pass of the jobs (it used to be 100 a pass, a
    minute apart); a slow channel stops a pass at its time budget, the rest waits."""
    ids = _enqueue(runtime, 250)
    sms = Recording()
    runtime.notifiers = _channels(sms)
    assert run_all(runtime, T0).notified == DeliveryResult(sent=250)
    assert sorted(m.id for m in sms.sent) == ids

    more = _enqueue(runtime, 30)

    class Slow:
        def __init__(self) -> None:
            self.sent: list[int] = []

        def send(self, message: Message) -> None:
            time.sleep(0.02)
            self.sent.append(message.id)

    slow = Slow()
    first = deliver_due(runtime.db, _channels(slow), T0, batch=1000,
                        budget=timedelta(seconds=0.1))
    assert first.sent == len(slow.sent) and 0 < first.sent < 30  # stopped by the budget
    rest = deliver_due(runtime.db, _channels(slow), T0, batch=1000)
    assert first.sent + rest.sent == 30 and sorted(slow.sent) == more


def test_a_supervisors_urging_reaches_the_unit_that_has_the_appeal(city: City) -> None:
    """催办/黄牌/红牌 from the supervision board: the unit handling the appeal is texted the
    level, the deadline and the note, and its inbox says so until it replies. An appeal no
    unit has (registered) or whose unit already replied is texted to no one."""
    assert city.client.put("/api/v1/admin/units/D1/contact", headers=city.headers("admin"),
                           json={"contact_phone": "01065123456"}).status_code == 200
    a = city.register(title="多福巷路灯不亮")
    city.act("supervisor", a["id"], "supervise", level="remind")  # nobody has it yet
    assert _texts(city, a["id"], "unit_decision") == []
    out = city.act("dispatcher", a["id"], "dispatch", unit_code="D1S1")
    city.act("handler_s1", a["id"], "sign")
    city.act("supervisor", a["id"], "supervise", level="red", note="群众反映强烈，今日办结")
    ((phone, text),) = [(p, t) for _, p, t in _texts(city, a["id"], "unit_decision")]
    assert phone == "01065123456"  # the street has none: the district's
    assert text.endswith(f"「多福巷路灯不亮」收到督办（红牌督办，办理时限 "
                         f"{_local_due(out['deadlines']['handle'])}），请加快办理，按时办结。"
                         "督办意见：群众反映强烈，今日办结")
    page_login(city.client, "handler_s1")
    inbox = city.client.get("/staff/inbox").text
    assert "收到督办</strong> · 红牌督办" in inbox and "群众反映强烈，今日办结" in inbox
    city.act("handler_s1", a["id"], "reply", text="已修复", claim="solved")
    assert "收到督办" not in city.client.get("/staff/inbox").text
    city.act("supervisor", a["id"], "supervise", level="yellow")  # replied: the follow-up's
    assert len(_texts(city, a["id"], "unit_decision")) == 1


def test_information_added_on_a_call_shows_in_the_units_inbox_without_a_text(
        city: City) -> None:
    """An operator adds what a caller says about an appeal already in handling (补充): the
    unit's inbox and appeal page say 收到补充信息 with it until the unit replies. A requester
    may add as often as they like, so the duty phone is not texted."""
    assert city.client.put("/api/v1/admin/units/D1/contact", headers=city.headers("admin"),
                           json={"contact_phone": "01065123456"}).status_code == 200
    a = city.register(title="多福巷路灯不亮")
    city.act("dispatcher", a["id"], "dispatch", unit_code="D1S1")
    city.act("handler_s1", a["id"], "sign")
    city.act("operator", a["id"], "add_info", text="来电补充：路灯在3号楼东侧")
    assert _texts(city, a["id"], "unit_decision") == []
    page_login(city.client, "handler_s1")
    inbox = city.client.get("/staff/inbox?lang=zh").text
    assert "收到补充信息</strong> · 请一并办理" in inbox
    assert "补充情况：来电补充：路灯在3号楼东侧" in inbox
    assert "收到补充信息" in city.client.get(f"/staff/appeals/{a['id']}").text
    city.act("handler_s1", a["id"], "reply", text="已修复", claim="solved")
    assert "收到补充信息" not in city.client.get("/staff/inbox").text
