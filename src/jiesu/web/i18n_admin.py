"""English of the administrator's day-one pages that `jiesu.web.i18n` does not hold: the
working calendar uploaded as a CSV, the KPI weights (考核权重) and what those forms answer.
`jiesu.web.i18n` merges these in."""

from __future__ import annotations

import re
from typing import Any

from jiesu.domain.unit_tree import GROUP_ZH
from jiesu.services.rules import RULE_LABELS
from jiesu.web.i18n_config import apply_patterns

EN: dict[str, str] = {
    # the calendar tab
    "周一": "Mon", "周二": "Tue", "周三": "Wed", "周四": "Thu", "周五": "Fri", "周六": "Sat",
    "周日": "Sun", "调整日": "Adjusted days", "{n} 天": "{n} days", "调休上班": "Working day",
    "放假": "Holiday",
    "内置官方日历（chinesecalendar）": "Built-in official calendar (chinesecalendar)",
    "上传的文件": "Uploaded file",
    "按内置的官方日历导入；内置日历尚未收录的年份（如国务院刚公布的明年安排），请在下方上传。":
        "Loads the built-in official calendar; for a year it does not cover yet (such as "
        "next year's schedule the State Council has just published), upload it below.",
    "上传工作日历": "Upload a working calendar",
    "CSV 文件，第一行为表头 date,is_workday；只需列出与“周一至周五上班、周末休息”不同的日期："
    "放假的工作日填 0，调休上班的周末填 1。可含多个年份，文件中出现的年份整年替换，有一行出错则不作"
    "任何修改。导入后，该年内按“暂定”计算的时限随即重算。":
        "A CSV file whose first line is the header date,is_workday. List only the days that "
        "differ from “Monday to Friday at work, weekends off”: 0 for a weekday holiday, 1 for "
        "a weekend working day (调休). It may hold several years; each year in the file is "
        "replaced whole, and one bad line changes nothing. Deadlines of that year counted as "
        "provisional are recomputed at once.",
    "示例": "Example", "工作日历文件（CSV）": "Calendar file (CSV)",
    "上传并导入": "Upload and load",
    "请选择工作日历文件（CSV）": "Please choose a calendar file (CSV)",
    "工作日历文件不能超过 1MB": "The calendar file can be at most 1 MB",
    "工作日历文件中没有日期行，未导入任何内容":
        "The calendar file has no date lines: nothing was loaded",
    # the time-limit tab
    "末级分类编码": "Leaf category code",
    "用户名不能为空": "The username cannot be empty",
    # the gazetteer and grid boundaries of the intake tab
    "每行一个地名：code 填单位树中的单位编码（地址定位到该单位），"
    "level 为 district/street/community/grid（或 区、街道、社区、网格），"
    "parent_code 为上级地名的编码，aliases 为别称，以 | 分隔。"
    "UTF-8 或 GBK 编码，整表替换，有一行出错则不作任何修改。":
        "One place a line: code is the unit's code in the unit tree (an address is placed in "
        "that unit), level is district/street/community/grid (or 区, 街道, 社区, 网格), "
        "parent_code the code of the place above, aliases other names separated by |. UTF-8 or "
        "GBK; the whole table is replaced, and one bad line changes nothing.",
    "GeoJSON FeatureCollection：每个要素是一个网格（或社区、街道）的 "
    "Polygon 或 MultiPolygon，坐标为 [经度, 纬度]（WGS84），"
    "properties.code 为单位树中的单位编码。带经纬度的诉求按所在的边界定位到该单位。"
    "整个文件替换，有一处出错则不作任何修改。":
        "A GeoJSON FeatureCollection: each feature is the Polygon or MultiPolygon of a grid (or "
        "community, street), coordinates as [longitude, latitude] (WGS84), properties.code the "
        "unit's code in the unit tree. An appeal with a location is placed in the unit whose "
        "boundary holds it. The whole file is replaced, and one error changes nothing.",
    # the units tab
    "修改单位": "Change a unit", "单位名称不能为空": "A unit needs a name",
    "停用后该单位不再用于派单、新用户和规则。还有启用中的下级单位、用户或未办结诉求的单位不能停用。"
    "可随时重新启用。确定停用？":
        "Once deactivated, the unit is no longer offered for dispatch, new users or rules. A "
        "unit with active sub-units, active users or open appeals cannot be deactivated. It "
        "can be activated again at any time. Deactivate it?",
    "查找单位": "Find a unit", "没有符合条件的单位": "No unit matches",
    # moving a unit (移动到…)
    "移动单位": "Move a unit", "移动到…": "Move to…", "移动到": "Move to", "移动": "Move",
    "把单位连同其全部下级单位移到另一个上级单位之下，例如社区划归另一个街道。移动后，新上级单位的承办人"
    "即可看到并办理它的诉求，原上级单位的承办人不再看到；未办结诉求的承办单位不变。":
        "Moves a unit with every unit below it under another parent, such as a community "
        "reassigned to another street. From then on the new parent's handlers see and handle "
        "its appeals and the old parent's no longer do; open appeals keep their lead unit.",
    "要移动的单位": "Unit to move", "现属": "now under",
    "新的上级单位编码": "Code of the new parent unit",
    "请选择新的上级单位": "Please choose the new parent unit",
    "没有可以移到的上级单位": "There is no unit it could be moved under",
    "可选的上级": "It may go under", "取消": "Cancel",
    "也可在下方单位树中点单位旁的“移动到…”。":
        "Or use “Move to…” next to a unit in the unit tree below.",
    "单位较多，只显示前 {n} 个：请用上方的查找。":
        "There are many units: only the first {n} are shown. Use the search above.",
    # the intake tab's rule rows (路由规则, 紧急规则)
    "新增路由规则": "Add a routing rule", "修改路由规则": "Change a routing rule",
    "新增紧急规则": "Add an urgency rule", "修改紧急规则": "Change an urgency rule",
    "全部分类": "All categories", "全部区域": "All areas", "请选择": "Please choose",
    "须指定分类或区域；分类含其下级分类，区域含其下级单位。":
        "Give a category or an area; a category includes those below it, an area the units "
        "below it.",
    "删除后，这类诉求按其余规则和历史数据建议承办单位。确定删除？":
        "Once deleted, the unit for these appeals is suggested by the other rules and by "
        "history. Delete it?",
    "删除后，命中这些关键词的诉求不再标为紧急。确定删除？":
        "Once deleted, appeals with these keywords are no longer marked urgent. Delete it?",
    "批量导入或导出（CSV）": "Import or export all at once (CSV)",
    "批量导入或导出（JSON）": "Import or export all at once (JSON)",
    "保存即替换全部路由规则。": "Saving replaces every routing rule.",
    "保存即替换全部紧急规则。": "Saving replaces every urgency rule.",
    "内置规则也可逐条修改或删除：第一次修改时，全部规则存为自定义规则。":
        "The built-in rules can be changed or deleted one by one too: the first change stores "
        "them all as custom rules.",
    "规则名称": "Rule name", "如 gas_leak": "e.g. gas_leak",
    "关键词（以顿号或逗号分隔）": "Keywords (separated by commas or 、)",
    "如 燃气泄漏、煤气泄漏": "e.g. 燃气泄漏、煤气泄漏", "另转接": "Also transfer to",
    "不转接": "No transfer", "给话务员的提示": "What the operator is told",
    "如 请立即转接 119": "e.g. 请立即转接 119",
    "不算命中的短语（可不填）": "Phrases that do not count (optional)",
    "如 火灾隐患": "e.g. 火灾隐患",
    "公安": "police", "消防": "fire service", "急救": "ambulance", "交通事故": "traffic accidents",
    "环保": "environment", "燃气抢修": "gas emergency",
    # the users tab
    "查找用户": "Find a user", "用户名、显示名称或单位名称": "Username, name or unit name",
    "查找": "Find", "没有符合条件的用户": "No user matches",
    # the taxonomy tab
    "事项分类管理": "Taxonomy",
    "新增分类": "Add a category", "上级分类编码": "Parent category code",
    "留空为一级分类": "Empty for a first-level category", "分类名称": "Category name",
    "添加": "Add", "修改分类": "Change a category", "分类编码": "Category code",
    "新名称": "New name", "改名": "Rename", "停用": "Deactivate",
    "编码自动生成（如 01.02.003）。事项分类最多三级，诉求使用末级分类。":
        "The code is given automatically (such as 01.02.003). Categories have at most three "
        "levels; appeals use the lowest (leaf) ones.",
    "停用后该分类及其下级分类不再用于新诉求、时限规则和分类建议；已有诉求不受影响，可随时重新启用。确定停用？":
        "Once deactivated, the category and those under it are no longer offered for new "
        "appeals, time limits or suggestions; existing appeals keep it, and it can be "
        "activated again at any time. Deactivate it?",
    "每行一个末级分类，依次写一级、二级、三级名称；已有的分类不变，只添加新的。UTF-8 或 GBK 编码。":
        "One leaf category a line: its first-, second- and third-level names. Existing "
        "categories stay as they are; only new ones are added. UTF-8 or GBK.",
    # the auditor's list of events
    "起始日期": "From", "截止日期": "To", "筛选": "Filter", "清除筛选": "Clear filters",
    "操作人": "By", "没有符合条件的流转记录": "No event matches these filters",
    "请从列表中选择事件类型": "Please choose an event type from the list",
    "日期应为 YYYY-MM-DD 格式，例如 2026-11-01": "Dates are written YYYY-MM-DD, e.g. 2026-11-01",
    "起始日期不能晚于截止日期": "The start date cannot be after the end date",
    "每件诉求的流转记录各成一条哈希链：每条记录的哈希由其内容和上一条记录的哈希算出，改动、插入或删除任何"
    "一条都会使校验失败。":
        "The events of each appeal form a hash chain: each event's hash is computed from its "
        "content and the previous event's hash, so editing, inserting or deleting any of them "
        "makes the check fail.",
    # the KPI tab
    "考核权重": "KPI weights",
    "综合得分 = 响应率 × 权重 + 解决率 × 权重 + 满意率 × 权重，三项权重之和须为 100%。"
    "保存即生成新的公式版本，排名和通报即按新版本计算；此前已算出的结果仍注明其所用的版本。":
        "Composite score = response rate × weight + resolution rate × weight + satisfaction "
        "rate × weight; the three weights add up to 100%. Saving makes a new formula version: "
        "rankings and reports use it from then on, and results computed before still name the "
        "version they used.",
    "当前版本": "Current version",
    "响应率权重（%）": "Response rate weight (%)", "解决率权重（%）": "Resolution rate weight (%)",
    "满意率权重（%）": "Satisfaction rate weight (%)",
    "基本满意折算系数（0–1）": "Weight of “basically satisfied” (0–1)",
    "部分解决折算系数（0–1）": "Weight of “partly resolved” (0–1)",
    "基本满意折算系数": "Weight of “basically satisfied”",
    "响应口径": "Response measured by", "首次联系诉求人": "First contact with the requester",
    "修改说明": "Note", "保存为新版本": "Save as a new version", "历史版本": "Versions",
    "保存时间": "Saved at",
    "尚未修改过，使用默认权重：响应率 10%、解决率 45%、满意率 45%":
        "Never changed: the default weights are in use (response 10%, resolution 45%, "
        "satisfaction 45%)",
    "只有管理员可以修改考核公式": "Only administrators can change the KPI formula",
    "综合得分三项权重之和须为 1": "The three weights of the composite score must add up to 100%",
    # the 服务事项 tab, its forms and a service item's QR poster (扫码评价)
    "服务事项的评价二维码在“服务事项”页签中打印。":
        "The rating QR codes of service items are printed from the “Service items” tab.",
    "尚未设置网站的公网地址（JIESU_PUBLIC_BASE_URL）：评价链接和二维码暂用本页的访问地址 {base}，"
    "群众的手机可能打不开。请先设置再打印。":
        "The site's public address (JIESU_PUBLIC_BASE_URL) is not set: rating links and QR "
        "codes use the address of this page, {base}, which residents' phones may not open. "
        "Set it before printing.",
    "修改服务事项": "Edit service item", "事项名称": "Item name", "所属单位编码": "Unit code",
    "服务事项编码": "Service item code", "服务事项名称": "Service item name",
    "现属单位": "Now at",
    "移到其他单位后，已有评价仍计入原单位，新的评价计入新单位。":
        "Moved to another unit, its ratings so far still count for the unit they were made "
        "for; new ones count for the new unit.",
    "停用后不能再评价，也不在公开的服务事项目录中；已有评价仍计入统计，可随时重新启用。":
        "Deactivated, it can no longer be rated and leaves the public catalogue; its ratings "
        "still count in the statistics. It can be activated again at any time.",
    "新增服务事项": "Add a service item",
    "群众在办理窗口扫码评价（1–5 星）。每个事项可打印一张带二维码的评价海报（A4），贴在窗口。"
    "评价数、差评（1–2 星）和平均星级含已停用事项的评价，不含经申诉剔除的评价。":
        "Residents scan a code at the window to rate the service (1–5 stars). Print each "
        "item's poster with its QR code (A4) and put it up at the window. Ratings, bad ratings "
        "(1–2 stars) and the average include those of deactivated items, not those excluded "
        "on appeal.",
    "按单位筛选（含下级单位）": "Unit (with its sub-units)",
    "没有符合条件的服务事项": "No service items match", "暂无服务事项": "No service items yet",
    "评价数": "Ratings", "平均星级": "Average stars", "打印二维码": "Print QR poster",
    "评价页面": "Rating page", "扫码评价": "Scan to rate",
    "评价页面二维码": "QR code of the rating page",
    "用 A4 纸打印，贴在该事项的办理窗口。": "Print on A4 and put it up at the item's window.",
    "请用手机扫描二维码，为本次服务打分（1–5 星）。您的评价将督促我们改进。":
        "Scan the QR code with your phone to rate this service (1–5 stars). Your rating helps "
        "us do better.",
    "服务事项编码不能超过 64 个字符，且不能含空格":
        "A service item code has at most 64 characters and no spaces",
    "请填写要修改的名称、所属单位或启用状态":
        "Say what to change: the name, the unit or whether it is active",
    "该服务事项已停用，启用后才能打印评价二维码":
        "This service item is deactivated: activate it to print its rating QR code",
    "该服务事项所属单位已停用，不能打印评价二维码":
        "This service item's unit is deactivated: no rating QR code can be printed",
}

