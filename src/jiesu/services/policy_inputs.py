"""What an administrator or an enterprise types about an enterprise profile or a support
policy (企业档案, 惠企政策), and its checks: the columns a row gets, or a clear refusal in
Chinese naming the field. Pure: no database, no clock (today is passed in)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from typing import Any

from jiesu.domain import appeal as dom
from jiesu.domain import enterprise as ent
from jiesu.domain import policy as pol
from jiesu.domain.errors import InvalidArguments


@dataclass
class EnterpriseInput:
    """An enterprise profile as an administrator enters it. Revenue and assets in 万元."""

    uscc: str
    name: str
    industry: str | None = None
    employees: int | None = None
    revenue: float | None = None
    assets: float | None = None
    size_class: str | None = None  # declared; used only when the figures cannot classify
    region_unit_id: int | None = None
    founded_on: date | None = None
    certifications: tuple[str, ...] | list[str] | str = ()
    tax_credit: str | None = None
    contact_name: str | None = None
    contact_phone: str | None = None
    liaison_user_id: int | None = None


@dataclass
class PolicyInput:
    code: str
    title: str
    issuer_unit_id: int
    mode: str  # apply (申报制) / auto (免申即享)
    conditions: list[dict[str, Any]]
    summary: str = ""
    benefit: str = ""
    amount_fen: int | None = None
    valid_from: date | None = None
    valid_until: date | None = None
    payout_days: int = 15



def choice(cls: Any, value: str, name: str, label: str) -> Any:
    try:
        return cls(value)
    except ValueError:
        choices = "、".join(m.value for m in cls)
        raise InvalidArguments(f"{label}“{value[:40]}”无效，可选：{choices}", field=name) from None


def required_text(value: str | None, max_len: int, name: str, empty: str) -> str:
    text = (value or "").strip()
    if not text:
        raise InvalidArguments(empty, field=name)
    if len(text) > max_len:
        raise InvalidArguments(f"内容不超过 {max_len} 字", field=name)
    return text


def optional_text(value: str | None, max_len: int, name: str, label: str) -> str | None:
    text = (value or "").strip()
    if len(text) > max_len:
        raise InvalidArguments(f"{label}不超过 {max_len} 字", field=name)
    return text or None


def number(value: object, name: str, label: str, *, whole: bool = False
            ) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(
            value) or not 0 <= value <= 1e12 or (whole and value != int(value)):
        kind = "不小于 0 的整数" if whole else "不小于 0 的数"
        raise InvalidArguments(f"{label}应为{kind}", field=name)
    return float(value)


def enterprise_values(data: EnterpriseInput, today: date) -> dict[str, Any]:
    """The row's columns from an input, checked by the domain rules; the size class computed
    by the 2017 办法 when the figures allow, else the declared one."""
    uscc = ent.normalize_uscc(data.uscc)
    name = required_text(data.name, 200, "name", "请填写企业名称")
    industry = ent.normalize_industry(data.industry) if data.industry and data.industry.strip(
    ) else None
    employees = number(data.employees, "employees", "从业人员", whole=True)
    revenue = number(data.revenue, "revenue", "营业收入（万元）")
    assets = number(data.assets, "assets", "资产总额（万元）")
    declared = None
    if (data.size_class or "").strip():
        declared = choice(ent.SizeClass, str(data.size_class).strip().lower(), "size_class",
                         "企业规模")
    computed = None if industry is None else ent.classify_size(
        industry, employees=employees, revenue=revenue, assets=assets)
    size = computed or declared
    if data.founded_on is not None and data.founded_on > today:
        raise InvalidArguments("成立日期不能晚于今天", field="founded_on")
    phone = dom.normalize_phone(data.contact_phone) if data.contact_phone else ""
    if phone and not 7 <= len(dom.phone_digits(phone)) <= 20:
        raise InvalidArguments("联系电话格式不正确", field="contact_phone")
    return {
        "uscc": uscc, "name": name, "industry": industry,
        "employees": None if employees is None else int(employees),
        "revenue": revenue, "assets": assets,
        "size_class": None if size is None else size.value,
        "size_declared": computed is None and declared is not None,
        "region_unit_id": data.region_unit_id, "founded_on": data.founded_on,
        "certifications": list(ent.normalize_certifications(data.certifications)),
        "tax_credit": ent.normalize_tax_credit(data.tax_credit),
        "contact_name": optional_text(data.contact_name, 100, "contact_name", "联系人"),
        "contact_phone": phone[:32] or None, "liaison_user_id": data.liaison_user_id,
    }


def policy_values(data: PolicyInput) -> tuple[dict[str, Any], tuple[pol.Condition, ...]]:
    code = required_text(data.code, 64, "code", "请填写政策编号")
    title = required_text(data.title, 200, "title", "请填写政策名称")
    mode = choice(pol.Mode, str(data.mode), "mode", "申报方式")
    conds = pol.parse_conditions(data.conditions)
    amount = None if data.amount_fen is None else pol.check_amount_fen(data.amount_fen)
    if data.valid_from and data.valid_until and data.valid_from > data.valid_until:
        raise InvalidArguments("有效期开始日期不能晚于截止日期", field="valid_until")
    days = data.payout_days
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= 250:
        raise InvalidArguments("兑现时限应为 1–250 个工作日", field="payout_days")
    summary = optional_text(data.summary, 5000, "summary", "政策摘要") or ""
    benefit = optional_text(data.benefit, 2000, "benefit", "支持内容") or ""
    return {"code": code, "title": title, "issuer_unit_id": data.issuer_unit_id,
            "mode": mode.value, "conditions": pol.conditions_to_json(conds),
            "summary": summary, "benefit": benefit, "amount_fen": amount,
            "valid_from": data.valid_from, "valid_until": data.valid_until,
            "payout_days": days}, conds
