"""English of a grid worker's pages (我的网格, 巡查上报, 就地解决) and of the messages the grid
rules give. `jiesu.web.i18n` merges these in."""

from __future__ import annotations

EN: dict[str, str] = {
    "我的网格": "My grid", "本网格": "This grid", "本网格诉求": "appeals in the grid",
    "巡查上报": "Patrol reports", "就地解决": "solved on the spot",
    "网格员": "Grid workers", "本月万人诉求比": "appeals per 10,000 residents this month",
    "事件类型": "Kind of problem", "发现的问题": "What you found",
    "如：楼道堆放杂物": "e.g. junk piled in a stairwell", "地点": "Place",
    "楼号、单元或路口": "Building, entrance or crossing", "使用手机定位": "Use my location",
    "正在定位…": "Locating…", "已定位": "Located",
    "无法定位，请填写地点": "No location: please describe the place",
    "已就地解决（无需派单）": "Solved on the spot (no dispatch needed)",
    "处置情况": "What was done", "现场照片（选填）": "Photo of the place (optional)",
    "勾选“已就地解决”时填写，如：已联系物业当场清理":
        "When solved on the spot: e.g. the property manager cleared it at once",
    "已就地解决，编号": "Solved on the spot, number",
    "已上报，等待派单，编号": "Reported, waiting for dispatch, number",
    "我的上报": "My reports", "上报时间": "Reported", "暂无上报": "No reports yet",
    "只能就地解决本人上报的巡查事件": "Only your own patrol reports can be solved on the spot",
    "事件地点不在您负责的网格内，请上报派单":
        "The place is outside your grid: report it for dispatch instead",
    "只有网格巡查上报的事件可以就地解决": "Only patrol reports can be solved on the spot",
    "定位信息无效，请重新定位或清除后提交":
        "The location is not valid: locate again or submit without it",
    "只有所属网格的网格员可以查看“我的网格”": "Only a grid's own workers see “My grid”",
    "您的账号未关联网格，请联系管理员":
        "Your account belongs to no grid: please ask the administrator",
}
