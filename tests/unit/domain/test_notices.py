"""The texts a requester gets at 受理, 不予受理, 合并 and 答复."""

from __future__ import annotations

from jiesu.domain.appeal import RejectReason
from jiesu.domain.notices import (
    REJECTED_BECAUSE,
    hotspot_notice,
    liaison_notice,
    rectification_warning_notice,
    requester_notice,
)

KW = {"code": "2026112700123", "city": "示范市", "track_url": "https://12345.example.cn/track"}


def test_each_step_that_changes_what_the_requester_can_expect_has_a_text() -> None:
    registered = requester_notice("register", {}, **KW)
    assert registered == ("【示范市12345】您的诉求已受理，编号 2026112700123。凭编号和手机号可在 "
                          "https://12345.example.cn/track 查询办理进度。")
    rejected = requester_notice("reject", {"reason": "litigation"}, **KW)
    assert rejected is not None and "不予受理，原因：该事项应通过诉讼途径解决" in rejected
    merged = requester_notice("merge", {"target_id": 7, "target_code": "2026112700007"}, **KW)
    assert merged is not None and "可凭本编号查询办理进展" in merged
    assert "2026112700007" not in merged  # that code does not open with the requester's phone
    replied = requester_notice("reply", {"claim": "solved"}, **KW)
    assert replied is not None and "已答复" in replied
    for quiet in ("dispatch", "sign", "contact", "follow_up", "supervise", "add_info"):
        assert requester_notice(quiet, {}, **KW) is None


def test_a_reopened_appeal_tells_the_requester_it_is_handled_again_without_the_reason() -> None:
    again = requester_notice("reopen", {"to": "in_progress", "reason": "内部：答复敷衍"}, **KW)
    assert again == ("【示范市12345】您的诉求（编号 2026112700123）已转重办，承办单位正在重新办理，"
                     "办理结果将再次答复您。查询：https://12345.example.cn/track")
    anew = requester_notice("reopen", {"to": "registered", "reason": "派错单位"}, **KW)
    assert anew is not None and "已重新受理，将重新派单办理" in anew and "派错单位" not in anew


def test_every_reject_reason_reads_as_a_sentence() -> None:
    assert set(REJECTED_BECAUSE) == set(RejectReason)
    assert "不属于受理范围" in (requester_notice("reject", {"reason": "?"}, **KW) or "")


def test_units_are_warned_about_signing_and_handling_only() -> None:
    from jiesu.domain.notices import unit_warning_notice

    kw = {"code": "2026112700123", "title": "多福巷路灯不亮一个多月了晚上出行不安全请尽快",
          "city": "示范市", "due_local": "11月28日 17:30"}
    yellow = unit_warning_notice({"clock": "handle", "level": "yellow"}, **kw)
    assert yellow == ("【示范市12345】诉求 2026112700123"
                      "「多福巷路灯不亮一个多月了晚上出行不安全…」"
                      "办理时限将于 11月28日 17:30 到期，请抓紧办理。")  # 20 with the "…"
    red = unit_warning_notice({"clock": "sign", "level": "red"}, **kw)
    assert red is not None and "签收已超期（时限 11月28日 17:30），已自动督办" in red
    for clock in ("follow_up", "return_window", "extension", "rectification"):
        assert unit_warning_notice({"clock": clock, "level": "red"}, **kw) is None


