"""The `jiesu` command line."""

from __future__ import annotations

import errno
import sys
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer
from rich.markup import escape

from jiesu.cli_output import (
    LOG_FORMAT,
    console,
    database_problem,
    err,
    is_usage_error,
    print_error,
    refusal,
    settings_problems,
    stderr_handler,
    usage_problem,
)
from jiesu.config import Settings
from jiesu.domain.errors import DomainError

if TYPE_CHECKING:  # a command imports these when it runs (they load the whole application)

    from jiesu.runtime import Runtime
    from jiesu.services.audit import Broken
    from jiesu.services.notifications import DeliveryResult
    from jiesu.services.retention import ErasureResult

app = typer.Typer(help="jiesu 接诉即办 — 12345 热线诉求办理平台", no_args_is_help=True,
                  rich_markup_mode=None,
                  pretty_exceptions_enable=False)
db_app = typer.Typer(help="数据库 Database schema", no_args_is_help=True)
unit_app = typer.Typer(help="承办单位 Units", no_args_is_help=True)
user_app = typer.Typer(help="用户 Users", no_args_is_help=True)
category_app = typer.Typer(help="事项分类 Categories", no_args_is_help=True)
calendar_app = typer.Typer(help="工作日历 Work calendar", no_args_is_help=True)
audit_app = typer.Typer(help="审计 Audit log", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(unit_app, name="unit")
app.add_typer(user_app, name="user")
app.add_typer(category_app, name="category")
app.add_typer(calendar_app, name="calendar")
app.add_typer(audit_app, name="audit")



def _runtime() -> Runtime:
    from jiesu.runtime import Runtime

    return Runtime.create(Settings())


def _fail(message: str, code: int = 2) -> NoReturn:
    print_error(message)
    raise typer.Exit(code)


def _now() -> datetime:
    from jiesu.services.clock import utcnow

    return utcnow()


@db_app.command("upgrade")
def db_upgrade(
    revision: Annotated[str, typer.Option(
        help="a migration to stop at; heads (every migration) unless you know why")] = "heads",
) -> None:
    """Create or upgrade the schema with Alembic migrations (建库/升级)."""
    from jiesu.store.db import display_url
    from jiesu.store.migrate import missing_migrations_at, upgrade

    settings = Settings()
    where = display_url(settings.database_url)
    # "head" is what Alembic users type; with one branch per feature it is ambiguous
    revision = "heads" if revision == "head" else revision
    total = ""
    if revision == "heads":
        missing = missing_migrations_at(settings.database_url)
        if not missing:
            console.print(f"数据库已是最新版本，无需升级：{where}")
            return
        total = f"/{len(missing)}"
        err.print(f"待执行 {len(missing)} 个迁移（数据多时，建索引的一步可能要几分钟）：")
    done = [0]

    def step(name: str, seconds: float) -> None:
        done[0] += 1
        err.print(f"  [{done[0]}{total}] {name} 完成（{seconds:.1f} 秒）")

    try:
        upgrade(settings.database_url, revision, on_step=step)
    except DomainError as exc:  # a revision Alembic does not know
        _fail(refusal(exc))
    if not done[0]:  # the database has that migration already: upgrading never goes back
        missing = missing_migrations_at(settings.database_url)
        later = (f"另有 {len(missing)} 个较新的迁移未执行（执行：jiesu db upgrade）" if missing
                 else "已是最新版本")
        console.print(f"未作任何修改：数据库已包含迁移 {revision}，{later}；"
                      f"jiesu db upgrade 只向前升级，不会退回到较早的迁移：{where}")
        return
    # "heads" is Alembic's word; the engineer reads how many migrations ran
    reached = "最新版本" if revision == "heads" else f"迁移 {revision}"
    console.print(f"数据库已升级到{reached}（执行了 {done[0]} 个迁移）：{where}")


@unit_app.command("add")
def unit_add(
    code: str,
    name: str,
    parent: Annotated[str | None, typer.Option("--parent", help="上级单位编码")] = None,
    group: Annotated[str, typer.Option(
        "--group", help="city/district/street/department/enterprise/community/grid/micro_grid"
    )] = "department",
    phone: Annotated[str | None, typer.Option(
        "--phone", help="值班电话 duty phone: deadline warnings and urgent dispatches are texted "
                        "here (unset: to the nearest unit above that has one)")] = None,
) -> None:
    """Add a unit to the unit tree (新增承办单位)."""
    from jiesu.services.admin import AdminService

    rt = _runtime()
    try:
        row = AdminService(rt.db, rt.rules).add_unit(code, name, parent_code=parent, group=group,
                                                     contact_phone=phone)
    except DomainError as exc:
        _fail(refusal(exc))
    console.print(f"已添加单位 {row.code} {row.name}（id={row.id}）"
                  + (f"，值班电话 {row.contact_phone}" if row.contact_phone else ""))


@unit_app.command("phone")
def unit_phone(
    code: str,
    phone: Annotated[str, typer.Argument(help="值班电话; \"\" clears it")],
) -> None:
    """Set a unit's duty phone (值班电话), where its deadline warnings and urgent dispatches are
    texted; an empty one clears it (they go to the nearest unit above that has one)."""
    from jiesu.services.admin import AdminService

    rt = _runtime()
    try:
        row = AdminService(rt.db, rt.rules).set_unit_contact(code, phone)
    except DomainError as exc:
        _fail(refusal(exc))
    if row.contact_phone:
        console.print(f"单位 {row.code} {row.name} 的值班电话：{row.contact_phone}")
    else:
        console.print(f"已清除单位 {row.code} {row.name} 的值班电话"
                      "（短信发往最近的设置了值班电话的上级单位）")


@unit_app.command("move")
def unit_move(
    code: str,
    parent: Annotated[str, typer.Option("--parent", help="新的上级单位编码")],
) -> None:
    """Move a unit with its sub-units under another parent (移动单位), e.g. a community
    reassigned to another street. Refused under itself or a sub-unit, or under a unit whose
    level does not fit. Its place in the gazetteer (地名表) follows it where the gazetteer has
    the new parent. Running servers see it within a minute (handlers' scopes 30 s)."""
    from jiesu.services.admin import AdminService

    rt = _runtime()
    try:
        moved = AdminService(rt.db, rt.rules).move_unit(code, parent)
    except DomainError as exc:
        _fail(refusal(exc))
    console.print(moved.summary())


@unit_app.command("population")
def unit_population(
    file: Annotated[Path, typer.Argument(help=(
        "CSV (UTF-8 or GBK) or XLSX; header 单位编码,户数,常住人口 "
        "(code,households,population)"))],
) -> None:
    """Import units' households and resident population (导入户数和常住人口) for 万人诉求比.

    All or nothing: a bad row changes nothing; every bad row is printed, one a line."""
    from jiesu.services.admin import AdminService

    rt = _runtime()
    try:
        count = AdminService(rt.db, rt.rules).import_unit_population_file(file)
    except DomainError as exc:
        problems = exc.details.get("problems")
        if not isinstance(problems, list):
            _fail(refusal(exc))
        print_error(f"{exc.details.get('summary', exc.message)}：")
        for problem in problems:
            err.print(f"  {problem}")
        total = exc.details.get("count")
        if isinstance(total, int) and total > len(problems):
            err.print(f"  另有 {total - len(problems)} 处未列出")
        raise typer.Exit(2) from None
    finally:
        rt.close()
    console.print(f"人口数据已导入：{count} 个单位")


_ROLES_HELP = ("operator/dispatcher/handler/grid_worker/supervisor/followup_agent/analyst/"
               "admin/auditor; handler and grid_worker need --unit")


def _ask_password(prompt: str) -> str:
    """A password typed twice, hidden, asked again until both agree (click's own
    confirmation speaks English: "Repeat for confirmation", "The two entered values do not
    match")."""
    while True:
        first = str(typer.prompt(prompt, hide_input=True))
        if first == str(typer.prompt(f"再次输入{prompt}", hide_input=True)):
            return first
        console.print("两次输入的密码不一致，请重新输入")


@user_app.command("add")
def user_add(
    username: str,
    role: Annotated[str, typer.Option("--role", help=_ROLES_HELP)],
    unit: Annotated[str | None, typer.Option("--unit", help="单位编码")] = None,
    name: Annotated[str, typer.Option("--name", help="显示名称")] = "",
    password: Annotated[str | None, typer.Option(
        "--password",
        help="at least 6 characters; asked for (hidden) when not given, so that it is not "
             "kept in the shell's history")] = None,
    phone: Annotated[str | None, typer.Option(
        "--phone", help="手机号 mobile phone, where a 精准帮扶 liaison is texted")] = None,
) -> None:
    """Add a user with a role (新增用户)."""
    from jiesu.services.admin import AdminService, check_staff_phone

    rt = _runtime()
    svc = AdminService(rt.db, rt.rules)
    try:
        if password is None:
            # The details first: nobody should type a password twice to hear the role is wrong.
            svc.check_new_user(username, role, unit_code=unit, display_name=name)
            check_staff_phone(phone)
            password = _ask_password("密码")
        row = svc.add_user(username, password, role, unit_code=unit, display_name=name,
                           phone=phone, now=_now())
    except DomainError as exc:
        _fail(refusal(exc))
    console.print(f"已添加用户 {row.username}（角色 {row.role}）"
                  + (f"，手机号 {row.phone}" if row.phone else ""))


@user_app.command("password")
def user_password(
    username: str,
    password: Annotated[str | None, typer.Option(
        "--password", help="at least 6 characters; asked for (hidden) when not given")] = None,
) -> None:
    """Set a user's password (重置密码), e.g. when the last administrator forgot theirs; the
    user's earlier tokens and page sessions end."""
    from jiesu.services.users import COMMAND_LINE, UserService

    rt = _runtime()
    svc = UserService(rt.db, rt.auth)
    try:
        user_id = svc.user_id(username)
        row = svc.reset_password(user_id, password or _ask_password("新密码"), by=COMMAND_LINE,
                                 now=_now())
    except DomainError as exc:
        _fail(refusal(exc))
    console.print(f"已重置用户 {row.username} 的密码；其原有登录均已失效")


@user_app.command("deactivate")
def user_deactivate(username: str) -> None:
    """Deactivate a user (停用账号): they can no longer sign in, their sessions end."""
    _set_active(username, False)


@user_app.command("activate")
def user_activate(username: str) -> None:
    """Reactivate a deactivated user (启用账号)."""
    _set_active(username, True)


def _set_active(username: str, active: bool) -> None:
    from jiesu.services.users import COMMAND_LINE, UserChange, UserService

    rt = _runtime()
    svc = UserService(rt.db, rt.auth)
    try:
        row = svc.update(svc.user_id(username), UserChange(active=active), by=COMMAND_LINE,
                         now=_now())
    except DomainError as exc:
        _fail(refusal(exc))
    console.print(f"已{'启用' if active else '停用'}用户 {row.username}")


@category_app.command("import")
def category_import(file: Path) -> None:
    """Import a 3-level taxonomy CSV with header level1,level2,level3 (导入事项分类)."""
    from jiesu.services.admin import AdminService

    rt = _runtime()
    try:
        result = AdminService(rt.db, rt.rules).import_categories_file(file)
    except DomainError as exc:
        _fail(refusal(exc))
    console.print(f"分类导入完成：新增 {result.created} 个，已存在 {result.existing} 个")


@calendar_app.command("load")
def calendar_load(year: Annotated[int, typer.Option("--year", help="e.g. 2026")]) -> None:
    """Load a year's official holidays and 调休 from the chinesecalendar package."""
    from jiesu.adapters.calendar_source import CalendarYearUnavailable, official_year

    try:
        days = official_year(year)
    except CalendarYearUnavailable as exc:
        _fail(f"{exc}。导入 CSV 的命令：jiesu calendar import FILE")
    _store_year(year, days, "chinesecalendar")


@calendar_app.command("import")
def calendar_import(file: Path) -> None:
    """Import a CSV of date,is_workday (one or more years) (导入工作日历)."""
    from jiesu.adapters.calendar_source import read_calendar_csv

    if not file.exists():
        _fail(f"文件不存在：{file}")
    try:
        years = read_calendar_csv(file)
    except ValueError as exc:
        _fail(str(exc))
    if not years:
        _fail(f"{file} 中没有日期行，未导入任何内容")
    for year, days in sorted(years.items()):
        _store_year(year, days, f"csv:{file.name}")


@calendar_app.command("export")
def calendar_export(
    year: Annotated[int, typer.Option("--year", help="e.g. 2026")],
    out: Annotated[Path | None, typer.Option("--out", help="file to write (default: print)")
                   ] = None,
) -> None:
    """Write a loaded year as the CSV `calendar import` reads (导出工作日历): the days that differ
    from Mon–Fri, with a note each; next year's file starts as this one with its dates changed."""
    from jiesu.adapters.calendar_source import calendar_csv
    from jiesu.services.admin import AdminService

    rt = _runtime()
    try:
        text = calendar_csv(AdminService(rt.db, rt.rules).calendar_year(year))
    except DomainError as exc:
        _fail(refusal(exc))
    if out is None:
        sys.stdout.write(text)
        return
    try:
        out.write_text(text, encoding="utf-8")
    except OSError as exc:
        _fail(f"无法写入 {out}：{exc.strerror or exc}")
    differ = text.count("\n") - 1
    console.print(f"已导出 {year} 年工作日历到 {out}（{differ} 天与周一至周五不同）")


def _store_year(year: int, days: dict[date, bool], source: str) -> None:
    from jiesu.services.admin import AdminService

    rt = _runtime()

    def progress(done: int, changed: int) -> None:
        err.print(f"  重算暂定时限：已检查 {done} 件，调整 {changed} 件", highlight=False)

    changed = AdminService(rt.db, rt.rules).load_calendar_year(year, days, source=source,
                                                               now=_now(), progress=progress)
    console.print(f"{year} 年工作日历已导入（{len(days)} 个调整日，来源 {source}）；"
                  f"重算了 {changed} 件诉求的暂定时限")


@app.command()
def sweep() -> None:
    """Run the deadline sweeper and periodic jobs once (时限预警/自动督办)."""
    from jiesu.jobs.sweeper import run_all

    rt = _runtime()
    settings = rt.settings
    _log_audit_lines()
    result = run_all(rt, _now())
    console.print(f"检查 {result.checked} 件：黄色预警 {result.yellow}，红色预警 {result.red}，"
                  f"自动督办 {result.supervised}，短信通知 {result.units_texted}；"
                  f"重算时限 {result.recomputed}；锚定事件 {result.anchored}")
    rect = result.rectifications
    console.print(f"差评整改 {rect.checked} 件：黄色预警 {rect.yellow}，红色预警 {rect.red}，"
                  f"短信通知 {rect.units_texted}")
    if settings.rating_default_stars is None:
        console.print("默认评价：未启用（设置 JIESU_RATING_DEFAULT_STARS 后生效）")
    else:
        console.print(f"默认评价 {result.default_ratings} 件（办结后 {settings.rating_window_days} "
                      f"天未评价，给 {settings.rating_default_stars} 星）")
    console.print("热点预警：已重算" if result.hotspots_refreshed else
                  "热点预警：未重算（有人查看热点时计算）")
    if settings.hotspot_alert_people <= 0:
        console.print("热点预警短信：未启用（JIESU_HOTSPOT_ALERT_PEOPLE=0）")
    else:
        console.print(f"热点预警短信：新热点 {result.hotspot_alerts} 个"
                      f"（{settings.hotspot_alert_people} 人以上反映的热点，每 15 分钟检查一次）")
    console.print(f"惠企政策：待申报的匹配因申报期结束而失效 {result.policies_expired} 条，"
                  f"分批匹配企业 {result.policy_pages_matched} 批")
    console.print(_delivered(result.notified))
    console.print(f"清理：已发送超过 {settings.notify_keep_days} 天的通知 "
                  f"{result.notifications_purged} 条，过期的查询失败记录 "
                  f"{result.lookup_failures_purged} 条")
    console.print(_erased_line(settings, result.erased))
    for notice in result.notices:
        console.print(f"[yellow]提醒：[/yellow]{escape(notice)}", markup=True)
    check = result.audit_check
    if check is not None and check.broken is not None:
        _print_broken(check.broken)
    elif check is not None:
        console.print(f"审计链完好：{check.events} 条记录，{check.appeals} 件诉求，"
                      f"{check.anchors} 个锚点，{check.config_changes} 条配置变更记录")
    elif settings.audit_verify_hours <= 0:
        console.print("审计链校验：已关闭（JIESU_AUDIT_VERIFY_HOURS=0；可运行 jiesu audit verify）")
    else:
        console.print(f"审计链校验：本次未校验（每 {settings.audit_verify_hours} 小时一次，"
                      "未到时间或另一进程正在校验）")


def _erased_line(settings: Settings, e: ErasureResult) -> str:
    if settings.personal_data_days <= 0:
        return "个人信息保存期限：未启用，个人信息一直保存（设置 JIESU_PERSONAL_DATA_DAYS 后生效）"
    line = (f"个人信息保存期限 {settings.personal_data_days} 天：删除了 {e.appeals} 件诉求的"
            f"诉求人信息，照片 {e.photos} 张，评价人电话 {e.ratings} 条，短信 {e.messages} 条")
    return line + ("（未删完，下次继续）" if e.more else "")


def _delivered(n: DeliveryResult) -> str:
    line = f"通知：发出 {n.sent}，待重试 {n.retried}，失败 {n.failed}"
    return line + (f"；未配置通道、未发送 {n.skipped}" if n.skipped else "")


notify_app = typer.Typer(help="通知 Notifications (SMS, e-mail, webhook)", no_args_is_help=True)
app.add_typer(notify_app, name="notify")


@notify_app.command("send")
def notify_send(
    batch: Annotated[int, typer.Option(min=1, help="at most this many messages")] = 1000,
) -> None:
    """Send the due messages of the notification outbox once (发送通知); exit 1 if any failed."""
    from jiesu.services.notifications import deliver_due

    rt = _runtime()
    result = deliver_due(
        rt.db, rt.notifiers, _now(), batch=batch, max_attempts=rt.settings.notify_max_attempts,
        progress=lambda r: err.print(f"  已处理 {r.handled} 条"))
    console.print(_delivered(result))
    if result.failed:
        raise typer.Exit(1)


privacy_app = typer.Typer(help="个人信息 Personal data retention", no_args_is_help=True)
app.add_typer(privacy_app, name="privacy")


@privacy_app.command("erase")
def privacy_erase(
    dry_run: Annotated[bool, typer.Option(
        "--dry-run", help="only count what is due, change nothing")] = False,
) -> None:
    """Erase the requester's personal data of appeals ended longer ago than
    JIESU_PERSONAL_DATA_DAYS, all of them now (删除超过保存期限的个人信息); each pass of the
    periodic jobs erases what it can in a quarter of JIESU_SWEEP_INTERVAL_SECONDS."""
    from jiesu.jobs.sweeper import erase_personal_data

    rt = _runtime()
    try:
        days = rt.settings.personal_data_days
        if days <= 0:
            _fail("个人信息保存期限未启用（JIESU_PERSONAL_DATA_DAYS=0：个人信息一直保存），"
                  "未作任何修改；启用前请确定本市的保存期限（docs/operations.md）")
        now = _now()
        total = erase_personal_data(rt, now, dry_run=dry_run)
        while total.more:
            err.print(f"  已删除 {total.appeals} 件")
            more = erase_personal_data(rt, now)
            for name in ("appeals", "photos", "ratings", "messages", "item_ratings"):
                setattr(total, name, getattr(total, name) + getattr(more, name))
            total.more = more.more
    finally:
        rt.close()
    assert total.ended_before is not None
    cutoff = f"{total.ended_before.astimezone(rt.settings.tz):%Y-%m-%d %H:%M}"
    if dry_run:
        console.print(f"[试运行，未写入] 保存期限 {days} 天：{cutoff} 以前结束（办结、不予受理或"
                      f"合并）的诉求中，有 {total.appeals} 件待删除诉求人个人信息；服务事项评价"
                      f"中，有 {total.item_ratings} 条待清除评价人电话", highlight=False)
        return
    console.print(f"保存期限 {days} 天：已删除 {cutoff} 以前结束的 {total.appeals} 件诉求的诉求人"
                  f"个人信息（照片 {total.photos} 张，短信 {total.messages} 条），清除评价人电话 "
                  f"{total.ratings} 条（其中服务事项评价 {total.item_ratings} 条）",
                  highlight=False)


@audit_app.command("verify")
def audit_verify() -> None:
    """Verify the whole tamper-evident event log; exit 1 when broken (校验审计链).

    The result is recorded for the auditor's page, as the periodic check's is."""
    from jiesu.services.audit import record, verify
    from jiesu.store.db import DatabaseError

    db = _runtime().db
    started = _now()
    result = verify(db, progress=lambda n: err.print(f"  已校验 {n} 条记录"))
    try:
        record(db, result, started_at=started, finished_at=_now(), runner="cli")
    except (DatabaseError, DomainError) as exc:  # e.g. a read-only copy: the check still counts
        err.print(f"校验结果未能记录到数据库：{(str(exc).splitlines() or [repr(exc)])[0]}")
    if result.broken:
        _print_broken(result.broken)
        raise typer.Exit(1)
    console.print(f"审计链完好：{result.events} 条记录，{result.appeals} 件诉求，"
                  f"{result.anchors} 个锚点，{result.config_changes} 条配置变更记录")


def _print_broken(b: Broken) -> None:
    where = f"事件 id={b.event_id}" if b.event_id else "（见原因）"
    # a break in the configuration-change log names no appeal
    appeal = f"诉求 {b.appeal_id}，" if b.appeal_id is not None or b.event_id else ""
    console.print(f"[red]审计链已损坏[/red]：{escape(where)}，"
                  f"{appeal}序号 {b.seq}：{escape(b.reason)}", markup=True)


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="listen address")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="listen port")] = 8000,
    workers: Annotated[int, typer.Option(min=1, help="app processes")] = 1,
    jobs: Annotated[bool, typer.Option(help="run the deadline sweeper in the background")] = True,
) -> None:
    """Serve the web pages, REST API and Open311 (启动服务)."""
    _serve(host, port, workers, jobs=jobs, log_level="INFO")


