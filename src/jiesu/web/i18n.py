"""A small message catalogue: pages are written in Chinese (zh-CN, the default); `EN` maps each
Chinese message to English for `?lang=en`. Error messages that the domain formats with a
label or a number (请填写{label}, {label}不能超过 {n} 字, …) are matched by `_PATTERNS`. A
missing entry falls back to the Chinese text."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from jiesu.domain import appeal as dom
from jiesu.domain import enterprise, unit_tree
from jiesu.web import (
    i18n_admin,
    i18n_audit,
    i18n_config,
    i18n_feedback,
    i18n_grid,
    i18n_knowledge,
    i18n_ledger,
    i18n_policies,
    i18n_population,
    i18n_privacy,
    i18n_public,
    i18n_unitkpi,
    i18n_users,
)

LANGS = ("zh", "en")

# Domain value labels: Chinese from the domain, English here.
_LABELS_ZH: dict[str, dict[str, str]] = {
    "status": {k.value: v for k, v in dom.STATUS_ZH.items()},
    "kind": {k.value: v for k, v in dom.KIND_ZH.items()},
    "urgency": {k.value: v for k, v in dom.URGENCY_ZH.items()},
    "channel": {k.value: v for k, v in dom.CHANNEL_ZH.items()},
    "role": {k.value: v for k, v in dom.ROLE_ZH.items()},
    "action": {k.value: v for k, v in dom.ACTION_ZH.items()} | {
        "register": "登记", "merged_in": "同类诉求并入", "deadline_warning": "时限预警",
        "deadlines_recomputed": "时限重算"},
    "reject_reason": {k.value: v for k, v in dom.REJECT_REASON_ZH.items()},
    "claim": {k.value: v for k, v in dom.REPLY_CLAIM_ZH.items()},
    "satisfaction": {k.value: v for k, v in dom.SATISFACTION_ZH.items()},
    "resolved": {k.value: v for k, v in dom.RESOLVED_ZH.items()},
    "fault": {"unit": "承办单位", "requester": "诉求人", "policy": "政策原因", "other": "其他"},
    "supervision": {k.value: v for k, v in dom.SUPERVISION_ZH.items()},
    "warning": {"none": "正常", "yellow": "黄色预警", "red": "红色预警(超期)"},
    "contact_method": {"phone": "电话", "visit": "上门", "sms": "短信"},
}

_LABELS_EN: dict[str, dict[str, str]] = {
    "status": {"registered": "Registered", "dispatched": "Dispatched (to sign)",
               "in_progress": "In progress", "replied": "Replied (follow-up due)",
               "closed": "Closed", "rejected": "Rejected", "merged": "Merged"},
    "kind": {"consult": "Consultation", "help": "Request for help", "complaint": "Complaint",
             "report": "Report", "suggestion": "Suggestion", "praise": "Praise"},
    "urgency": {"normal": "Normal", "urgent": "Urgent", "emergency": "Emergency"},
    "channel": {"hotline": "12345 hotline", "web": "Website", "mobile": "Mobile",
                "open311": "Open311", "grid_patrol": "Grid patrol", "enterprise": "Enterprise",
                "cannot_get_done": "'Cannot get done' desk", "supervisor": "Assigned from above",
                "import": "Import"},
    "role": {"public": "Public", "requester": "Requester", "operator": "Operator",
             "dispatcher": "Dispatcher", "handler": "Handler", "grid_worker": "Grid worker",
             "supervisor": "Supervisor", "followup_agent": "Follow-up agent",
             "analyst": "Analyst", "admin": "Administrator", "auditor": "Auditor",
             "system": "System"},
    "action": {"register": "Registered", "answer_directly": "Answered directly",
               "resolve_on_site": "Resolved on the spot",
               "reject": "Reject", "merge": "Merge", "dispatch": "Dispatch", "sign": "Sign",
               "sub_dispatch": "Sub-dispatch", "request_return": "Ask to return",
               "approve_return": "Approve return", "deny_return": "Deny return",
               "contact": "Contact requester", "request_extension": "Ask for extension",
               "approve_extension": "Approve extension", "deny_extension": "Deny extension",
               "reply": "Reply", "send_back": "Send reply back", "follow_up": "Follow-up",
               "reopen": "Reopen", "supervise": "Supervise", "add_info": "Add information",
               "co_opinion": "Co-unit opinion",
               "merged_in": "Merged in", "deadline_warning": "Deadline warning",
               "deadlines_recomputed": "Deadlines recomputed"},
    "reject_reason": {"litigation": "Litigation", "arbitration": "Arbitration",
                      "discipline": "Discipline inspection", "admin_review": "Admin review",
                      "petition": "Petition", "info_disclosure": "Information disclosure",
                      "classified": "Classified", "immoral": "Against public order",
                      "duplicate": "Duplicate", "invalid": "Invalid"},
    "claim": {"solved": "Solved", "explained": "Explained", "cannot_solve": "Cannot solve"},
    "satisfaction": {"satisfied": "Satisfied", "basically": "Basically satisfied",
                     "dissatisfied": "Dissatisfied"},
    "resolved": {"yes": "Resolved", "partly": "Partly resolved", "no": "Not resolved"},
    "fault": {"unit": "Handling unit", "requester": "Requester", "policy": "Policy",
              "other": "Other"},
    "supervision": {"none": "None", "remind": "Reminder", "yellow": "Yellow card",
                    "red": "Red card"},
    "warning": {"none": "On time", "yellow": "Yellow warning", "red": "Red (overdue)"},
    "contact_method": {"phone": "Phone", "visit": "Visit", "sms": "SMS"},
}
_LABELS_ZH.update(i18n_policies.LABELS_ZH)  # enterprises and policies (惠企政策)
_LABELS_EN.update(i18n_policies.LABELS_EN)
_LABELS_ZH.update(i18n_knowledge.LABELS_ZH)  # the knowledge base (知识库)
_LABELS_EN.update(i18n_knowledge.LABELS_EN)
_LABELS_ZH.update(i18n_audit.LABELS_ZH)  # the configuration-change log's areas and actions
_LABELS_EN.update(i18n_audit.LABELS_EN)
_LABELS_ZH.update(i18n_feedback.LABELS_ZH)  # 好差评: stars, 整改 and 申诉 statuses
_LABELS_EN.update(i18n_feedback.LABELS_EN)
_LABELS_ZH["action"].update(i18n_feedback.ACTION_ZH)  # their events on the timeline
_LABELS_ZH["step"] = dict(i18n_feedback.STEP_ZH)  # … and on the requester's, in their words
# The administrator's unit tree and time-limit rules (系统管理)
_LABELS_ZH["unit_group"] = dict(unit_tree.GROUP_ZH)
_LABELS_EN["unit_group"] = {
    "city": "City", "district": "District", "street": "Street/township",
    "department": "City department", "enterprise": "Public utility",
    "community": "Community/village", "grid": "Grid", "micro_grid": "Micro-grid"}
_LABELS_ZH["clock"] = {"sign": "签收", "handle": "办理", "return_window": "退单期限",
                       "follow_up": "回访", "extension": "延期", "rectification": "差评整改"}
_LABELS_EN["clock"] = {"sign": "Sign", "handle": "Handle", "return_window": "Return window",
                       "follow_up": "Follow-up", "extension": "Extension",
                       "rectification": "Rectification"}
_LABELS_ZH["limit_unit"] = {"workday": "工作日", "hour": "小时", "minute": "分钟"}
_LABELS_EN["limit_unit"] = {"workday": "working days", "hour": "hours", "minute": "minutes"}
_LABELS_EN["action"].update(i18n_feedback.ACTION_EN)
# The notification outbox (通知发送) on the admin page
_LABELS_ZH["notify_status"] = {"pending": "待发送", "sent": "已发送",
                               "skipped": "未发送（通道未配置）", "failed": "发送失败"}
_LABELS_EN["notify_status"] = {"pending": "Waiting", "sent": "Sent",
                               "skipped": "Not sent (no channel)", "failed": "Failed"}
_LABELS_ZH["notify_channel"] = {"sms": "短信", "email": "电子邮件", "webhook": "Webhook"}
_LABELS_EN["notify_channel"] = {"sms": "SMS", "email": "E-mail", "webhook": "Webhook"}
_LABELS_ZH["notify_kind"] = {
    "requester_notice": "诉求人通知", "deadline_warning": "时限预警",
    "rectification_warning": "整改时限预警", "survey": "满意度评价邀请",
    "policy_match": "政策匹配通知", "unit_decision": "审核意见与重办通知",
    "unit_dispatch": "派单通知", "hotspot_alert": "热点预警"}
_LABELS_EN["notify_kind"] = {
    "requester_notice": "Requester notice", "deadline_warning": "Deadline warning",
    "rectification_warning": "Rectification deadline warning", "survey": "Rating invitation",
    "policy_match": "Policy match", "unit_decision": "Decision or reopening",
    "unit_dispatch": "Dispatch notice", "hotspot_alert": "Hotspot warning"}
# The public timeline says what happened ("Dispatched"), where "action" names a button
# ("Dispatch"); Chinese uses the action labels for both (派单, 签收), so only English is here.
_LABELS_EN["step"] = {
    "register": "Registered", "answer_directly": "Answered directly",
    "resolve_on_site": "Resolved on the spot", "dispatch": "Sent to the handling unit",
    "sign": "Accepted by the unit", "contact": "The unit contacted the requester",
    "reply": "The unit replied", "follow_up": "Followed up", "reopen": "Reopened",
    "approve_extension": "Deadline extended",
    "merged_in": "An appeal about the same problem was merged in",
    "add_info": "Information added", "rated": "Rated by the requester",
    **i18n_public.STEP_EN, **i18n_feedback.STEP_EN}

EN: dict[str, str] = {
    # layout
    "接诉即办": "Responding to Appeals",
    "12345 政务服务便民热线": "12345 Public Service Hotline",
    "首页": "Home", "我要反映": "Submit", "查询办理进度": "Track", "诉求公示": "Disclosure board",
    "公开统计": "Open statistics", "工作人员登录": "Staff login", "退出": "Log out",
    "主要内容": "Main content", "跳到主要内容": "Skip to main content",
    "本站所有诉求公示内容均已隐去个人信息。": "All personal data is removed from public pages.",
    "语言": "Language",
    # home
    "有事找12345，接诉即办": "Call 12345 — we act the moment you ask",
    "遇到困难、发现问题、有意见建议，都可以在这里反映。我们会派给负责的单位，并按时限办理、回访。":
        "Tell us about a problem, a request or an idea. We send it to the unit in charge, "
        "hold it to a deadline and call you back.",
    "提交新诉求": "Submit a new appeal", "用编号和手机号查询": "Track with code and phone",
    "看看别人反映的问题和办理结果": "See what others raised and how it was handled",
    "数字看办理": "The figures", "近30天受理": "Received, last 30 days",
    "近30天办结": "Closed, last 30 days", "满意率": "Satisfaction rate",
    "紧急情况请直接拨打 110、119、120。": "In an emergency call 110, 119 or 120.",
    # submit
    "反映诉求": "Submit an appeal", "诉求类型": "Kind", "标题（选填）": "Title (optional)",
    "诉求内容": "What happened", "请写明时间、地点和具体情况": "When, where and what happened",
    "发生地点": "Location", "例如：城东区东湖街道阳光小区3号楼": "e.g. Building 3, Sunshine Estate",
    "您的称呼": "Your name", "手机号码": "Mobile phone",
    "用于查询进度和回访，不会公开": "For tracking and the call-back; never published",
    "照片（选填）": "Photo (optional)",
    "发生地点（选填）": "Location (optional)", "您的称呼（选填）": "Your name (optional)",
    "附上已上传的照片：{name}": "Attach the photo already uploaded: {name}",
    "另选照片将替换它": "Choosing another photo replaces it",
    "照片“{name}”未能上传，请重新选择":
        "The photo “{name}” was not uploaded; please choose it again",
    "支持 JPG、PNG、WEBP，最大 5MB": "JPG, PNG or WEBP, up to 5 MB",
    "保密：不在诉求公示中公开": "Confidential: do not show on the disclosure board",
    "事项分类": "Category", "请选择（可不选）": "Choose (optional)",
    "系统建议分类": "Suggested category", "点击采用": "click to use",
    "请选择“{name}”下的分类": "Choose a category within “{name}”",
    "显示全部分类": "Show all categories",
    "提交": "Submit", "提交成功": "Submitted", "您的诉求编号": "Your tracking code",
    "请记下编号。凭编号和手机号可随时查询办理进度、补充材料和评价。":
        "Keep this code. With it and your phone you can track, add information and rate.",
    "查看办理进度": "See progress",
    "举报类诉求和选择保密的诉求不会公示。": "Reports and confidential appeals are never published.",
    # track
    "查询诉求": "Track an appeal", "诉求编号": "Tracking code", "查询": "Look up",
    "提交诉求时填写的手机号码": "The mobile number you gave when you submitted",
    "提交时间": "Submitted",
    "情况可能很紧急：请立即拨打 {phones}，不要等待网上回复。":
        "This may be an emergency: call {phones} now, do not wait for an online reply.",
    "、": ", ", "共 {n} 条": "Total: {n}",
    "办理进度": "Progress", "当前状态": "Status", "承办单位": "Handling unit",
    "办理时限": "Due by", "答复": "Reply", "办理结果": "Result",
    "流转记录": "Timeline", "补充材料": "Add information", "补充内容": "Information to add",
    "本诉求已合并办理：补充的内容将转给合并后的诉求一并办理。":
        "This appeal was merged: what you add goes to the appeal it was merged into, to be "
        "handled with it.",
    "申请重办": "Ask to reopen", "重办理由": "Why it should be reopened",
    "评价": "Rate", "评价本次办理": "Rate this service", "您的评价": "Your rating",
    "评价说明（选填）": "Comment (optional)",
    "非常满意": "Very satisfied", "满意": "Satisfied", "基本满意": "Basically satisfied",
    "不满意": "Dissatisfied", "非常不满意": "Very dissatisfied",
    "评价功能即将上线": "Rating will be available soon",
    "感谢您的评价": "Thank you for your rating", "已补充": "Information added",
    "已提交重办申请": "Reopen request sent", "回访结果": "Follow-up result",
    # board
    "诉求公示栏": "Disclosure board", "搜索": "Search", "关键词": "Keywords",
    "全部状态": "All statuses", "受理时间": "Received", "状态": "Status", "类型": "Kind",
    "内容": "Content", "评价结果": "Rating", "暂无": "None yet",
    "上一页": "Previous", "下一页": "Next", "第": "Page", "页": "", "分页": "Pages",
    "列表较长，只显示前 {n} 条（{pages} 页）：请缩小范围查看其余的。":
        "A long list: only the first {n} are shown ({pages} pages). Narrow it down to see the "
        "rest.",
    "详情": "Details", "没有找到符合条件的诉求。": "No appeals match.",
    "公示内容已隐去姓名、电话、证件号、银行卡号、门牌号和具体到户的楼栋房号等个人信息；"
    "只写到楼栋的位置（如“阳光小区3号楼”）照常公示。":
        "Names, phone, ID and bank card numbers, street numbers and the building, unit and flat "
        "numbers of a home are removed; a place given only down to a building (such as Building 3 "
        "of an estate) is shown.",
    # stats
    "每日受理量": "Appeals per day", "类型分布": "By kind", "分类分布": "By category",
    "办结": "Closed", "受理": "Received", "下载 CSV": "Download CSV", "下载 JSON": "Download JSON",
    "开放数据": "Open data",
    "防篡改校验": "Tamper evidence",
    "最近一次锚定：{at}，覆盖第 {first}–{last} 号事件（{n} 条）。":
        "Last anchor: {at}, over events {first}–{last} ({n} events).",
    "其后新增 {n} 条事件，尚未锚定。": "{n} events since, not anchored yet.",
    "尚未生成锚点，{n} 条事件均未锚定。": "No anchor has been made yet: {n} events not anchored.",
    "上次答复": "Previous reply",
    "上次回访结果": "Previous follow-up result",
    "您的诉求已重新办理，承办单位正在再次处理；新的答复会在办理完毕后显示在这里。":
        "Your appeal has been reopened and is being handled again; the new reply will "
        "appear here when it is done.",
    "此诉求已重新办理，承办单位正在再次处理。":
        "This appeal has been reopened and is being handled again.",
    "无需登录，可自由下载和调用。诉求内容已隐去个人信息，举报和保密诉求不在其中。":
        "No login needed: download and use freely. Personal details are removed from the "
        "appeals, and reports and confidential appeals are left out.",
    "诉求明细": "Appeals",
    ("每件公开诉求一行：编号、登记时间、类型、分类、状态、承办单位、答复和回访满意度；"
     "可按日期（from、to）和分类（category）筛选。"):
        "One row per public appeal: code, time registered, kind, category, status, handling "
        "unit, reply and follow-up satisfaction; filter by date (from, to) and category.",
    "月度统计": "Monthly figures",
    "按月份、一级分类和诉求类型统计的受理、办理中、办结、不予受理和合并件数。":
        "Appeals received, in progress, closed, rejected and merged, by month, top-level "
        "category and kind.",
    "Open311 接口": "Open311 API",
    ("国际通用的 Open311 GeoReport v2 接口（JSON 和 XML）：服务目录和诉求查询；"
     "持 API 密钥可提交诉求。"):
        "The international Open311 GeoReport v2 API (JSON and XML): the services and the "
        "requests; with an API key, new requests can be sent.",
    "近30天": "Last 30 days", "数量": "Count", "日期": "Date", "件": "",
    "查看数据": "Show the figures", "受理量": "Received", "办结量": "Closed",
    # login
    "登录": "Log in", "用户名": "Username", "密码": "Password",
    "用户名或密码错误": "Wrong username or password", "已退出": "Logged out",
    # staff common
    "工作台": "Workbench", "编号": "Code", "标题": "Title", "紧急程度": "Urgency",
    "来源渠道": "Channel", "诉求人": "Requester", "联系电话": "Phone", "地址": "Address",
    "企业（涉企诉求）": "Enterprise (涉企诉求)", "企业": "Enterprise", "个人": "Resident",
    "热点正在计算，请稍后刷新本页": "Hotspots are being computed; reload this page shortly",
    "值班电话": "Duty phone",
    "回访问卷": "Follow-up questionnaire", "承办单位答复": "The unit's reply",
    "您反映的问题解决了吗？": "Was your problem solved?",
    "您对办理结果满意吗？": "Are you satisfied with the result?",
    "服务评价（可选）": "Rate the service (optional)", "不评价": "No rating",
    "意见和建议（可选）": "Comments and suggestions (optional)",
    "链接有效期至": "This link is valid until",
    "请选择是否解决和满意程度": "Please say whether it was solved and how satisfied you are",
    "感谢您的反馈，诉求已办结": "Thank you: the appeal is closed",
    "感谢您的反馈，诉求已退回承办单位重新办理":
        "Thank you: the appeal goes back to the unit to be handled again",
    "短信发送回访问卷": "Text the questionnaire",
    "已向诉求人发送回访问卷短信": "The questionnaire was texted to the requester",
    "签收、办理时限的黄牌预警和超期督办以短信发往承办单位的值班电话；单位未设置时，发往设置了值班电话的最近上级单位。留空保存即清除。":
        "Yellow warnings and overdue supervision of the sign and handling deadlines are texted "
        "to the handling unit's duty phone, or, when it has none, to the nearest unit above it "
        "that has one. Save it empty to clear it.",
    "值班电话应为 7–20 位数字": "The duty phone must be 7 to 20 digits",
    "登记时间": "Registered", "时限": "Due", "预警": "Warning", "操作": "Actions",
    "办理": "Open", "暂无待办": "Nothing to do", "建议": "Suggestion", "主办单位": "Lead unit",
    "改分类或紧急程度": "Change category or urgency",
    "其他单位（整张单位表在诉求页）": "Other units (the full list is on the appeal page)",
    "显示全部单位": "Show every unit",
    "已更正系统建议": "corrected the suggestion",
    "协办单位": "Co-units", "备注": "Note", "理由": "Reason", "确定": "Confirm",
    "诉求详情": "Appeal", "当前可执行的操作": "What you can do now", "版本": "Version",
    "督办级别": "Supervision", "退单申请": "Return requests", "延期申请": "Extension requests",
    "答复审核": "Reply review", "保密": "Confidential", "照片": "Photo",
    "系统建议": "Suggestions", "可能重复": "Possible duplicates", "超期": "Overdue",
    "参考 {p}": "uncertain, {p}",
    "（已定分类）": "(category set)",
    "系统建议：{unit}（参考 {p}），把握不足，未预选，请选择主办单位":
        "Suggested: {unit} (uncertain, {p}), not preselected: choose the lead unit",
    "即将到期": "Due soon", "操作成功": "Done", "返回列表": "Back to list",
    "天": "days", "每页": "per page",
    "当前没有网络连接，未提交。已填写的内容仍在本页，恢复网络后请再点提交。":
        "No network connection: nothing was sent. What you typed is still here; send it "
        "again once you are back online.",
    "等待派单员审核；审核前不能答复。":
        "Waiting for the dispatcher's decision; no reply can be sent before it.",
    # a co-unit (协办) reads the appeal; the lead unit acts on it
    "本单位协办": "Assisting",
    # a 精准帮扶 liaison follows the appeals of the enterprises it looks after
    "帮扶企业诉求": "My enterprises' appeals", "帮扶企业": "Enterprise I support",
    "所帮扶的企业暂无诉求": "No appeals from the enterprises you support",
    "协办（待主办单位签收）": "Assisting (waiting for the lead unit to sign)",
    "协办诉求": "Assisting on",
    # past `max_extensions` only an administrator approves an extension (its own queue)
    "须管理员审批": "Administrator to approve",
    "须管理员审批的延期申请": "Extensions for an administrator to approve",
    "有 {n} 条延期申请已超过可延期次数，须由管理员审批。":
        "{n} extension request(s) are past the allowed extensions and wait for an "
        "administrator's approval.",
    "去审批": "Review them",
    "以下诉求的延期次数已达上限（每件最多 {max} 次），再次延期须由管理员审批。":
        "These appeals have been extended as often as allowed (at most {max} per appeal): "
        "only an administrator can grant another extension.",
    "该诉求已延期 {n} 次（每件最多 {max} 次），再次申请须由管理员审批，派单员不能批准。":
        "This appeal has been extended {n} time(s) (at most {max} per appeal): another "
        "extension needs an administrator's approval; a dispatcher cannot grant it.",
    "按本市规定，延期申请须由管理员审批，派单员不能批准。":
        "Here an extension needs an administrator's approval; a dispatcher cannot grant it.",
    "该诉求已延期 {n} 次（每件最多 {max} 次），再次延期须由管理员批准。":
        "This appeal has been extended {n} time(s) (at most {max} per appeal): only an "
        "administrator can grant another extension.",
    "本单位为协办单位，请配合主办单位（{unit}）办理；签收、答复、退单和延期由主办单位办理；"
    "本单位的意见请以协办意见发给主办单位。":
        "Your unit assists on this appeal: help the lead unit ({unit}), which signs, replies "
        "and asks for a return or an extension; send it your unit's view as a co-unit opinion.",
    "协办意见": "Co-unit opinion",
    "发给主办单位，显示在其待办列表和诉求页面上。":
        "Sent to the lead unit, shown in its inbox and on the appeal page.",
    "收到协办意见": "A co-unit sent its opinion",
    "请结合协办意见办理": "please take it into account",
    # operator
    "来电登记": "Register a call", "来电号码": "Caller's phone",
    "该号码的历史诉求": "Earlier appeals from this number", "无历史诉求": "No earlier appeals",
    "直接答复（咨询类，知识库已解答）": "Answer directly (consultation answered now)",
    "答复内容": "Answer", "登记并保存": "Register", "快捷键": "Shortcuts",
    "Ctrl+Enter 提交，Alt+1…6 选择诉求类型": "Ctrl+Enter submits, Alt+1…6 picks the kind",
    "已登记，编号": "Registered, code", "紧急提示": "Urgent",
    # dispatcher
    "派单队列": "Dispatch queue", "派单": "Dispatch", "不予受理": "Reject", "合并到": "Merge into",
    "目标编号": "Target code", "合并": "Merge", "同意": "Approve", "驳回": "Deny",
    "退单理由": "Return reason", "申请天数": "Days asked", "延期理由": "Extension reason",
    # a dispatcher's decision on the unit's work (domain.notices.UNIT_DECISIONS), as the
    # unit's inbox and appeal page say it
    "退单申请未获同意": "The request to return was denied",
    "延期申请未获同意": "The extension was denied",
    "答复被退回": "The reply was sent back",
    "延期申请部分批准": "The extension was partly approved",
    "已转重办": "Reopened",
    "经回访已转重办": "Reopened after the follow-up",
    "收到督办": "A supervisor pressed it",
    "收到补充信息": "More information came in", "请一并办理": "please take it into account",
    "补充情况": "Added information",
    "请加快办理，按时办结": "please speed it up and finish it on time",
    "诉求人反映": "the requester said: ",
    "回访记录": "Follow-up notes",
    "请继续办理": "please go on handling it",
    "请在原办理时限内办结": "please finish it by the current deadline",
    "请在新的办理时限内办结": "please finish it by the new deadline",
    "请重新办理后再答复": "please handle it again and reply",
    "请配合主办单位重新办理": "please help the lead unit handle it again",
    "部分批准理由": "Why fewer days are granted",
    "申请 {asked} 个工作日，批准 {granted} 个工作日":
        "{asked} working days asked, {granted} granted",
    "申请 {n} 个工作日": "{n} working days asked",
    "批准工作日数": "Working days granted",
    "部分批准…": "Approve fewer days…", "确认部分批准": "Approve these days",
    "批准天数和理由将告知承办单位。": "The unit is told the days and the reason.",
    "批准天数少于申请天数时必填，将告知承办单位。":
        "Required when fewer days are granted than asked; the unit is told it.",
    "驳回…": "Deny…", "确认驳回": "Deny with this reason",
    "驳回理由将告知承办单位。": "The unit is told this reason.",
    "退回重新答复": "Send back",
    # handler
    "待办诉求": "Inbox", "待签收": "To sign", "办理中": "In progress", "已答复": "Replied",
    "仅列出最早到期的 {n} 条": "Only the {n} due first are listed",
    "签收": "Sign", "联系诉求人": "Contact requester",
    "联系方式": "Method", "电话": "Phone", "上门": "Visit", "短信": "SMS",
    "二次派单": "Sub-dispatch", "下级单位": "Sub-unit", "申请延期": "Ask for extension",
    "上次答复（已退回重办）": "Last reply (sent back for rework)",
    "延期工作日数": "Working days", "最多 {n} 个工作日": "At most {n} working days",
    "申请退单": "Ask to return", "无法解决的原因": "Why it cannot be solved",
    # follow-up
    "回访队列": "Follow-up queue", "回访": "Follow-up", "是否联系上": "Reached?",
    "已联系上": "Reached", "未联系上": "Not reached", "解决情况": "Resolved?",
    "满意度": "Satisfaction", "责任方": "Whose fault", "答复时间": "Replied",
    "回访时限": "Follow-up due", "签收时限": "Sign by", "退单时限": "Return by",
    "联系电话应为 7–20 位数字（手机或座机），用于回访":
        "The phone number must be 7 to 20 digits (mobile or landline): it is called back",
    "来电号码应为 7–20 位数字（手机或座机），用于回访":
        "The caller's number has 7 to 20 digits (mobile or landline): it is used to call back",
    "退回单位": "Returned by", "转重办": "sent back for rework", "第 {n} 次": "attempt {n}",
    "{n} 次": "{n} time(s)",
    "选填，可多选（手机上直接勾选；电脑上按住 Ctrl 或 ⌘ 逐个点选）":
        "Optional, several allowed (on a phone tick each; on a computer hold Ctrl or ⌘ and "
        "click each)",
    # one pending request on the appeal page (延期申请/退单申请 are the queues' plural tabs)
    "对整改满意": "satisfied with the rectification",
    "对整改不满意，单位须再次整改": "not satisfied: the unit must rectify again",
    "待审核的退单申请": "Return request waiting for review",
    "待审核的延期申请": "Extension request waiting for review",
    "未解决或不满意时：不选即为承办单位，诉求将转承办单位重办":
        "If unresolved or dissatisfied: none chosen means the unit, and it goes back to the "
        "unit to handle again",
    "已 {n} 次未联系上，满 {max} 次按未联系上办结":
        "Not reached {n} time(s) so far; after {max} it is closed as not reached",
    "已退单 {n} 次": "Returned {n} time(s)",
    "收回": "Taken back", "从 {below} 收回，由主办单位 {unit} 办理":
        "taken back from {below}: the lead unit {unit} handles it",
    "改派，原承办": "passed on elsewhere, before with", "（收回，由主办单位办理）":
        " (take back: the lead unit handles it)",
    "该诉求就在本单位办理，无需收回": "Your unit handles this appeal already: nothing to take back",
    "该诉求已由这个单位办理": "That unit handles this appeal already",
    "，最近 {at}": ", last at {at}", "再次拨打": "Call again", "{at} 以后": "after {at}",
    "{at} 以后；如已联系上，可随时记录回访结果":
        "after {at}; if you have reached them, record the result at any time",
    # supervisor
    "督办看板": "Supervision board", "超期诉求": "Overdue",
    "目前没有回访超期的诉求": "No follow-up is past its deadline", "红色预警": "Red warnings",
    "黄色预警": "Yellow warnings", "督办": "Supervise", "督办意见": "Supervision note",
    "回访超期": "Follow-up overdue", "回访即将到期": "Follow-up due soon",
    "目前没有超期未答复的诉求": "No appeal is past its handling deadline without a reply",
    "目前没有红色预警的诉求": "No appeal has a red warning",
    "目前没有黄色预警的诉求": "No appeal has a yellow warning",
    # analyst
    "数据看板": "Dashboard", "大屏": "Big screen", "新受理": "New", "在办": "Open",
    "办结率": "Closed share",
    "各单位办理情况": "By unit", "单位": "Unit", "总量": "Total", "受理量趋势": "Volume trend",
    "近7天": "Last 7 days", "前7天": "Previous 7 days", "变化": "Change",
    "分类趋势（近7天与前7天）": "Category trend (last 7 days vs the 7 before)",
    "按本市时间的自然日：近7天为 {this_first} 至 {this_last}（含今天），前7天为 {before_first} 至 "
    "{before_last}。": "Calendar days, city time: the last 7 days are {this_first} to {this_last} "
    "(today included), the 7 before {before_first} to {before_last}.",
    "近30天暂无诉求": "No appeals in the last 30 days",
    # the one window of every 30-day figure (jiesu.web.stats.recent_days)
    "近30天：按本市时间，自 {first} 零时至今，共30个自然日（含今天）。":
        "Last 30 days: from 00:00 on {first}, city time, until now — 30 calendar days, "
        "today included.",
    "满意率（回访数）": "Satisfaction rate (follow-ups)",
    # the 通报's 超期清单: what happened (jiesu.store.kpi_queries.accountability_items)
    "逾期答复": "Replied late", "逾期签收": "Signed late", "超期未答复": "Overdue, not replied yet",
    "本月尚未结束：以下数据截至 {at}，不是全月数据。":
        "The month is not over: the figures below are as of {at}, not the whole month's.",
    "近30天暂无回访满意度": "No follow-up satisfaction in the last 30 days",
    "按主办单位汇总，含下级单位。总量、在办、办结和未联系上为近30天受理的诉求；"
    "满意率为近30天办结的诉求（口径同上）；"
    "超期为目前所有超期未答复的诉求，不限受理时间。未联系上：回访未联系上诉求人而办结。":
        "By lead unit, with the units below it. Total, open, closed and not reached count "
        "the appeals received in the last 30 days; the satisfaction rate counts those closed "
        "in the last 30 days (as above); overdue counts every appeal now past its handling "
        "deadline without a reply, whenever it was received. Not reached: closed because "
        "the follow-up could not reach the requester.",
    # the dashboard's 满意率 is the KPI's (kpi_queries.satisfaction_statement), over 30 days
    "满意率与月度通报、本单位考核同一口径，只是统计近30天而非自然月：近30天办结且回访联系上"
    "诉求人的诉求，（满意 + {w}×基本满意）÷ 回访数；重办中和回访未联系上的诉求不计。":
        "Satisfaction rate as in the monthly report and the unit KPI page, over the last 30 "
        "days instead of a calendar month: appeals closed in the last 30 days whose "
        "follow-up reached the requester, (satisfied + {w} × basically satisfied) ÷ those "
        "follow-ups; appeals being reworked and those whose follow-up reached nobody do not "
        "count.",
    # hotspots (热点预警)
    "热点预警": "Hotspots", "近 {n} 天": "last {n} days", "查看全部": "See all",
    "同一区域、相似内容的诉求聚在一起，按热度排序：诉求人越多、增长越快、不满意越多，热度越高。":
        "Similar appeals from one area, grouped and hottest first: the more people behind "
        "one, the faster it grows and the more dissatisfaction, the hotter it is.",
    "热度": "Heat", "未定位区域": "Area not located", "诉求量": "Appeals",
    "诉求人数": "Requesters", "增长": "Growth", "相关诉求": "Appeals", "共 {n} 件": "{n} in all",
    "已转为治理任务": "Governance task", "交办意见": "Instructions",
    "转为治理任务": "Make a governance task", "暂无热点": "No hotspots",
    "已于 {at} 短信预警": "Warned by text message at {at}",
    "您的角色无权把热点转为治理任务": "Your role may not turn a hotspot into a governance task",
    "热点已变化，请刷新后重试": "The hotspot has changed: reload the page and try again",
    "请指定主办单位": "Choose the lead unit",
    # admin
    "系统管理": "Administration", "单位树": "Unit tree", "用户与角色": "Users and roles",
    "分类导入": "Taxonomy import", "时限规则": "SLA policies", "工作日历": "Calendar",
    "系统设置": "Settings", "新增单位": "Add unit", "单位编码": "Unit code",
    "单位名称": "Unit name", "上级单位编码": "Parent unit code", "单位类别": "Unit group",
    "新增用户": "Add user", "显示名称": "Display name", "角色": "Role", "所属单位": "Unit",
    "输入名称或编码查找": "Type a name or code to find it",
    "单位较多，只列出前 {n} 个单位（上级单位在前）。":
        "Too many units: only the first {n} are listed (the upper levels first).",
    "下级单位较多，只列出前 {n} 个下级单位（上级单位在前）。":
        "Too many units below: only the first {n} are listed (the upper levels first).",
    "单位较多，请输入单位编码（可按名称或编码查找）。":
        "Too many units to list: type the unit's code (find it by name or code).",
    "上传分类文件（CSV：level1,level2,level3）": "Upload taxonomy (CSV: level1,level2,level3)",
    "导入": "Import", "时钟": "Clock", "时长": "Amount", "计量": "Unit of time",
    "全部": "Any", "保存": "Save", "删除": "Delete", "已导入年份": "Loaded years",
    "来源": "Source", "导入时间": "Loaded at", "导入日历": "Load calendar", "年份": "Year",
    "设置项": "Setting", "值": "Value", "分类": "Categories", "用户": "Users",
    "智能受理": "Intake intelligence",
    "保存后本进程立即生效，其他服务进程在一分钟内生效。内容有误时不作任何修改。":
        "Changes apply at once in this process and within a minute in other server "
        "processes. Input with errors changes nothing.",
    "派单路由规则": "Routing rules",
    "分类 × 区域 → 承办单位，优先于历史数据的建议。":
        "Category × area → lead unit; takes precedence over what history suggests.",
    "分类填编码前缀，区域与单位填单位编码，留空表示全部。":
        "Category is a code prefix, area and unit are unit codes; blank means any.",
    "区域": "Area", "暂无规则": "No rules yet",
    "规则（CSV：category,area,unit）": "Rules (CSV: category,area,unit)",
    "或上传文件（CSV 或 JSON）": "Or upload a file (CSV or JSON)",
    "保存并替换": "Save and replace",
    "紧急规则": "Urgency rules",
    "命中关键词的诉求标为紧急或特急，并提示话务员转接 110/119/120。":
        "Appeals matching a keyword are marked urgent or emergency and the operator is told "
        "to transfer the caller to 110/119/120.",
    "当前": "In force", "自定义规则": "custom rules", "内置规则": "built-in rules",
    "名称": "Name", "转接": "Transfer to", "提示": "Message",
    "规则（JSON）": "Rules (JSON)",
    "或上传文件（JSON 或 TOML）": "Or upload a file (JSON or TOML)",
    "恢复内置规则": "Restore the built-in rules",
    "分类关键词": "Keywords per category",
    "尚无训练好的分类模型时，按关键词建议分类；未设置时使用内置的一级分类关键词。":
        "Until a classifier is trained, categories are suggested from these keywords; "
        "without any, built-in keywords of the first-level categories are used.",
    "未设置": "Not set",
    "关键词（CSV：category,keywords，关键词以 | 分隔）":
        "Keywords (CSV: category,keywords; keywords separated by |)",
    "地名表": "Gazetteer", "已导入": "Loaded", "对应单位": "Linked to units",
    "更新时间": "Updated", "未导入": "Not loaded",
    "编码不是单位编码的地名（定位时取其上级单位）":
        "Places whose code is not a unit code (their parent unit is used)",
    "上传地名表（CSV：code,name,level,parent_code,aliases）":
        "Upload a gazetteer (CSV: code,name,level,parent_code,aliases)",
    "上传并替换": "Upload and replace",
    "网格边界": "Grid polygons",
    "上传网格边界（GeoJSON，properties.code 为单位编码）":
        "Upload grid polygons (GeoJSON, properties.code is a unit code)",
    # admin: API keys and rule settings
    "API 密钥": "API keys", "新的 API 密钥": "New API key",
    "请立即复制并交给该客户端。密钥只显示这一次，系统只保存其摘要。":
        "Copy it now and give it to the client. The key is shown only this once; "
        "only its digest is stored.",
    "密钥": "Key", "为 Open311 客户端创建密钥": "Create a key for an Open311 client",
    "客户端名称": "Client name", "速率限制（次/分钟）": "Rate limit (requests/minute)",
    "创建": "Create", "密钥前缀": "Key prefix", "创建时间": "Created",
    "最近使用": "Last used", "从未使用": "Never", "有效": "Active",
    "通知发送": "Notifications", "通知发送记录": "Notification log",
    "短信、邮件和 Webhook 由定时任务发送；失败的会按 1、2、4…分钟重试，"
    "多次失败后记为发送失败。收件人已部分隐去。":
        "SMS, e-mail and webhooks are sent by the periodic jobs; a failure is retried after 1, "
        "2, 4 … minutes and marked failed after the last attempt. Recipients are partly hidden.",
    "以下通道未配置发送网关，其消息只写入日志、不会真正发出（记为“未发送”）：":
        "These channels have no gateway configured: their messages are only logged, never "
        "sent (recorded as not sent): ",
    "请在部署设置中配置（JIESU_SMS_URL、JIESU_SMTP_HOST、JIESU_WEBHOOK_URL），见运维文档。":
        "Configure them in the deployment settings (JIESU_SMS_URL, JIESU_SMTP_HOST, "
        "JIESU_WEBHOOK_URL); see the operations guide.",
    "重发全部失败通知": "Send all failed messages again",
    "全部发送失败的通知将重新排队，下一轮定时任务按完整的重试次数发送。"
    "请先确认发送通道的配置已修正。":
        "Every failed message goes back in the queue and the next round of periodic jobs "
        "sends it with all its attempts. Mend the channel's configuration first.",
    "确认重发": "Send again now", "重发": "Send again", "通道": "Channel",
    "收件人": "Recipient", "尝试次数": "Attempts", "最近错误": "Last error",
    "下次尝试": "Next attempt", "暂无通知": "No messages yet",
    "没有需要重发的失败通知": "No failed messages to send again",
    "值班电话已保存": "Duty phone saved", "户数和常住人口已保存": "Households and population saved",
    "时限规则已删除": "Time-limit rule deleted",
    "已清除路由规则": "Routing rules removed",
    "已清除紧急规则": "Urgency rules reset to the built-in ones",
    "已清除地名表": "Gazetteer removed", "已清除网格边界": "Grid boundaries removed",
    "已清除分类关键词": "Category keywords removed",
    "已吊销": "Revoked", "吊销": "Revoke", "确认吊销": "Revoke now",
    "吊销后该客户端立即无法提交，且不能恢复。确定吊销？":
        "The client can no longer send anything, and this cannot be undone. Revoke?",
    "确认删除": "Delete now", "删除后按其余规则计算时限。确定删除？":
        "Deadlines will follow the remaining rules. Delete?", "页签": "Tabs",
    "还没有 API 密钥": "No API keys yet",
    "办理规则": "Handling rules",  # each rule's name: i18n_admin.RULE_LABELS_EN
    "无联系电话": "No phone",
    "记录无法回访": "Record: no follow-up possible",
    "没有可拨打的联系电话，无法电话回访：记录无法回访即按未联系上办结；已通过其他途径联系上的，点“回访”记录结果。":
        "No phone number to call back: recording that no follow-up is possible closes the "
        "appeal as not reached; if it was reached another way, record the result with "
        "“Follow up”.",
    "回访已超期，系统自动督办回访（承办单位已答复，不计入其督办）":
        "Follow-up overdue: the follow-up supervised automatically (the unit has replied; "
        "not counted against it)",
    "部署设置": "Deployment settings",
    "以下设置由环境变量给出，修改后需重启服务。":
        "These come from environment variables; restart the service after changing them.",
    # audit
    "诉求 {code} 的流转记录": "Events of appeal {code}", "暂无流转记录": "No events yet",
    "没有编号为 {code} 的诉求": "No appeal has the code {code}",
    "月度通报": "Monthly report", "返回工作台": "Back to work", "月份": "Month", "查看": "View",
    "来电人称呼": "Caller's name", "确认合并": "Merge now",
    "合并后本诉求不再单独办理，诉求人随目标诉求获知进展。":
        "Once merged, this appeal is no longer handled on its own; the requester follows the "
        "target appeal.",
    "最近的流转记录": "Latest events", "时间": "Time", "事件": "Event", "哈希": "Hash",
    # monthly report (通报); the XLSX download stays in Chinese, the official form
    "{city}12345接诉即办工作{period}通报": "{city} 12345 hotline: report for {period}",
    "下载 Excel（中文）": "Download Excel (Chinese)", "打印": "Print",
    "考核公式版本 {version}（响应 {response}%、解决 {resolution}%、满意 {satisfaction}%；"
    "基本满意按 {basic} 计）· 生成时间 {at}":
        "Scoring formula {version} (response {response}%, resolution {resolution}%, "
        "satisfaction {satisfaction}%; 'basically satisfied' counts {basic}) · generated {at}",
    "一、总体情况": "1. Overview", "二、分组排名": "2. Rankings by group",
    "四、各单位明细": "4. Figures by unit", "五、超期清单": "5. Overdue appeals",
    "六、差评清单": "6. Bad ratings",
    # a long list of the printable 通报 (a big city's month): the first ones, the XLSX has all
    "共 {n} 件，此处列出前 {shown} 件，完整清单见 Excel。":
        "{n} in all: the first {shown} are listed here; the Excel file lists them all.",
    "区": "Districts", "街道/乡镇": "Streets and towns", "市级部门": "City departments",
    "公共企业": "Public utilities", "本组暂无单位。": "No units in this group.",
    "排名": "Rank", "综合得分": "Score", "响应率": "Response rate", "解决率": "Resolution rate",
    "按时办结率": "On-time rate", "派单量": "Dispatched", "超期件数": "Overdue",
    "差评数": "Bad ratings", "退单率": "Return rate", "重办率": "Rework rate",
    "延期率": "Extension rate", "督办次数": "Supervisions", "红牌督办": "Red cards",
    "评价量": "Ratings", "统计周期": "Period", "考核公式版本": "Scoring formula",
    "应响应数": "Due a response", "回访数": "Followed up",
    "其中无联系电话": "of which: no phone",
    "其中热线直办": "of which: answered by the hotline directly", "应办结数": "Due to close",
    "各单位数据含其下级单位；“—”表示本期无相应诉求。":
        "Each unit's figures include its sub-units; “—” means no such appeals this period.",
    "承办人": "Handler", "情况": "What happened", "评价时间": "Rated at",
    "评价内容": "Rating", "本期无超期诉求。": "No overdue appeals this period.",
    "本期无差评。": "No bad ratings this period.",
    "请先登录后查看月度通报": "Please log in to see the monthly report",
    "这张表单已登记过另一件诉求，本次填写的内容尚未登记：请核对后再提交一次":
        "This form has already registered another appeal; what you entered now is not registered"
        " yet: check it and submit again",
    "您的角色无权查看月度通报": "Your role may not see the monthly report",
    "{year} 年的法定节假日安排尚未导入，涉及该年的办理时限暂按周一至周五计算并标记为“暂定”。":
        "The public holidays of {year} are not imported yet; deadlines in that year count "
        "Monday to Friday as working days for now and are marked provisional.",
    # admin: classifier models
    "分类模型": "Classifier models", "当前模型": "Active model",
    "首选分类的概率达到阈值时自动派单：无标题的诉求 {untitled}，有标题的诉求 {titled}。":
        "Appeals are dispatched automatically when the top category's probability reaches "
        "the threshold: {untitled} for appeals without a title, {titled} for those with one.",
    "尚未启用训练好的分类模型：按下方的分类关键词给出建议，不自动派单。":
        "No trained classifier is active: categories are suggested from the keywords below "
        "and nothing is dispatched automatically.",
    "训练时间": "Trained", "训练样本": "Training appeals",
    "准确率": "Accuracy", "自动派单覆盖率": "Auto-dispatch coverage",
    "阈值（无标题 / 有标题）": "Threshold (no title / title)", "使用中": "Active",
    "准确率与覆盖率来自训练数据上的交叉验证；阈值使自动派单的准确率不低于 97%。":
        "Accuracy and coverage come from cross-validation on the training data; the "
        "thresholds keep automatic dispatch at least 97 % right.",
    "启用后本进程立即使用，其他服务进程在一分钟内使用。训练在命令行中进行：":
        "An activated model is used at once by this process and within a minute by the "
        "others. Models are trained on the command line: ",
    "已启用所选模型": "The chosen model is now active",
    "启用": "Activate",
    "没有这个模型版本，请刷新页面后重试": "There is no such model version; reload the page",
    # errors a resident can meet on the public pages (the domain's messages)
    "请填写正确的手机号码，用于查询进度和回访":
        "Enter a valid phone number: it is how you track the appeal and how we call you back",
    "请选择诉求类型": "Choose what kind of appeal this is",
    "诉求内容不能为空": "Describe the problem or request",
    "照片不能超过 5MB": "The photo can be at most 5 MB",
    "照片须为 JPG、PNG 或 WEBP 格式": "The photo must be a JPG, PNG or WEBP file",
    "诉求不存在": "There is no such appeal",
    "该诉求不存在或不予公示": "There is no such appeal, or it is not published",
    "诉求编号或联系电话不正确": "The code or phone number is not right",
    "只有诉求人本人可以评价": "Only the person who made the appeal can rate it",
    "只有诉求人本人可以执行此操作": "Only the person who made the appeal can do this",
    "诉求答复后才能评价": "You can rate the appeal once it has been answered",
    "该诉求没有承办单位，无需评价": "No unit handled this appeal, so there is nothing to rate",
    "您已评价过该诉求，每件诉求只能评价一次":
        "You have already rated this appeal; each appeal can be rated once",
    "评价等级须为 1 到 5 星": "Choose from 1 to 5 stars",
    "请选择评价星级": "Please choose a star rating",
    "退回意见": "Why the answer was sent back",
    "驳回理由": "Reason for denial",
    # errors staff meet (the domain's and services' fixed messages)
    "该诉求不属于您所在单位办理": "This appeal is not handled by your unit",
    "本单位经上级单位二次派单承办，不能向12345退单；如不属于本单位职责，请联系上级单位改派":
        "Your unit was passed this appeal by the unit above it and cannot return it to 12345; "
        "if it is not your unit's to handle, ask that unit to pass it on elsewhere",
    "本单位为该诉求的协办单位，签收、答复等由主办单位办理":
        "Your unit assists on this appeal: the lead unit signs and replies",
    "只有咨询类诉求可以直接答复": "Only consultations can be answered directly",
    "请选择不予受理的理由": "Choose why the appeal is rejected",
    "不能合并到自身": "An appeal cannot be merged into itself",
    "协办单位必须是单位编号": "Assisting units must be unit ids",
    "主办单位不能同时作为协办单位": "The lead unit cannot also assist",
    "协办单位重复": "An assisting unit is listed twice",
    "二次派单只能派给本单位的下级单位": "Sub-dispatch can only go to a unit below yours",
    "二次派单只能派给主办单位的下级单位":
        "Sub-dispatch can only go to a unit below the lead unit",
    "本单位承办该诉求，请直接办理；协办意见由协办单位提交":
        "Your unit handles this appeal: act on it; co-unit opinions come from the co-units",
    "只有该诉求的协办单位可以提交协办意见":
        "Only a co-unit of this appeal can send a co-unit opinion",
    "已有待审核的退单申请": "A request to return is already waiting for review",
    "已超过退单时限，不能退单": "The time to return this appeal has passed",
    "没有待审核的退单申请": "There is no request to return waiting for review",
    "已有待审核的延期申请": "A request for an extension is already waiting for review",
    "已超过办理时限，不能申请延期": "The deadline has passed: an extension can no longer be asked",
    "没有待审核的延期申请": "There is no request for an extension waiting for review",
    "批准的延期天数不能超过申请的天数": "The days approved cannot exceed the days asked for",
    "答复“无法解决”时须说明原因": "Say why when the answer is “cannot be solved”",
    "该诉求有待审核的退单申请，请等派单员处理后再答复":
        "A request to return this appeal is waiting: answer after the dispatcher has decided",
    "重办去向只能是 in_progress 或 registered": "Reopen to in_progress or registered only",
    "该诉求没有承办单位，只能退回待派单": "No unit handled this appeal: it can only go back "
                                        "to the dispatch queue",
    "督办级别须为 remind、yellow 或 red": "The supervision level must be remind, yellow or red",
    "默认评价期限须至少 1 天": "The rating window must be at least 1 day",
    "只能对差评提出申诉": "Only a bad rating can be appealed",
    "该评价已被剔除": "This rating has already been excluded",
    "该评价已有待审核的申诉": "An appeal against this rating is already waiting for review",
    "该评价已申诉过且申诉已被驳回，每条评价只能申诉一次":
        "This rating was appealed and the appeal was denied: a rating can be appealed only once",
    "该申诉已审核": "This appeal against a rating has already been decided",
    "该差评的申诉正在审核中，申诉审核后才能公示整改结果":
        "An appeal against this bad rating is waiting for review: the rectification can be "
        "published once it is decided",
    "该申诉已由其他审核人审核，请刷新后查看审核结果":
        "Another reviewer has just decided this appeal against a rating: reload to see the "
        "decision",
    "整改结果已公示，不能再对该评价提出申诉":
        "The rectification result has been published: this rating can no longer be appealed",
    "该整改已由他人处理，请刷新后查看":
        "Someone else has just taken this rectification a step further: reload to see it",
    "页面已过期或来源不明，请刷新页面后重新提交":
        "The page has expired or came from elsewhere: reload it and submit again",
    "本站须通过 HTTPS 访问：请改用 https:// 开头的地址打开本页，再重新提交":
        "This site must be used over HTTPS: open this page at its https:// address and submit "
        "again",
    "您的角色无权打开此页面": "Your role may not open this page",
    "登记冲突，请重试": "Registration clashed with another: try again",
    "该诉求已被其他人修改，请刷新后重试":
        "Someone else changed this appeal: reload the page and try again",
    "请指定合并目标诉求": "Choose the appeal to merge into",
    "只能合并到未办结的诉求": "Appeals can only be merged into one that is still open",
    "只有已合并的诉求可以把补充转给所合并的诉求":
        "Only a merged appeal passes added information on to the appeal it was merged into",
    "只有已答复待回访的诉求可以发送回访问卷":
        "A follow-up questionnaire can only be sent for an answered appeal",
    "该诉求没有诉求人联系电话，无法发送问卷":
        "The appeal has no phone number: no questionnaire can be sent",
    "问卷链接无效": "This questionnaire link is not valid",
    "该问卷已提交过，感谢您的反馈": "This questionnaire was already answered. Thank you",
    "问卷链接已过期": "This questionnaire link has expired",
    "该诉求已完成回访": "This appeal has already been followed up",
    "该诉求已重新办理，此问卷链接已失效；新的答复将另行回访":
        "This appeal has been handled again, so this questionnaire link no longer applies; "
        "you will be asked about the new reply separately",
    "附件不存在": "There is no such attachment",
    "登记请使用新建诉求接口": "Register through the new-appeal endpoint",
    "幂等键长度须为 1–128 个字符": "The idempotency key must be 1 to 128 characters",
    "服务事项编码和名称不能为空": "A service item needs a code and a name",
    # errors an administrator can meet (the admin service's and pages' fixed messages)
    "单位编码和名称不能为空": "A unit needs a code and a name",
    "事项分类最多三级": "Categories have at most three levels",
    "分类文件为空": "The category file is empty",
    "分类文件第一行须为表头，例如 level1,level2,level3":
        "The first line of the category file must be a header, such as level1,level2,level3",
    "分类名称不能为空": "A category needs a name",
    "分类刚被另一项操作修改，未作任何修改，请重试":
        "The categories were just changed by someone else; nothing was saved, try again",
    "分类编码只能由字母、数字和 . _ - 组成，最多 64 个字符":
        "A category code is letters, digits and . _ - only, at most 64 characters",
    "请选择时钟和计量单位": "Choose the clock and the unit of time",
    "时长须为数字": "The length must be a number",
    "时长须大于 0": "The length must be more than 0",
    "工作日时长须为整数": "A limit in working days must be a whole number",
    "延期不设时限规则：一次延期最多几个工作日，请在“系统设置 → 办理规则”的“单次延期最多天数”中修改":
        "Extensions have no time-limit rule: the most working days one extension may add is "
        "set under “Settings → Handling rules”, “Most days per extension”",
    "不起作用：延期天数由“系统设置 → 办理规则”的“单次延期最多天数”决定，可删除此规则":
        "Not in effect: the days of an extension are set under “Settings → Handling "
        "rules”, “Most days per extension”; this rule may be deleted",
    "整改时限适用于全部整改，不能按诉求类型、紧急程度、事项分类、单位或诉求人另设，请将这些项都选“全部”":
        "The rectification limit applies to every rectification: it cannot be set per type, "
        "urgency, category, unit or requester; choose “All” for each of them",
    "不起作用：整改时限适用于全部整改，不按诉求类型、紧急程度、事项分类、单位或诉求人区分，可删除此规则":
        "Not in effect: the rectification limit applies to every rectification, whatever the "
        "type, urgency, category, unit or requester; this rule may be deleted",
    "诉求人类型应为个人或企业": "The requester type must be resident or enterprise",
    "请选择分类文件": "Choose a category file",
    "分类文件不能超过 2MB": "The category file can be at most 2 MB",
    "文件不能超过 20MB": "The file can be at most 20 MB",
    "请选择文件或填写内容": "Choose a file or fill in the text",
    "未知的配置类型": "Unknown kind of setting",
    "系统繁忙，请稍后重试": "The system is busy: try again in a moment",
    "数值超出允许范围，或内容含有无法保存的字符":
        "A number is out of range, or the text has a character that cannot be stored",
    "所属区域": "Area", "建议承办单位": "Suggested unit", "属于热点": "Part of a hotspot",
    "（{n} 件诉求）": " ({n} appeals)",
    # buckets of the category charts and tables (web/stats.py)
    "其他": "Other", "未分类": "Uncategorised",
    # full-width punctuation between a translated label and a value
    "：": ": ", "。": ". ", "（": " (", "）": ")",
    # errors
    "出错了": "Something went wrong", "返回首页": "Back to home",
    "页面不存在": "Page not found", "没有权限": "Not allowed",
    "请求不正确": "Bad request", "请先登录": "Please log in", "不支持该操作": "Not supported",
    "操作冲突": "Conflict", "填写有误": "Please check what you entered", "系统繁忙": "Busy",
}

for _zh, _text in i18n_policies.EN.items():  # enterprises and policies (惠企政策)
    EN.setdefault(_zh, _text)
for _zh, _text in i18n_knowledge.EN.items():  # the knowledge base (知识库)
    EN.setdefault(_zh, _text)
for _zh, _text in i18n_grid.EN.items():  # a grid worker's pages (我的网格, 巡查上报)
    EN.setdefault(_zh, _text)
for _zh, _text in i18n_feedback.EN.items():  # 差评整改, 整改公示, 评价申诉
    EN.setdefault(_zh, _text)
for _zh, _text in i18n_population.EN.items():  # 户数, 常住人口 and 万人诉求比
    EN.setdefault(_zh, _text)
for _zh, _text in i18n_users.EN.items():  # 编辑用户, 停用/启用, 修改密码
    EN.setdefault(_zh, _text)
for _zh, _text in i18n_audit.EN.items():  # 审计链校验 on the auditor's and admin pages
    EN.setdefault(_zh, _text)
for _zh, _text in i18n_admin.EN.items():  # the calendar upload and the KPI weights tab
    EN.setdefault(_zh, _text)
for _zh, _text in i18n_public.EN.items():  # the resident's pages (不予受理的原因, 合并办理)
    EN.setdefault(_zh, _text)
for _zh, _text in i18n_privacy.EN.items():  # personal data erased (个人信息保存期限)
    EN.setdefault(_zh, _text)
for _zh, _text in i18n_unitkpi.EN.items():  # 本单位考核: a unit's 三率, rank and lost points
    EN.setdefault(_zh, _text)
for _zh, _text in i18n_ledger.EN.items():  # 诉求台账: the staff's filtered download
    EN.setdefault(_zh, _text)


def _from_zh(group: str) -> Callable[[str], str]:
    """English of a domain value quoted in Chinese inside a message (a status, role or action
    label of `_LABELS_ZH`); an unknown one stays as it is."""
    def en(zh: str) -> str:
        key = next((k for k, v in _LABELS_ZH[group].items() if v == zh), None)
        return _LABELS_EN[group].get(key, zh) if key else zh
    return en


def _en(zh: str) -> str:
    return EN.get(zh, zh)


# the deadline clocks of `jiesu.domain.appeal` (its _CLOCK_ZH), in the system's notes
_CLOCKS_EN = {"签收": "Signing", "办理": "Handling", "退单": "Return window",
              "回访": "Follow-up", "延期": "Extension", "整改": "Rectification"}

# what a "{noun} {id} 不存在" message names
_NOUNS_EN = {
    "单位": "Unit", "承办单位": "Unit", "区域单位": "Area unit", "上级单位": "Parent unit",
    "主办单位": "Lead unit", "协办单位": "Assisting unit", "诉求": "Appeal",
    "合并目标诉求": "Appeal to merge into", "评价": "Rating", "申诉": "Rating appeal",
    "服务事项": "Service item", "时限规则": "Time-limit rule", "整改": "Rectification",
    "事项分类": "Category", "事项分类编码": "Category", "上级分类": "Parent category",
    "API 密钥": "API key", "考核公式版本": "KPI formula version", "用户": "User",
    "负责单位": "Owning unit", "发布单位": "Issuing unit", "所在区域": "Region",
}
_NOUN = "|".join(map(re.escape, _NOUNS_EN))
_TIME_UNITS_EN = {"个工作日": "working days", "小时": "hours", "分钟": "minutes"}

# what was done, in a flash after an action ("已派单：2026112600123"; `staff.done_message`)
_DONE_EN = {
    "登记": "Registered", "直接答复": "Answered directly", "就地解决": "Resolved on the spot",
    "不予受理": "Rejected", "合并": "Merged", "派单": "Dispatched", "签收": "Signed",
    "二次派单": "Sub-dispatched", "申请退单": "Return requested", "同意退单": "Return approved",
    "驳回退单(强制派单)": "Return denied (dispatch enforced)", "联系诉求人": "Contact recorded",
    "申请延期": "Extension requested", "同意延期": "Extension approved",
    "驳回延期": "Extension denied", "答复": "Replied", "退回重新答复": "Reply sent back",
    "回访": "Follow-up recorded", "重办": "Reopened", "督办": "Supervised",
    "补充": "Information added", "发送协办意见": "Co-unit opinion sent", "办理": "Done",
}

# (pattern over the Chinese message, English template, how each named group is translated)
_PATTERNS: list[tuple[re.Pattern[str], str, dict[str, Any]]] = [
    # the 通报's 差评清单: the stars, then the requester's own words (data, kept as written)
    (re.compile(r"(?P<n>[1-5]) 星：(?P<text>.*)", re.S), "{n} star(s): {text}", {}),
    # the code typed in the header's search box (诉求编号), not found
    (re.compile(r"没有编号为 (?P<code>.+) 的诉求"), "No appeal has the code {code}", {}),
    # a ranking or area group asked of the 万人诉求比 tab or the KPI API (before the generic
    # "X“v”无效，可选：…" of the policy forms, which keeps an unknown X in Chinese)
    (re.compile(r"单位分组“(?P<group>.*)”无效，可选：(?P<choices>.+)"),
     "The group “{group}” is not valid: choose one of {choices}",
     {"choices": lambda zh: zh.replace("、", ", ")}),
    (re.compile(r"诉求当前状态为“(?P<status>[^”]+)”，不能执行“(?P<action>[^”]+)”"),
     "The appeal is “{status}”: “{action}” cannot be done now",
     {"status": _from_zh("status"), "action": _from_zh("action")}),
    (re.compile(r"“(?P<role>[^”]+)”无权执行“(?P<action>[^”]+)”"),
     "{role}: not allowed to “{action}”", {"role": _from_zh("role"), "action": _from_zh("action")}),
    (re.compile(r"请填写(?P<label>[^，。]+)"), "Please fill in: {label}", {"label": _en}),
    (re.compile(r"请选择(?P<label>[^，。（]+)$"), "Please choose: {label}", {"label": _en}),
    (re.compile(r"(?P<label>[^，。]+)不能超过 (?P<n>\d+) 字"),
     "{label}: at most {n} characters", {"label": _en}),
    (re.compile(r"(?P<clock>签收|办理|退单|回访|延期|整改)已超期，系统自动督办"),
     "{clock} overdue: supervised automatically", {"clock": lambda zh: _CLOCKS_EN[zh]}),
    (re.compile(r"尝试次数过多，请 (?P<n>\d+) 分钟后再试"),
     "Too many attempts: please try again in {n} minutes", {}),
    (re.compile(r"提交过于频繁，请 (?P<n>\d+) 分钟后再试；情况紧急请直接拨打 12345 热线"),
     "Too many appeals sent in a short time: please try again in {n} minutes; if it is "
     "urgent, call the 12345 hotline", {}),
    (re.compile(r"评价过于频繁，请 (?P<n>\d+) 分钟后再试"),
     "Too many ratings in a short time: please try again in {n} minutes", {}),
    (re.compile(r"距上次回访未联系上不足 (?P<n>\d+) (?P<unit>小时|分钟)，请换个时间再打："
                r"(?P<at>[\d\- :]+) 后可再记录未联系上（联系上了可随时记录回访结果）"),
     "Less than {n} {unit} since the last call-back that reached nobody: call at another time,"
     " a call nobody answers can be recorded from {at} (one that reaches them, any time)",
     {"unit": {"小时": "hour(s)", "分钟": "minutes"}.__getitem__}),
    (re.compile(r"评价期限已过：办结后 (?P<n>\d+) 天内可评价（截至 (?P<at>[\d\- :]+)）"),
     "The time to rate has passed: an appeal can be rated within {n} days of its closing "
     "(until {at})", {}),
    (re.compile(r"该号码已评价过这项服务，(?P<at>[\d\- :]+) 后可再次评价"),
     "This phone has already rated this service; it can rate it again after {at}", {}),
    (re.compile(r"已超过 (?P<n>\d+) 天的重办申请期限"),
     "The {n} days in which an appeal can be reopened have passed", {}),
    (re.compile(rf"(?P<noun>{_NOUN}) (?P<id>\S+) 不存在"),
     "{noun} {id} does not exist", {"noun": _NOUNS_EN.__getitem__}),
    (re.compile(rf"(?P<noun>{_NOUN}) (?P<id>\S+) 不存在或(?P<tail>您无权查看|已停用)"),
     "{noun} {id} does not exist or {tail}",
     {"noun": _NOUNS_EN.__getitem__,
      "tail": {"您无权查看": "you may not see it", "已停用": "is disabled"}.__getitem__}),
    # an idempotency key sent again with another appeal (the operator's or grid worker's form
    # restored from the browser's cache and filled in again): refused, nothing registered
    (re.compile(r"幂等键 (?P<key>\S+) 已用于另一件诉求（编号 (?P<code>\S+)），"
                r"与本次提交的内容不同；本次提交未登记，请使用新的幂等键重新提交"),
     "The idempotency key {key} was used for another appeal ({code}) with a different text:"
     " this one was not registered; submit it again with a new key", {}),
    (re.compile(r"该热点已转为治理任务 (?P<code>\S+)"),
     "This hotspot is governance task {code} already", {}),
    (re.compile(r"已转为治理任务：(?P<code>\S+)"), "Made governance task {code}", {}),
    (re.compile(r"已添加单位：(?P<name>.+)"), "Unit added: {name}", {}),
    (re.compile(r"已添加用户：(?P<name>.+)"), "User added: {name}", {}),
    (re.compile(r"已将 (?P<n>\d+) 条失败的通知重新排队，下一轮定时任务将发送"),
     "{n} failed message(s) queued again: the next round of periodic jobs sends them", {}),
    (re.compile(r"热点预警转为治理任务，交办人：(?P<who>.+)"),
     "Hotspot made a governance task, asked by {who}", {}),
    (re.compile(r"时长不能超过 (?P<n>\d+) (?P<unit>个工作日|小时|分钟)"),
     "The length can be at most {n} {unit}", {"unit": _TIME_UNITS_EN.__getitem__}),
    # what a follow-up came to (`staff.follow_up_message`)
    (re.compile(r"未联系上（第 (?P<n>\d+) 次，满 (?P<max>\d+) 次按未联系上办结）：(?P<code>\d+)"),
     "Not reached (attempt {n}; after {max} it is closed as not reached): {code}", {}),
    (re.compile(r"第 (?P<n>\d+) 次未联系上，已按未联系上办结：(?P<code>\d+)"),
     "Not reached {n} times: closed as not reached: {code}", {}),
    (re.compile(r"无联系电话，已按无法回访办结：(?P<code>\d+)"),
     "No phone to call: closed as not reached (no follow-up possible): {code}", {}),
    (re.compile(r"已回访，转承办单位重办：(?P<code>\d+)"),
     "Follow-up recorded, back to the unit to handle again: {code}", {}),
    (re.compile(r"已回访并办结：(?P<code>\d+)"), "Follow-up recorded, closed: {code}", {}),
    # a 补充 to a merged appeal goes to the appeal it follows (or cannot: that one has ended)
    (re.compile(r"已补充，已转给合并后的诉求 (?P<code>\S+) 一并办理"),
     "Information added, and passed on to appeal {code}, which this one was merged into", {}),
    (re.compile(r"本诉求已合并到诉求 (?P<code>\S+) 一并办理，该诉求已结束办理，不能再补充；"
                r"如有新的情况，请重新反映诉求"),
     "This appeal was merged into appeal {code}, which has ended: information can no longer "
     "be added; for anything new, please submit a new appeal", {}),
    (re.compile(rf"已(?P<action>{'|'.join(map(re.escape, _DONE_EN))})：(?P<code>\d+)"),
     "{action}: {code}", {"action": _DONE_EN.__getitem__}),
]


def _by_pattern(message: str) -> str | None:
    return i18n_config.apply_patterns(_PATTERNS, message)


def gettext(lang: str, message: str, **kwargs: Any) -> str:
    if lang != "en":
        text = message
    elif message in EN:
        text = EN[message]
    else:
        # a message the domain formatted is complete: nothing is left to fill in
        # feedback before policies: theirs takes any "“role”无权…" and leaves the rest Chinese
        matched = (_by_pattern(message) or i18n_config.translate(message)
                   or i18n_feedback.translate(message) or i18n_policies.translate(message)
                   or i18n_knowledge.translate(message) or i18n_population.translate(message)
                   or i18n_audit.translate(message) or i18n_admin.translate(message)
                   or i18n_ledger.translate(message))
        if matched is not None:
            return matched
        text = message
    return text.format(**kwargs) if kwargs else text


def label(lang: str, group: str, value: Any) -> str:
    if value is None:
        return ""
    key = str(getattr(value, "value", value))
    table = _LABELS_EN if lang == "en" else _LABELS_ZH
    return table.get(group, {}).get(key, key)


def industry(lang: str, code: str) -> str:
    """An industry code with its most specific name in the page's language: "F52 零售业",
    "F52 Retail trade"."""
    name = i18n_policies.industry_en(code) if lang == "en" else enterprise.industry_name(code)
    return f"{code} {name}".strip()


def choices(lang: str, group: str) -> list[tuple[str, str]]:
    """(value, label) pairs of a domain vocabulary, in the domain's order."""
    return [(k, label(lang, group, k)) for k in _LABELS_ZH[group]]
