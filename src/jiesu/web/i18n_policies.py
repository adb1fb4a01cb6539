"""English of the enterprise and policy pages (企业库, 惠企政策, 政策直达): their labels, the
domain's value names, and the Chinese sentences the domain and the policy service build from
parts — a condition in words ("企业规模为 小型、微型"), a check, an error naming a row or a
code. `jiesu.web.i18n` merges these in; a value someone typed (a region or certification
name, a policy code) stays as written."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from jiesu.domain.enterprise import (
    DIVISIONS_EN,
    DIVISIONS_ZH,
    SECTIONS_EN,
    SECTIONS_ZH,
    SIZE_ZH,
    industry_name_en,
)
from jiesu.domain.policy import (
    FIELD_ZH,
    MATCH_ACTION_ZH,
    MATCH_STATUS_ZH,
    MODE_ZH,
    POLICY_STATUS_ZH,
)
from jiesu.web import i18n_config
from jiesu.web.policy_forms import OP_ZH

LABELS_ZH: dict[str, dict[str, str]] = {
    "size": {k.value: v for k, v in SIZE_ZH.items()},
    "policy_mode": {k.value: v for k, v in MODE_ZH.items()},
    "policy_status": {k.value: v for k, v in POLICY_STATUS_ZH.items()},
    "match_status": {k.value: v for k, v in MATCH_STATUS_ZH.items()},
    "policy_field": {k.value: v for k, v in FIELD_ZH.items()},
    "policy_op": {k.value: v for k, v in OP_ZH.items()},
    "section": dict(SECTIONS_ZH),
    "division": dict(DIVISIONS_ZH),
}

LABELS_EN: dict[str, dict[str, str]] = {
    "size": {"large": "Large", "medium": "Medium", "small": "Small", "micro": "Micro"},
    "policy_mode": {"apply": "On application", "auto": "Automatic (no application)"},
    "policy_status": {"draft": "Draft", "published": "Published", "withdrawn": "Withdrawn"},
    "match_status": {"eligible": "Eligible: apply", "applied": "Applied",
                     "approved": "Approved", "rejected": "Not approved",
                     "entitled": "Entitled: to be paid", "paid": "Paid", "lapsed": "Lapsed"},
    "policy_field": {"industry": "Industry", "size": "Size", "region": "Region",
                     "age_years": "Years since founding", "employees": "Employees",
                     "revenue": "Revenue", "assets": "Total assets",
                     "certifications": "Certifications", "tax_credit": "Tax credit grade"},
    "policy_op": {"in": "is one of", "not_in": "is none of", "gte": "at least",
                  "lte": "at most", "has_any": "has any of", "has_all": "has all of",
                  "has_none": "has none of"},
    "section": dict(SECTIONS_EN),
    "division": dict(DIVISIONS_EN),
}

EN: dict[str, str] = {
    # navigation and lists
    "惠企政策": "Support policies", "企业库": "Enterprises", "政策列表": "Policies",
    "申报审核": "Applications", "待兑现": "Payouts due",
    "政策精准直达 · 免申即享": "Matched to enterprises · paid without applying",
    "新建政策": "New policy", "修改政策": "Edit policy", "筛选": "Filter",
    "发布单位": "Issued by", "有效期": "Valid", "已兑现": "Paid", "元": "yuan",
    "暂无政策": "No policies yet",
    "企业较多，其余企业正在后台逐批匹配，符合条件的企业将陆续收到短信。":
        "There are many enterprises: the rest are being matched in the background, page by "
        "page, and those that qualify will be texted as they are found.",
    "企业已提交申报，等待发布单位审核。不通过时须写明理由。":
        "Enterprises have applied and wait for the issuing unit's decision. A rejection "
        "needs a reason.",
    "审核通过和免申即享的企业待兑现，按兑现期限排列，超期的在前并标红。":
        "Approved applications and automatic entitlements waiting to be paid, by due date: "
        "overdue ones first, in red.",
    # one match
    "兑现超期": "Payout overdue", "企业": "Enterprise", "匹配时间": "Matched",
    "申报时间": "Applied", "审核时间": "Decided", "兑现期限": "Pay by",
    "兑现时间": "Paid on", "兑现金额": "Amount paid", "应兑现金额": "Amount due",
    "凭证号": "Payment reference",
    "申报说明": "Application", "审核意见": "Decision note", "条件核对": "Conditions checked",
    "审核意见（不通过时必填）": "Decision note (required to reject)",
    "审核通过": "Approve", "不通过": "Reject", "兑现金额（元）": "Amount (yuan)",
    "登记兑现": "Record payout", "信息不全": "Not on file",
    # one policy
    "截至 {d}": "until {d}", "{d} 起": "from {d}", "长期有效": "No end date",
    "政策编号": "Policy code", "兑现方式": "How it is granted", "标准金额": "Standard amount",
    "兑现时限": "Time to pay", "{n} 个工作日": "{n} working days", "发布时间": "Published",
    "政策内容": "About the policy", "支持内容": "What it gives", "申报条件": "Conditions",
    "无条件限制：所有企业均符合": "No conditions: every enterprise qualifies",
    "修改": "Edit", "发布": "Publish", "撤回": "Withdraw",
    "发布后立即按条件匹配企业，并通知符合条件的企业。确定发布？":
        "Publishing matches the enterprises against the conditions at once and tells those "
        "that qualify. Publish?",
    "确认发布": "Yes, publish",
    "撤回后企业不能再申报，尚未申报的匹配失效；已通过的仍可兑现。确定撤回？":
        "After withdrawing, no one can apply and matches not applied for lapse; approved "
        "ones can still be paid. Withdraw?",
    "撤回理由": "Why it is withdrawn", "确认撤回": "Yes, withdraw",
    "匹配企业": "Matched enterprises", "暂无匹配企业": "No enterprise matched",
    # the policy form
    "政策名称": "Title", "标准金额（元）": "Standard amount (yuan)",
    "兑现时限（工作日）": "Time to pay (working days)", "开始日期": "From",
    "截止日期（最后一天）": "Until (last day)",
    "申报制：符合条件的企业提交申报，发布单位审核后兑现。免申即享：符合条件即自动兑现，无需申报。":
        "On application: qualifying enterprises apply and the issuing unit decides before "
        "paying. Automatic: qualifying enterprises are paid without applying.",
    "例如：一次性补贴 5 万元": "e.g. a one-off grant of 50,000 yuan",
    "申报条件（须全部满足）": "Conditions (all must hold)",
    "每行一个条件；不选条件项目的行不计入。多个值用逗号或顿号分隔。":
        "One condition per row; rows without a field are ignored. Separate several values "
        "with commas.",
    "条件项目": "Field", "（不使用）": "(not used)", "比较方式": "Comparison",
    "条件值": "Value", "怎么填": "How to fill it in",
    "成立年限、从业人员、营业收入、资产总额：用“不少于”或“不超过”，填一个数，如 2。":
        "Years since founding, employees, revenue, total assets: use “at least” or “at most” "
        "and one number, e.g. 2.",
    "所属行业、企业规模、所在区域、纳税信用等级：用“属于”或“不属于”。资质：用“具有其一”“同时具有”或“不具有”。":
        "Industry, size, region, tax credit grade: use “is one of” or “is none of”. "
        "Certifications: “has any of”, “has all of” or “has none of”.",
    "行业名称或代码，如 制造业、零售业、C、F52（前缀匹配）":
        "industry names (in Chinese) or codes such as C, F52 (prefixes)",
    "大型、中型、小型、微型": "large, medium, small, micro",
    "单位名称或编码，如 东城区": "unit names or codes",
    "A、B、M、C、D": "A, B, M, C, D",
    "资质名称，如 高新技术企业": "certification names",
    "新建的政策为草稿，发布后才匹配企业。":
        "A new policy is a draft: enterprises are matched once it is published.",
    "草稿保存后不匹配企业，发布后才匹配。":
        "A draft matches no enterprise when saved: enterprises are matched once it is published.",
    "此政策已发布：保存后立即按新的条件和有效期重新匹配全部企业，新符合条件的企业会收到短信，不再符合的“待申报”“待兑现”事项随即失效。":
        "This policy is published: saving matches every enterprise again at once against the "
        "new conditions and validity; enterprises that now qualify are texted, and the "
        "\u201cto apply\u201d and \u201cpayout due\u201d items of those that no longer "
        "qualify lapse.",
    "年": "years", "人": "people", "万元": "10,000 yuan",
    # enterprises
    "新增企业": "Add enterprise", "企业名称或统一社会信用代码": "Name or credit code",
    "统一社会信用代码": "Unified social credit code", "行业": "Industry",
    "所在区域": "Region", "帮扶联络人": "Liaison", "没有找到企业": "No enterprise found",
    "企业规模": "Size",
    "（企业申报，缺少测算所需数据）": " (declared: the figures to compute it are missing)",
    "（按统计上大中小微型企业划分办法测算）": " (computed by the official size thresholds)",
    "无法按划分办法测算": "Cannot be computed by the official thresholds",
    "请填写所属行业": "give the industry",
    "从业人员": "Employees", "营业收入（万元）": "Revenue (10,000 yuan)",
    "资产总额（万元）": "Total assets (10,000 yuan)", "成立日期": "Founded",
    "资质": "Certifications", "纳税信用等级": "Tax credit grade", "联系人": "Contact",
    "企业档案": "Profile", "企业名称": "Name", "行业代码": "Industry code",
    "所属行业（名称或代码）": "Industry (name or code)",
    "国民经济行业分类门类": "Industry sections (GB/T 4754)",
    "可填门类或大类名称（如 制造业、零售业），或代码：门类字母后可加 2–4 位大类、中类、小类代码，"
    "如 F52、I65；批发零售、交通运输、住宿餐饮、信息传输软件须写到大类，装卸搬运和仓储（G59）、"
    "房地产（K70）须写到中类（如 G592、K7020）才能测算规模。":
        "A section or division name (in Chinese), or the code: the "
        "section letter may be followed by 2–4 digits of the division, group and class, e.g. "
        "F52, I65; for trade, transport, accommodation and catering and IT the division is "
        "needed to compute the size, for handling and storage (G59) and real estate (K70) "
        "the group (e.g. G592, K7020).",
    "从业人员（人）": "Employees (people)",
    "申报规模（仅在缺少数据时使用）": "Declared size (used only when figures are missing)",
    "资质（多个用逗号或顿号分隔）": "Certifications (separate with commas)",
    "例如：高新技术企业、专精特新中小企业": "e.g. high-tech enterprise, specialised SME",
    "联系电话（企业凭此查询政策）": "Phone (the enterprise uses it to look up its policies)",
    "帮扶联络人（精准帮扶）": "Liaison (dedicated support)",
    "保存后按最新档案重新匹配所有在办政策。":
        "Saving matches the profile against every open policy again.",
    "匹配的政策": "Matched policies", "暂无匹配的政策": "No policy matched",
    "未匹配的在办政策": "Open policies not matched",
    "该企业未登记联系电话，无法查询其匹配情况，也收不到政策推送。":
        "No phone on file: its matches cannot be looked up and it gets no notices.",
    "已保存": "Saved",
    # public
    "企业服务": "For enterprises", "政策直达": "Policies for your enterprise",
    "输入统一社会信用代码和企业登记的联系电话，查看贵企业符合的惠企政策、申报进度和兑现情况。":
        "Enter your unified social credit code and the phone number on file to see the "
        "support policies your enterprise qualifies for, your applications and payouts.",
    "查看本次已查询的企业": "Back to the enterprise you looked up",
    "企业未登记、联系电话有变或信息有误，请拨打 12345 说明，我们会核实更新。":
        "Enterprise not on file, phone changed or details wrong? Call 12345 and we will "
        "check and update them.",
    "企业服务：查看贵企业符合的惠企政策、申报和兑现进度":
        "For enterprises: the support policies you qualify for, applications and payouts",
    "退出查询": "Done: forget this lookup", "贵企业符合的政策": "Policies you qualify for",
    "申报截止": "Apply by", "长期受理": "No closing date", "受理开始": "Opens on",
    "预计兑现期限": "To be paid by",
    "已提交申报，发布单位将在审核期限前审核，结果短信通知。":
        "Application sent: the issuing unit decides by the date shown and you will get the "
        "decision by text message.",
    "审核期限": "Decide by", "审核超期": "Decision overdue",
    "免申即享：无需申报，将直接兑现到企业账户。":
        "Automatic: no application needed, it will be paid to your enterprise.",
    "为什么符合": "Why you qualify",
    "简要说明企业情况和申请事项，联系人及方式":
        "Briefly: your enterprise, what you apply for, whom to contact",
    "提交申报": "Apply", "暂无符合条件的政策。": "No policy matches your enterprise yet.",
    "暂不符合的政策": "Open policies you do not qualify for yet",
    "以下政策正在受理，贵企业尚不满足打 ✗ 的条件；标“信息不全”的，是企业档案中缺少相应信息。"
    "如信息有误或已具备条件，请拨打 12345 更新企业信息。":
        "These policies are open. Your enterprise does not meet the conditions marked ✗; "
        "those marked “Not on file” are missing from your profile. If something is wrong "
        "or you now qualify, call 12345 to update your details.",
    "截止": "Until",
    "统一社会信用代码或联系电话不正确": "The credit code or phone number is not right",
    "请填写统一社会信用代码和联系电话": "Enter the credit code and the phone number",
    "已提交申报，请等待审核结果（短信通知）":
        "Application sent: you will get the decision by text message",
    # appeal page
    "涉企诉求": "Enterprise appeal", "未指定": "Not assigned",
    "来电号码与企业登记的联系电话一致": "called from the phone the enterprise has on file",
    "来电号码与企业登记的联系电话不同，请核实是否为该企业的诉求":
        "not from the phone the enterprise has on file: check that it is this enterprise's",
    "未在企业库中登记，请核实是否为该企业的诉求":
        "not in the enterprise register: check that it is this enterprise's",
    # raising an appeal in an enterprise's name (the public form, the operator's)
    "以企业名义反映经营中遇到的问题": "Report a problem your enterprise meets",
    "以企业名义反映：统一社会信用代码（选填）":
        "For an enterprise: its unified social credit code (optional)",
    "企业反映经营中遇到的问题时填写，按涉企诉求办理":
        "Give it when an enterprise reports a problem with its business: it is then handled "
        "as an enterprise appeal",
    "企业来电：统一社会信用代码（选填）":
        "Calling for an enterprise: its unified social credit code (optional)",
    "填写后按涉企诉求办理": "If given, the appeal is handled as an enterprise appeal",
    # flashes of the staff pages
    "已发布，符合条件的企业已匹配": "Published: qualifying enterprises are matched",
    "已撤回": "Withdrawn", "已审核：不通过": "Decided: not approved",
    "已审核通过": "Approved",
    "已登记兑现": "Payout recorded",
    # the domain's and the service's fixed messages
    "申报条件应为条件列表": "The conditions must be a list",
    "行业代码应为国民经济行业分类代码：门类字母加 0、2、3 或 4 位数字，如 C、F52、K7020":
        "An industry code is a GB/T 4754 code: the section letter and 0, 2, 3 or 4 digits, "
        "such as C, F52, K7020",
    "统一社会信用代码含有不允许的字符（第 3–8 位为行政区划数字，不使用 I、O、S、V、Z）":
        "The credit code has a character it cannot have (characters 3–8 are digits of the "
        "area code; I, O, S, V and Z are never used)",
    "统一社会信用代码校验位不正确，请核对是否输错":
        "The credit code's check character is wrong: check for a typing mistake",
    "纳税信用等级应为 A、B、M、C、D 之一": "The tax credit grade is one of A, B, M, C, D",
    "每项资质名称不超过 50 字": "Each certification is at most 50 characters",
    "资质最多 50 项": "At most 50 certifications",
    "兑现金额应为大于 0 的金额（以分计，不超过 10 亿元）":
        "The amount must be more than 0 (and at most 1 billion yuan)",
    "企业档案已被他人修改，请刷新后重试":
        "Someone else changed this profile: reload the page and try again",
    "政策已被他人修改，请刷新后重试":
        "Someone else changed this policy: reload the page and try again",
    "已撤回的政策不能修改": "A withdrawn policy cannot be changed",
    "已发布的政策不能更改申报方式（申报制/免申即享）":
        "A published policy cannot change how it is granted (on application / automatic)",
    "政策有效期已过，不能发布": "The policy's validity has ended: it cannot be published",
    "请填写撤回原因": "Say why the policy is withdrawn", "撤回原因": "Why it is withdrawn",
    "请填写申报内容": "Write your application", "申报内容": "Application",
    "该政策事项不存在": "There is no such policy item",
    "该政策已撤回，不能申报": "This policy was withdrawn: no more applications",
    "该政策申报期已结束": "Applications for this policy have closed",
    "审核不通过须填写原因": "Give the reason for rejecting",
    "审核意见不超过 2000 字": "The decision note is at most 2000 characters",
    "请填写兑现凭证号": "Enter the payment reference", "兑现凭证号": "Payment reference",
    "该事项已被他人处理，请刷新后重试":
        "Someone else dealt with this: reload the page and try again",
    "您的账号没有所属单位，无法查看": "Your account has no unit, so it cannot see this",
    "请填写企业名称": "Enter the enterprise's name",
    "请填写政策编号": "Enter the policy code", "请填写政策名称": "Enter the policy title",
    "成立日期不能晚于今天": "The founding date cannot be in the future",
    "联系电话格式不正确": "The phone number is not valid",
    "有效期开始日期不能晚于截止日期": "The start date cannot be after the last day",
    "兑现时限应为 1–250 个工作日": "The time to pay is 1 to 250 working days",
    "企业已不符合条件": "The enterprise no longer qualifies",
    "申报期已结束": "The application period ended", "政策已撤回": "The policy was withdrawn",
    # the pages' own messages
    "请选择发布单位": "Choose the issuing unit", "请选择兑现方式": "Choose how it is granted",
    "请选择审核通过或不通过": "Choose approve or reject",
    "请填写兑现金额": "Enter the amount paid",
}

_SIZE_EN = {zh: LABELS_EN["size"][k.value] for k, zh in SIZE_ZH.items()}
_FIELD_EN = {zh: LABELS_EN["policy_field"][k.value] for k, zh in FIELD_ZH.items()}
_FIELDS = "|".join(map(re.escape, FIELD_ZH.values()))
_STATUS_EN = {zh: LABELS_EN["match_status"][k.value] for k, zh in MATCH_STATUS_ZH.items()} | {
    zh: LABELS_EN["policy_status"][k.value] for k, zh in POLICY_STATUS_ZH.items()}
_ACTION_EN = {"apply": "apply", "approve": "approve", "reject": "reject", "pay": "pay",
              "lapse": "lapse"}
_MATCH_ACTION_EN = {zh: _ACTION_EN[k.value] for k, zh in MATCH_ACTION_ZH.items()}
_UNITS_EN = {"年": "years", "人": "people"}
# the rows of the size table (jiesu.domain.enterprise.SIZE_TABLE)
_SECTOR_EN = {
    "农、林、牧、渔业": "agriculture, forestry, animal husbandry and fishery",
    "工业": "industry", "建筑业": "construction", "批发业": "wholesale", "零售业": "retail",
    "交通运输业": "transport", "仓储业": "storage", "邮政业": "post",
    "住宿业": "accommodation", "餐饮业": "catering", "信息传输业": "information transmission",
    "软件和信息技术服务业": "software and IT services",
    "房地产开发经营": "real estate development", "物业管理": "property management",
    "租赁和商务服务业": "leasing and business services",
    "其他未列明行业": "other industries"}
_INDICATOR_EN = {"从业人员": "employees", "营业收入": "revenue", "资产总额": "total assets"}
# what "“…”无权…" and "…可以…" name (the service's `what`)
_WHAT_EN = {
    "维护企业档案": "maintain enterprise profiles", "查看企业档案": "see enterprise profiles",
    "维护惠企政策": "maintain support policies", "发布惠企政策": "publish support policies",
    "撤回惠企政策": "withdraw support policies", "查看惠企政策": "see support policies",
    "查看政策匹配": "see policy matches", "审核政策申报": "decide applications",
    "登记政策兑现": "record payouts",
}
_LABEL_EN = {"从业人员": "Employees", "营业收入（万元）": "Revenue (10,000 yuan)",
             "资产总额（万元）": "Total assets (10,000 yuan)", "营业收入": "Revenue",
             "资产总额": "Total assets", "企业规模": "Size", "匹配状态": "Match status",
             "政策状态": "Policy status", "申报方式": "How it is granted", "联系人": "Contact",
             "政策摘要": "About the policy", "支持内容": "What it gives",
             "标准金额": "Standard amount", "兑现金额": "Amount paid", "开始日期": "From",
             "截止日期": "Until", "成立日期": "Founded", "兑现时限": "Time to pay",
             "发布单位": "issuing unit", "所在区域": "region", "帮扶联络人": "liaison"}


def _list(convert: Callable[[str], str] = str) -> Callable[[str], str]:
    return lambda zh: ", ".join(convert(v) for v in zh.split("、"))


def _amount(zh: str) -> str:
    """"2 年" → "2 years"; "500 万元" → "5,000,000 yuan" (万元 is ten thousand yuan)."""
    number, unit = zh.split(" ")
    if unit == "万元":
        return f"{float(number) * 10_000:,.0f} yuan"
    return f"{number} {_UNITS_EN[unit]}"


def industry_en(code: str) -> str:
    """The English of the most specific name known for a code: "F52" → "Retail trade"."""
    return industry_name_en(code)


def _industries(zh: str) -> str:
    """"制造业（C）、零售业（F52）" → "Manufacturing (C), Retail trade (F52)"."""
    codes = re.findall(r"（([A-T]\d*)）", zh)
    return ", ".join(f"{industry_en(c) or c} ({c})" for c in codes)


def _field(zh: str) -> str:
    return _FIELD_EN.get(zh, zh)


def _label(zh: str) -> str:
    return _LABEL_EN.get(zh, zh)


def _role(zh: str) -> str:
    from jiesu.web import i18n  # that module merges this one in

    return i18n._from_zh("role")(zh)


_ROW = r"第 (?P<n>\d+) 条条件"
# (pattern over the whole Chinese message, English template, how each part is converted)
PATTERNS: list[tuple[re.Pattern[str], str, dict[str, Any]]] = [
    # a condition in words (jiesu.domain.policy.describe) and so each check
    (re.compile(rf"(?P<f>{_FIELDS})(?P<op>不少于|不超过) (?P<n>[\d.e+]+ (?:年|人|万元))"),
     "{f} {op} {n}", {"f": _field, "op": {"不少于": "at least", "不超过": "at most"}.get,
                      "n": _amount}),
    (re.compile(r"所属行业(?P<op>属于|不属于) (?P<v>.+（[A-T]\d*）)"), "Industry {op} {v}",
     {"op": {"属于": "is in", "不属于": "is not in"}.get, "v": _industries}),
    (re.compile(r"企业规模(?P<op>为|不为) (?P<v>.+)"), "Size {op} {v}",
     {"op": {"为": "is", "不为": "is not"}.get, "v": _list(lambda s: _SIZE_EN.get(s, s))}),
    (re.compile(rf"(?P<f>{_FIELDS})(?P<op>为|不为|属于|不属于) (?P<v>.+)"), "{f} {op} {v}",
     {"f": _field, "op": {"为": "is", "不为": "is not", "属于": "is in",
                          "不属于": "is not in"}.get, "v": _list()}),
    (re.compile(r"具有 (?P<v>.+) 之一"), "Has one of {v}", {"v": _list()}),
    (re.compile(r"同时具有 (?P<v>.+)"), "Has all of {v}", {"v": _list()}),
    (re.compile(r"不具有 (?P<v>.+)"), "Has none of {v}", {"v": _list()}),
    (re.compile(r"具有 (?P<v>.+)"), "Has {v}", {"v": _list()}),
    # a condition the editor or the domain refuses, naming its row
    (re.compile(rf"{_ROW}格式不正确"), "Condition {n} is not well formed", {}),
    (re.compile(rf"{_ROW}的条件项目无法识别"), "Condition {n}: unknown field", {}),
    (re.compile(rf"{_ROW}的比较方式无法识别"), "Condition {n}: unknown comparison", {}),
    (re.compile(rf"{_ROW}：“(?P<f>[^”]+)”不能用这种比较方式"),
     "Condition {n}: “{f}” cannot use this comparison", {"f": _field}),
    (re.compile(rf"{_ROW}：“(?P<f>[^”]+)”应为不小于 0 的数"),
     "Condition {n}: “{f}” must be a number of at least 0", {"f": _field}),
    (re.compile(rf"{_ROW}：“(?P<f>[^”]+)”应为数字"),
     "Condition {n}: “{f}” must be a number", {"f": _field}),
    (re.compile(rf"{_ROW}：请至少列出一项（最多 200 项）"),
     "Condition {n}: list at least one value (at most 200)", {}),
    (re.compile(rf"{_ROW}：区域应为单位编号"), "Condition {n}: regions must be unit ids", {}),
    (re.compile(rf"{_ROW}：企业规模应为 large/medium/small/micro"),
     "Condition {n}: the size must be large, medium, small or micro", {}),
    (re.compile(rf"{_ROW}：纳税信用等级应为 A、B、M、C、D"),
     "Condition {n}: the tax credit grade must be A, B, M, C or D", {}),
    (re.compile(rf"{_ROW}：资质名称应为 1–50 字"),
     "Condition {n}: a certification name is 1 to 50 characters", {}),
    (re.compile(rf"{_ROW}：请选择条件项目"), "Condition {n}: choose the field", {}),
    (re.compile(rf"{_ROW}：请填写“(?P<f>[^”]+)”的条件值"),
     "Condition {n}: give the value of “{f}”", {"f": _field}),
    (re.compile(rf"{_ROW}：区域“(?P<v>[^”]*)”不是单位名称或单位编码"),
     "Condition {n}: region “{v}” is not the name or code of a unit", {}),
    (re.compile(rf"{_ROW}：企业规模“(?P<v>[^”]*)”无法识别，请填大型、中型、小型或微型"),
     "Condition {n}: size “{v}” is unknown; write large, medium, small or micro", {}),
    (re.compile(r"“(?P<f>[^”]+)”的同一种条件写了两次，请合并为一条"),
     "The same condition on “{f}” is written twice: make it one", {"f": _field}),
    (re.compile(r"申报条件最多 (?P<n>\d+) 条"), "At most {n} conditions", {}),
    (re.compile(r"有效期截止日期 (?P<d>\d{4}-\d{2}-\d{2}) 已过，过期的政策不能发布："
                r"请填写今天或以后的日期"),
     "The last day {d} has passed, and an expired policy cannot be published: give today or a "
     "later date", {}),
    (re.compile(r"区域条件中的单位 (?P<ids>.+) 不存在"),
     "Units {ids} of a region condition do not exist", {"ids": _list()}),
    # why a size class cannot be computed (jiesu.domain.enterprise.size_missing)
    (re.compile(r"行业 (?P<c>\S+) 包含规模标准不同的行业，请写到下一级代码（如 F52、G592、K7020）"),
     "industry {c} spans rows of the size table with different thresholds: give the next "
     "level of the code (e.g. F52, G592, K7020)", {}),
    (re.compile(r"按“(?P<s>[^”]+)”的标准还须填写(?P<v>.+)"),
     "by the thresholds for {s}, also give {v}",
     {"s": lambda zh: _SECTOR_EN.get(zh, zh), "v": _list(lambda zh: _INDICATOR_EN.get(zh, zh))}),
    # codes and ids
    (re.compile(r"行业代码 (?P<c>\S+) 有误：大类 (?P<d>\d+) 不属于门类 (?P<s>[A-T])（[^）]+）"
                r"(?:，应为 (?P<r>\S+))?"),
     "Industry code {c} is wrong: division {d} is not in section {s}{r}",
     {"r": lambda r: f"; it should be {r}" if r else ""}),
    (re.compile(r"统一社会信用代码应为 18 位，现为 (?P<n>\d+) 位"),
     "A credit code has 18 characters; this one has {n}", {}),
    (re.compile(r"统一社会信用代码 (?P<c>\S+) 已登记（企业编号 (?P<id>\d+)）"),
     "Credit code {c} is on file already (enterprise {id})", {}),
    (re.compile(r"政策编号 (?P<c>.+) 已存在"), "Policy code {c} is taken", {}),
    (re.compile(r"(?P<what>企业|政策|政策匹配|发布单位) (?P<id>\S+) 不存在"),
     "{what} {id} does not exist",
     {"what": {"企业": "Enterprise", "政策": "Policy", "政策匹配": "Policy match",
               "发布单位": "Issuing unit"}.get}),
    (re.compile(r"帮扶联络人（用户 (?P<id>\d+)）不存在或已停用"),
     "Liaison (user {id}) does not exist or is disabled", {}),
    (re.compile(r"帮扶联络人应为承办人、网格员、派单员、督办员或管理员，"
                r"用户 (?P<id>\d+) 是(?P<r>.+)"),
     "The liaison must be a handler, grid worker, dispatcher, supervisor or administrator: "
     "user {id} is {r}", {"r": _role}),
    # state and rights
    (re.compile(r"该政策当前为“(?P<s>[^”]+)”，只有草稿可以发布"),
     "The policy is “{s}”: only a draft can be published", {"s": _STATUS_EN.get}),
    (re.compile(r"该政策当前为“(?P<s>[^”]+)”，只有已发布的政策可以撤回"),
     "The policy is “{s}”: only a published policy can be withdrawn", {"s": _STATUS_EN.get}),
    (re.compile(r"该政策事项当前为“(?P<s>[^”]+)”，不能(?P<a>.+)"),
     "This policy item is “{s}”: it cannot {a} now",
     {"s": _STATUS_EN.get, "a": lambda zh: _MATCH_ACTION_EN.get(zh, zh)}),
    (re.compile(r"该政策自 (?P<d>\S+) 起受理申报"), "Applications open on {d}", {}),
    (re.compile(r"“(?P<role>[^”]+)”无权(?P<what>.+)"), "{role}: not allowed to {what}",
     {"role": _role, "what": lambda zh: _WHAT_EN.get(zh, zh)}),
    (re.compile(r"只有政策发布单位的承办人或管理员可以(?P<what>.+)"),
     "Only handlers of the issuing unit or administrators may {what}",
     {"what": lambda zh: _WHAT_EN.get(zh, zh)}),
    # values
    (re.compile(r"(?P<l>.+)“(?P<v>[^”]*)”无效，可选：(?P<c>.+)"),
     "{l} “{v}” is not valid; choose from {c}", {"l": _label, "c": _list()}),
    (re.compile(r"内容不超过 (?P<n>\d+) 字"), "At most {n} characters", {}),
    (re.compile(r"(?P<l>.+)不超过 (?P<n>\d+) 字"), "{l}: at most {n} characters",
     {"l": _label}),
    (re.compile(r"(?P<l>.+)应为不小于 0 的整数"), "{l} must be a whole number of at least 0",
     {"l": _label}),
    (re.compile(r"(?P<l>.+)应为不小于 0 的数"), "{l} must be a number of at least 0",
     {"l": _label}),
    (re.compile(r"(?P<l>.+)应为以元计的金额，最多两位小数"),
     "{l} must be an amount in yuan with at most two decimals", {"l": _label}),
    (re.compile(r"(?P<l>.+)应为日期，如 2026-01-31"), "{l} must be a date such as 2026-01-31",
     {"l": _label}),
    (re.compile(r"(?P<l>.+)应为不大于 (?P<n>\d+) 的整数"),
     "{l} must be a whole number of at most {n}", {"l": _label}),
    (re.compile(r"请从列表中选择(?P<l>.+)"), "Choose the {l} from the list", {"l": _label}),
]


def translate(message: str) -> str | None:
    """English of a message of the enterprise and policy pages built from parts, or None."""
    return i18n_config.apply_patterns(PATTERNS, message)
