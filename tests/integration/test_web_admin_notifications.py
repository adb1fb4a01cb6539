"""The admin page's 通知发送 tab (SQLite and PostgreSQL): the outbox with failed messages first,
masked recipients, a filter per status, a warning for channels without a gateway, and failed
messages queued again, one or all."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from jiesu.runtime import Runtime
from jiesu.store import notify_store
from jiesu.web import core
from tests.integration.test_web_admin_intake import login_admin
from tests.integration.test_web_admin_settings import _token
from tests.support.city import City

T0 = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)


def _outbox(runtime: Runtime) -> dict[str, int]:
    """Three messages: one sent, two failed for good; their ids by what happened."""
    with runtime.db.uow() as uow:
        rows = [notify_store.enqueue(uow.session, channel="sms", recipient=phone,
                                     body="您的诉求已受理", kind="requester_notice", now=T0)
                for phone in ("13800138000", "13912345678", "13700001111")]
        uow.session.flush()
        sent, bad, worse = (r.id for r in rows)
        notify_store.mark_sent(uow.session, sent, T0)
        for i in (bad, worse):
            notify_store.mark_failed(uow.session, i, "HTTP 401: 令牌无效", permanent=True,
                                     next_attempt_at=None)
        uow.commit()
    return {"sent": sent, "bad": bad, "worse": worse}


def _statuses(runtime: Runtime) -> dict[int, str]:
    with runtime.db.uow(write=False) as uow:
        return {r.id: r.status for r in notify_store.notifications(uow.session)}


def test_admin_sees_the_outbox_and_queues_failed_messages_again(runtime: Runtime,
                                                                city: City) -> None:
    ids = _outbox(runtime)
    c = city.client
    login_admin(c)
    page = c.get("/staff/admin?tab=notifications").text
    assert "通知发送记录" in page and "诉求人通知" in page
    rows = re.findall(r'data-notification="(\d+)"', page)
    assert rows[:2] == sorted([str(ids["bad"]), str(ids["worse"])], reverse=True)  # failed first
    assert "139****5678" in page and "13912345678" not in page  # recipients masked
    assert "HTTP 401: 令牌无效" in page and "发送失败 2" in page and "已发送 1" in page
    # the test runtime has no gateway: the page says the messages were only logged
    assert "data-unconfigured" in page and "短信、电子邮件、Webhook" in page
    assert "不会真正发出" in page and "未发送（通道未配置） 0" in page

    only_failed = c.get("/staff/admin?tab=notifications&status=failed").text
    assert sorted(re.findall(r'data-notification="(\d+)"', only_failed)) == \
        sorted([str(ids["bad"]), str(ids["worse"])])

    # one message, then all the others
    r = c.post("/staff/admin/notifications/retry",
               data={"id": str(ids["bad"]), "csrf_token": _token(page)}, follow_redirects=False)
    assert r.status_code == 303
    assert _statuses(runtime)[ids["bad"]] == "pending"
    assert _statuses(runtime)[ids["worse"]] == "failed"
    page = c.get("/staff/admin?tab=notifications").text
    assert "已将 1 条失败的通知重新排队" in page
    page = c.post("/staff/admin/notifications/retry", data={"csrf_token": _token(page)}).text
    assert _statuses(runtime) == {ids["sent"]: "sent", ids["bad"]: "pending",
                                  ids["worse"]: "pending"}
    assert "已将 1 条失败的通知重新排队" in page and "重发全部失败通知" not in page
    # nothing left to retry: said so, nothing changes
    page = c.post("/staff/admin/notifications/retry", data={"csrf_token": _token(page)}).text
    assert "没有需要重发的失败通知" in page


def test_the_outbox_tab_is_for_admins_and_reads_in_english(runtime: Runtime, city: City) -> None:
    _outbox(runtime)
    c = city.client
    login_admin(c)
    page = c.get("/staff/admin?tab=notifications&lang=en").text
    assert "Notification log" in page and "Requester notice" in page and "Failed 2" in page
    assert "only logged" in page and "Not sent (no channel) 0" in page
    # without the CSRF token nothing is queued
    assert c.post("/staff/admin/notifications/retry", data={}).status_code == 403
    assert set(_statuses(runtime).values()) == {"sent", "failed"}


def test_an_outbox_longer_than_the_last_page_says_how_much_it_shows(
        runtime: Runtime, city: City, monkeypatch: pytest.MonkeyPatch) -> None:
    """A list opens at most MAX_PAGE pages (10,000: 500,000 messages here, fewer than a busy
    city's 90 days of texts); the shared pager says the tab shows only the first of them and
    stops at the last page it opens, instead of a 下一页 that opens the same page again."""
    monkeypatch.setattr(core, "MAX_PAGE", 2)  # 2 pages of 50: as 10,000 are, with fewer rows
    with runtime.db.uow() as uow:
        for n in range(101):
            notify_store.enqueue(uow.session, channel="sms", recipient="13800138000",
                                 body=f"第 {n} 条", kind="requester_notice", now=T0)
        uow.commit()
    c = city.client
    login_admin(c)
    page = c.get("/staff/admin?tab=notifications").text
    assert "data-pager-capped" in page and "只显示前 100 条" in page
    assert "第 1 / 2 页" in page and "page=2" in page
    last = c.get("/staff/admin?tab=notifications&page=3").text  # opens the last one
    assert "第 2 / 2 页" in last and "下一页" not in last
    assert len(re.findall(r'data-notification="(\d+)"', last)) == 50
    english = c.get("/staff/admin?tab=notifications&lang=en").text
    assert "only the first 100 are shown" in english
    # a status with fewer messages than that is shown whole, without the note
    assert "data-pager-capped" not in c.get("/staff/admin?tab=notifications&status=sent").text