def test_imported_history_late_before_the_import_is_one_digest() -> None:
    from jiesu.domain.notices import history_digest_notice

    head = "【示范市12345】导入的历史诉求中有"
    # 件 counts appeals: one late on both clocks is one, with the clocks named after it
    assert history_digest_notice({("sign", "red"): 1, ("handle", "red"): 1}, appeals=1,
                                 city="示范市") == (
        f"{head} 1 件已超期（签收 1、办理 1），已自动督办，请登录系统查看。")
    assert history_digest_notice({("sign", "red"): 1, ("handle", "red"): 2}, appeals=2,
                                 city="示范市") == (
        f"{head} 2 件已超期（签收 1、办理 2），已自动督办，请登录系统查看。")
    assert history_digest_notice({("handle", "red"): 12}, appeals=12, city="示范市") == (
        f"{head} 12 件办理已超期，已自动督办，请登录系统查看。")
    assert history_digest_notice({("sign", "yellow"): 1}, appeals=1, city="示范市") == (
        f"{head} 1 件签收即将到期，请登录系统查看。")
    assert history_digest_notice({("sign", "yellow"): 2, ("handle", "yellow"): 1}, appeals=2,
                                 city="示范市") == (
        f"{head} 2 件即将到期（签收 2、办理 1），请登录系统查看。")
    # late on one clock, nearly on the other: both levels, named by clock
    mixed = history_digest_notice({("handle", "yellow"): 2, ("sign", "red"): 3,
                                   ("handle", "red"): 40}, appeals=42, city="示范市")
    assert mixed == (f"{head} 42 件已超期或临期（签收超期 3、办理超期 40、办理临期 2），"
                     "已自动督办，请登录系统查看。")
    assert len(mixed) <= 70
    # a digest recorded before its appeals were counted (0038), or a count that cannot be
    # (fewer appeals than one clock's warnings): the warnings are counted, as 条 not 件
    for unknown in (None, 1, 4):
        assert history_digest_notice({("sign", "red"): 2, ("handle", "red"): 1},
                                     appeals=unknown, city="示范市") == (
            "【示范市12345】导入的历史诉求有 3 条超期预警（签收 2、办理 1），已自动督办，"
            "请登录系统查看。")
    assert history_digest_notice({("sign", "yellow"): 2, ("handle", "yellow"): 1},
                                 appeals=None, city="示范市") == (
        "【示范市12345】导入的历史诉求有 3 条临期预警（签收 2、办理 1），请登录系统查看。")
    assert history_digest_notice({("sign", "red"): 2, ("handle", "yellow"): 1},
                                 appeals=None, city="示范市") == (
        "【示范市12345】导入的历史诉求有 3 条预警（签收超期 2、办理临期 1），已自动督办，"
        "请登录系统查看。")
    assert history_digest_notice({("handle", "red"): 5}, appeals=None, city="示范市") == (
        f"{head} 5 件办理已超期，已自动督办，请登录系统查看。")  # one clock: one per appeal


def test_the_rated_unit_is_warned_about_its_rectification_deadline() -> None:
    yellow = rectification_warning_notice("yellow", code="2026112700123", title="多福巷路灯不亮",
                                          city="示范市", due_local="12月18日 23:59")
    assert yellow == ("【示范市12345】诉求 2026112700123「多福巷路灯不亮」的差评整改时限将于 "
                      "12月18日 23:59 到期，请尽快提交整改报告。")
    red = rectification_warning_notice("red", code=None, title="不动产登记", city="示范市",
                                       due_local="12月18日 23:59")
    assert red == ("【示范市12345】服务事项「不动产登记」的差评整改已超期（时限 12月18日 23:59），"
                   "请尽快提交整改报告。")


def test_the_unit_hears_why_a_dispatcher_refused_its_request_or_sent_its_reply_back() -> None:
    from jiesu.domain.notices import unit_decision_notice

    kw = {"code": "2026112700123", "title": "多福巷路灯不亮", "city": "示范市"}
    denied = unit_decision_notice("deny_return", {"reason": "属于本单位职责", "forced": True},
                                  **kw)
    assert denied == ("【示范市12345】诉求 2026112700123「多福巷路灯不亮」退单申请未获同意，"
                      "请继续办理。驳回理由：属于本单位职责")
    extension = unit_decision_notice("deny_extension", {"reason": "可按期办结", "days": 3}, **kw)
    assert extension is not None and "延期申请未获同意" in extension
    assert extension.endswith("驳回理由：可按期办结")
    sent_back = unit_decision_notice("send_back", {"note": "答复与现场不符"}, **kw)
    assert sent_back is not None and sent_back.endswith("答复被退回，请重新办理后再答复。"
                                                        "退回意见：答复与现场不符")
    long = unit_decision_notice("deny_return", {"reason": "理" * 300}, **kw)
    assert long is not None and long.endswith("理" * 99 + "…")
    # an event recorded before a reason was required still makes a text, without one
    old = unit_decision_notice("deny_extension", {"note": None}, **kw)
    assert old is not None and old.endswith("请在原办理时限内办结。")
    for other in ("approve_return", "approve_extension", "reply", "dispatch"):
        assert unit_decision_notice(other, {"reason": "x", "note": "y"}, **kw) is None


