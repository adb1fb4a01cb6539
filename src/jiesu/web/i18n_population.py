"""English of the resident-figure (户数, 常住人口) forms of the admin page and of the 万人诉求比
view of the dashboard, and of the Chinese sentences the admin service builds about an uploaded
population table ("人口数据有 2 处问题，未作任何修改：第 3 行：…"; a file that is not text
`jiesu.adapters.tabular` can read). `jiesu.web.i18n` merges these in; a unit code the
administrator wrote is kept as it is."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from jiesu.domain.population import FIGURE_ZH
from jiesu.services.admin import POPULATION_HEADER_ERROR
from jiesu.services.reporting import NO_POPULATION_ZH
from jiesu.web import i18n_config

_FIGURES_EN = {FIGURE_ZH["households"]: "Households",
               FIGURE_ZH["population"]: "Resident population"}

EN: dict[str, str] = {
    # dashboard: the 万人诉求比 tab
    "总览": "Overview", "万人诉求比": "Appeals per 10,000 residents",
    "单位分组": "Group", "常住人口": "Residents", "户数": "Households",
    "社区/村": "Communities and villages", "网格": "Grids",
    "万人诉求比 = 期内登记的诉求量 ÷ 常住人口 × 10000。诉求计入受理时定位到的区域及其所有上级"
    "区域，已合并的重复诉求不计；比值越低，排名越靠前。":
        "Appeals per 10,000 residents = appeals registered in the period ÷ resident "
        "population × 10,000. An appeal counts for the area intake located it in and for "
        "every area above it; duplicates merged into another appeal do not count. The lower "
        "the figure, the higher the rank.",
    "统计周期（如 2026-11、2026-W45、2026-11-01..2026-11-15）":
        "Period (e.g. 2026-11, 2026-W45, 2026-11-01..2026-11-15)",
    "“—”表示该单位及其下级单位都没有常住人口数据，不参与排名。":
        "“—” means neither the unit nor any unit below it has population data, so it is "
        "not ranked.",
    "在系统管理的单位树中填写或导入人口数据":
        "Enter or import population data in Administration › Unit tree",
    "请管理员在系统管理的单位树中填写或导入人口数据。":
        "Ask an administrator to enter or import population data in Administration › Unit "
        "tree.",
    "另有 {n} 件诉求未定位到区域，不计入任何单位。":
        "{n} more appeal(s) of the period were not located in any area and count nowhere.",
    # the monthly report (通报): section 三
    "三、万人诉求比": "3. Appeals per 10,000 residents",
    NO_POPULATION_ZH:
        "No area has resident population data yet, so appeals per 10,000 residents are not "
        "computed for this period. Ask an administrator to enter or upload households and "
        "resident population in Administration › Unit tree.",
    # admin: the units tab
    "户数和常住人口": "Households and resident population",
    "用于计算万人诉求比。填写到最细的一级（网格或社区）即可：上级单位未填写时取其下级单位之和，"
    "填写了则以本单位的数字为准。留空保存即清除。":
        "Used for appeals per 10,000 residents. Filling in the most detailed level (grids or "
        "communities) is enough: a unit without figures of its own takes the sum of the "
        "units below it, and its own figures, when given, are used instead. Save a field "
        "empty to clear it.",
    "人口": "Population",
    "上传人口数据（CSV 或 XLSX，表头：单位编码,户数,常住人口）":
        "Upload population data (CSV or XLSX, header: 单位编码,户数,常住人口 or "
        "code,households,population)",
    "有一行出错则不作任何修改；只含户数或常住人口一列时，另一项保持不变。":
        "If any row is wrong nothing is changed; a file with only one of the two figure "
        "columns leaves the other figure as it is.",
    # a reporting period typed on the 万人诉求比 tab or asked of the 通报 (jiesu.domain.kpi)
    "统计周期的月份须在 1 到 12 之间": "The month of a period must be from 01 to 12",
    "统计周期的结束日期须晚于开始日期": "A period must end after it starts",
    "统计周期不能超过 5 年": "A period may not be longer than 5 years",
    "趋势最多 60 个月": "A trend covers at most 60 months",
    # errors
    "请选择人口数据文件（CSV 或 XLSX）": "Choose a population data file (CSV or XLSX)",
    "人口数据文件中没有数据行": "The population data file has no data rows",
    POPULATION_HEADER_ERROR:
        "The first line of the population data file must be a header with 单位编码 (code) "
        "and at least one of 户数 (households) and 常住人口 (population)",
    "不支持旧版 .xls 文件，请在 Excel/WPS 中另存为 .xlsx 或 CSV":
        "Old .xls files are not supported: save it as .xlsx or CSV in Excel or WPS",
}

Convert = dict[str, Callable[[str], str]]

_FIGURE = "|".join(_FIGURES_EN)
_PROBLEMS: list[tuple[re.Pattern[str], str, Convert]] = [
    (re.compile(rf"(?P<label>{_FIGURE})应为 0 至 10 亿之间的整数"),
     "{label}: must be a whole number from 0 to 1,000,000,000",
     {"label": _FIGURES_EN.__getitem__}),
    (re.compile(r"缺少单位编码"), "the unit code is missing", {}),
    (re.compile(r"单位编码 (?P<c>.+) 与第 (?P<n>\d+) 行重复"), "unit code {c} is also on row {n}",
     {}),
    (re.compile(r"单位编码 (?P<c>.+) 不存在"), "unit code {c} does not exist", {}),
]


def _item(zh: str) -> str:
    found = re.fullmatch(r"第 (\d+) 行：(.+)", zh)
    if not found:
        return zh
    problem = found[2]
    return f"row {found[1]}: {i18n_config.apply_patterns(_PROBLEMS, problem) or problem}"


PATTERNS: list[tuple[re.Pattern[str], str, dict[str, Any]]] = [
    (re.compile(r"人口数据有 (?P<n>\d+) 处问题，未作任何修改：(?P<items>.+?)"
                r"(?:；另有 (?P<more>\d+) 处)?"),
     "Population data: {n} problem(s), nothing was changed: {items}{more}",
     {"items": lambda zh: "; ".join(_item(i) for i in zh.split("；")),
      "more": lambda n: f"; and {n} more" if n else ""}),
    (re.compile(r"人口数据已导入：(?P<n>\d+) 个单位"), "Population data loaded: {n} unit(s)", {}),
    # an uploaded table that is neither UTF-8 nor GB18030 text (jiesu.adapters.tabular)
    (re.compile(r"文件 (?P<name>.+) 不是 UTF-8 或 GB18030（GBK）编码的文本"
                r"(?:（第 (?P<line>\d+) 行附近）)?，无法读取；"
                r"请在 Excel 或 WPS 中另存为“CSV UTF-8”或 XLSX 格式后再导入"),
     "The file {name} is not UTF-8 or GB18030 (GBK) text{line}, so it cannot be read: save "
     "it as “CSV UTF-8” or XLSX in Excel or WPS and import it again",
     {"line": lambda n: f" (near line {n})" if n else ""}),
    # an uploaded text file (intake configuration, categories, calendar) in neither
    (re.compile(r"(?P<what>分类文件|工作日历文件|文件|上传内容)不是 UTF-8 或 GB18030（GBK）"
                r"编码的文本，无法读取；请在 Excel 或 WPS 中另存为“CSV UTF-8”后再上传"),
     "{what} is not UTF-8 or GB18030 (GBK) text, so it cannot be read: save it as "
     "“CSV UTF-8” in Excel or WPS and upload it again",
     {"what": lambda zh: {"分类文件": "The category file", "工作日历文件": "The calendar file",
                          "上传内容": "The upload"}.get(zh, "The file")}),
    *_PROBLEMS[:1],  # a figure typed into the one-unit form
    (re.compile(r"统计周期“(?P<text>.*)”无效，可用格式：2026-03（月）、2026-03-05（日）、"
                r"2026-W10（周）、2026-03-01\.\.2026-03-15（自定义）"),
     "The period “{text}” is not valid: use 2026-03 (a month), 2026-03-05 (a day), 2026-W10 "
     "(a week) or 2026-03-01..2026-03-15 (from one day to another)", {}),
]


def translate(message: str) -> str | None:
    """English of a population message built from parts, or None."""
    return i18n_config.apply_patterns(PATTERNS, message)