_FIELDS = {"响应率权重": "Response rate weight", "解决率权重": "Resolution rate weight",
           "满意率权重": "Satisfaction rate weight",
           "基本满意折算系数": "Weight of “basically satisfied”",
           "部分解决折算系数": "Weight of “partly resolved”"}
_F = "|".join(_FIELDS)
# the run-time rule settings by their names (services.rules.RULE_LABELS: the admin form, its
# errors, the configuration log)
_RULE_EN = {
    "reopen_window_days": "Days after closing within which a reopening may be asked",
    "max_extension_days": "Most days per extension", "max_extensions": "Most extensions",
    "followup_max_attempts": "Most follow-up attempts",
    "followup_retry_minutes": "Minutes between follow-up calls that reached no one",
    "auto_supervision_level": "Level of the automatic supervision when overdue",
}
RULE_LABELS_EN = {RULE_LABELS[key]: en for key, en in _RULE_EN.items()}
EN.update(RULE_LABELS_EN)
_R = "|".join(re.escape(label) for label in RULE_LABELS_EN)


def _years(zh: str) -> str:
    """"2027 年日历已导入（5 个调整日），重算时限 3 件；…" one year after another."""
    done = re.compile(r"(\d+) 年日历已导入（(\d+) 个调整日），重算时限 (\d+) 件")
    parts = []
    for part in zh.split("；"):
        found = done.fullmatch(part)
        if found is None:
            return zh
        year, days, changed = found.groups()
        parts.append(f"Calendar of {year} loaded ({days} adjusted days); deadlines of "
                     f"{changed} appeals recomputed")
    return "; ".join(parts)