def test_the_unit_hears_of_fewer_days_granted_and_of_a_reopening_with_the_new_deadline() -> None:
    from jiesu.domain.notices import unit_decision_notice

    kw = {"code": "2026112700123", "title": "多福巷路灯不亮", "city": "示范市",
          "due_local": "12月03日 23:59"}
    partly = unit_decision_notice(
        "approve_extension", {"days": 2, "asked": 5, "reason": "材料两天内到货"}, **kw)
    assert partly == ("【示范市12345】诉求 2026112700123「多福巷路灯不亮」延期申请部分批准"
                      "（申请 5 个工作日，批准 2 个工作日，办理时限 12月03日 23:59），"
                      "请在新的办理时限内办结。部分批准理由：材料两天内到货")
    # approved in full, or recorded before the days asked were: nothing to hear of
    assert unit_decision_notice("approve_extension", {"days": 5, "asked": 5}, **kw) is None
    assert unit_decision_notice("approve_extension", {"days": 5}, **kw) is None
    reopened = unit_decision_notice("reopen", {"to": "in_progress", "reason": "路灯仍不亮"},
                                    **kw)
    assert reopened == ("【示范市12345】诉求 2026112700123「多福巷路灯不亮」已转重办"
                        "（办理时限 12月03日 23:59），请重新办理后再答复。重办理由：路灯仍不亮")
    denied = unit_decision_notice("deny_extension", {"reason": "可按期办结", "days": 3}, **kw)
    assert denied is not None and "12月03日" not in denied  # the deadline did not move


def test_a_follow_up_that_reopens_tells_the_unit_what_the_requester_said() -> None:
    from jiesu.domain.notices import requester_notice, unit_decision_notice

    kw = {"code": "2026112700123", "title": "多福巷路灯不亮", "city": "示范市",
          "due_local": "12月03日 23:59"}
    data = {"reached": True, "resolved": "no", "satisfaction": "dissatisfied",
            "reopened": True, "note": "晚上还是不亮", "to": "in_progress"}
    assert unit_decision_notice("follow_up", data, **kw) == (
        "【示范市12345】诉求 2026112700123「多福巷路灯不亮」经回访已转重办（诉求人反映未解决、"
        "不满意，办理时限 12月03日 23:59），请重新办理后再答复。回访记录：晚上还是不亮")
    told = requester_notice("follow_up", data, code=kw["code"], city="示范市", track_url="/track")
    assert told is not None and "已转承办单位重新办理" in told and "晚上还是不亮" not in told
    # a follow-up that closes it, or an attempt that did not reach anyone: nothing to say
    for quiet in ({**data, "reopened": False}, {"reached": False, "attempt": 1}):
        assert unit_decision_notice("follow_up", quiet, **kw) is None
        assert requester_notice("follow_up", quiet, code=kw["code"], city="示范市",
                                track_url="/track") is None


