"""English of the 差评整改 pages (整改, 整改公示, 评价申诉), of the 好差评 value names and of the
messages the feedback service builds from parts. `jiesu.web.i18n` merges these in; what people
wrote (comments, reports, reasons) stays as written."""

from __future__ import annotations

import re
from typing import Any

from jiesu.domain import appeal as dom
from jiesu.domain.rating import RATING_APPEAL_ZH, RECTIFICATION_ZH, STARS_ZH
from jiesu.web import i18n_config

LABELS_ZH: dict[str, dict[str, str]] = {
    "stars": {str(k): v for k, v in STARS_ZH.items()},
    "rectification": {k.value: v for k, v in RECTIFICATION_ZH.items()},
    "rating_appeal": {k.value: v for k, v in RATING_APPEAL_ZH.items()},
}
LABELS_EN: dict[str, dict[str, str]] = {
    "stars": {"5": "Very satisfied", "4": "Satisfied", "3": "Basically satisfied",
              "2": "Dissatisfied", "1": "Very dissatisfied"},
    "rectification": {"open": "To rectify", "reported": "Reported, follow-up due",
                      "verified": "Followed up", "published": "Published",
                      "cancelled": "Cancelled"},
    "rating_appeal": {"pending": "Waiting for review", "upheld": "Upheld",
                      "rejected": "Denied"},
}
# the events ratings, rectifications and rating appeals add to an appeal's timeline
ACTION_ZH = {"rated": "评价", "rectification_opened": "差评整改启动",
             "rectification_reported": "提交整改报告", "rectification_followed_up": "整改回访",
             "rectification_published": "整改公示", "rectification_warning": "整改时限预警",
             "rating_appealed": "评价申诉",
             "rating_appeal_decided": "评价申诉审核"}
ACTION_EN = {"rated": "Rated", "rectification_opened": "Rectification opened",
             "rectification_reported": "Rectification reported",
             "rectification_followed_up": "Rectification followed up",
             "rectification_published": "Rectification published",
             "rectification_warning": "Rectification deadline warning",
             "rating_appealed": "Rating appealed", "rating_appeal_decided": "Rating appeal decided"}

# the same steps on the requester's own timeline (/track), said to the requester
STEP_ZH = {"rectification_opened": "差评已转承办单位整改",
           "rectification_reported": "承办单位已提交整改情况",
           "rectification_followed_up": "整改回访",
           "rectification_published": "整改结果已公示"}
STEP_EN = {"rectification_opened": "Your rating was passed to the unit to put right",
           "rectification_reported": "The unit reported what it put right",
           "rectification_followed_up": "Asked about the rectification",
           "rectification_published": "Rectification published"}