def _serve(host: str, port: int, workers: int, *, jobs: bool, log_level: str) -> None:
    import uvicorn

    # Each app process loads the settings again; a bad one must stop the command here, once,
    # not make uvicorn's supervisor respawn workers that die on it forever.
    Settings()
    factory = "jiesu.app:serve_app" if jobs else "jiesu.app:serve_app_without_jobs"
    console.print(f"jiesu 正在 http://{host}:{port} 提供服务（{workers} 个进程）")
    uvicorn.run(factory, factory=True, host=host, port=port, workers=workers,
                log_level="warning", access_log=False, log_config=serve_log_config(log_level))


def _log_audit_lines() -> None:
    """`jiesu sweep` from cron: the audit logger's lines (each anchor's digest, each check)
    go to standard error with time and level, as `jiesu serve` writes them, so the digests
    operations.md says to keep outside the database reach cron's log too; the other jobs'
    INFO lines (every message sent) stay out of it."""
    import logging

    audit = logging.getLogger("jiesu.audit")
    if not audit.handlers:
        audit.addHandler(stderr_handler())
        audit.setLevel(logging.INFO)
        audit.propagate = False


def serve_log_config(level: str = "INFO") -> dict[str, Any]:
    """uvicorn's logging, plus the `jiesu` loggers at INFO on standard error with level and
    logger name: with no handler of their own, Python printed only warnings, bare, so the audit
    anchors' digests (kept outside the database, docs/operations.md) and the users' changes
    never reached the log. uvicorn applies it in each worker process."""
    import copy

    from uvicorn.config import LOGGING_CONFIG

    config: dict[str, Any] = copy.deepcopy(LOGGING_CONFIG)
    config["formatters"]["jiesu"] = {"format": LOG_FORMAT}  # as stderr_handler writes
    config["handlers"]["jiesu"] = {"class": "logging.StreamHandler", "formatter": "jiesu",
                                   "stream": "ext://sys.stderr"}
    config["loggers"]["jiesu"] = {"handlers": ["jiesu"], "level": level, "propagate": False}
    return config