def test_a_supervisors_urging_tells_the_unit_the_level_the_deadline_and_the_note() -> None:
    """催办/黄牌/红牌 by a supervisor reach the unit that has the appeal: a 督办 nobody hears of
    presses no one. The automatic one of a red warning is said by the warning's own text."""
    from jiesu.domain.notices import unit_decision_notice

    kw = {"code": "2026112700123", "title": "多福巷路灯不亮", "city": "示范市",
          "due_local": "12月03日 23:59"}
    red = unit_decision_notice("supervise", {"level": "red", "note": "群众反映强烈，今日办结"},
                               **kw)
    assert red == ("【示范市12345】诉求 2026112700123「多福巷路灯不亮」收到督办（红牌督办，"
                   "办理时限 12月03日 23:59），请加快办理，按时办结。"
                   "督办意见：群众反映强烈，今日办结")
    remind = unit_decision_notice("supervise", {"level": "remind", "note": None}, **kw)
    assert remind is not None and "（催办，办理时限" in remind and remind.endswith("按时办结。")
    assert unit_decision_notice("supervise", {"level": "red", "auto": True,
                                              "note": "超期自动督办"}, **kw) is None
    assert unit_decision_notice("supervise", {"level": "red", "note": "x"}, co_unit=True,
                                **kw) is None


def test_a_decision_stands_until_the_unit_asks_again_replies_or_is_dispatched_anew() -> None:
    from dataclasses import dataclass
    from datetime import UTC, datetime, timedelta
    from typing import Any

    from jiesu.domain.notices import standing_decisions

    @dataclass
    class E:
        type: str
        at: datetime
        data: Any

    t = datetime(2026, 11, 27, 9, tzinfo=UTC)

    def events(*types: str) -> list[E]:
        return [E(x, t + timedelta(minutes=i), {"reason": f"r{i}", "note": None})
                for i, x in enumerate(types)]

    def standing(*types: str) -> list[tuple[str, str | None]]:
        return [(d.type, d.reason) for d in standing_decisions(events(*types))]

    assert standing("request_return", "deny_return") == [("deny_return", "r1")]
    assert standing("request_return", "deny_return", "request_extension",
                    "deny_extension") == [("deny_return", "r1"), ("deny_extension", "r3")]
    assert standing("request_return", "deny_return", "request_return") == []
    assert standing("request_extension", "deny_extension", "reply") == []
    assert standing("request_return", "deny_return", "dispatch") == []
    assert standing("reply", "send_back") == [("send_back", None)]  # send_back's is its note
    old = standing_decisions([E("deny_extension", t, {"note": None})])
    assert [(d.what, d.reason) for d in old] == [("延期申请未获同意", None)]
    legacy = standing_decisions([E("deny_return", t, {"note": "请继续办理", "forced": True})])
    assert legacy[0].reason == "请继续办理"
    # fewer days granted stands like a denial; days granted in full are no news
    partly = E("approve_extension", t, {"days": 2, "asked": 5, "reason": "两天足够"})
    full = E("approve_extension", t, {"days": 5, "asked": 5})
    (d,) = standing_decisions([partly])
    assert (d.what, d.asked, d.granted, d.label, d.reason) == (
        "延期申请部分批准", 5, 2, "部分批准理由", "两天足够")
    assert standing_decisions([full]) == []
    assert standing_decisions([partly, E("request_extension", t, {})]) == []
    # a reopening stands until the unit replies
    reopened = E("reopen", t, {"reason": "路灯仍不亮"})
    assert [x.type for x in standing_decisions([reopened])] == ["reopen"]
    assert standing_decisions([reopened, E("reply", t, {})]) == []
    # a supervisor's 督办 stands, with its level, until the unit replies; a later one replaces
    # it; the automatic one of a red warning is not the supervisor's word
    urged = E("supervise", t, {"level": "yellow", "note": "请本周内办结"})
    (d,) = standing_decisions([E("supervise", t, {"level": "remind", "note": None}), urged])
    assert (d.what, d.level, d.label, d.reason) == (
        "收到督办", "yellow", "督办意见", "请本周内办结")
    assert standing_decisions([urged, E("reply", t, {})]) == []
    assert standing_decisions([E("supervise", t, {"level": "red", "auto": True})]) == []
    # information added (补充) stands until the unit replies: the latest one
    added = [E("add_info", t, {"text": "路灯在3号楼东侧"}), E("add_info", t, {"text": "晚上7点后"})]
    (d,) = standing_decisions(added)
    assert (d.what, d.label, d.reason) == ("收到补充信息", "补充情况", "晚上7点后")
    assert standing_decisions([*added, E("reply", t, {})]) == []
    # each co-unit's latest 协办意见 stands beside the others' until the lead unit replies
    said = [E("co_opinion", t, {"text": "旧意见", "co_unit_id": 7}),
            E("co_opinion", t + timedelta(minutes=1),
              {"text": "水务：管线归我局", "co_unit_id": 8}),
            E("co_opinion", t + timedelta(minutes=2), {"text": "城管：已清障", "co_unit_id": 7})]
    assert [(d.what, d.unit_id, d.label, d.reason) for d in standing_decisions(said)] == [
        ("收到协办意见", 8, "协办意见", "水务：管线归我局"),
        ("收到协办意见", 7, "协办意见", "城管：已清障")]
    assert standing_decisions([*said, E("reply", t, {})]) == []