EN: dict[str, str] = {
    # the staff page
    "差评整改": "Bad ratings", "整改回访": "Rectification follow-up",
    "本单位整改": "Our rectifications", "差评申诉": "Bad ratings & appeals",
    "待整改": "To rectify", "待回访": "Follow-up due", "待公示": "To publish",
    "已公示": "Published", "评价申诉": "Rating appeals", "全部单位": "All units",
    "服务事项评价": "Service item rating", "评价意见": "Comment", "第 {n} 轮整改": "round {n}",
    "评价说明": "Comment",
    # the service item's rating page (/rate/item/{id}) and its links on the admin page
    "服务评价": "Rate the service", "办理单位": "Unit",
    "感谢您的评价！": "Thank you for your rating!",
    "您的评价已转给办理单位。对办理不满意的，单位会整改并公示整改结果。":
        "Your rating goes to the unit. A bad rating is rectified and the result published.",
    "仅用于核实评价，不会公开": "Only to check the rating; never published",
    "提交评价": "Submit rating", "服务事项不存在或已停用":
        "This service item does not exist or is disabled",
    "服务事项不存在": "This service item does not exist",
    "该服务事项已停用，暂不接受评价": "This service item is deactivated and takes no ratings",
    "如需反映办理中的问题，可拨打 12345 或在网上提交诉求。":
        "To report a problem with the service, call 12345 or submit an appeal online.",
    "事项编码": "Item code", "服务事项": "Service item",
    "整改时限": "Rectify by", "报告时间": "Reported", "回访时间": "Followed up",
    "差评整改超期 {n} 件": "Rectifications overdue: {n}",
    "公示时间": "Published", "整改报告": "Rectification report",
    "不满意，重新整改": "Dissatisfied: rectify again",
    "写明查找的原因、采取的整改措施和结果": "The cause found, what was done and the result",
    "提交整改报告": "Submit the report", "诉求人对整改是否满意":
        "Is the requester satisfied with the rectification?",
    "回访备注": "Follow-up note", "记录回访结果": "Record the follow-up", "公示": "Publish",
    "公示后，问题、整改报告和回访结果将在“整改公示”公开（个人信息已隐去）。确定公示？":
        "The problem, the report and the follow-up will be shown on the public rectification "
        "page (personal data hidden). Publish?",
    "确认公示": "Publish now",
    "等待承办单位提交整改报告": "Waiting for the unit's report",
    "等待回访员回访诉求人": "Waiting for the follow-up call",
    "等待督办员公示": "Waiting for the supervisor to publish",
    "申诉审核中": "Appeal under review",
    "申诉审核中，审核后才能公示": "An appeal against the rating is under review: it can be "
                              "published once the appeal is decided",
    "已剔除": "Excluded", "申诉": "Appeal", "申诉理由": "Why the rating is malicious",
    "整改结果已公示，不能再申诉": "The rectification result is published: no appeal any more",
    "认为这是恶意差评时提出申诉；经督办员审核成立后，该评价不计入考核，整改撤销。":
        "Appeal when you think the rating is malicious: if a supervisor upholds it, the rating "
        "no longer counts and the rectification is cancelled.",
    "提交申诉": "Submit the appeal", "申诉时间": "Appealed",
    "申诉成立，剔除该评价": "Uphold: exclude the rating", "驳回申诉": "Deny the appeal",
    # the public page
    "整改公示": "Rectification results",
    "差评（不满意、非常不满意）由承办单位限期整改，回访诉求人后公示整改结果。":
        "A bad rating (dissatisfied or very dissatisfied) obliges the unit to rectify by a "
        "deadline; the result is published once the requester has been asked about it.",
    "反映的问题": "The problem", "整改情况": "What was done",
    "诉求人对整改满意": "The requester is satisfied with the rectification",
    "暂无公示的整改结果。": "No rectification results published yet.",
    "差评整改结果公示": "Published results of bad-rating rectifications",
    # what the steps answer
    "已提交整改报告，等待回访": "Report submitted: waiting for the follow-up",
    "请选择诉求人对整改是否满意": "Choose whether the requester is satisfied",
    "诉求人不满意，已退回承办单位重新整改":
        "The requester is not satisfied: the unit must rectify again",
    "已记录：诉求人对整改满意，等待公示": "Recorded: the requester is satisfied; to be published",
    "整改结果已公示": "The rectification result is published",
    "已提交申诉，等待审核": "Appeal submitted: waiting for review",
    "请选择申诉是否成立": "Choose whether to uphold the appeal",
    "申诉成立，该评价已剔除": "Appeal upheld: the rating is excluded",
    "已驳回申诉，该评价保留": "Appeal denied: the rating stays",
    # the feedback service
    "您的账号未关联承办单位，请联系管理员":
        "Your account belongs to no unit: please ask the administrator",
    "只能查看本单位及下级单位的数据": "You can only see your unit and the units below it",
}

_WHAT_EN = {
    "查看整改和评价": "see rectifications and ratings", "查看评价申诉": "see rating appeals",
    "回访整改结果": "follow up rectifications", "公示整改结果": "publish rectifications",
    "审核评价申诉": "decide rating appeals", "评价诉求": "rate appeals",
    "发送回访问卷": "send follow-up surveys", "查看回访任务": "see follow-up tasks",
    "维护服务事项": "keep service items", "提交整改报告": "submit rectification reports",
    "对本单位的评价提出申诉": "appeal ratings of the unit", "整改回访": "be followed up",
}
_ROLE_BY_ZH = {v: k.value for k, v in dom.ROLE_ZH.items()}
_RECT_EN = {zh: LABELS_EN["rectification"][k.value] for k, zh in RECTIFICATION_ZH.items()}
_RECT_STEP_EN = {"提交整改报告": "a report cannot be submitted", "整改回访": "it cannot be "
                 "followed up", "公示": "it cannot be published"}


def _role(zh: str) -> str:
    from jiesu.web import i18n  # at call time: i18n imports this module

    return i18n.label("en", "role", _ROLE_BY_ZH.get(zh, zh))


PATTERNS: list[tuple[re.Pattern[str], str, dict[str, Any]]] = [
    (re.compile(rf"“(?P<role>[^”]+)”无权(?P<what>{'|'.join(_WHAT_EN)})"),
     "{role}: not allowed to {what}", {"role": _role, "what": _WHAT_EN.__getitem__}),
    (re.compile(r"只有承办单位本单位人员可以(?P<what>提交整改报告|对本单位的评价提出申诉)"),
     "Only the rated unit's own staff may {what}", {"what": _WHAT_EN.__getitem__}),
    (re.compile(r"整改当前状态为“(?P<status>[^”]+)”，不能(?P<step>提交整改报告|整改回访|公示)"),
     "The rectification is “{status}”: {step} now",
     {"status": lambda zh: _RECT_EN.get(zh, zh), "step": _RECT_STEP_EN.__getitem__}),
    (re.compile(r"整改已(?P<status>[^，]+)，不能撤销"),
     "The rectification is “{status}”: it cannot be cancelled",
     {"status": lambda zh: _RECT_EN.get(zh, zh)}),
]


def translate(message: str) -> str | None:
    """English of a feedback message built from parts, or None."""
    return i18n_config.apply_patterns(PATTERNS, message)