# what `jiesu.adapters.calendar_source.read_calendar_csv` finds wrong in a line
_ROW_PROBLEMS: list[tuple[re.Pattern[str], str, dict[str, Any]]] = [
    (re.compile(r"第 (?P<n>\d+) 行：日期“(?P<d>.*)”不存在"),
     "line {n}: there is no date “{d}”", {}),
    (re.compile(r"第 (?P<n>\d+) 行：日期“(?P<d>.*)”不是 YYYY-MM-DD 格式"),
     "line {n}: the date “{d}” is not written YYYY-MM-DD", {}),
    (re.compile(r"第 (?P<n>\d+) 行：is_workday 的值“(?P<v>.*)”无效，应为 .+"),
     "line {n}: is_workday “{v}” must be one of 1/0, true/false, 是/否, Y/N", {}),
    (re.compile(r"第 (?P<n>\d+) 行：应有 date,is_workday 两列，实为 (?P<v>.*)"),
     "line {n}: two columns date,is_workday expected, found {v}", {}),
    (re.compile(r"第 (?P<n>\d+) 行：(?P<d>\S+) 与第 (?P<m>\d+) 行同一日期的值相反"),
     "line {n}: {d} says the opposite of line {m}", {}),
    (re.compile(r"第 (?P<n>\d+) 行：工作日历 CSV 的表头须有 date,is_workday 两列.*"),
     "line {n}: the header must have the two columns date,is_workday", {}),
    (re.compile(r"工作日历 CSV 是空的.*"),
     "the file is empty; its first line must be the header date,is_workday", {}),
]


