"""English of the configuration-change log (配置变更记录) on the auditor's page."""

from __future__ import annotations

from jiesu.domain.config_events import ACTION_ZH, AREA_ZH
from jiesu.web import i18n


def test_every_area_and_action_has_english() -> None:
    """Each says what happened ("Renamed", "Out of use"); the buttons of the admin page that
    share its Chinese word ask for it ("Rename", "Deactivate"): the log's past tense once
    took over the buttons, and the log showed "Edit" and "Publish" for what was done."""
    for group, table in (("config_area", AREA_ZH), ("config_action", ACTION_ZH)):
        missing = [k for k in table if i18n.label("en", group, k) in (k, table[k])]
        assert not missing, (group, missing)
    assert [i18n.label("en", "config_action", k) for k in ("rename", "update", "publish")] == \
        ["Renamed", "Changed", "Published"]
    assert [i18n.gettext("en", zh) for zh in ("改名", "停用", "启用")] == \
        ["Rename", "Deactivate", "Activate"]


def test_the_reasons_of_a_broken_configuration_chain_are_translated() -> None:
    for zh in ("配置变更记录第 3 条（#7）序号不连续：应为 2（记录被删除或插入）",
               "配置变更记录第 3 条（#7）前一记录哈希不符（记录被删除、插入或改动）",
               "配置变更记录第 3 条（#7）内容与哈希不符（记录被改动）",
               "配置变更记录应有 5 条，链上只找到 4 条或链头不符（记录被删除或改动）",
               "配置变更记录无法读取（记录被改动）：ValueError: bad",
               "配置变更记录第 21 条（#21）与锚点 1 记下的链头不符（配置变更记录被改写）",
               "配置变更记录只有 19 条，锚点 2 记下时已有 21 条（记录被删除或改写）"):
        en = i18n.gettext("en", zh)
        assert en != zh and "onfiguration" in en, zh


# one summary of each kind jiesu.services writes, with its English: the names it quotes (a
# unit, a user, a title, a reason) stay as written
SUMMARIES = {
    "新增单位 D9 新区": "Unit D9 新区 added",
    "修改单位 D9 的值班电话": "Duty phone of unit D9 changed",
    "修改单位 D9 的户数和常住人口": "Households and residents of unit D9 changed",
    "单位 D9 改名为 新城区": "Unit D9 renamed 新城区",
    "停用单位 D9 新区": "Unit D9 新区 out of use",
    "启用单位 D9 新区": "Unit D9 新区 back in use",
    "移动单位 S1 东街道：D1 → D2": "Unit S1 东街道 moved: D1 → D2",
    "移动单位 D1 城东区：（无） → C": "Unit D1 城东区 moved: (none) → C",
    "地名表随单位移动：D1S1C1 的上级改为 D2S1":
        "Gazetteer follows the unit move: D1S1C1 now under D2S1",
    "导入户数和常住人口：11 个单位": "Households and residents imported: 11 units",
    "新增用户 wang（grid_worker）": "User wang added (Grid worker)",
    "修改用户 wang：姓名、角色、启用状态": "User wang changed: name, role, in use",
    "重置用户 wang 的密码": "Password of user wang reset",
    "新增事项分类 01.09 城乡建设/桥梁": "Category 01.09 城乡建设/桥梁 added",
    "事项分类 01.09 改名为 城乡建设/桥梁隧道": "Category 01.09 renamed 城乡建设/桥梁隧道",
    "停用事项分类 01 城乡建设（共 12 项）": "Category 01 城乡建设 out of use (12 in all)",
    "导入事项分类：新增 69 项": "Categories imported: 69 added",
    "设置时限规则 #2：handle 10 workday": "Deadline rule #2 set: Handle 10 working days",
    "删除时限规则 #1：sign 4 hour": "Deadline rule #1 deleted: Sign 4 hours",
    "修改系统设置：回访重拨间隔（分钟）、超期自动督办级别":
        "Settings changed: Minutes between follow-up calls that reached no one, "
        "Level of the automatic supervision when overdue",
    # written before the rules were named there, and settings that are not rules: their code
    "修改系统设置：followup_retry_minutes、max_extensions":
        "Settings changed: followup_retry_minutes, max_extensions",
    "修改系统设置：city_name、auto_dispatch_confidence":
        "Settings changed: city_name, auto_dispatch_confidence",
    "导入 2026 年工作日历（csv）": "Working-day calendar of 2026 loaded (csv)",
    "创建 API 密钥：区网格系统": "API key 区网格系统 created",
    "吊销 API 密钥：区网格系统": "API key 区网格系统 revoked",
    "替换路由规则：13 条": "Routing rules replaced: 13",
    "替换紧急规则：3 条": "Urgency rules replaced: 3",
    "紧急规则恢复为内置规则": "Urgency rules back to the built-in ones",
    "替换地名表：22 行": "Gazetteer replaced: 22 rows",
    "替换网格边界：11 个网格": "Grid polygons replaced: 11 grids",
    "替换分类关键词：36 个分类": "Category keywords replaced: 36 categories",
    "清除网格边界": "Grid polygons cleared",
    "新增路由规则：全部分类 × D1 → D1S1": "Routing rule added: all categories × D1 → D1S1",
    "删除路由规则：01.01.001 × 全部区域 → E01":
        "Routing rule deleted: 01.01.001 × all areas → E01",
    "修改紧急规则：燃气泄漏": "Urgency rule changed: 燃气泄漏",
    "新增知识库文章 #3《供暖时间》（草稿）": "Knowledge article #3 “供暖时间” added (draft)",
    "修改知识库文章 #3《供暖时间》：答复口径、关键词":
        "Knowledge article #3 “供暖时间” changed: answer, keywords",
    "归档知识库文章 #3《供暖时间》": "Knowledge article #3 “供暖时间” archived",
    "新增惠企政策 P-1《稳岗补贴》（草稿）": "Support policy P-1 “稳岗补贴” added (draft)",
    "修改惠企政策 P-1《稳岗补贴》：申报条件、有效期截止":
        "Support policy P-1 “稳岗补贴” changed: conditions, valid until",
    "发布惠企政策 P-1《稳岗补贴》": "Support policy P-1 “稳岗补贴” published",
    "撤回惠企政策 P-1《稳岗补贴》：资金用完": "Support policy P-1 “稳岗补贴” withdrawn: 资金用完",
    "考核公式第 2 版": "KPI formula version 2",
    "启用分类模型 v3（此前启用：无）": "Classification model v3 in use (before it: none)",
}


def test_every_kind_of_change_summary_reads_in_english() -> None:
    """The summaries were shown in Chinese on the English page ("新增单位 D9 新区")."""
    wrong = {zh: i18n.gettext("en", zh) for zh, en in SUMMARIES.items()
             if i18n.gettext("en", zh) != en}
    assert not wrong, wrong
    assert all(i18n.gettext("zh", zh) == zh for zh in SUMMARIES)


def test_every_handling_rule_has_a_name_in_english() -> None:
    """One list of names (services.rules.RULE_LABELS) for the form, its errors and the log."""
    from jiesu.services.rules import RULE_LABELS, RULE_LIMITS, RULE_SETTINGS

    assert set(RULE_LABELS) == set(RULE_SETTINGS) and set(RULE_LIMITS) <= set(RULE_LABELS)
    missing = [zh for zh in RULE_LABELS.values() if i18n.gettext("en", zh) == zh]
    assert not missing, missing
