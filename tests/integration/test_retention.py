"""Personal data kept only as long as the retention period (个人信息保存期限,
JIESU_PERSONAL_DATA_DAYS): erased once, only from appeals that ended long enough ago, with
statistics and the audit log exactly as they were."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy import text as sql
from typer.testing import CliRunner

from jiesu import cli
from jiesu.config import Settings
from jiesu.domain.appeal import Actor, Role
from jiesu.domain.kpi import month
from jiesu.jobs.sweeper import erase_personal_data, run_all
from jiesu.nlp.pii import contains_pii
from jiesu.runtime import Runtime
from jiesu.services import audit
from jiesu.services.appeals import NewAppeal
from jiesu.services.clock import utcnow
from jiesu.services.feedback import FeedbackService
from jiesu.services.reporting import ReportingService
from jiesu.services.retention import ErasureResult, erase_due
from jiesu.store import feedback_store as fq
from jiesu.store import retention_store
from jiesu.store.feedback_tables import RatingAppealRow, RatingRow, RectificationRow
from jiesu.store.notify_tables import NotificationRow
from jiesu.store.tables import AppealRow, EventRow
from tests.support.city import City, page_login
from tests.support.concurrency import side_by_side

DAYS = 200
T0 = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)  # Monday 10:00 in Asia/Shanghai
PHONE = "13812345678"
ID_NUMBER = "110101199003071233"
TEXT = (f"我叫张三，电话{PHONE}，身份证{ID_NUMBER}，车牌京A12345，邮箱zhangsan@example.com。"
        "小区门口的路灯坏了一个多月，晚上出行不安全")
JPEG = b"\xff\xd8\xff\xe0" + b"0" * 64


@pytest.fixture
def settings(db_url: str, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return Settings(database_url=db_url, environment="test", sweep_interval_seconds=3600,
                    model_dir=tmp_path_factory.mktemp("models"), personal_data_days=DAYS,
                    upload_dir=tmp_path_factory.mktemp("uploads"))


def _photo(settings: Settings, name: str) -> dict[str, object]:
    Path(settings.upload_dir).mkdir(parents=True, exist_ok=True)
    (Path(settings.upload_dir) / name).write_bytes(JPEG)
    return {"name": name, "content_type": "image/jpeg", "size": len(JPEG), "original": "a.jpg"}


class Story:
    """Appeals in every state, registered at T0 and after."""

    def __init__(self, runtime: Runtime, city: City) -> None:
        self.rt, self.city = runtime, city
        d1 = city.unit_ids["D1"]
        self.dispatcher = Actor(role=Role.DISPATCHER)
        self.handler = Actor(role=Role.HANDLER, unit_id=d1, unit_scope=frozenset({d1}))
        self.followup = Actor(role=Role.FOLLOWUP_AGENT)

    def register(self, at: datetime, *, photo: str | None = None, **more: object) -> int:
        extra = {"attachments": [_photo(self.rt.settings, photo)]} if photo else {}
        data = NewAppeal(kind="complaint", title=f"张三反映路灯坏了，电话{PHONE}", content=TEXT,
                         requester_name="张三", requester_phone=PHONE,
                         address="东城区幸福路12号3单元502室", latitude=39.912345,
                         longitude=116.401234, extra=extra)
        for k, v in more.items():
            setattr(data, k, v)
        return self.rt.appeals.register(Actor(role=Role.OPERATOR), data, at).appeal_id

    def act(self, actor: Actor, appeal_id: int, action: str, at: datetime,
            **args: object) -> None:
        self.rt.appeals.act(actor, appeal_id, action, at, dict(args))

    def closed(self, at: datetime, *, photo: str | None = None, report: bool = True) -> int:
        """Dispatched, replied, followed up and rated 1 star (a rectification with a report,
        unless not `report`)."""
        i = self.register(at, photo=photo)
        self.act(self.dispatcher, i, "dispatch", at, unit_id=self.city.unit_ids["D1"])
        self.act(self.handler, i, "sign", at + timedelta(hours=1))
        self.act(self.handler, i, "reply", at + timedelta(days=1), claim="solved",
                 text="张三您好，路灯已修复，如有问题请拨打13900001111")
        self.act(self.followup, i, "follow_up", at + timedelta(days=2), reached=True,
                 resolved="yes", satisfaction="satisfied")
        feedback = FeedbackService(self.rt.db, self.rt.rules, self.rt.settings)
        rated = feedback.rate_appeal(Actor(role=Role.REQUESTER, phone=PHONE), i, 1,
                                     f"张三：修得太慢，{PHONE}", at + timedelta(days=3))
        assert rated.rectification_id is not None
        if not report:
            return i
        feedback.report_rectification(
            Actor(role=Role.HANDLER, unit_id=self.city.unit_ids["D1"],
                  unit_scope=frozenset({self.city.unit_ids["D1"]})),
            rated.rectification_id, "已向张三道歉并加快维修", at + timedelta(days=4))
        return i

    def rejected(self, at: datetime, *, photo: str | None = None) -> int:
        i = self.register(at, photo=photo)
        self.act(self.dispatcher, i, "reject", at, reason="invalid", note="张三来电无实际诉求")
        return i

    def open(self, at: datetime) -> int:
        i = self.register(at)
        self.act(self.dispatcher, i, "dispatch", at, unit_id=self.city.unit_ids["D1"])
        return i

    def patrol(self, at: datetime, photo: str) -> int:
        grid = self.city.unit_ids["D1S1C1"]
        data = NewAppeal(kind="help", content="井盖缺失，已设置围挡", channel="grid_patrol",
                         address="幸福路口", latitude=39.912345, longitude=116.401234,
                         extra={"attachments": [_photo(self.rt.settings, photo)]})
        return self.rt.appeals.register(
            Actor(role=Role.GRID_WORKER, unit_id=grid, unit_scope=frozenset({grid})), data,
            at, resolved_on_site="已当场盖好").appeal_id


def _row(runtime: Runtime, appeal_id: int) -> AppealRow:
    with runtime.db.uow(write=False) as uow:
        row = uow.session.get(AppealRow, appeal_id)
        assert row is not None
        uow.session.expunge(row)
        return row


def _figures(runtime: Runtime, now: datetime) -> str:
    """Every statistic of March 2026 as text: KPIs and rankings, ratings, the monthly report
    (通报) without the words of the cases it lists, which are de-identified."""
    reporting = ReportingService(runtime.db, runtime.rules, runtime.settings)
    period = month(2026, 3)
    monthly = reporting.monthly(period, now)
    cases = [c for c in vars(monthly).values() if isinstance(c, list)
             and c and isinstance(c[0], dict) and "detail" in c[0]]
    assert cases  # the 1-star rating of the closed appeal is listed
    for listed in cases:
        for case in listed:
            case["detail"] = "…"
    return repr((reporting.kpi(period, now).rows, reporting.rating_stats(period, now), monthly))


def test_erased_after_the_period_only_from_ended_appeals(runtime: Runtime, city: City) -> None:
    story = Story(runtime, city)
    closed = story.closed(T0, photo="a" * 32 + ".jpg")
    rejected = story.rejected(T0, photo="b" * 32 + ".jpg")
    still_open = story.open(T0)
    patrol = story.patrol(T0, "c" * 32 + ".jpg")
    later = story.closed(T0 + timedelta(days=20))
    audit.anchor(runtime.db, T0 + timedelta(days=30))
    with runtime.db.uow(write=False) as uow:
        events_before = uow.session.scalar(select(func.count()).select_from(EventRow))
        messages = uow.session.scalars(select(NotificationRow.ref).where(
            NotificationRow.ref.like(f"appeal:{closed}:%"))).all()
    assert f"appeal:{closed}:register" in messages  # the requester's 受理 text
    ended = _row(runtime, closed).closed_at
    assert ended is not None
    now = T0 + timedelta(days=40)
    figures = _figures(runtime, now)

    # not yet: the period counts from the end (the first of them ended at T0)
    r = erase_due(runtime.db, T0 + timedelta(days=DAYS - 1), days=DAYS, reopen_window_days=15,
                  upload_dir=runtime.settings.upload_dir)
    assert (r.appeals, r.photos) == (0, 0)
    assert _row(runtime, closed).requester_phone == PHONE

    when = ended + timedelta(days=DAYS + 1)
    r = erase_due(runtime.db, when, days=DAYS, reopen_window_days=15,
                  upload_dir=runtime.settings.upload_dir)
    assert (r.appeals, r.photos, r.ratings) == (3, 2, 1)  # closed, rejected, patrol
    assert r.messages >= 2  # 受理 and 答复 texts of the closed one, 受理 and 不予受理 of the other

    row = _row(runtime, closed)
    assert row.requester_name is None and row.requester_phone is None
    assert row.personal_data_erased_at == when
    for text in (row.title, row.content, row.address, row.reply_text):
        assert text and not contains_pii(text) and "张三" not in text, text
    assert "路灯坏了一个多月" in row.content and "幸福路" in (row.address or "")
    assert "example.com" in row.content and "zhangsan@" not in row.content
    assert "京A12345" not in row.content and "502" not in (row.address or "")
    assert (row.latitude, row.longitude) == (39.912, 116.401)  # the street, not the door
    assert (row.extra or {}).get("attachments_erased") == 1
    assert "attachments" not in (row.extra or {})
    assert not (Path(runtime.settings.upload_dir) / ("a" * 32 + ".jpg")).exists()
    assert not (Path(runtime.settings.upload_dir) / ("b" * 32 + ".jpg")).exists()
    # what the statistics count stays
    assert (row.status, row.category, row.lead_unit_id, row.followup_satisfaction) == (
        "closed", None, city.unit_ids["D1"], "satisfied")
    assert _row(runtime, rejected).reject_note == "张**来电无实际诉求"
    with runtime.db.uow(write=False) as uow:
        rating = uow.session.scalars(select(RatingRow).where(RatingRow.appeal_id == closed)).one()
        assert (rating.rater_phone, rating.stars) == (None, 1)
        assert rating.comment is not None and "张三" not in rating.comment
        assert PHONE not in rating.comment
        left = uow.session.scalars(select(NotificationRow.kind).where(
            NotificationRow.ref.like(f"appeal:{closed}:%"))).all()
        assert set(left) <= {"unit_dispatch", "deadline_warning", "unit_decision"}, left
        events_after = uow.session.scalar(select(func.count()).select_from(EventRow))
    rects = ReportingService(runtime.db, runtime.rules, runtime.settings).rectifications(now=when)
    reports = {x["appeal_id"]: x["report"] for x in rects}
    assert reports[closed] == "已向张**道歉并加快维修"
    assert reports[later] == "已向张三道歉并加快维修"

    # a grid worker's patrol photo is the grid's record, not a requester's: it stays
    assert (Path(runtime.settings.upload_dir) / ("c" * 32 + ".jpg")).exists()
    assert _row(runtime, patrol).personal_data_erased_at == when
    assert (_row(runtime, patrol).latitude, _row(runtime, patrol).longitude) == (
        39.912345, 116.401234)
    # an appeal still open, and one that ended less than the period ago, are untouched
    for untouched in (still_open, later):
        row = _row(runtime, untouched)
        assert (row.requester_name, row.requester_phone) == ("张三", PHONE)
        assert row.personal_data_erased_at is None and PHONE in row.content

    assert events_after == events_before  # no event written, none changed
    check = audit.verify(runtime.db)
    assert check.ok, check.broken
    assert _figures(runtime, now) == figures

    # once: a second run finds nothing
    again = erase_due(runtime.db, when + timedelta(days=1), days=DAYS, reopen_window_days=15,
                      upload_dir=runtime.settings.upload_dir)
    assert (again.appeals, again.ratings, again.messages) == (0, 0, 0)
    assert _row(runtime, closed).personal_data_erased_at == when


def test_the_reopen_window_is_waited_out_and_zero_days_keeps_all(runtime: Runtime,
                                                                   city: City) -> None:
    story = Story(runtime, city)
    rejected = story.rejected(T0)
    ended = _row(runtime, rejected).closed_at
    assert ended is not None
    upload = runtime.settings.upload_dir
    when = ended + timedelta(days=DAYS + 1)
    assert erase_due(runtime.db, when, days=0, reopen_window_days=15,
                     upload_dir=upload).appeals == 0
    # an administrator's reopen window longer than the period: the longer one counts
    assert erase_due(runtime.db, when, days=DAYS, reopen_window_days=300,
                     upload_dir=upload).appeals == 0
    assert erase_due(runtime.db, ended + timedelta(days=301), days=DAYS, reopen_window_days=300,
                     upload_dir=upload).appeals == 1


def test_a_service_item_rating_loses_its_phone_after_the_period(runtime: Runtime,
                                                                 city: City) -> None:
    feedback = FeedbackService(runtime.db, runtime.rules, runtime.settings)
    item = feedback.add_service_item(Actor(role=Role.ADMIN), "D1", "SI1", "户籍办理", T0)
    old = feedback.rate_service_item(item, PHONE, 4, T0, comment=f"张三 {PHONE} 办得快").rating_id
    new = feedback.rate_service_item(item, PHONE, 5, T0 + timedelta(days=30)).rating_id
    r = erase_due(runtime.db, T0 + timedelta(days=DAYS + 1), days=DAYS, reopen_window_days=15,
                  upload_dir=runtime.settings.upload_dir)
    assert (r.appeals, r.item_ratings) == (0, 1)
    with runtime.db.uow(write=False) as uow:
        rows = {x.id: x for x in uow.session.scalars(select(RatingRow))}
        uow.session.expunge_all()
    assert (rows[old].rater_phone, rows[old].stars, rows[old].comment) == (
        None, 4, "张三 138****5678 办得快")  # the rater's name is not known: only the phone
    assert (rows[new].rater_phone, rows[new].stars) == (PHONE, 5)


def test_what_a_unit_writes_after_the_erasure_is_erased_too(runtime: Runtime,
                                                            city: City) -> None:
    """A 整改报告 or 整改回访 note written after erasure, about the appeal or a service item's
    rating, is de-identified as erasure left the rest: it may quote the requester's phone."""
    story = Story(runtime, city)
    appeal = story.closed(T0, report=False)
    feedback = FeedbackService(runtime.db, runtime.rules, runtime.settings)
    item = feedback.add_service_item(Actor(role=Role.ADMIN), "D1", "SI1", "户籍办理", T0)
    reported = feedback.rate_service_item(item, PHONE, 1, T0, comment="太慢").rectification_id
    unreported = feedback.rate_service_item(item, "13900002222", 2, T0).rectification_id
    assert reported is not None and unreported is not None
    handler = Actor(role=Role.HANDLER, unit_id=city.unit_ids["D1"],
                    unit_scope=frozenset({city.unit_ids["D1"]}))
    feedback.report_rectification(handler, reported, f"已回电{PHONE}致歉", T0)
    with runtime.db.uow(write=False) as uow:
        rect = uow.session.scalar(select(RectificationRow.id).where(
            RectificationRow.appeal_id == appeal))
    assert rect is not None
    when = T0 + timedelta(days=DAYS + 10)
    r = erase_due(runtime.db, when, days=DAYS, reopen_window_days=15,
                  upload_dir=runtime.settings.upload_dir)
    assert (r.appeals, r.item_ratings) == (1, 2)

    later = f"已按{PHONE}回电，身份证{ID_NUMBER}已核实，张先生表示理解"
    feedback.report_rectification(handler, rect, later, when)
    feedback.report_rectification(handler, unreported, later, when)
    feedback.follow_up_rectification(story.followup, rect, True, when,
                                     note=f"回访{PHONE}，满意")
    with runtime.db.uow(write=False) as uow:
        reports = dict(uow.session.execute(select(RectificationRow.id,
                                                  RectificationRow.report)).all())
        notes = [e.data.get("note") for e in uow.session.scalars(select(EventRow).where(
            EventRow.appeal_id == appeal, EventRow.type == "rectification_followed_up"))]
    # the one reported before erasure was erased with its rating, the others when written
    for each in (rect, unreported, reported):
        text = reports[each]
        assert text and not contains_pii(text) and PHONE not in text, text
    assert reports[rect] == reports[unreported]
    assert "已核实" in reports[unreported] and ID_NUMBER not in reports[unreported]
    assert reports[reported] == "已回电138****5678致歉"
    assert notes == ["回访138****5678，满意"]
    assert audit.verify(runtime.db).ok


