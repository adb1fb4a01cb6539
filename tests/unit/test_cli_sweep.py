"""`jiesu sweep` says what every periodic job of its pass did, one line a job, with counts."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from typer.testing import CliRunner

from jiesu import cli
from jiesu.config import Settings
from jiesu.jobs import sweeper
from jiesu.services.feedback import RectificationWarnings
from jiesu.services.notifications import DeliveryResult
from jiesu.services.retention import ErasureResult

runner = CliRunner()


def _sweep(monkeypatch: pytest.MonkeyPatch, settings: Settings,
           result: sweeper.SweepResult) -> str:
    monkeypatch.setattr(cli, "_runtime", lambda: SimpleNamespace(settings=settings))
    monkeypatch.setattr(sweeper, "run_all", lambda _rt, _now: result)
    out = runner.invoke(cli.app, ["sweep"])
    assert out.exit_code == 0, out.output
    return out.output


def test_every_job_of_the_pass_is_reported_with_its_count(
        monkeypatch: pytest.MonkeyPatch) -> None:
    settings = Settings(environment="test", rating_default_stars=5, rating_window_days=7,
                        notify_keep_days=90, personal_data_days=365)
    result = sweeper.SweepResult(
        checked=11, yellow=12, red=13, supervised=14, units_texted=15, recomputed=16,
        anchored=17, rectifications=RectificationWarnings(checked=21, yellow=22, red=23,
                                                          units_texted=24),
        default_ratings=31, hotspots_refreshed=True, hotspot_alerts=2, policies_expired=41,
        policy_pages_matched=42, notified=DeliveryResult(sent=51, failed=52, retried=53),
        notifications_purged=61, lookup_failures_purged=62,
        erased=ErasureResult(appeals=71, photos=72, ratings=73, messages=74, more=True))
    lines = _sweep(monkeypatch, settings, result).splitlines()

    def line(start: str) -> str:
        found = [x for x in lines if x.startswith(start)]
        assert len(found) == 1, (start, lines)
        return found[0]

    assert line("检查 11 件：") == ("检查 11 件：黄色预警 12，红色预警 13，自动督办 14，"
                                 "短信通知 15；重算时限 16；锚定事件 17")
    assert line("差评整改 21 件：") == "差评整改 21 件：黄色预警 22，红色预警 23，短信通知 24"
    assert line("默认评价") == "默认评价 31 件（办结后 7 天未评价，给 5 星）"
    assert line("热点预警：") == "热点预警：已重算"
    assert line("热点预警短信") == ("热点预警短信：新热点 2 个（5 人以上反映的热点，"
                                 "每 15 分钟检查一次）")
    assert line("惠企政策") == "惠企政策：待申报的匹配因申报期结束而失效 41 条，分批匹配企业 42 批"
    assert line("通知：") == "通知：发出 51，待重试 53，失败 52"
    assert line("清理：") == ("清理：已发送超过 90 天的通知 61 条，过期的查询失败记录 62 条")
    assert line("个人信息保存期限") == ("个人信息保存期限 365 天：删除了 71 件诉求的诉求人信息，"
                                 "照片 72 张，评价人电话 73 条，短信 74 条（未删完，下次继续）")
    assert line("审计链校验").startswith("审计链校验：本次未校验（每 24 小时一次")


def test_jobs_turned_off_say_so(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = Settings(environment="test", rating_default_stars=None, audit_verify_hours=0,
                        hotspot_alert_people=0)
    out = _sweep(monkeypatch, settings, sweeper.SweepResult())
    assert "热点预警短信：未启用（JIESU_HOTSPOT_ALERT_PEOPLE=0）" in out
    assert "默认评价：未启用（设置 JIESU_RATING_DEFAULT_STARS 后生效）" in out
    assert "热点预警：未重算" in out
    assert "审计链校验：已关闭（JIESU_AUDIT_VERIFY_HOURS=0" in out
    assert ("个人信息保存期限：未启用，个人信息一直保存"
            "（设置 JIESU_PERSONAL_DATA_DAYS 后生效）") in out


def test_the_audit_lines_reach_cron_with_time_and_level(monkeypatch: pytest.MonkeyPatch) -> None:
    """An anchor's digest, logged while the jobs run, is written to standard error as `jiesu
    serve` writes it (operations.md: keep the digests outside the database); other jobs'
    INFO lines are not."""
    import logging

    audit, other = logging.getLogger("jiesu.audit"), logging.getLogger("jiesu.notify")
    monkeypatch.setattr(audit, "handlers", [])
    monkeypatch.setattr(audit, "propagate", True)
    monkeypatch.setattr(audit, "level", logging.NOTSET)

    def run_all(_rt: object, _now: object) -> sweeper.SweepResult:
        audit.info("anchor 7: events 1-3 (3), configuration changes 1-2, digest abc123")
        other.info("message 5 sent nowhere")
        return sweeper.SweepResult()

    monkeypatch.setattr(cli, "_runtime", lambda: SimpleNamespace(
        settings=Settings(environment="test")))
    monkeypatch.setattr(sweeper, "run_all", run_all)
    out = runner.invoke(cli.app, ["sweep"])
    assert out.exit_code == 0, out.output
    logged = [x for x in out.stderr.splitlines() if "jiesu.audit" in x]
    assert len(logged) == 1 and logged[0].endswith(
        " INFO jiesu.audit: anchor 7: events 1-3 (3), configuration changes 1-2, digest abc123")
    assert "sent nowhere" not in out.stderr + out.stdout
