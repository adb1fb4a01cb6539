"""English of the audit check (审计链校验) on the auditor's page and the administrators'
warning, and of the reasons `jiesu.services.audit.verify` gives for a broken chain (recorded
in Chinese, as the command line prints them). `jiesu.web.i18n` merges these in."""

from __future__ import annotations

import re
from typing import Any

from jiesu.web import i18n_config

EN: dict[str, str] = {
    # the auditor's page: the last check
    "从未校验": "Never checked",
    "还没有任何一次完整校验哈希链的记录。":
        "No full check of the hash chains has been recorded yet.",
    "审计链完好": "The audit chains are whole",
    "{at} 校验了 {events} 条记录、{appeals} 件诉求和 {anchors} 个锚点，用时 {seconds} 秒。":
        "checked at {at}: {events} events, {appeals} appeals and {anchors} anchors, in "
        "{seconds} s.",
    "审计链已损坏": "The audit chain is broken",
    "{at} 的校验发现流转记录被删除、插入或改动。请保留现场，核查数据库的修改记录和备份。":
        "the check of {at} found events deleted, inserted or edited. Keep everything as it "
        "is and look into the database's change records and the backups.",
    "诉求": "Appeal", "诉求数": "Appeals", "链上序号": "Place in its chain", "原因": "Reason",
    "查看防篡改校验": "See the tamper evidence",
    "防篡改校验已停止：最近一次校验在 {at}，已超过 {n} 小时。请检查定时任务是否在运行"
    "（jiesu serve 的校验线程，或 cron 中的 jiesu audit verify）。":
        "The audit check has stopped: the last one ran at {at}, more than {n} hours ago. Check "
        "that the periodic jobs run (the check thread of jiesu serve, or jiesu audit verify "
        "in cron).",
    # acknowledging an alarm
    "核查结果和处理情况": "What was found and done",
    "确认后告警不再显示，此次校验和处理情况会一直保留。"
    "即使之后的校验恢复完好，未经确认的告警也会一直显示。":
        "Once acknowledged the alarm is no longer shown; this check and your note stay on "
        "record. Until then the alarm stays, even if later checks are whole again.",
    "确认已处理": "Acknowledge", "已确认": "Acknowledged",
    "最近一次校验发现了问题，见上方告警。": "The last check found a problem: see the alarm above.",
    "{at} 由 {who} 确认：{note}": "acknowledged {at} by {who}: {note}",
    "已确认审计告警，处理情况已记录": "Audit alarm acknowledged; your note is recorded",
    "只有审计员和管理员可以确认审计告警":
        "Only auditors and administrators can acknowledge audit alarms",
    "请写明核查结果和处理情况": "Please say what was found and done",
    "这次校验没有发现问题，无需确认": "This check found nothing to acknowledge",
    "这条审计告警已经确认过了": "This audit alarm has already been acknowledged",
    # the schedule
    "定时任务每 {n} 小时完整校验一次（设置项 JIESU_AUDIT_VERIFY_HOURS）；也可在服务器上运行":
        "The periodic jobs check every chain every {n} hours (setting "
        "JIESU_AUDIT_VERIFY_HOURS); you can also run",
    "，结果同样记录在此。": " on the server, whose result is recorded here too.",
    "定时校验已关闭（JIESU_AUDIT_VERIFY_HOURS=0）：请在服务器上定时运行":
        "The periodic check is off (JIESU_AUDIT_VERIFY_HOURS=0): run",
    "，结果会记录在此。": " on the server regularly; its results are recorded here.",
    "完整校验要重算每一条记录的哈希，一百万条约需一分钟，所以打开本页时不做校验。":
        "A full check recomputes every event's hash, about a minute for a million events, "
        "so opening this page checks nothing.",
    # the latest checks
    "最近的校验": "Latest checks", "开始时间": "Started", "执行方": "Run by", "用时": "Took",
    "记录": "Events", "锚点": "Anchors", "结果": "Result", "定时任务": "Periodic jobs",
    "命令行": "Command line", "{n} 秒": "{n} s", "完好": "Whole", "已损坏": "Broken",
    # reasons without numbers
    "前一记录哈希不符（记录被删除、插入或改动）":
        "The previous event's hash does not match (an event was deleted, inserted or edited)",
    "记录内容与哈希不符（记录被改动）": "The event does not match its hash (it was edited)",
}

_REASONS: list[tuple[re.Pattern[str], str, dict[str, Any]]] = [
    (re.compile(r"序号不连续：应为 (?P<a>-?\d+)，实为 (?P<b>-?\d+)（记录被删除或插入）"),
     "The sequence is broken: {a} was expected, {b} found (an event was deleted or inserted)",
     {}),
    (re.compile(r"诉求 (?P<a>\d+) 应有 (?P<n>-?\d+) 条记录，链上只找到 (?P<m>-?\d+) 条或链头不符"),
     "Appeal {a} should have {n} events: its chain has {m}, or its head does not match", {}),
    (re.compile(r"锚点 (?P<id>\d+)（事件 (?P<f>\d+)–(?P<l>\d+)）校验失败："
                r"其间有记录被删除、插入或改动"),
     "Anchor {id} (events {f}–{l}) does not match: events in that range were deleted, "
     "inserted or edited", {}),
    (re.compile(r"记录无法读取（记录被改动）：(?P<why>.*)", re.S),
     "The event cannot be read (it was edited): {why}", {}),
    (re.compile(r"锚点记录无法读取（记录被改动）：(?P<why>.*)", re.S),
     "An anchor cannot be read (it was edited): {why}", {}),
    (re.compile(r"诉求的链头记录无法读取（记录被改动）：(?P<why>.*)", re.S),
     "The appeals' chain heads cannot be read (they were edited): {why}", {}),
]


def translate(message: str) -> str | None:
    """English of a reason for a broken chain, or None."""
    return i18n_config.apply_patterns(_REASONS, message)