def test_a_co_unit_opinion_is_for_the_lead_units_pages_not_a_text() -> None:
    from jiesu.domain.notices import QUIET_DECISIONS, co_unit_notice, unit_decision_notice

    data = {"text": "管线归我局维护", "co_unit_id": 8}
    assert "co_opinion" in QUIET_DECISIONS
    assert co_unit_notice("co_opinion", data, code="1", title="t", city="示范市") is None
    assert "协办意见：管线归我局维护" in (unit_decision_notice(
        "co_opinion", data, code="1", title="t", city="示范市") or "")


def test_the_units_an_appeal_is_given_to_hear_what_to_do_and_by_when() -> None:
    from jiesu.domain.notices import dispatch_notices

    kw = {"code": "2026112700123", "title": "燃气管道漏气", "city": "示范市",
          "due_local": "11月27日 10:30"}
    assert dispatch_notices("dispatch", {"unit_id": 3, "co_unit_ids": [7]},
                            urgency="emergency", **kw) == [
        (3, "【示范市12345】特急诉求 2026112700123「燃气管道漏气」已派你单位主办，"
            "请于 11月27日 10:30 前签收并办理。"),
        (7, "【示范市12345】特急诉求 2026112700123「燃气管道漏气」已派你单位协办，"
            "请配合主办单位办理。")]
    ((unit, text),) = dispatch_notices("sub_dispatch", {"unit_id": 9}, urgency="normal", **kw)
    assert unit == 9 and text == ("【示范市12345】诉求 2026112700123「燃气管道漏气」已由上级"
                                  "单位转派你单位办理，请于 11月27日 10:30 前办结。")
    # taken back (收回) by the lead unit: the unit below stops; the lead unit acted itself
    assert dispatch_notices("sub_dispatch", {"unit_id": 3, "taken_back": True, "taken_from": 9},
                            urgency="normal", **kw) == [
        (9, "【示范市12345】诉求 2026112700123「燃气管道漏气」已由上级单位收回，"
            "你单位无需继续办理。")]
    # passed on from one unit below to another: both hear of it
    assert [u for u, _ in dispatch_notices("sub_dispatch", {"unit_id": 8, "taken_from": 9},
                                           urgency="normal", **kw)] == [8, 9]
    for other in ("sign", "reply", "approve_return"):
        assert dispatch_notices(other, {"unit_id": 3}, urgency="urgent", **kw) == []


def test_a_hotspot_warning_names_the_place_the_category_and_its_words() -> None:
    text = hotspot_notice(area="东湖社区", topic="停水", terms=("两天", "高层", "没水", "家里"),
                          requesters=5, appeals=6, days=7, city="示范市",
                          url="https://12345.example.gov.cn/staff/hotspots")
    assert text == ("【示范市12345】热点预警：东湖社区近 7 天有 5 人反映“停水”问题（6 件，关键词："
                    "两天、高层、没水），请关注并提前处置。"
                    "详见 https://12345.example.gov.cn/staff/hotspots")
    bare = hotspot_notice(area=None, topic=None, terms=(), requesters=3, appeals=3, days=7,
                          city="示范市", url="/staff/hotspots")
    assert bare == ("【示范市12345】热点预警：同一地点近 7 天有 3 人反映同一问题（3 件），"
                    "请关注并提前处置。详见 /staff/hotspots")
    # the hotspot's first term is often the category's own word: said once
    again = hotspot_notice(area="东湖社区", topic="停水", terms=("停水", "两天", "高层", "没水"),
                           requesters=7, appeals=7, days=7, city="示范市", url="/staff/hotspots")
    assert "反映“停水”问题（7 件，关键词：两天、高层、没水）" in again
    grown = hotspot_notice(area="东湖社区", topic="停水", terms=("没水",), requesters=10,
                           appeals=12, days=7, city="示范市", url="/staff/hotspots", grown_from=5)
    assert grown == ("【示范市12345】热点预警（扩大）：东湖社区近 7 天反映“停水”问题的已由 5 人"
                     "增至 10 人（12 件，关键词：没水），请尽快处置。详见 /staff/hotspots")