def _rating_of(runtime: Runtime, appeal_id: int) -> int:
    with runtime.db.uow(write=False) as uow:
        rating = uow.session.scalar(select(RatingRow.id).where(RatingRow.appeal_id == appeal_id))
    assert rating is not None
    return rating


def _appeal_texts(runtime: Runtime, rating_id: int) -> dict[str, str | None]:
    """Every text stored about a rating's 申诉: its reason and decision, and the decision's
    copies (why the rating was excluded, why its rectification was cancelled)."""
    with runtime.db.uow(write=False) as uow:
        ra = uow.session.scalars(select(RatingAppealRow).where(
            RatingAppealRow.rating_id == rating_id)).one()
        rating = uow.session.get(RatingRow, rating_id)
        rect = uow.session.scalar(select(RectificationRow).where(
            RectificationRow.rating_id == rating_id))
        assert rating is not None and rect is not None
        return {"reason": ra.reason, "decision": ra.decision_reason,
                "excluded": rating.excluded_reason, "cancelled": rect.cancelled_reason}


def _appeal_event_reasons(runtime: Runtime, appeal_id: int) -> dict[str, str]:
    """The reasons the events of filing and deciding a 申诉 carry, by event type."""
    with runtime.db.uow(write=False) as uow:
        return {e.type: e.data["reason"] for e in uow.session.scalars(select(EventRow).where(
            EventRow.appeal_id == appeal_id,
            EventRow.type.in_(("rating_appealed", "rating_appeal_decided"))))}


