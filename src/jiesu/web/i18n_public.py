"""English of what a resident reads on the public pages that the main catalogue lacks: why an
appeal was not taken (the reasons of `jiesu.domain.notices`), the merge note and the tracking
page's later additions. `jiesu.web.i18n` merges these in."""

from __future__ import annotations

from jiesu.domain.appeal import RejectReason
from jiesu.domain.notices import REJECTED_BECAUSE

_BECAUSE_EN = {
    RejectReason.LITIGATION: "This matter has to be settled in court",
    RejectReason.ARBITRATION: "This matter has to be settled by arbitration",
    RejectReason.DISCIPLINE: "This matter is for the discipline inspection and supervision "
                             "authorities",
    RejectReason.ADMIN_REVIEW: "This matter has to go through administrative review",
    RejectReason.PETITION: "This matter has to follow the petitions (信访) procedure",
    RejectReason.INFO_DISCLOSURE: "This matter needs a request for government information "
                                  "disclosure",
    RejectReason.CLASSIFIED: "It concerns state secrets",
    RejectReason.IMMORAL: "Its content goes against public order and good morals",
    RejectReason.DUPLICATE: "It repeats an appeal you have already made",
    RejectReason.INVALID: "It does not contain a request that can be acted on",
}

EN: dict[str, str] = {
    **{REJECTED_BECAUSE[k]: v for k, v in _BECAUSE_EN.items()},
    "不属于受理范围": "It is outside what the hotline handles",
    ("编号或手机号不正确。请核对提交成功时显示的诉求编号和提交诉求时填写的手机号码；"
     "忘记编号可拨打 12345 查询。"):
        "The code or phone number is not right. Check the code shown when you submitted and "
        "the phone number you gave then; if you have lost the code, call 12345.",
    # a policy condition, said in words before it where the page draws ✓ or ✗
    "符合：": "Met: ", "不符合：": "Not met: ",
    "不予受理的原因": "Why it was not accepted",
    "如有疑问，请拨打 12345 热线。": "If you have questions, call the 12345 hotline.",
    "合并办理": "Handled together with another appeal",
    "您反映的问题与另一件诉求相同，已合并到该诉求一并办理，办理进度以该诉求为准。":
        "Your appeal is about the same problem as another one and was merged into it, to be "
        "handled together. Its progress below is the progress of yours.",
    "合并后的诉求": "Handled as appeal",
    "在诉求公示栏查看该诉求的办理过程和答复": "See its steps and the reply on the disclosure board",
    "{date} 前可申请重办": "You can ask for it to be reopened until {date}",
    "已超过重办申请期限（{date} 前可申请）。":
        "The time to ask for a reopening has passed (it ended {date}).",
    "{date} 前可评价": "You can rate it until {date}",
    "评价期限已过（{date} 前可评价）。": "The time to rate it has passed (it ended {date}).",
    "如问题仍未解决，请提交新的诉求或拨打 12345 热线。":
        "If the problem is still there, submit a new appeal or call the 12345 hotline.",
    "附照片 {n} 张": "Photos attached: {n}",
    "诉求人评价": "The requester's rating",
    # a 涉企诉求 on its requester's tracking page
    "本诉求作为涉企诉求办理，适用涉企诉求的办理时限。":
        "This appeal is handled as an enterprise appeal, on the time limits for enterprise "
        "appeals.",
    "帮扶联络人可凭统一社会信用代码和企业登记的联系电话在“企业服务”中查看。":
        "Your enterprise's liaison is shown under “For enterprises”, with its unified social "
        "credit code and the contact phone on file.",
    # the public ranking (/stats/rankings)
    "承办单位排名": "Rankings of the handling units",
    "承办单位排名（综合得分、响应率、解决率、满意率）":
        "Rankings of the handling units (score, response, resolution and satisfaction rates)",
    "按月度通报的综合得分在组内排名：响应率、解决率和满意率来自办理记录和回访；只公布已结束的月份。":
        "Units are ranked within their group by the score of the monthly report: the response, "
        "resolution and satisfaction rates come from the handling records and the call-backs. "
        "Only months that have ended are published.",
    "只公布已结束月份的排名": "Rankings are published only for months that have ended",
}

# the requester's own timeline also names these steps (jiesu.web.disclosure.REQUESTER_EVENTS)
STEP_EN = {"reject": "Not accepted", "merge": "Merged into another appeal"}
