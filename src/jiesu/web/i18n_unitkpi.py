"""English of a unit's 考核 page (本单位考核: its 三率, rank, the appeals behind its lost
points, its trend). `jiesu.web.i18n` merges these in."""

from __future__ import annotations

EN: dict[str, str] = {
    "本单位考核": "Our scores", "单位考核": "Unit scores", "考核": "Scores",
    # the formula's terms beside its weights, on this page, the 通报 and the admin's history
    "解决率中部分解决按 {partly} 计。":
        "A “partly resolved” follow-up counts {partly} in the resolution rate. ",
    "响应率按签收计，不按首次联系诉求人。":
        "The response rate counts the unit accepting the appeal, not its first contact with "
        "the requester.",
    "部分解决折算系数": "Weight of “partly resolved”",
    "组内排名": "Rank in its group", "第 {rank} 名 / 共 {n} 个": "No. {rank} of {n}",
    "分组：{group}": "group: {group}",
    "本期没有可计算综合得分的诉求，不参与排名（{group}共 {n} 个）。":
        "No appeals this period give a score: not ranked ({n} units in {group}).",
    "本级单位不参加分组排名；数据计入上级单位。":
        "Units of this level are not ranked; their figures count for the units above.",
    "与月度通报同一口径：各项数据含下级单位。":
        "Counted as the monthly report counts: every figure includes the sub-units.",
    "考核数据": "Figures", "扣分诉求": "Appeals that cost points",
    "以下诉求使本单位失分，点击编号查看诉求并处理。":
        "These appeals lowered the unit's figures; open one by its code to act on it.",
    "影响{rate}": "counts against: {rate}",
    "共 {n} 件，此处列出前 {shown} 件。": "{n} in all: the first {shown} are listed here.",
    "共 {n} 条，此处列出前 {shown} 条。": "{n} in all: the first {shown} are listed here.",
    "差评按条计：一件诉求有几条差评就列几次；服务事项的差评没有诉求，列出事项名称。":
        "Bad ratings are counted one by one: an appeal rated badly twice is listed twice; a "
        "service item's bad rating has no appeal and is listed by the item's name.",
    "本期没有失分的诉求。": "No appeal cost points this period.",
    "下级单位": "Sub-units", "近六个月趋势": "The last six months",
    "“—”表示本期无相应诉求。": "“—” means no such appeals in that month.",
    "未按时响应": "Not responded in time", "未解决或部分解决": "Not or partly resolved",
    "回访不满意": "Follow-up: dissatisfied", "回访基本满意": "Follow-up: basically satisfied",
    "超期": "Overdue", "差评": "Bad ratings",
    "（其中无联系电话 {n}）": "(no phone: {n})",
    "按时响应数": "Responded in time", "按时办结数": "Replied in time", "退单数": "Returned",
    "延期数": "Extended", "办结数": "Closed", "重办数": "Reworked", "联系上": "Reached",
    "已解决": "Resolved", "部分解决": "Partly resolved", "督办数": "Supervisions",
    "差评率": "Bad-rating rate",
    "月份应为 YYYY-MM 格式，例如 2026-11": "The month should read YYYY-MM, e.g. 2026-11",
    "不能查看尚未开始的月份": "That month has not begun",
    "您的角色无权查看单位考核": "Your role may not see units' scores",
    "只能查看本单位及下级单位的考核": "You may only see the scores of your unit and its sub-units",
    "您所在的承办单位已停用，请联系管理员":
        "Your unit has been disabled: please ask the administrator",
    "尚未建立单位": "No units have been set up yet",
}