@app.command()
def demo(
    host: str = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535)] = 8000,
    appeals: Annotated[int, typer.Option(help="how many demo appeals")] = 300,
    serve_after: Annotated[bool, typer.Option("--serve/--no-serve")] = True,
) -> None:
    """Create a demo city (units, users for every role, taxonomy, appeals), then serve it."""
    from jiesu.demo import build_demo

    settings = Settings()
    build_demo(settings, appeals=appeals, out=console)
    if serve_after:  # warnings only: a line per demo text (no SMS gateway) would bury the
        # accounts printed above
        _serve(host, port, 1, jobs=True, log_level="WARNING")


def _mount_optional() -> None:
    """Sub-commands that live in feature packages."""
    from jiesu.cli_report import app as report_app
    app.add_typer(report_app, name="report",
                  help="考核与通报 KPIs, rankings and the monthly report")
    from jiesu.cli_exchange import apikey_app, export_app, import_command
    from jiesu.cli_intake import app as intake_app
    app.add_typer(intake_app, name="intake",
                  help="智能受理配置 Routing, urgency, gazetteer, polygons, keywords")
    app.command("import")(import_command)
    app.add_typer(apikey_app, name="apikey", help="Open311 API 密钥 API keys")
    app.add_typer(export_app, name="export", help="导出 台账/开放数据 Ledger and open data")
    try:
        from jiesu.nlp.cli import app as nlp_app
    except ImportError:  # pragma: no cover - feature not installed
        return
    app.add_typer(nlp_app, name="nlp", help="文本智能 Classifier training and evaluation")


