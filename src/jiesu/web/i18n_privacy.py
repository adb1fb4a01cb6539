"""English of what the pages say about personal data erased after the city's retention period
(个人信息保存期限, jiesu.services.retention). `jiesu.web.i18n` merges these in."""

from __future__ import annotations

EN: dict[str, str] = {
    "个人信息已于 {at} 按保存期限删除": "Personal data erased on {at}, as the retention period "
                                "requires",
    "（含照片 {n} 张）": " (with {n} photos)",
}