def test_a_co_unit_hears_what_the_lead_units_return_or_extension_decided_means_for_it() -> None:
    from jiesu.domain.notices import co_unit_notice

    kw = {"code": "2026112700123", "title": "多福巷积水", "city": "示范市",
          "due_local": "12月03日 23:59"}
    head = "【示范市12345】诉求 2026112700123「多福巷积水」"
    assert co_unit_notice("deny_return", {"reason": "属区管", "forced": True}, **kw) == (
        f"{head}主办单位退单申请未获同意，请继续配合主办单位办理。驳回理由：属区管")
    assert co_unit_notice("approve_return", {"unit_id": 3, "note": "内部"}, **kw) == (
        f"{head}主办单位退单申请已获同意，该诉求将重新派单，你单位暂无需继续协办。")
    # an extension in full is news to the co-unit (its deadline moved), in part too
    for data in ({"days": 3, "asked": 3}, {"days": 2, "asked": 5, "reason": "材料两天内到货"}):
        assert co_unit_notice("approve_extension", data, **kw) == (
            f"{head}主办单位延期申请已获批准（延期 {data['days']} 个工作日，办理时限 "
            "12月03日 23:59），请在新的办理时限内配合办理。")
    denied = co_unit_notice("deny_extension", {"reason": "可按期办结", "days": 3}, **kw)
    assert denied == (f"{head}主办单位延期申请未获同意，请配合主办单位在原办理时限内办结。"
                      "驳回理由：可按期办结")
    reopened = co_unit_notice("reopen", {"to": "in_progress", "reason": "仍积水"}, **kw)
    assert reopened is not None and "请配合主办单位重新办理" in reopened
    for other in ("send_back", "request_return", "request_extension", "reply", "sign"):
        assert co_unit_notice(other, {"reason": "x", "note": "y"}, **kw) is None


def test_the_liaison_hears_of_a_new_appeal_and_of_a_passed_handling_deadline_only() -> None:
    """精准帮扶: registered (or settled as it was registered) and the handling deadline passed;
    never a yellow warning nor the signing clock, which are the unit's."""
    args = {"code": "2026112800001", "enterprise": "示范科技有限公司", "title": "道路破损",
            "city": "示范市"}
    assert liaison_notice("register", {}, **args) == (
        "【示范市12345】您帮扶的企业示范科技有限公司有新诉求（编号 2026112800001）：道路破损，"
        "请关注办理。")
    assert liaison_notice("register", {}, **args, closed=True).endswith(
        "：道路破损，已当场办结，可在“帮扶企业诉求”中查看。")
    red = {"clock": "handle", "level": "red", "due_at": "2026-11-28T02:00:00+00:00"}
    assert liaison_notice("deadline_warning", red, **args, due_local="11月28日 10:00") == (
        "【示范市12345】您帮扶的企业示范科技有限公司的诉求（编号 2026112800001）：道路破损，"
        "办理已超期（时限 11月28日 10:00），已自动督办，请关注并协调推进。")
    for data in (red | {"level": "yellow"}, red | {"clock": "sign"}):
        assert liaison_notice("deadline_warning", data, **args) is None
    for event in ("dispatch", "reply", "supervise"):
        assert liaison_notice(event, {}, **args) is None