@dataclass(frozen=True)
class Rated:
    """Two appeals closed and rated 1 star at T0 (rectifications not reported) and a service
    item rated 1 star by PHONE, with the unit that files a 申诉 (`story.handler`) and the
    reviewer who decides it."""

    story: Story
    feedback: FeedbackService
    reviewer: Actor
    appeals: tuple[int, int]
    rated_item: int


@pytest.fixture
def rated(runtime: Runtime, city: City) -> Rated:
    story = Story(runtime, city)
    feedback = FeedbackService(runtime.db, runtime.rules, runtime.settings)
    appeals = story.closed(T0, report=False), story.closed(T0, report=False)
    item = feedback.add_service_item(Actor(role=Role.ADMIN), "D1", "SI1", "户籍办理", T0)
    return Rated(story, feedback, Actor(role=Role.SUPERVISOR), appeals,
                 feedback.rate_service_item(item, PHONE, 1, T0).rating_id)


def _clean(texts: dict[str, str | None], *words: str) -> None:
    """No phone, ID number or any of `words` is left in `texts` (the None ones not written)."""
    for key, text in texts.items():
        assert text is None or (not contains_pii(text) and PHONE not in text
                                and ID_NUMBER not in text
                                and not any(w in text for w in words)), (key, text)


def test_erasure_redacts_the_rating_appeals_and_their_decisions(runtime: Runtime,
                                                                rated: Rated) -> None:
    """A unit's 申诉 may quote the rater (their phone, their name), and so may the reviewer's
    decision, which an upheld 申诉 also copies into the rating (why it was excluded) and its
    rectification (why it was cancelled): erasure redacts them all, of an appeal's ratings and
    of a service item's."""
    story, feedback, reviewer, rated_item = (rated.story, rated.feedback, rated.reviewer,
                                             rated.rated_item)
    upheld, pending = rated.appeals
    said = f"张三（{PHONE}，身份证{ID_NUMBER}）与邻居有纠纷，借评价泄愤"
    ra = {r: feedback.file_rating_appeal(story.handler, r, said, T0 + timedelta(days=5))
          for r in (_rating_of(runtime, upheld), _rating_of(runtime, pending), rated_item)}
    feedback.decide_rating_appeal(reviewer, ra[_rating_of(runtime, upheld)], True,
                                  f"经核实张三电话{PHONE}多次恶意差评", T0 + timedelta(days=6))
    feedback.decide_rating_appeal(reviewer, ra[rated_item], False,
                                  f"已回电{PHONE}核实，评价属实", T0 + timedelta(days=6))
    before = _appeal_texts(runtime, _rating_of(runtime, upheld))
    assert PHONE in (before["excluded"] or "") and PHONE in (before["cancelled"] or "")

    r = erase_due(runtime.db, T0 + timedelta(days=DAYS + 10), days=DAYS,
                  reopen_window_days=15, upload_dir=runtime.settings.upload_dir)
    assert (r.appeals, r.item_ratings) == (2, 1)
    texts = _appeal_texts(runtime, _rating_of(runtime, upheld))
    _clean(texts, "张三")
    assert texts["reason"] == (
        "张**（138****5678，身份证110101********1233）与邻居有纠纷，借评价泄愤")
    assert texts["decision"] == texts["excluded"] == "经核实张**电话138****5678多次恶意差评"
    assert texts["cancelled"] == f"评价经申诉被剔除：{texts['decision']}"
    texts = _appeal_texts(runtime, _rating_of(runtime, pending))
    _clean(texts, "张三")
    assert texts["decision"] is None and "借评价泄愤" in (texts["reason"] or "")
    texts = _appeal_texts(runtime, rated_item)  # no requester's name known: only the numbers
    _clean(texts)
    assert texts["decision"] == "已回电138****5678核实，评价属实"
    # the events keep what they said (their hashes cover it)
    assert _appeal_event_reasons(runtime, upheld)["rating_appealed"] == said
    assert audit.verify(runtime.db).ok


