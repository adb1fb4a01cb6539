"""The `jiesu` command line, run as a subprocess against an empty SQLite file and an empty
PostgreSQL database: build the schema, set up a city, load calendars, sweep and verify.
Bad input exits non-zero with a Chinese message on stderr.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, select, text

from jiesu.config import Settings
from jiesu.domain.appeal import Actor, Role
from jiesu.runtime import Runtime
from jiesu.services.appeals import NewAppeal
from jiesu.store.db import normalise_url
from jiesu.store.tables import AppealRow, UnitRow, UserRow
from tests.support.databases import _pg_url, require_pg


class Cli:
    def __init__(self, url: str, cwd: Path) -> None:
        self.env = {**os.environ, "JIESU_DATABASE_URL": url, "JIESU_ENVIRONMENT": "test",
                    "COLUMNS": "200"}
        self.cwd = cwd

    def __call__(self, *args: str, ok: bool = True,
                 typed: str = "") -> subprocess.CompletedProcess[str]:
        r = subprocess.run([sys.executable, "-m", "jiesu.cli", *args], env=self.env,
                           cwd=self.cwd, capture_output=True, text=True, timeout=300,
                           input=typed)
        if ok:
            assert r.returncode == 0, (args, r.returncode, r.stdout, r.stderr)
        else:
            assert r.returncode != 0, (args, r.stdout, r.stderr)
            assert "错误" in r.stderr, (args, r.stderr)
        return r


def _english_words(said: str) -> set[str]:
    """The Latin-letter words of a message (identifiers, file names, commands among them)."""
    return set(re.findall(r"[A-Za-z_]{2,}", said))


def _all_chinese(said: str) -> None:
    """A message an administrator reads is Chinese: English only for a command, a package, a
    file format or a column name."""
    allowed = {"jiesu", "calendar", "import", "FILE", "chinesecalendar", "CSV", "date",
               "is_workday", "YYYY", "MM", "DD"}
    assert _english_words(said) <= allowed, said


@pytest.mark.slow
def test_cli_sets_up_and_checks_a_city(empty_db_url: str, tmp_path: Path) -> None:
    cli = Cli(empty_db_url, tmp_path)
    engine = create_engine(normalise_url(empty_db_url))

    # --- schema: built from nothing, and a second upgrade is a no-op
    assert "数据库已升级" in cli("db", "upgrade").stdout
    tables = set(inspect(engine).get_table_names())
    assert {"appeals", "events", "units", "users", "event_anchors", "alembic_version"} <= tables
    cli("db", "upgrade")

    # --- units
    assert "已添加单位 C 示范市" in cli("unit", "add", "C", "示范市", "--group", "city").stdout
    cli("unit", "add", "D1", "东城区", "--parent", "C", "--group", "district")
    assert "值班电话 01065120001" in cli("unit", "add", "D1S1", "东华门街道", "--parent", "D1",
                                      "--group", "street", "--phone", "010-6512 0001").stdout
    assert "单位 D1 东城区 的值班电话：01065120000" in cli("unit", "phone", "D1",
                                                     "01065120000").stdout
    assert "已清除单位 D1S1 东华门街道 的值班电话" in cli("unit", "phone", "D1S1", "").stdout
    assert "值班电话应为 7–20 位数字" in cli("unit", "phone", "D1", "12", ok=False).stderr
    assert "单位 NOPE 不存在" in cli("unit", "phone", "NOPE", "01065120000", ok=False).stderr
    bad = cli("unit", "add", "X9", "某街道", "--parent", "NOPE", "--group", "street", ok=False)
    assert "上级单位 NOPE 不存在" in bad.stderr
    bad = cli("unit", "add", "D1", "重复的区", "--parent", "C", "--group", "district", ok=False)
    assert "已存在" in bad.stderr
    bad = cli("unit", "add", "Y1", "某单位", "--parent", "C", "--group", "galaxy", ok=False)
    assert "单位类别" in bad.stderr
    # names are printed as they are, not read as rich markup (which raised on "[/x]")
    odd = cli("unit", "add", "Z9", "[/x]东城[bold]区", "--parent", "C").stdout
    assert "已添加单位 Z9 [/x]东城[bold]区" in odd
    bad = cli("unit", "add", "Z8", "某单位", "--parent", "[/x]", ok=False)
    assert "上级单位 [/x] 不存在" in bad.stderr

    # --- users
    assert "已添加用户 op1（角色 operator）" in cli(
        "user", "add", "op1", "--role", "operator", "--password", "secret-123").stdout
    cli("user", "add", "disp1", "--role", "dispatcher", "--password", "secret-123")
    assert "已添加用户 h1（角色 handler），手机号 13900001111" in cli(
        "user", "add", "h1", "--role", "handler", "--password", "secret-123", "--unit", "D1",
        "--name", "东城承办人", "--phone", "139 0000 1111").stdout
    # a wrong phone is refused before the password is asked for
    bad = cli("user", "add", "h4", "--role", "handler", "--unit", "D1", "--phone", "12",
              ok=False)
    assert "手机号应为 7–20 位数字" in bad.stderr and "密码" not in bad.stdout
    bad = cli("user", "add", "w1", "--role", "wizard", "--password", "secret-123", ok=False)
    assert "角色“wizard”无效" in bad.stderr
    bad = cli("user", "add", "h2", "--role", "handler", "--password", "secret-123", ok=False)
    assert "必须属于一个单位" in bad.stderr
    bad = cli("user", "add", "h3", "--role", "handler", "--password", "secret-123",
              "--unit", "NOPE", ok=False)
    assert "单位 NOPE 不存在" in bad.stderr
    bad = cli("user", "add", "op2", "--role", "operator", "--password", "123", ok=False)
    assert "密码" in bad.stderr
    with engine.connect() as conn:
        users = dict(conn.execute(select(UserRow.username, UserRow.role)).all())
        units = dict(conn.execute(select(UnitRow.code, UnitRow.path)).all())
    assert users == {"op1": "operator", "disp1": "dispatcher", "h1": "handler"}
    assert units["D1S1"].startswith(units["D1"]) and units["D1"].startswith(units["C"])

    # --- categories from a CSV made here
    csv = tmp_path / "categories.csv"
    csv.write_text("level1,level2,level3\n城乡建设,市政设施,路灯\n城乡建设,市政设施,道路\n"
                   "环境保护,噪音污染,施工噪音\n", encoding="utf-8")
    out = cli("category", "import", str(csv)).stdout
    # 2 + 2 + 3 levels; none was there before (a parent repeated by the next row was counted
    # as 已存在, so a first import into an empty taxonomy said 已存在 39 个)
    assert "新增 7 个，已存在 0 个" in out, out
    again = cli("category", "import", str(csv)).stdout  # idempotent: each category once
    assert "新增 0 个，已存在 7 个" in again, again
    headless = tmp_path / "bad.csv"
    headless.write_text("", encoding="utf-8")
    cli("category", "import", str(headless), ok=False)
    bad = cli("category", "import", str(tmp_path / "missing.csv"), ok=False)
    assert "文件不存在" in bad.stderr

    # --- calendars: 2026 from the package; 2027 is not published in it
    out = cli("calendar", "load", "--year", "2026").stdout
    assert "2026 年工作日历已导入" in out
    bad = cli("calendar", "load", "--year", "2027", ok=False)
    assert "未收录 2027 年的官方工作日历" in bad.stderr, bad.stderr
    assert "jiesu calendar import FILE" in bad.stderr
    bad = cli("calendar", "load", "--year", "1800", ok=False)
    _all_chinese(bad.stderr)

    # An appeal dispatched on 2026-12-28 runs 15 working days into 2027: a provisional deadline.
    rt = Runtime.create(Settings(database_url=empty_db_url, environment="test"),
                        with_intelligence=False)
    try:
        with rt.db.uow(write=False) as uow:
            op = uow.session.scalar(select(UserRow.id).where(UserRow.username == "op1"))
            disp = uow.session.scalar(select(UserRow.id).where(UserRow.username == "disp1"))
            d1 = uow.session.scalar(select(UnitRow.id).where(UnitRow.code == "D1"))
        at = datetime(2026, 12, 28, 2, 0, tzinfo=UTC)  # 10:00 in Beijing, a Monday
        reg = rt.appeals.register(Actor(role=Role.OPERATOR, user_id=op),
                                  NewAppeal(kind="complaint", content="小区路灯坏了一个月"), at)
        appeal, _ = rt.appeals.act(Actor(role=Role.DISPATCHER, user_id=disp), reg.appeal_id,
                                   "dispatch", at, {"unit_id": d1})
        assert appeal.deadlines_provisional
        provisional_due = appeal.handle_due_at
        assert provisional_due is not None and provisional_due.year == 2027
    finally:
        rt.close()

    cal = tmp_path / "calendar-2027.csv"
    cal.write_text("date,is_workday,note\n2027-01-01,0,元旦\n2027-01-04,否,调休\n"
                   "2027-01-05,0,假日\n2027-02-20,1,调休上班\n", encoding="utf-8")
    out = cli("calendar", "import", str(cal)).stdout
    assert "2027 年工作日历已导入" in out and "重算了 1 件" in out, out
    with engine.connect() as conn:
        row = conn.execute(select(AppealRow.handle_due_at, AppealRow.deadlines_provisional)
                           .where(AppealRow.id == reg.appeal_id)).one()
        kinds = list(conn.execute(text(
            "SELECT type FROM events WHERE appeal_id = :a ORDER BY seq"), {"a": reg.appeal_id}
        ).scalars())
    due = row[0] if row[0].tzinfo else row[0].replace(tzinfo=UTC)
    assert not row[1]
    # three more holidays push the deadline three working days later
    assert (due - provisional_due).days >= 3, (provisional_due, due)
    assert kinds == ["register", "dispatch", "deadlines_recomputed"]
    # exported as the import reads it: the days that differ from Mon–Fri, with a note each
    exported = cli("calendar", "export", "--year", "2027").stdout
    assert exported.splitlines() == ["date,is_workday,note", "2027-01-01,0,放假",
                                     "2027-01-04,0,放假", "2027-01-05,0,放假",
                                     "2027-02-20,1,调休上班"], exported
    out_file = tmp_path / "calendar-2027-again.csv"
    assert "4 天与周一至周五不同" in cli("calendar", "export", "--year", "2027", "--out",
                                    str(out_file)).stdout
    assert out_file.read_text(encoding="utf-8") == exported
    assert "2031 年的工作日历尚未导入" in cli("calendar", "export", "--year", "2031",
                                        ok=False).stderr
    bad_cal = tmp_path / "bad-calendar.csv"
    bad_cal.write_text("date,is_workday\n2027-13-01,1\n", encoding="utf-8")
    bad = cli("calendar", "import", str(bad_cal), ok=False)
    assert "第 2 行：日期“2027-13-01”不存在" in bad.stderr, bad.stderr
    bad_cal.write_text("date,is_workday\n", encoding="utf-8")  # nothing imported, said so
    assert "没有日期行" in cli("calendar", "import", str(bad_cal), ok=False).stderr
    cli("calendar", "import", str(tmp_path / "nope.csv"), ok=False)

    # --- the sweeper and the audit chain
    out = cli("sweep").stdout
    assert "检查" in out and "黄色预警" in out
    for job in ("差评整改", "默认评价", "热点预警", "惠企政策", "通知：", "清理：", "审计链"):
        assert job in out, (job, out)
    out = cli("audit", "verify").stdout
    assert "审计链完好：3 条记录，1 件诉求" in out, out
    engine.dispose()


def test_user_commands_check_the_details_before_asking_for_a_password(
        empty_db_url: str, tmp_path: Path) -> None:
    cli = Cli(empty_db_url, tmp_path)
    cli("db", "upgrade")
    cli("unit", "add", "C", "示范市", "--group", "city")
    # a wrong role, unit or name is said before anyone types a password (it was asked for
    # twice first, then refused)
    for args, said in [(("h1", "--role", "handlr", "--unit", "C"), "角色“handlr”无效"),
                       (("h1", "--role", "handler"), "必须属于一个单位"),
                       (("h1", "--role", "handler", "--unit", "NOPE"), "单位 NOPE 不存在")]:
        bad = cli("user", "add", *args, ok=False, typed="secret-123\nsecret-123\n")
        assert said in bad.stderr and "密码" not in bad.stdout + bad.stderr, bad
    # two different passwords are asked again, in Chinese
    done = cli("user", "add", "op1", "--role", "operator",
               typed="secret-123\nsecret-321\nsecret-456\nsecret-456\n")
    assert "两次输入的密码不一致，请重新输入" in done.stdout and "已添加用户 op1" in done.stdout
    assert "Repeat" not in done.stdout + done.stderr
    taken = cli("user", "add", "op1", "--role", "analyst", ok=False, typed="secret-123\n" * 2)
    assert "用户名 op1 已存在" in taken.stderr and "密码" not in taken.stdout
    unknown = cli("user", "password", "nobody", ok=False, typed="secret-123\n" * 2)
    assert "用户 nobody 不存在" in unknown.stderr and "密码" not in unknown.stdout
    assert "已重置用户 op1 的密码" in cli("user", "password", "op1",
                                      typed="secret-789\nsecret-789\n").stdout


@pytest.mark.slow
def test_demo_builds_a_city_once_and_prints_plain_text(empty_db_url: str,
                                                       tmp_path: Path) -> None:
    jiesu = Cli(empty_db_url, tmp_path)
    first = jiesu("demo", "--no-serve", "--appeals", "20").stdout
    assert "示范账号（密码均为 jiesu-demo）" in first and "dispatcher" in first
    assert "网格巡查上报 6 件（就地解决 4 件）" in first  # the grid worker's patrol
    assert "热点示例：翠湖苑停水 7 件" in first
    assert "历史工单 2400 件" in first  # the former system's closed appeals, imported
    assert "[/" not in first  # rich markup printed as text by the plain console
    again = jiesu("demo", "--no-serve").stdout
    assert "直接使用现有示范城市" in again and "[/" not in again
    # the cold start is configured as an administrator would: keywords and routing rules
    intake = jiesu("intake", "show").stdout
    assert "分类关键词：36 个分类" in intake and "→ E01" in intake
    assert "地名表：22 个地名，22 个对应单位" in intake  # addresses are located to a street
    assert "网格边界：11 个区域" in intake, intake  # and positions to a grid
    engine = create_engine(normalise_url(empty_db_url))
    try:
        with engine.connect() as conn:
            assert conn.scalar(select(text("count(*)")).select_from(AppealRow)) >= 20
            # appeals sent from a phone with a position are located to their grid
            in_grids = conn.scalar(text(
                "SELECT count(*) FROM appeals a JOIN units u ON u.id = a.area_unit_id "
                "WHERE u.code LIKE '%G1' AND a.latitude IS NOT NULL"))
            assert in_grids and in_grids > 0
            # that history is rich enough for some units to be suggested from it with the
            # confidence the dispatch forms preselect at (JIESU_UNIT_PRESELECT_CONFIDENCE)
            learned = [s["unit"] for (s,) in conn.execute(select(AppealRow.suggestions).where(
                AppealRow.channel != "import", AppealRow.suggestions.is_not(None)))
                if (s or {}).get("unit", {}).get("reason") in ("area_history", "history")]
            assert learned and any(u["confidence"] >= 0.5 for u in learned), learned
            # nothing happened after the demo was built (a sign or contact dated tomorrow
            # showed on the audit page and timelines)
            future = conn.scalar(text("SELECT count(*) FROM events WHERE at > :now"),
                                 {"now": datetime.now(UTC)})
            assert future == 0
    finally:
        engine.dispose()
    # the hotspots page has one problem at one place to show: the estate's water outage
    rt = Runtime.create(Settings(database_url=empty_db_url, environment="test"))
    try:
        spots = rt.hotspots.current(datetime.now(UTC))
        water = [h.spot for h in spots if "翠湖苑" in h.spot.label]
        # all seven letters, also the two about 没有通知/恢复供水 (they were a pair apart)
        assert water and water[0].volume == 7 and water[0].terms[0] == "停水", spots
    finally:
        rt.close()


@pytest.mark.slow
def test_a_bad_setting_stops_a_command_with_one_line_naming_it(tmp_path: Path) -> None:
    cli = Cli(f"sqlite:///{tmp_path / 'jiesu.db'}", tmp_path)
    cases = [
        ("JIESU_SMTP_PORT", "abc", ("sweep",), "设置 JIESU_SMTP_PORT 的值无效（'abc'）：须为整数"),
        ("JIESU_TIMEZONE", "Mars/Base", ("db", "upgrade"), "JIESU_TIMEZONE"),
        ("JIESU_ENVIRONMENT", "prod", ("demo", "--no-serve"), "JIESU_ENVIRONMENT"),
        ("JIESU_SECRET_KEY", "", ("report", "kpi", "--period", "2026-11"), "JIESU_SECRET_KEY"),
        # uvicorn's supervisor respawned workers that died on the setting, forever
        ("JIESU_SWEEP_INTERVAL_SECONDS", "x", ("serve", "--port", "1", "--workers", "2"),
         "JIESU_SWEEP_INTERVAL_SECONDS"),
    ]
    for name, value, command, said in cases:
        cli.env = {**cli.env, name: value}
        if name == "JIESU_SECRET_KEY":  # the development value, in production
            cli.env = {**cli.env, "JIESU_ENVIRONMENT": "production"}
            cli.env.pop(name)
        r = cli(*command, ok=False)
        assert r.returncode == 2 and said in r.stderr, (command, r.stderr)
        assert "Traceback" not in r.stderr and len(r.stderr.strip().splitlines()) == 1, r.stderr
        cli.env = Cli(cli.env["JIESU_DATABASE_URL"], tmp_path).env
    # the value of a secret is not repeated
    cli.env = {**cli.env, "JIESU_DATABASE_URL": "mysql://jiesu:hunter2@db/jiesu"}
    r = cli("sweep", ok=False)
    assert "JIESU_DATABASE_URL" in r.stderr and "hunter2" not in r.stderr



def _refused(cli: Cli, *args: str) -> str:
    r = cli(*args, ok=False)
    assert r.returncode == 2 and "Traceback" not in r.stderr, (args, r.stderr)
    return r.stderr


@pytest.mark.slow
def test_a_database_not_upgraded_or_unreachable_is_one_line_saying_so(empty_db_url: str,
                                                                       tmp_path: Path) -> None:
    cli = Cli(empty_db_url, tmp_path)
    # a forgotten `jiesu db upgrade`: the tables are missing, or some of them
    assert "请先运行 jiesu db upgrade" in _refused(cli, "unit", "add", "C", "示范市")
    cli("db", "upgrade", "--revision", "0001")
    said = _refused(cli, "sweep")
    # the oldest missing ones first, by number (the walk's order among branches named
    # 0036 before 0002, and changed whenever a migration was added)
    assert "数据库结构不是当前版本（未执行的迁移：0002_feedback、0003_" in said, said
    cli("db", "upgrade")
    cli("unit", "add", "C", "示范市", "--group", "city")

    for url in ("postgresql://postgres@127.0.0.1:1/jiesu", f"sqlite:///{tmp_path}/no/dir/x.db",
                "postgresql://postgres:secret@127.0.0.1:port/jiesu"):
        cli.env = {**cli.env, "JIESU_DATABASE_URL": url}
        for command in (("db", "upgrade"), ("audit", "verify")):
            said = _refused(cli, *command)
            assert len(said.strip().splitlines()) <= 3 and "secret" not in said, said


@pytest.mark.slow
def test_a_database_that_does_not_exist_says_so_and_how_to_create_it(tmp_path: Path) -> None:
    """It said 暂时无法访问数据库，请稍后重试: an administrator waited for an outage to pass
    while the setting named a database nobody had created."""
    require_pg()
    cli = Cli(_pg_url("jiesu_cli_never_created"), tmp_path)
    for command in (("db", "upgrade"), ("audit", "verify"), ("sweep",),
                    ("unit", "add", "C", "示范市"), ("nlp", "train", "--from-db")):
        said = _refused(cli, *command)
        assert "错误：数据库 jiesu_cli_never_created 不存在" in said, (command, said)
        assert "createdb " in said and " jiesu_cli_never_created）" in said, said
        assert "JIESU_DATABASE_URL" in said and "稍后重试" not in said, said
    # the log line, which the pages' 503 leaves as the only word for the administrator
    assert 'database "jiesu_cli_never_created" does not exist' in said, said


@pytest.mark.slow
def test_db_upgrade_reports_each_migration_and_takes_head(empty_db_url: str,
                                                          tmp_path: Path) -> None:
    cli = Cli(empty_db_url, tmp_path)
    cli("db", "upgrade", "--revision", "0001")
    # a revision the database has: it said 数据库已升级到 0001 though nothing was done
    r = cli("db", "upgrade", "--revision", "0001")
    assert "未作任何修改：数据库已包含迁移 0001，另有 " in r.stdout, r.stdout
    assert "已升级" not in r.stdout and "完成" not in r.stderr, (r.stdout, r.stderr)
    # what Alembic users type (one head per feature branch made it ambiguous: a traceback),
    # and each migration as it is done, so a long index build is not a silent terminal
    r = cli("db", "upgrade", "--revision", "head")
    assert "数据库已升级到最新版本（执行了 " in r.stdout, r.stdout  # not Alembic's "heads"
    assert "heads" not in r.stdout, r.stdout
    assert "待执行 " in r.stderr and "[1/" in r.stderr and "0021_audit_checks 完成" in r.stderr
    r = cli("db", "upgrade")
    assert "已是最新版本" in r.stdout and "完成" not in r.stderr, (r.stdout, r.stderr)
    r = cli("db", "upgrade", "--revision", "0001")  # never back to an older migration
    assert "未作任何修改：数据库已包含迁移 0001，已是最新版本" in r.stdout, r.stdout
    assert "不会退回" in r.stdout and "已升级" not in r.stdout
    assert "无法升级到 nonsense" in _refused(cli, "db", "upgrade", "--revision", "nonsense")


@pytest.mark.slow
def test_a_file_that_cannot_be_read_or_written_is_one_line(tmp_path: Path) -> None:
    cli = Cli(f"sqlite:///{tmp_path / 'jiesu.db'}", tmp_path)
    cli("db", "upgrade")
    gbk = tmp_path / "categories.csv"  # saved by Chinese Excel as plain "CSV": read
    gbk.write_bytes("level1,level2,level3\n城乡建设,市政设施,路灯\n".encode("gbk"))
    assert "新增 3 个" in cli("category", "import", str(gbk)).stdout
    gbk.write_bytes(b"level1,level2,level3\n\x80\xff,a,b\n")  # neither UTF-8 nor GBK
    assert "不是 UTF-8 或 GB18030（GBK）编码的文本" in _refused(cli, "category", "import", str(gbk))
    folder = tmp_path / "folder"
    folder.mkdir()
    taken = tmp_path / "taken"
    taken.write_text("", encoding="utf-8")
    for command in (("category", "import", str(folder)), ("calendar", "import", str(folder)),
                    ("export", "ledger", "--out", str(folder)),
                    ("export", "open-data", "--out", str(taken))):
        said = _refused(cli, *command)
        assert "无法读写文件" in said and len(said.strip().splitlines()) == 1, said


@pytest.mark.parametrize("option", [("--workers", "0"), ("--workers", "-2"), ("--port", "99999")])
def test_serve_refuses_a_worker_count_or_port_that_cannot_be(option: tuple[str, str],
                                                             tmp_path: Path) -> None:
    """`--workers 0` said 0 个进程 and served with one; `--port 99999` said it served there
    and listened on 34463 (99999 - 65536)."""
    cli = Cli(f"sqlite:///{tmp_path / 'jiesu.db'}", tmp_path)
    r = subprocess.run([sys.executable, "-m", "jiesu.cli", "serve", *option], env=cli.env,
                       cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert r.returncode == 2 and f"{option[0]} 的值无效：须" in r.stderr, r.stderr


def test_serve_logs_the_jiesu_loggers_at_info_with_their_level(tmp_path: Path) -> None:
    """operations.md tells the city to keep each audit anchor's digest, logged at INFO on
    `jiesu.audit`, outside the database; with no handler of their own the jiesu loggers went to
    Python's last resort, which prints warnings only, bare: no INFO line ever reached the log,
    and a warning did not say its level. Here the jobs' first audit check says the chain is
    whole (INFO), in each of two worker processes' log format."""
    import socket

    import httpx

    url = f"sqlite:///{tmp_path / 'jiesu.db'}"
    cli = Cli(url, tmp_path)
    cli("db", "upgrade")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    log = tmp_path / "serve.log"
    env = {**cli.env, "JIESU_SWEEP_INTERVAL_SECONDS": "1"}
    with log.open("wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "jiesu.cli", "serve", "--port", str(port),
                                 "--workers", "2"], env=env, cwd=tmp_path, stdout=out,
                                stderr=subprocess.STDOUT, start_new_session=True)
        try:
            deadline = time.monotonic() + 90
            while "audit chain whole" not in log.read_text("utf-8", "replace"):
                assert proc.poll() is None and time.monotonic() < deadline, log.read_text()
                time.sleep(0.5)
            assert httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=5).status_code == 200
        finally:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=30)
    text = log.read_text("utf-8")
    assert re.search(r"^\d{4}-\d\d-\d\d [\d:,]+ INFO jiesu\.audit: audit chain whole", text,
                     re.M), text
    assert "Traceback" not in text, text


def test_a_command_on_an_unreachable_database_says_which_and_why(tmp_path: Path) -> None:
    """`jiesu unit add` on a database server that does not answer said only 暂时无法访问数据库，
    请稍后重试 (the pages' words): not which JIESU_DATABASE_URL it tried nor what failed."""
    cli = Cli("postgresql://postgres:hunter2@127.0.0.1:1/jiesu", tmp_path)
    for command in (("unit", "add", "C", "示范市", "--group", "city"),
                    ("user", "add", "admin", "--role", "admin", "--password", "secret-1")):
        r = cli(*command, ok=False)
        said = [line for line in r.stderr.splitlines() if line.startswith("错误")]
        assert r.returncode == 2 and len(said) == 1, r.stderr
        assert "JIESU_DATABASE_URL" in said[0] and "127.0.0.1:1/jiesu" in said[0], said
        assert "hunter2" not in r.stderr and "Traceback" not in r.stderr, r.stderr
        # the store's warning comes with time, level and where from, as `serve` logs it
        logged = [line for line in r.stderr.splitlines() if "database unavailable" in line]
        assert logged and all(re.match(r"\d{4}-\d\d-\d\d [\d:,]+ WARNING jiesu\.store\.uow: ",
                                       line) for line in logged), r.stderr
