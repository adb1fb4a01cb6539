"""English of the configuration-change log (配置变更记录) on the auditor's page."""

from __future__ import annotations

from jiesu.domain.config_events import ACTION_ZH, AREA_ZH
from jiesu.web import i18n


def test_every_area_and_action_has_english() -> None:
    missing = [zh for zh in (*AREA_ZH.values(), *ACTION_ZH.values()) if zh not in i18n.EN]
    assert not missing, missing


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