def test_a_rating_appeal_filed_or_decided_after_the_erasure_is_erased_too(
        runtime: Runtime, rated: Rated) -> None:
    """Filed after the erasure, decided after it (filed before), of an appeal's rating and of a
    service item's: what the unit and the reviewer write is stored, and put in the events,
    de-identified as erasure left the rest."""
    story, feedback, reviewer, rated_item = (rated.story, rated.feedback, rated.reviewer,
                                             rated.rated_item)
    later, earlier = rated.appeals
    filed_before = feedback.file_rating_appeal(story.handler, _rating_of(runtime, earlier),
                                               "评价与事实不符", T0 + timedelta(days=5))
    when = T0 + timedelta(days=DAYS + 10)
    r = erase_due(runtime.db, when, days=DAYS, reopen_window_days=15,
                  upload_dir=runtime.settings.upload_dir)
    assert (r.appeals, r.item_ratings) == (2, 1)

    said = f"评价人{PHONE}（身份证{ID_NUMBER}）与本单位无业务往来"
    decided = f"经回电{PHONE}核实属恶意差评"
    for rating in (_rating_of(runtime, later), rated_item):
        ra = feedback.file_rating_appeal(story.handler, rating, said, when)
        assert feedback.decide_rating_appeal(reviewer, ra, True, decided, when) == "upheld"
    feedback.decide_rating_appeal(reviewer, filed_before, True, decided, when)
    for rating in (_rating_of(runtime, later), rated_item, _rating_of(runtime, earlier)):
        texts = _appeal_texts(runtime, rating)
        _clean(texts)
        assert texts["decision"] == texts["excluded"] == "经回电138****5678核实属恶意差评"
        assert texts["cancelled"] == f"评价经申诉被剔除：{texts['decision']}"
    assert _appeal_texts(runtime, rated_item)["reason"] == (
        "评价人138****5678（身份证110101********1233）与本单位无业务往来")
    events = _appeal_event_reasons(runtime, later)
    assert set(events) == {"rating_appealed", "rating_appeal_decided"}
    _clean(dict(events))
    assert _appeal_event_reasons(runtime, earlier) == {
        "rating_appealed": "评价与事实不符", "rating_appeal_decided": texts["decision"]}
    assert audit.verify(runtime.db).ok


