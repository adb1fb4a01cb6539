"""English of the audit check (审计链校验) on the auditor's page and the administrators'
warning, and of the reasons `jiesu.services.audit.verify` gives for a broken chain (recorded
in Chinese, as the command line prints them). `jiesu.web.i18n` merges these in."""

from __future__ import annotations

import re
from typing import Any

from jiesu.domain.config_events import ACTION_ZH, AREA_ZH
from jiesu.web import i18n_admin, i18n_config

# The areas and actions of the configuration-change log (domain/config_events.py) as label
# groups, not catalogue entries: an action is said as what happened ("Renamed"), where the
# same Chinese word on a button of the admin page (改名, 停用) asks for it ("Rename").
LABELS_ZH: dict[str, dict[str, str]] = {"config_area": dict(AREA_ZH),
                                        "config_action": dict(ACTION_ZH)}
LABELS_EN: dict[str, dict[str, str]] = {
    "config_area": {
        "users": "Users and roles", "units": "Units", "deadlines": "Deadline rules",
        "calendar": "Working-day calendar", "taxonomy": "Categories", "kpi": "KPI weights",
        "intake": "Intake rules", "settings": "Settings", "notifications": "Notification settings",
        "api_keys": "API keys", "models": "Classifier models", "knowledge": "Knowledge base",
        "policies": "Support policies", "service_items": "Service items"},
    "config_action": {
        "add": "Added", "update": "Changed", "rename": "Renamed", "activate": "Back in use",
        "deactivate": "Out of use", "reset_password": "Password reset", "set": "Set",
        "delete": "Deleted", "load_year": "Year's calendar loaded", "import": "Imported",
        "replace": "Replaced", "clear": "Cleared", "set_formula": "New KPI formula",
        "set_contact": "Duty phone changed", "set_population": "Resident figures changed",
        "import_population": "Resident figures imported", "create": "Created",
        "revoke": "Revoked", "publish": "Published", "archive": "Archived",
        "withdraw": "Withdrawn", "move": "Moved"},
}

EN: dict[str, str] = {
    # the auditor's page: the last check
    "从未校验": "Never checked",
    "还没有任何一次完整校验哈希链的记录。":
        "No full check of the hash chains has been recorded yet.",
    "审计链完好": "The audit chains are whole",
    "{at} 校验了 {events} 条记录、{appeals} 件诉求和 {anchors} 个锚点，用时 {seconds} 秒。":
        "checked at {at}: {events} events, {appeals} appeals and {anchors} anchors, in "
        "{seconds} s.",
    "{at} 校验了 {events} 条记录、{appeals} 件诉求、{anchors} 个锚点和 {config} 条配置变更记录，"
    "用时 {seconds} 秒。":
        "checked at {at}: {events} events, {appeals} appeals, {anchors} anchors and {config} "
        "configuration changes, in {seconds} s.",
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
    "记录": "Events", "锚点": "Anchors", "配置变更": "Configuration changes", "结果": "Result",
    "定时任务": "Periodic jobs",
    "命令行": "Command line", "{n} 秒": "{n} s", "完好": "Whole", "已损坏": "Broken",
    # the anchors keep the configuration chain's head (0025)
    "锚点同时记下了配置变更记录的链头（前 {n} 条）。":
        "The anchor also keeps the head of the configuration-change log (its first {n} "
        "changes).",
    "锚点摘要": "Anchor digest",
    # the configuration-change log (配置变更记录)
    "配置变更记录": "Configuration changes",
    "管理员对单位、用户、时限、日历、分类、权重、受理规则、分类模型、知识库和惠企政策的修改":
        "what administrators changed in units, users, deadlines, the calendar, categories, "
        "weights, intake rules, the classifier model, the knowledge base and support policies",
    "管理员对单位、用户与角色、时限规则、工作日历、事项分类、考核权重、智能受理规则、"
    "系统设置、API 密钥、分类模型和惠企政策的每一次修改，以及知识库文章的每一次编辑，"
    "都记录在此，与修改在同一事务中写入。"
    "这些记录自成一条哈希链，防篡改校验会一并检查：改动、插入或删除任何一条都会使校验失败。"
    "记录中不含密码和密钥。":
        "Every change administrators make to units, users and roles, deadline rules, the "
        "working-day calendar, categories, KPI weights, intake rules, settings, API keys, the "
        "classifier model in use and support policies, and every edit of a knowledge-base "
        "article, is recorded here, in the same transaction as the change. The records form a "
        "hash chain of their own that the tamper-evidence check walks too: editing, inserting "
        "or deleting any of them makes the check fail. No passwords or keys are recorded.",
    # the columns are named apart from the tables' 操作 (Actions) and 内容 (Content)
    "类别": "Area", "变更操作": "Action", "变更内容": "What changed", "详情": "Details",
    "请从列表中选择配置类别": "Choose an area from the list",
    "没有符合条件的配置变更记录": "No configuration changes match",
    "暂无配置变更记录": "No configuration changes yet",
    # reasons without numbers
    "前一记录哈希不符（记录被删除、插入或改动）":
        "The previous event's hash does not match (an event was deleted, inserted or edited)",
    "记录内容与哈希不符（记录被改动）": "The event does not match its hash (it was edited)",
}

