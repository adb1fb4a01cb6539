"""English of what the pages say about personal data erased after the city's retention period
(个人信息保存期限, jiesu.services.retention). `jiesu.web.i18n` merges these in."""

from __future__ import annotations

EN: dict[str, str] = {
    "个人信息已于 {at} 按保存期限删除": "Personal data erased on {at}, as the retention period "
                                "requires",
    "（含照片 {n} 张）": " (with {n} photos)",
    "该诉求的诉求人个人信息已按保存期限删除，无法联系诉求人，不能重办；如需继续办理，请登记新的诉求":
        "The requester's personal data of this appeal was erased after the retention period: "
        "no one can be called back, so it cannot be reopened; register a new appeal to take "
        "it up again",
}