def test_the_periodic_jobs_erase_and_say_so(runtime: Runtime, city: City) -> None:
    story = Story(runtime, city)
    ids = [story.rejected(T0) for _ in range(3)]
    result = run_all(runtime, T0 + timedelta(days=DAYS + 1), audit=False)
    assert result.erased.appeals == 3 and result.erased.ended_before is not None
    assert all(_row(runtime, i).requester_phone is None for i in ids)


def test_a_pass_of_the_jobs_stops_at_its_time_budget(runtime: Runtime, city: City) -> None:
    """A backlog (erasure just turned on) must not hold up the deadline warnings of the pass:
    once the budget is spent no further batch begins, and the next pass goes on."""
    story = Story(runtime, city)
    for _ in range(5):
        story.rejected(T0)
    when, upload = T0 + timedelta(days=DAYS + 1), runtime.settings.upload_dir
    first = erase_due(runtime.db, when, days=DAYS, reopen_window_days=15, upload_dir=upload,
                      batch=2, budget=timedelta(0))
    assert (first.appeals, first.more) == (2, True)
    rest = erase_due(runtime.db, when, days=DAYS, reopen_window_days=15, upload_dir=upload,
                     batch=2)
    assert (rest.appeals, rest.more) == (3, False)


def test_two_processes_at_once_erase_each_appeal_once(runtime: Runtime, city: City) -> None:
    if runtime.db.dialect != "postgresql":
        pytest.skip("SQLite takes the write lock at BEGIN IMMEDIATE: two writers cannot overlap")
    story = Story(runtime, city)
    ids = [story.rejected(T0 + timedelta(minutes=i)) for i in range(40)]
    versions = {i: _row(runtime, i).version for i in ids}
    when = T0 + timedelta(days=DAYS + 1)
    results = side_by_side(runtime, lambda rt: erase_due(
        rt.db, when, days=DAYS, reopen_window_days=15, upload_dir=rt.settings.upload_dir,
        batch=3))
    assert sum(r.appeals for r in results) == 40
    # erased once each: one version step, one erasure time
    assert {i: _row(runtime, i).version for i in ids} == {i: v + 1 for i, v in versions.items()}
    assert audit.verify(runtime.db).ok