def _row_problem(zh: str) -> str:
    return apply_patterns(_ROW_PROBLEMS, zh) or zh


def _busy(zh: str) -> str:
    """"2 个启用中的下级单位、1 个启用中的用户" in English."""
    what = {"启用中的下级单位": "active sub-unit(s)", "启用中的用户": "active user(s)",
            "未办结的诉求": "open appeal(s) it leads"}
    parts = []
    for part in zh.split("、"):
        n, _, thing = part.partition(" 个")
        parts.append(f"{n} {what.get(thing, thing)}")
    return ", ".join(parts)


_LENGTH_UNITS = {"个工作日": "working days", "小时": "hours", "分钟": "minutes"}
_LEN = rf"(?P<{{0}}>[\d.]+) (?P<{{0}}u>{'|'.join(_LENGTH_UNITS)})"
_SCOPE_EN = {"全部诉求": "all appeals", "涉企诉求": "enterprise appeals",
             "个人诉求": "residents' appeals"}


def _scope(zh: str) -> str:
    """"办理·投诉·一般·多福巷社区" in English: the clock, kind and urgency labels translated,
    category and unit names kept as written."""
    from jiesu.web import i18n  # it imports this module: asked only once both are loaded

    english: dict[str, str] = dict(_SCOPE_EN)
    for group in ("clock", "kind", "urgency"):
        for value, label in i18n.choices("zh", group):
            english.setdefault(label, i18n.label("en", group, value))
    return " · ".join(english.get(part, part) for part in zh.split("·"))


