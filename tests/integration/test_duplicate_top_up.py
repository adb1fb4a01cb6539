"""The duplicate index of one process finds appeals another process registered, whatever the
order their ids were committed in (SQLite and PostgreSQL)."""

from __future__ import annotations

import gc
from datetime import timedelta

import pytest

from jiesu.domain.appeal import Actor, Role
from jiesu.runtime import Runtime
from jiesu.services import intake as intake_module
from jiesu.services.appeals import AppealService, NewAppeal
from jiesu.services.clock import utcnow
from jiesu.services.intake import IntakeConfig, IntakeIntelligence
from jiesu.store.uow import Database

OPERATOR = Actor(role=Role.OPERATOR, user_id=None)
NOISE = "楼上每天深夜装修，电钻噪音严重扰民，老人孩子都睡不着觉"
TRASH = "小区东门口垃圾堆积如山，连续一周无人清理，气味难闻"


def _ids(suggested: dict[str, object]) -> set[int]:
    return {d["id"] for d in suggested["duplicates"]}  # type: ignore[attr-defined, index]


def test_top_up_finds_another_process_appeal_with_a_lower_id(runtime: Runtime) -> None:
    # Two "processes": each has its own Database, so on PostgreSQL its own block of ids
    # (the first to register takes 1–20, the second 21–40).
    other_db = Database(runtime.settings.database_url)
    try:
        first = AppealService(runtime.db, runtime.rules)
        second = AppealService(other_db, runtime.rules)
        now = utcnow()
        first.register(OPERATOR, NewAppeal(kind="help", content="咨询公积金提取办法",
                                           requester_phone="13900000000"), now)
        high = second.register(OPERATOR, NewAppeal(kind="complaint", content=TRASH,
                                                   requester_phone="13911112222"), now)
        intake = IntakeIntelligence(runtime.db, runtime.settings,
                                    IntakeConfig(refresh_seconds=0, background_reload=False))
        later = now + timedelta(seconds=1)
        seen = intake.suggest(NewAppeal(kind="complaint", content=TRASH + "。",
                                        requester_phone="13911112222"), later)
        assert high.appeal_id in _ids(seen.data)
        # Now the first process registers: on PostgreSQL its id is below the one seen above.
        low = first.register(OPERATOR, NewAppeal(kind="complaint", content=NOISE,
                                                 requester_phone="13733334444"), later)
        if runtime.db.dialect == "postgresql":
            assert low.appeal_id < high.appeal_id
        found = intake.suggest(NewAppeal(kind="complaint", content="楼上" + NOISE[2:] + "！",
                                         requester_phone="13733334444"),
                               later + timedelta(seconds=1))
        assert low.appeal_id in _ids(found.data)
    finally:
        other_db.dispose()


def test_a_large_first_build_is_frozen_out_of_the_garbage_collector(
        runtime: Runtime, monkeypatch: pytest.MonkeyPatch) -> None:
    # A full collection walks every tracked object: a million-appeal index made it a pause
    # of 185 ms (bench/nlp.py), so the service freezes a large first build.
    AppealService(runtime.db, runtime.rules).register(
        OPERATOR, NewAppeal(kind="complaint", content=TRASH, requester_phone="13911112222"),
        utcnow())
    later = utcnow() + timedelta(seconds=1)
    config = IntakeConfig(refresh_seconds=0, background_reload=False)
    query = NewAppeal(kind="complaint", content=TRASH + "。", requester_phone="13911112222")
    before = gc.get_freeze_count()
    try:
        small = IntakeIntelligence(runtime.db, runtime.settings, config)
        assert small.suggest(query, later).data["duplicates"]
        assert gc.get_freeze_count() <= before  # one appeal: not worth a collection
        monkeypatch.setattr(intake_module, "FREEZE_INDEX_AT", 1)
        large = IntakeIntelligence(runtime.db, runtime.settings, config)
        assert large.suggest(query, later).data["duplicates"]
        assert gc.get_freeze_count() > before
    finally:
        gc.unfreeze()