def _lock_waits(runtime: Runtime) -> int:
    """Sessions of this test's database now waiting for a row lock (PostgreSQL)."""
    with runtime.db.engine.connect() as conn:
        return int(conn.execute(sql(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND wait_event_type = 'Lock'")).scalar_one())


def test_erasing_an_appeal_while_its_rectification_takes_a_step_deadlocks_neither(
        runtime: Runtime, city: City, monkeypatch: pytest.MonkeyPatch) -> None:
    """A 整改回访 of a long-ended appeal's rectification has locked the rectification and
    is about to add its event to the appeal when the erasure of that appeal begins. Erasure
    took the appeal's lock, then waited for the rectification's (to redact its report), while
    the step waited for the appeal's: a deadlock PostgreSQL broke by failing one (503). Both
    now take the rectification's lock before the appeal's, so erasure waits for the step and
    then erases: both succeed."""
    if runtime.db.dialect != "postgresql":
        pytest.skip("SQLite takes the write lock at BEGIN IMMEDIATE: two writers cannot overlap")
    story = Story(runtime, city)
    appeal = story.closed(T0)
    with runtime.db.uow(write=False) as uow:
        rect = uow.session.scalar(select(RectificationRow.id).where(
            RectificationRow.appeal_id == appeal))
    assert rect is not None
    when = T0 + timedelta(days=DAYS + 10)  # it ended at T0 + 2 days
    locked, go = threading.Event(), threading.Event()
    appeal_event = FeedbackService._appeal_event

    def held(*args: Any) -> None:  # the step wrote the rectification, holds its lock
        locked.set()
        go.wait(timeout=30)
        appeal_event(*args)

    monkeypatch.setattr(FeedbackService, "_appeal_event", staticmethod(held))
    outcome: dict[str, object] = {}
    run = partial(_started, outcome)

    svc = FeedbackService(runtime.db, runtime.rules, runtime.settings)
    step = run("step", lambda: svc.follow_up_rectification(story.followup, rect, True, when))
    assert locked.wait(timeout=30)
    erase = run("erase", lambda: erase_due(runtime.db, when, days=DAYS, reopen_window_days=15,
                                           upload_dir=runtime.settings.upload_dir))
    deadline = time.monotonic() + 10
    while _lock_waits(runtime) == 0 and time.monotonic() < deadline:
        time.sleep(0.05)  # erasure is waiting for the rectification's lock
    assert _lock_waits(runtime) == 1
    go.set()
    for thread in (step, erase):
        thread.join(timeout=60)
    assert outcome["step"] == "verified", repr(outcome["step"])
    erased = outcome["erase"]
    assert isinstance(erased, ErasureResult) and erased.appeals == 1, repr(erased)
    assert _row(runtime, appeal).requester_phone is None
    assert audit.verify(runtime.db).ok


@pytest.mark.parametrize("first", ["decision", "erasure"])
def test_erasing_an_appeal_while_its_rating_appeal_is_decided_deadlocks_neither(
        runtime: Runtime, city: City, monkeypatch: pytest.MonkeyPatch, first: str) -> None:
    """A reviewer upholds a 申诉 against the rating of a long-ended appeal while that appeal
    is erased, each of them first in turn, holding its locks while the other begins. Deciding
    wrote the 申诉 before it locked the rating; erasure, holding the rating, would wait for that
    申诉: a deadlock. Both now lock the rating first: the second waits for the first, then
    finishes, and whichever went first no text of the 申诉 is left as written (erasure redacts
    a decision before it; a decision after it is written redacted)."""
    if runtime.db.dialect != "postgresql":
        pytest.skip("SQLite takes the write lock at BEGIN IMMEDIATE: two writers cannot overlap")
    story = Story(runtime, city)
    appeal = story.closed(T0, report=False)
    rating = _rating_of(runtime, appeal)
    svc = FeedbackService(runtime.db, runtime.rules, runtime.settings)
    ra = svc.file_rating_appeal(story.handler, rating, f"评价人{PHONE}与本单位无业务往来",
                                T0 + timedelta(days=5))
    when = T0 + timedelta(days=DAYS + 10)
    locked, go = threading.Event(), threading.Event()

    def holding(work: Callable[..., Any]) -> Callable[..., Any]:
        def held(*args: Any, **kwargs: Any) -> Any:  # its locks taken, the other begins
            done = work(*args, **kwargs)
            locked.set()
            go.wait(timeout=30)
            return done
        return held

    # the decision has written the 申诉; erasure has claimed the appeal (all its locks taken)
    if first == "decision":
        monkeypatch.setattr(fq, "decide_rating_appeal", holding(fq.decide_rating_appeal))
    else:
        monkeypatch.setattr(retention_store, "claim_due", holding(retention_store.claim_due))
    outcome: dict[str, object] = {}
    run = partial(_started, outcome)

    def decide() -> object:
        return svc.decide_rating_appeal(Actor(role=Role.SUPERVISOR), ra, True,
                                        f"经回电{PHONE}核实属恶意差评", when)

    def erase() -> object:
        return erase_due(runtime.db, when, days=DAYS, reopen_window_days=15,
                         upload_dir=runtime.settings.upload_dir)

    works = {"decision": decide, "erasure": erase}
    second = next(name for name in works if name != first)
    threads = [run(first, works[first])]
    assert locked.wait(timeout=30)
    threads.append(run(second, works[second]))
    deadline = time.monotonic() + 10
    while _lock_waits(runtime) == 0 and time.monotonic() < deadline:
        time.sleep(0.05)  # the second is waiting for the rating's lock
    assert _lock_waits(runtime) == 1
    go.set()
    for thread in threads:
        thread.join(timeout=60)
    assert outcome["decision"] == "upheld", repr(outcome["decision"])
    erased = outcome["erasure"]
    assert isinstance(erased, ErasureResult) and erased.appeals == 1, repr(erased)
    texts = _appeal_texts(runtime, rating)
    _clean(texts, "张三")
    assert texts["decision"] == texts["excluded"] == "经回电138****5678核实属恶意差评"
    assert texts["reason"] == "评价人138****5678与本单位无业务往来"
    if first == "erasure":  # written after it: its event too
        assert _appeal_event_reasons(runtime, appeal)["rating_appeal_decided"] == (
            texts["decision"])
    assert audit.verify(runtime.db).ok


def test_the_command_line_counts_in_a_dry_run_then_erases(runtime: Runtime, city: City,
                                                          monkeypatch: pytest.MonkeyPatch
                                                          ) -> None:
    story = Story(runtime, city)
    long_ago = utcnow() - timedelta(days=DAYS + 30)
    ids = [story.rejected(long_ago) for _ in range(2)] + [story.open(long_ago)]
    monkeypatch.setattr(cli, "_runtime", lambda: Runtime.create(runtime.settings))
    runner = CliRunner()
    out = runner.invoke(cli.app, ["privacy", "erase", "--dry-run"])
    assert out.exit_code == 0, out.output
    assert "[试运行，未写入] 保存期限 200 天：" in out.output
    assert "有 2 件待删除诉求人个人信息" in out.output
    assert all(_row(runtime, i).requester_phone == PHONE for i in ids)
    out = runner.invoke(cli.app, ["privacy", "erase"])
    assert out.exit_code == 0, out.output
    assert "的 2 件诉求的诉求人个人信息" in out.output
    assert [_row(runtime, i).requester_phone for i in ids] == [None, None, PHONE]
    off = runtime.settings.model_copy(update={"personal_data_days": 0})
    monkeypatch.setattr(cli, "_runtime", lambda: Runtime.create(off))
    out = runner.invoke(cli.app, ["privacy", "erase", "--dry-run"])
    assert out.exit_code == 2 and "未启用" in out.output, out.output


def test_the_staff_page_says_the_data_was_erased(runtime: Runtime, city: City) -> None:
    story = Story(runtime, city)
    i = story.rejected(T0, photo="d" * 32 + ".jpg")
    erase_personal_data(runtime, T0 + timedelta(days=DAYS + 1))
    closed = story.closed(T0)
    page_login(city.client, "dispatcher")
    reopen = f'action="/staff/appeals/{closed}/reopen"'
    assert reopen in city.client.get(f"/staff/appeals/{closed}").text
    erase_personal_data(runtime, T0 + timedelta(days=DAYS + 10))
    # no one to call back: not offered, and refused (409, nothing changed) when asked for
    assert reopen not in city.client.get(f"/staff/appeals/{closed}").text
    r = city.client.post(f"/api/v1/appeals/{closed}/reopen", json={"reason": "再看看"},
                         headers=city.headers("dispatcher"))
    assert r.status_code == 409 and "不能重办" in r.json()["error"]["message"], r.text
    assert _row(runtime, closed).status == "closed"
    detail = city.client.get(f"/api/v1/appeals/{closed}", headers=city.headers("dispatcher"))
    assert detail.json()["requester_phone"] is None
    assert detail.json()["personal_data_erased_at"].startswith("2026-")
    html = city.client.get(f"/staff/appeals/{i}").text
    assert "个人信息已于 2026-" in html and "按保存期限删除（含照片 1 张）" in html
    assert PHONE not in html and "<dd>张三</dd>" not in html
    # the events keep what they said (their hashes cover it): the dispatcher's note is there
    assert "张三来电无实际诉求" in html


def _started(outcome: dict[str, object], name: str,
             work: Callable[[], object]) -> threading.Thread:
    """`work` running in a thread of its own; its result, or what it raised, in outcome[name]."""
    def target() -> None:
        try:
            outcome[name] = work()
        except Exception as exc:  # noqa: BLE001 - the tests assert on it
            outcome[name] = exc
    thread = threading.Thread(target=target)
    thread.start()
    return thread


def _tables_keeping(runtime: Runtime, needle: str) -> set[str]:
    """The tables with a row that keeps `needle` anywhere, as text."""
    from jiesu.store.tables import Base
    found = set()
    with runtime.db.uow(write=False) as uow:
        for table in Base.metadata.sorted_tables:
            if any(needle in repr(tuple(row)) for row in uow.session.execute(table.select())):
                found.add(table.name)
    return found


def test_erasure_takes_the_text_of_an_appeal_answered_directly(runtime: Runtime,
                                                                city: City) -> None:
    """直接答复 texts the requester: that text carries their phone as its recipient and goes
    with the rest of their texts."""
    story = Story(runtime, city)
    phone = "13912340000"  # only this requester's, never written in any text
    answered = story.register(T0, kind="consult", requester_phone=phone,
                              content="请问办事大厅几点下班？", title="办事大厅时间")
    story.act(Actor(role=Role.OPERATOR), answered, "answer_directly", T0, text="9:00—17:00")
    with runtime.db.uow(write=False) as uow:
        refs = uow.session.scalars(select(NotificationRow.ref).where(
            NotificationRow.recipient == phone)).all()
    assert sorted(refs) == [f"appeal:{answered}:answer_directly", f"appeal:{answered}:register"]
    assert _tables_keeping(runtime, phone) == {"appeals", "notifications"}

    r = erase_due(runtime.db, T0 + timedelta(days=DAYS + 16), days=DAYS,
                  reopen_window_days=15, upload_dir=runtime.settings.upload_dir)
    assert (r.appeals, r.messages) == (1, 2)
    assert _row(runtime, answered).requester_phone is None
    assert _tables_keeping(runtime, phone) == set()