_NONE = {"（无）": "(none)"}
_LEVEL_EN = {"区": "district", "街道": "street", "社区": "community", "网格": "grid"}
_STILL = (r"(?P<c>\S+) 在地名表中的上级仍是 (?P<o>\S+)，请在智能受理页更新地名表")
_STILL_EN = "{c} is still under {o} there; update the gazetteer on the Intake intelligence tab"
_PLACE_MOVED: list[tuple[re.Pattern[str], str, dict[str, Any]]] = [
    (re.compile(r"地名表中 (?P<c>\S+) 的上级已随之改为 (?P<p>\S+)"),
     "; in the gazetteer, {c} is now under {p} too", {}),
    (re.compile(rf"地名表中没有 (?P<p>\S+)，{_STILL}"),
     f"; the gazetteer has no {{p}}: {_STILL_EN}", {"o": lambda zh: _NONE.get(zh, zh)}),
    (re.compile(rf"地名表中 (?P<p>\S+) 是(?P<lp>\S+)，不能作为(?P<lc>\S+) \S+ 的上级，{_STILL}"),
     f"; in the gazetteer {{p}} is a {{lp}} and cannot be above the {{lc}} {{c}}: {_STILL_EN}",
     {"o": lambda zh: _NONE.get(zh, zh), "lp": _LEVEL_EN.__getitem__,
      "lc": _LEVEL_EN.__getitem__}),
]