_REASONS: list[tuple[re.Pattern[str], str, dict[str, Any]]] = [
    (re.compile(r"配置变更记录第 (?P<s>\d+) 条（#(?P<id>\d+)）序号不连续：应为 (?P<a>-?\d+)"
                r"（记录被删除或插入）"),
     "Configuration change {s} (#{id}) is out of sequence: {a} was expected (a change was "
     "deleted or inserted)", {}),
    (re.compile(r"配置变更记录第 (?P<s>\d+) 条（#(?P<id>\d+)）前一记录哈希不符"
                r"（记录被删除、插入或改动）"),
     "Configuration change {s} (#{id}): the previous change's hash does not match (a change "
     "was deleted, inserted or edited)", {}),
    (re.compile(r"配置变更记录第 (?P<s>\d+) 条（#(?P<id>\d+)）内容与哈希不符（记录被改动）"),
     "Configuration change {s} (#{id}) does not match its hash (it was edited)", {}),
    (re.compile(r"配置变更记录应有 (?P<n>-?\d+) 条，链上只找到 (?P<m>-?\d+) 条或链头不符"
                r"（记录被删除或改动）"),
     "The configuration-change log should have {n} changes: its chain has {m}, or its head "
     "does not match (changes were deleted or edited)", {}),
    (re.compile(r"配置变更记录第 (?P<s>\d+) 条（#(?P<id>\d+)）与锚点 (?P<a>\d+) 记下的链头不符"
                r"（配置变更记录被改写）"),
     "Configuration change {s} (#{id}) does not match the head anchor {a} kept (the "
     "configuration history was rewritten)", {}),
    (re.compile(r"配置变更记录只有 (?P<n>-?\d+) 条，锚点 (?P<a>\d+) 记下时已有 (?P<m>-?\d+) 条"
                r"（记录被删除或改写）"),
     "The configuration-change log has {n} changes; it had {m} when anchor {a} was taken "
     "(changes were deleted or rewritten)", {}),
    (re.compile(r"配置变更记录无法读取（记录被改动）：(?P<why>.*)", re.S),
     "A configuration change cannot be read (it was edited): {why}", {}),
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


# the parts a "修改…：a、b" summary names (jiesu.services: users, knowledge, policies)
_CHANGED_EN = {
    "姓名": "name", "角色": "role", "所属单位": "unit", "启用状态": "in use",
    "手机号": "mobile phone",
    "标题": "title", "答复口径": "answer", "关键词": "keywords", "事项分类": "category",
    "负责单位": "owning unit", "复核日期": "review date",
    "政策编号": "code", "政策名称": "title", "发布单位": "issuing unit",
    "申报方式": "how it is granted",
    "申报条件": "conditions", "政策摘要": "summary", "支持内容": "what it gives",
    "支持金额": "amount", "有效期开始": "valid from", "有效期截止": "valid until",
    "兑现时限": "time to pay"}
_INTAKE_KIND_EN = {"路由规则": "Routing rules", "紧急规则": "Urgency rules",
                   "地名表": "Gazetteer", "网格边界": "Grid polygons",
                   "分类关键词": "Category keywords"}
_ADDED = {"新增": "added", "修改": "changed", "删除": "deleted"}
_IN_USE = {"启用": "back in use", "停用": "out of use"}
_TIME_UNIT_EN = {"workday": "working days", "hour": "hours", "minute": "minutes"}


def _changed(zh: str) -> str:
    return ", ".join(_CHANGED_EN.get(w, w) for w in zh.split("、"))


def _role(code: str) -> str:
    from jiesu.web import i18n  # that module merges this one in

    return i18n.label("en", "role", code)


def _limit(zh: str) -> str:
    """"handle 10 workday" (a clock, an amount and its unit, as the rule was saved)."""
    from jiesu.web import i18n

    clock, amount, unit = zh.split(" ")
    return f"{i18n.label('en', 'clock', clock)} {amount} {_TIME_UNIT_EN.get(unit, unit)}"


def _routing(zh: str) -> str:
    return zh.replace("全部分类", "all categories").replace("全部区域", "all areas")


def _settings(zh: str) -> str:
    """The settings a change names: a handling rule by its name, any other setting (and every
    rule in an entry written before the rules had names there) by its code."""
    return ", ".join(i18n_admin.RULE_LABELS_EN.get(key, key) for key in zh.split("、"))


_LIMIT = r"(?P<limit>\S+ [\d.e+-]+ \S+)"
# the summaries of the configuration-change log (配置变更记录), as jiesu.services writes them;
# the names they quote (a unit, a title, a user) stay as written
_SUMMARIES: list[tuple[re.Pattern[str], str, dict[str, Any]]] = [
    (re.compile(r"新增单位 (?P<code>\S+) (?P<name>.+)"), "Unit {code} {name} added", {}),
    (re.compile(r"修改单位 (?P<code>\S+) 的值班电话"), "Duty phone of unit {code} changed", {}),
    (re.compile(r"修改单位 (?P<code>\S+) 的户数和常住人口"),
     "Households and residents of unit {code} changed", {}),
    (re.compile(r"单位 (?P<code>\S+) 改名为 (?P<name>.+)"), "Unit {code} renamed {name}", {}),
    (re.compile(r"(?P<a>启用|停用)单位 (?P<code>\S+) (?P<name>.+)"), "Unit {code} {name} {a}",
     {"a": _IN_USE.__getitem__}),
    (re.compile(r"移动单位 (?P<code>\S+) (?P<name>.+)：(?P<was>\S+) → (?P<to>\S+)"),
     "Unit {code} {name} moved: {was} → {to}", {"was": lambda w: "(none)" if w == "（无）" else w}),
    (re.compile(r"地名表随单位移动：(?P<code>\S+) 的上级改为 (?P<to>\S+)"),
     "Gazetteer follows the unit move: {code} now under {to}", {}),
    (re.compile(r"导入户数和常住人口：(?P<n>\d+) 个单位"),
     "Households and residents imported: {n} units", {}),
    (re.compile(r"新增用户 (?P<u>\S+)（(?P<role>\w+)）"), "User {u} added ({role})",
     {"role": _role}),
    (re.compile(r"修改用户 (?P<u>\S+)：(?P<what>.+)"), "User {u} changed: {what}",
     {"what": _changed}),
    (re.compile(r"重置用户 (?P<u>\S+) 的密码"), "Password of user {u} reset", {}),
    (re.compile(r"新增事项分类 (?P<code>\S+) (?P<name>.+)"), "Category {code} {name} added", {}),
    (re.compile(r"事项分类 (?P<code>\S+) 改名为 (?P<name>.+)"),
     "Category {code} renamed {name}", {}),
    (re.compile(r"(?P<a>启用|停用)事项分类 (?P<code>\S+) (?P<name>.+)（共 (?P<n>\d+) 项）"),
     "Category {code} {name} {a} ({n} in all)", {"a": _IN_USE.__getitem__}),
    (re.compile(r"导入事项分类：新增 (?P<n>\d+) 项"), "Categories imported: {n} added", {}),
    (re.compile(rf"设置时限规则 #(?P<id>\d+)：{_LIMIT}"), "Deadline rule #{id} set: {limit}",
     {"limit": _limit}),
    (re.compile(rf"删除时限规则 #(?P<id>\d+)：{_LIMIT}"),
     "Deadline rule #{id} deleted: {limit}", {"limit": _limit}),
    (re.compile(r"修改系统设置：(?P<keys>.+)"), "Settings changed: {keys}", {"keys": _settings}),
    (re.compile(r"导入 (?P<y>\d+) 年工作日历（(?P<src>.+)）"),
     "Working-day calendar of {y} loaded ({src})", {}),
    (re.compile(r"创建 API 密钥：(?P<name>.+)"), "API key {name} created", {}),
    (re.compile(r"吊销 API 密钥：(?P<name>.+)"), "API key {name} revoked", {}),
    (re.compile(r"替换路由规则：(?P<n>\d+) 条"), "Routing rules replaced: {n}", {}),
    (re.compile(r"替换紧急规则：(?P<n>\d+) 条"), "Urgency rules replaced: {n}", {}),
    (re.compile(r"紧急规则恢复为内置规则"), "Urgency rules back to the built-in ones", {}),
    (re.compile(r"替换地名表：(?P<n>\d+) 行"), "Gazetteer replaced: {n} rows", {}),
    (re.compile(r"替换网格边界：(?P<n>\d+) 个网格"), "Grid polygons replaced: {n} grids", {}),
    (re.compile(r"替换分类关键词：(?P<n>\d+) 个分类"),
     "Category keywords replaced: {n} categories", {}),
    (re.compile(rf"清除(?P<kind>{'|'.join(_INTAKE_KIND_EN)})"), "{kind} cleared",
     {"kind": _INTAKE_KIND_EN.__getitem__}),
    (re.compile(r"(?P<a>新增|修改|删除)路由规则：(?P<rule>.+)"), "Routing rule {a}: {rule}",
     {"a": _ADDED.__getitem__, "rule": _routing}),
    (re.compile(r"(?P<a>新增|修改|删除)紧急规则：(?P<name>.+)"), "Urgency rule {a}: {name}",
     {"a": _ADDED.__getitem__}),
    (re.compile(r"新增知识库文章 #(?P<id>\d+)《(?P<t>.*)》（草稿）"),
     "Knowledge article #{id} “{t}” added (draft)", {}),
    (re.compile(r"修改知识库文章 #(?P<id>\d+)《(?P<t>.*)》：(?P<what>.+)"),
     "Knowledge article #{id} “{t}” changed: {what}", {"what": _changed}),
    (re.compile(r"(?P<a>发布|归档)知识库文章 #(?P<id>\d+)《(?P<t>.*)》"),
     "Knowledge article #{id} “{t}” {a}", {"a": {"发布": "published", "归档": "archived"}.get}),
    (re.compile(r"新增惠企政策 (?P<code>\S+)《(?P<t>.*)》（草稿）"),
     "Support policy {code} “{t}” added (draft)", {}),
    (re.compile(r"修改惠企政策 (?P<code>\S+)《(?P<t>.*)》：(?P<what>.+)"),
     "Support policy {code} “{t}” changed: {what}", {"what": _changed}),
    (re.compile(r"发布惠企政策 (?P<code>\S+)《(?P<t>.*)》"),
     "Support policy {code} “{t}” published", {}),
    (re.compile(r"撤回惠企政策 (?P<code>\S+)《(?P<t>.*)》：(?P<why>.*)", re.S),
     "Support policy {code} “{t}” withdrawn: {why}", {}),
    (re.compile(r"考核公式第 (?P<v>\d+) 版"), "KPI formula version {v}", {}),
    (re.compile(r"启用分类模型 (?P<v>\S+)（此前启用：(?P<was>.*)）"),
     "Classification model {v} in use (before it: {was})",
     {"was": lambda w: "none" if w == "无" else w}),
]


def translate(message: str) -> str | None:
    """English of a reason for a broken chain or of a configuration change's summary, or
    None."""
    return (i18n_config.apply_patterns(_REASONS, message)
            or i18n_config.apply_patterns(_SUMMARIES, message))