_mount_optional()


def _log_warnings() -> None:
    """Every command: the `jiesu` loggers' warnings and errors (a database that went away, a
    write a constraint refused) on standard error with time, level and logger, as `serve` and
    `sweep` write them; without a handler Python printed them bare, an English line of unknown
    origin before the command's own Chinese error. `serve` replaces it with its own."""
    import logging

    logger = logging.getLogger("jiesu")
    if not logger.handlers:
        logger.addHandler(stderr_handler(logging.WARNING))


def main() -> None:
    from pydantic import ValidationError

    from jiesu.store.db import DatabaseError

    _log_warnings()
    try:
        # not standalone: a usage error comes here to be said in Chinese (click's own words
        # are English); an explicit exit code comes back as the result
        code = app(standalone_mode=False, prog_name="jiesu")
        if isinstance(code, int) and code:
            sys.exit(code)
    except typer.Abort:  # Ctrl-C or Ctrl-D at a prompt
        print_error("已取消")
        sys.exit(1)
    except DomainError as exc:
        print_error(refusal(exc))
        sys.exit(2)
    except ValidationError as exc:
        if exc.title != Settings.__name__:
            raise
        for line in settings_problems(exc):  # a JIESU_* variable or .env line
            print_error(line)
        sys.exit(2)
    except DatabaseError as exc:  # e.g. unreachable, or a schema not yet upgraded
        print_error(database_problem(exc, Settings().database_url))
        sys.exit(2)
    except OSError as exc:  # a file to read or write: missing, a directory, not allowed
        if exc.errno == errno.EPIPE:  # `jiesu export … | head` closed the pipe: nothing to say
            sys.exit(1)
        where = f"{exc.filename}：" if exc.filename else ""
        print_error(f"无法读写文件：{where}{exc.strerror or exc}")
        sys.exit(2)
    except Exception as exc:  # last: a clause re-raising does not reach the ones after it
        if not is_usage_error(exc):
            raise
        if type(exc).__name__ == "NoArgsIsHelpError":  # `jiesu user`: the group's help
            exc.show()  # type: ignore[attr-defined]
        else:
            print_error(usage_problem(exc))
        sys.exit(exc.exit_code)  # type: ignore[attr-defined]


if __name__ == "__main__":
    main()