def _place_moved(zh: str) -> str:
    """What became of a moved unit's place in the gazetteer, in English."""
    return apply_patterns(_PLACE_MOVED, zh) or f"; {zh}"


def _group(zh: str) -> str:
    """A unit level (区, 街道/乡镇, …) in English."""
    from jiesu.web import i18n  # it imports this module: asked only once both are loaded

    english = {v: k for k, v in GROUP_ZH.items()}
    return i18n.label("en", "unit_group", english[zh]) if zh in english else zh


_PATTERNS: list[tuple[re.Pattern[str], str, dict[str, Any]]] = [
    # service items (服务事项): the code and name stay as written
    (re.compile(r"已新增服务事项：(?P<item>.+)"), "Service item added: {item}", {}),
    (re.compile(r"已保存服务事项：(?P<item>.+)（(?P<unit>[^（）]+)）"),
     "Service item saved: {item} ({unit})", {}),
    (re.compile(r"已启用服务事项：(?P<item>.+)"), "Service item activated: {item}", {}),
    (re.compile(r"已停用服务事项：(?P<item>.+)，不再接受评价，已有评价仍计入统计"),
     "Service item deactivated: {item}. It takes no more ratings; those made still count",
     {}),
    (re.compile(r"服务事项编码 (?P<code>.+) 已存在"), "Service item code {code} exists already",
     {}),
    (re.compile(r"该单位已有名为“(?P<name>.+)”的服务事项（编码 (?P<code>[^（）]+)）"),
     "The unit has a service item named “{name}” already (code {code})", {}),
    (re.compile(r"单位 (?P<code>\S+) 已停用：请先启用该单位，或把服务事项移到其他单位"),
     "Unit {code} is deactivated: activate it first, or move the service item to another "
     "unit", {}),
    (re.compile(rf"已新增时限规则：(?P<scope>.+) {_LEN.format('a')}"),
     "Time-limit rule added: {scope} {a} {au}",
     {"scope": _scope, "au": _LENGTH_UNITS.__getitem__}),
    (re.compile(rf"时限规则未变：(?P<scope>.+) {_LEN.format('a')}"),
     "The time-limit rule is unchanged: {scope} {a} {au}",
     {"scope": _scope, "au": _LENGTH_UNITS.__getitem__}),
    (re.compile(rf"已替换原规则：(?P<scope>.+) {_LEN.format('a')} → {_LEN.format('b')}"),
     "Replaced the existing rule: {scope} {a} {au} → {b} {bu}",
     {"scope": _scope, "au": _LENGTH_UNITS.__getitem__, "bu": _LENGTH_UNITS.__getitem__}),
    (re.compile(r"(?P<all>\d+ 年日历已导入（\d+ 个调整日），重算时限 \d+ 件(；.+)?)"), "{all}",
     {"all": _years}),
    (re.compile(r"(?P<year>\d+) 年日历已导入，重算时限 (?P<n>\d+) 件"),
     "Calendar of {year} loaded; deadlines of {n} appeals recomputed", {}),
    (re.compile(r"(?P<year>\d+) 年的官方日历尚未收录在 chinesecalendar 包中：.+"),
     "The built-in calendar (chinesecalendar) does not cover {year} yet: upload that year's "
     "schedule as published by the State Council as a CSV under “Upload a working calendar” "
     "below", {}),
    (re.compile(r"工作日历文件有误，未导入：(?P<m>.+)"),
     "The calendar file has an error, nothing was loaded: {m}", {"m": _row_problem}),
    (re.compile(r"工作日历文件含 (?P<y>\d+) 年的日期，年份须在 (?P<a>\d+)–(?P<b>\d+) 之间，未导入"),
     "The calendar file has dates in {y}; years must be {a}–{b}. Nothing was loaded", {}),
    (re.compile(r"事项分类 (?P<c>\S+)（(?P<n>.+)）下还有子分类，"
                r"时限规则按诉求的末级分类匹配：请填写末级分类的编码"),
     "Category {c} ({n}) has sub-categories, and time limits match an appeal's own (leaf) "
     "category: give the code of a leaf category", {}),
    (re.compile(r"(?P<what>用户名|单位编码)不能超过 (?P<n>\d+) 个字符，且不能含空格"),
     "{what}: at most {n} characters, without spaces",
     {"what": {"用户名": "Username", "单位编码": "Unit code"}.__getitem__}),
    (re.compile(r"单位已改名：(?P<c>\S+) (?P<n>.+)"), "Unit renamed: {c} {n}", {}),
    (re.compile(r"已启用单位：(?P<c>\S+) (?P<n>.+)"), "Unit activated: {c} {n}", {}),
    (re.compile(r"已移动单位：(?P<c>\S+) (?P<n>.+)，(?P<a>.+) → (?P<b>.+)（共 (?P<k>\d+) 个单位）"
                r"(?P<g>；.+)?"),
     "Unit moved: {c} {n}, {a} → {b} ({k} unit(s) in all){g}",
     {"a": lambda zh: _NONE.get(zh, zh), "g": lambda zh: _place_moved(zh[1:]) if zh else ""}),
    (re.compile(r"不能把单位 (?P<c>\S+) 移到它自己之下"), "Unit {c} cannot be moved under itself",
     {}),
    (re.compile(r"(?P<p>\S+) 是 (?P<c>\S+) 的下级单位，不能把 \S+ 移到它之下"),
     "{p} is below {c}: {c} cannot be moved under it", {}),
    (re.compile(r"单位 (?P<c>\S+) 已在 (?P<p>\S+) (?P<n>.+) 之下"),
     "Unit {c} is under {p} {n} already", {}),
    (re.compile(r"(?P<g>[^，：]+)不能隶属于(?P<p>[^，：（]+)（(?P<pc>[^）]+)）：可选的上级为(?P<fits>.+)"),
     "A unit of the level “{g}” cannot be under a “{p}” ({pc}); it may go under {fits}",
     {"g": _group, "p": _group, "fits": lambda zh: ", ".join(map(_group, zh.split("、")))}),
    (re.compile(r"(?P<g>.+)是单位树的顶层，不能隶属于其他单位"),
     "A “{g}” unit is the top of the unit tree: it cannot be under another unit",
     {"g": _group}),
    (re.compile(r"已停用单位：(?P<c>\S+) (?P<n>.+)，不再用于派单和新用户，可随时重新启用"),
     "Unit deactivated: {c} {n}. It is no longer offered for dispatch or new users; it can be "
     "activated again at any time", {}),
    (re.compile(r"单位 (?P<c>\S+) 还有 ?(?P<what>.+)，不能停用：请先停用或调整它们"),
     "Unit {c} still has {what}: it cannot be deactivated before they are deactivated or "
     "moved", {"what": _busy}),
    (re.compile(r"上级单位 (?P<p>\S+) 下已有名为“(?P<n>.+)”的单位 (?P<c>\S+)，"
                r"同一上级单位下的单位名称不能相同"),
     "Parent unit {p} already has a unit named “{n}” ({c}): units under one parent need "
     "different names", {}),
    (re.compile(r"最上级已有名为“(?P<n>.+)”的单位 (?P<c>\S+)，同一上级单位下的单位名称不能相同"),
     "There already is a top unit named “{n}” ({c}): units under one parent need different "
     "names", {}),
    (re.compile(r"上级单位 (?P<c>\S+) 已停用(?P<tail>，请先启用上级单位)?"),
     "Parent unit {c} is deactivated{tail}",
     {"tail": lambda zh: ": activate it first" if zh else ""}),
    (re.compile(r"已添加分类：(?P<c>\S+) (?P<n>.+)"), "Category added: {c} {n}", {}),
    (re.compile(r"分类已改名：(?P<c>\S+) (?P<n>.+)"), "Category renamed: {c} {n}", {}),
    (re.compile(r"已启用分类 (?P<c>\S+)：(?P<n>\d+) 个"), "Category {c} activated: {n} changed",
     {}),
    (re.compile(r"已停用分类 (?P<c>\S+)：(?P<n>\d+) 个，新诉求不再使用，可随时重新启用"),
     "Category {c} deactivated ({n} changed): new appeals no longer use it; it can be "
     "activated again at any time", {}),
    (re.compile(r"同一上级分类下已有“(?P<n>.+)”"), "There is a “{n}” under the same parent already",
     {}),
    (re.compile(r"一级分类中已有“(?P<n>.+)”"), "There is a first-level category “{n}” already", {}),
    (re.compile(r"“(?P<p>[^”]+)”下已有“(?P<n>.+)”"), "There is a “{n}” under “{p}” already", {}),
    (re.compile(r"分类名称不能超过 (?P<n>\d+) 字"), "Category name: at most {n} characters", {}),
    (re.compile(rf"(?P<f>{_F})须为数字"), "{f} must be a number", {"f": _FIELDS.__getitem__}),
    (re.compile(rf"(?P<f>{_F})须在 0% 到 100% 之间"), "{f} must be between 0% and 100%",
     {"f": _FIELDS.__getitem__}),
    (re.compile(rf"(?P<f>{_F})须在 0 到 1 之间"), "{f} must be between 0 and 1",
     {"f": _FIELDS.__getitem__}),
    (re.compile(rf"(?P<f>{_R})须为整数"), "{f} must be a whole number",
     {"f": RULE_LABELS_EN.__getitem__}),
    (re.compile(rf"(?P<f>{_R})须在 (?P<a>\d+)–(?P<b>\d+) 之间"), "{f} must be between {a} and {b}",
     {"f": RULE_LABELS_EN.__getitem__}),
    (re.compile(r"三项权重之和须为 100%，现为 (?P<n>[\d.]+)%"),
     "The three weights must add up to 100% (now {n}%)", {}),
    (re.compile(r"考核公式已保存为第 (?P<v>\d+) 版，排名和通报即按新权重计算"),
     "KPI formula saved as version {v}: rankings and reports use the new weights now", {}),
]


def translate(message: str) -> str | None:
    """English of one of these admin messages, or None if it is not one."""
    return apply_patterns(_PATTERNS, message)
