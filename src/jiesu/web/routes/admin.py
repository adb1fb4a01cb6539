"""Admin (管理员): unit tree, users and roles, service items (服务事项: their forms and poster
are in routes/service_items.py), taxonomy import, SLA policies, the work calendar (with a
warning when next year's calendar is missing), intake intelligence and settings; every tab
warns when the last audit check (审计链校验) found the event log broken."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import UploadFile

from jiesu.adapters.calendar_source import CalendarYearUnavailable, official_year
from jiesu.adapters.notify import unconfigured
from jiesu.adapters.tabular import decode_text
from jiesu.domain import unit_tree
from jiesu.domain.appeal import Role, SupervisionLevel
from jiesu.domain.deadlines import POLICY_CLOCKS, LimitUnit, rule_no_effect
from jiesu.domain.errors import DomainError, InvalidArguments
from jiesu.domain.kpi import KpiFormula, ResponseMeasure
from jiesu.nlp.urgency import TRANSFER_LINES
from jiesu.services import training
from jiesu.services.admin import (
    STAFF_ROLES,
    UNIT_GROUPS,
    AdminService,
    SlaSaved,
)
from jiesu.services.api_keys import ApiKeyService
from jiesu.services.audit import alarms, recent_checks, stale
from jiesu.services.clock import utcnow
from jiesu.services.intake_config import (
    KIND_ZH,
    IntakeConfigService,
    IntakeSettings,
    RoutingRule,
    phrases,
)
from jiesu.services.notifications import outbox_page, retry_failed
from jiesu.services.reporting import ReportingService, pct
from jiesu.services.rules import RULE_LABELS, RULE_SETTINGS
from jiesu.store import queries, web_queries
from jiesu.web import core, i18n, service_items, uploads
from jiesu.web.core import FormDep
from jiesu.web.routes import extensions

router = APIRouter(prefix="/staff/admin", include_in_schema=False)
ROLES = {Role.ADMIN}
TABS = [("units", "单位树"), ("users", "用户与角色"), ("items", "服务事项"),
        ("taxonomy", "事项分类管理"),
        ("sla", "时限规则"), ("calendar", "工作日历"), ("kpi", "考核权重"), ("intake", "智能受理"),
        ("apikeys", "API 密钥"), ("notifications", "通知发送"), ("settings", "系统设置")]
# the outbox tab's filters, in this order
NOTIFY_STATUSES = ("failed", "pending", "sent", "skipped")
NOTIFY_PER_PAGE = 50
USERS_PER_PAGE = 100
UNITS_SHOWN = 2000  # of the unit tree; a larger city finds a unit with the search box
MOVE_CHOICES = 500  # new parents offered as a select; beyond, the code is typed
# Settings shown to admins (never secrets).
SHOWN_SETTINGS = ("environment", "timezone", "count_from_next_day", "token_ttl_hours",
                  "sweep_interval_seconds", "audit_verify_hours", "auto_dispatch_enabled",
                  "unit_preselect_confidence", "city_name", "upload_dir")


def _service(request: Request) -> AdminService:
    rt = core.runtime_of(request)
    return AdminService(rt.db, rt.rules, core.current_user(request))


def _intake(request: Request) -> IntakeConfigService:
    rt = core.runtime_of(request)
    return IntakeConfigService(rt.db, rt.intake, core.current_user(request))


def _reporting(request: Request) -> ReportingService:
    rt = core.runtime_of(request)
    return ReportingService(rt.db, rt.rules, rt.settings)


def _missing_years(request: Request) -> list[int]:
    rt = core.runtime_of(request)
    calendar = rt.rules.get().calendar
    return calendar.missing_years(calendar.local_date(utcnow()))


@router.get("", response_class=HTMLResponse)
def admin_page(request: Request) -> HTMLResponse:
    core.require(request, ROLES)
    return _page(request, request.query_params.get("tab", "units"))


def _page(request: Request, tab: str, extra: dict[str, Any] | None = None, *,
          status_code: int = 200) -> HTMLResponse:
    rt = core.runtime_of(request)
    tab = tab if tab in dict(TABS) else "units"
    # a broken audit check stays up until someone acknowledges it (on /staff/audit)
    alarm = next(iter(alarms(rt.db, 1)), None)
    # the tabs link to the page itself: a refused form is shown at the address it posted to
    ctx: dict[str, Any] = {"tab": tab, "tabs": TABS, "tab_base": "/staff/admin",
                           "missing_years": _missing_years(request),
                           "audit_alarm": alarm,
                           "audit_stale": stale(next(iter(recent_checks(rt.db, 1)), None),
                                                utcnow(), rt.settings.audit_verify_hours),
                           "audit_hours": rt.settings.audit_verify_hours,
                           "typed": core.take_typed(request), **(extra or {})}
    lang = core.lang_of(request)
    with core.reading(rt) as uow:
        s = uow.session
        # the 延期申请 past the allowed extensions wait for an administrator alone
        ctx["extensions_waiting"] = queries.list_appeals(
            s, extensions.admin_filters(rt.rules.get().max_extensions), queries.Scope(),
            utcnow(), per_page=1)[1]
        if tab == "units":
            q = (request.query_params.get("q") or "").strip()[:50]
            ctx["units"] = web_queries.units(s, limit=UNITS_SHOWN + 1, stopped_too=True, q=q)
            ctx.update(q=q, units_capped=len(ctx["units"]) > UNITS_SHOWN)
            ctx["units"] = ctx["units"][:UNITS_SHOWN]
            ctx["groups"] = UNIT_GROUPS
            ctx.update(_move_choices(s, request.query_params.get("move", "")))
        elif tab == "users":
            q = (request.query_params.get("q") or "").strip()[:50]
            page = core.page_number(request)
            ctx["users"], ctx["total"] = web_queries.users_page(s, q=q, page=page,
                                                                per_page=USERS_PER_PAGE)
            ctx.update(q=q, page=page, per_page=USERS_PER_PAGE, capped=False,
                       query_base=urlencode({"tab": "users", **({"q": q} if q else {})}))
            ctx["roles"] = [(r, i18n.label(lang, "role", r)) for r in STAFF_ROLES]
        elif tab == "taxonomy":
            ctx["categories"] = web_queries.all_categories(s)
            ctx["taxonomy_example"] = TAXONOMY_EXAMPLE
        elif tab == "sla":
            ctx["policies"] = web_queries.sla_policies(s)
            ctx["category_names"] = web_queries.category_names(s)
            ctx["leaf_categories"] = web_queries.leaf_categories(s)
            ctx["unit_names"] = web_queries.unit_names_by_code(
                s, {p.unit for p in ctx["policies"] if p.unit})
            ctx["no_effect"] = {p.id: why for p in ctx["policies"] if (why := rule_no_effect(
                p.clock, kind=p.kind, urgency=p.urgency, category=p.category, unit=p.unit,
                requester=p.requester))}
            ctx["clocks"] = [c.value for c in POLICY_CLOCKS]
            ctx["limit_units"] = [u.value for u in LimitUnit]
            ctx["kinds"] = i18n.choices(lang, "kind")
            ctx["urgencies"] = i18n.choices(lang, "urgency")
        elif tab == "calendar":
            ctx["years"] = web_queries.calendar_years(s)
            ctx["calendar_days"] = web_queries.calendar_days_by_year(s)
        elif tab == "settings":
            ctx["settings"] = [(k, getattr(rt.settings, k)) for k in SHOWN_SETTINGS]
            ctx["rule_settings"] = [(k, RULE_LABELS[k]) for k in RULE_SETTINGS]
            rules = rt.rules.get()
            ctx["rule_values"] = {k: str(getattr(rules, k, v)) for k, v in RULE_SETTINGS.items()}
            ctx["rule_values"].update(ctx.get("rules_typed") or {})
            ctx["supervision_levels"] = [lvl.value for lvl in SupervisionLevel
                                         if lvl is not SupervisionLevel.NONE]
        elif tab == "apikeys":
            ctx["api_keys"] = ApiKeyService(rt.db).list()
    if tab == "items":  # the catalogue with its rating figures (web/service_items.py)
        items, items_status = service_items.tab_context(request, ctx["typed"])
        ctx.update(items)
        status_code = items_status if status_code == 200 else status_code
    if tab == "kpi":
        versions = _reporting(request).formula_versions()
        ctx["formula"] = versions[-1][0] if versions else KpiFormula()
        ctx["formula_versions"] = list(reversed(versions))
        ctx["response_measures"] = [m.value for m in ResponseMeasure]
    if tab == "notifications":
        ctx.update(_outbox(request))
    if tab == "intake":
        svc = _intake(request)
        ctx["intake"] = svc.show()
        typed = ctx.get("intake_typed") or {}
        ctx["intake_text"] = {kind: typed.get(kind) or svc.export(kind)
                              for kind in ("routing", "urgency", "keywords")}
        ctx.setdefault("intake_error", {})
        ctx["models"] = _models(request)
        ctx["gazetteer_example"] = GAZETTEER_EXAMPLE
        with core.reading(rt) as uow:  # the routing table names its categories and units
            ctx["category_names"] = web_queries.category_names(uow.session)
            ctx["unit_names"] = web_queries.unit_names_by_code(uow.session, {
                code for r in ctx["intake"].routing for code in (r.area, r.unit) if code})
            _rule_forms(request, ctx, uow.session)
    return core.render(request, "staff/admin.html", ctx, status_code=status_code)


def _outbox(request: Request) -> dict[str, Any]:
    """The notification outbox (通知发送): failed first, a filter per status, and the channels
    whose messages are only logged because no gateway is configured."""
    rt = core.runtime_of(request)
    status = request.query_params.get("status", "")
    status = status if status in NOTIFY_STATUSES else ""
    page = core.page_number(request)
    items, total, counts = outbox_page(rt.db, status=status or None, page=page,
                                       per_page=NOTIFY_PER_PAGE)
    # a busy city's 90 days of texts run past the last page a list opens: the shared pager
    # stops there and says how many it shows
    return {"items": items, "total": total, "notify_counts": counts,
            "status": status, "page": page, "per_page": NOTIFY_PER_PAGE, "capped": False,
            "statuses": NOTIFY_STATUSES, "unconfigured": unconfigured(rt.notifiers)}


def _models(request: Request) -> list[dict[str, Any]]:
    """The stored classifier models, newest first, with the figures an administrator checks."""
    rt = core.runtime_of(request)
    rows = []
    for meta in training.stored_models(rt.settings.model_dir):
        try:
            created = datetime.fromisoformat(str(meta.get("created_at")))
        except ValueError:
            created = None
        metrics = meta.get("metrics") or {}
        thresholds = meta.get("thresholds") or {}
        rows.append({"version": meta["version"], "active": meta["active"],
                     "created": core.local_time(rt, created) if created else "",
                     "n": meta.get("n_samples"), "accuracy": _percent(metrics.get("accuracy")),
                     "coverage": _percent(metrics.get("coverage_at_97")),
                     "untitled": _percent(thresholds.get("untitled")),
                     "titled": _percent(thresholds.get("titled"))})
    return rows


def _percent(value: Any) -> str:
    """0.8147 -> "81.5%"; a threshold above 1 (never reached) or a missing figure -> "—"."""
    ok = isinstance(value, int | float) and 0 <= value <= 1
    return pct(value if ok else None, digits=1)


def _done(request: Request, tab: str, call: Any, message: str | Callable[[Any], str],
          keep: tuple[str, dict[str, Any], tuple[str, ...]] | None = None) -> Response:
    """Run an admin change and go back to its tab with `message` (a template of the call's
    `{result}`, or a function of it: typed text never goes through a template); a refused
    form (`keep`: its name, the posted form and the fields to keep) comes back with what was
    typed."""
    kept = None if keep is None else (keep[0], {f: core.text(keep[1], f) for f in keep[2]})
    return core.done(request, call, message if callable(message)
                     else lambda result: message.format(result=result),
                     f"/staff/admin?tab={tab}", keep=kept)


def _saved(request: Request, tab: str, call: Callable[[], Any],
           message: str | Callable[[Any], str],
           again: Callable[[DomainError], dict[str, Any]]) -> Response:
    """Run an admin change and go back to its tab with `message`; a refusal shows the tab
    again at once (400) with `again(exc)`, what was typed and the reason: a rule set, a rule's
    keywords or its list of problems are more than a session cookie or a flash holds."""
    return core.done(request, call, message, f"/staff/admin?tab={tab}",
                     refused=lambda exc: _page(request, tab, again(exc), status_code=400))


@router.post("/units", response_model=None)
def add_unit(request: Request, form: FormDep) -> Response:
    core.require(request, ROLES)
    svc = _service(request)
    return _done(request, "units", lambda: svc.add_unit(
        core.text(form, "code"), core.text(form, "name"),
        parent_code=core.text(form, "parent_code") or None,
        group=core.text(form, "group") or "department",
        contact_phone=core.text(form, "contact_phone") or None),
        lambda _: "已添加单位：" + core.text(form, "name"),
        keep=("unit", form, ("code", "name", "parent_code", "group", "contact_phone")))


@router.post("/units/contact", response_model=None)
def set_unit_contact(request: Request, form: FormDep) -> Response:
    core.require(request, ROLES)
    svc = _service(request)
    return _done(request, "units", lambda: svc.set_unit_contact(
        core.text(form, "code"), core.text(form, "contact_phone") or None), "值班电话已保存",
        keep=("contact", form, ("code", "contact_phone")))


@router.post("/units/rename", response_model=None)
def rename_unit(request: Request, form: FormDep) -> Response:
    core.require(request, ROLES)
    svc = _service(request)
    return _done(request, "units", lambda: svc.rename_unit(
        core.text(form, "code"), core.text(form, "name")),
        lambda row: f"单位已改名：{row.code} {row.name}",
        keep=("unit_edit", form, ("code", "name")))


@router.post("/units/active", response_model=None)
def set_unit_active(request: Request, form: FormDep) -> Response:
    """停用 or 启用 a unit (`active`: "1" or "0")."""
    core.require(request, ROLES)
    svc = _service(request)
    active = core.text(form, "active") == "1"
    return _done(request, "units", lambda: svc.set_unit_active(core.text(form, "code"), active),
                 (lambda row: f"已启用单位：{row.code} {row.name}") if active
                 else (lambda row: f"已停用单位：{row.code} {row.name}，不再用于派单和新用户，"
                                   "可随时重新启用"),
                 keep=("unit_edit", form, ("code",)))


def _move_choices(s: Any, code: str) -> dict[str, Any]:
    """The unit 移动到… was chosen for, its parent, and the units it may go under (a select
    when there are few enough; otherwise the code is typed, with the unit search)."""
    code = code.strip()[:64]
    unit = web_queries.unit_by_code(s, code) if code.isprintable() and code else None
    if unit is None:  # no unit of that code ("\x00" none either: PostgreSQL refuses to look)
        return {}
    groups = unit_tree.parent_groups(unit.group)
    targets = web_queries.move_targets(s, unit, groups, limit=MOVE_CHOICES + 1)
    parent = web_queries.unit_by_id(s, unit.parent_id) if unit.parent_id else None
    return {"move_unit": unit, "move_parent": parent,
            "move_targets": targets if len(targets) <= MOVE_CHOICES else None,
            "move_groups": groups}


@router.post("/units/move", response_model=None)
def move_unit(request: Request, form: FormDep) -> Response:
    """移动到…: a unit with its subtree under another parent. The handlers' unit scopes this
    process keeps and its intake routing knowledge are refreshed at once; other processes
    within their cache times (30 s for a signed-in user's scope)."""
    core.require(request, ROLES)
    rt = core.runtime_of(request)
    svc = _service(request)
    code, parent_code = core.text(form, "code"), core.text(form, "parent_code")
    try:
        moved = svc.move_unit(code, parent_code)
    except DomainError as exc:  # the tab's top says why; its card holds the unit again
        core.flash(request, exc.message, "error")
        core.keep_typed(request, "move", {"code": code, "parent_code": parent_code})
        return core.redirect("/staff/admin?tab=units"
                             + (f"&{urlencode({'move': code[:64]})}" if code else ""))
    rt.unit_tree_changed()
    core.flash(request, moved.summary())
    return core.redirect("/staff/admin?tab=units")


@router.post("/units/population", response_model=None)
def set_unit_population(request: Request, form: FormDep) -> Response:
    core.require(request, ROLES)
    svc = _service(request)
    return _done(request, "units", lambda: svc.set_unit_population(
        core.text(form, "code"), core.text(form, "households"),
        core.text(form, "population")), "户数和常住人口已保存",
        keep=("population", form, ("code", "households", "population")))


@router.post("/units/population/import", response_model=None)
def import_unit_population(request: Request, form: FormDep) -> Response:
    core.require(request, ROLES)
    svc = _service(request)

    def run() -> int:
        upload = form.get("file")
        data = uploads.read(upload, MAX_INTAKE_UPLOAD, "文件不能超过 20MB")
        if data is None:
            raise InvalidArguments("请选择人口数据文件（CSV 或 XLSX）")
        assert isinstance(upload, UploadFile)  # read() gave its bytes, so it is a file
        return svc.import_unit_population_upload(data, upload.filename)

    return _done(request, "units", run, "人口数据已导入：{result} 个单位")


@router.post("/users", response_model=None)
def add_user(request: Request, form: FormDep) -> Response:
    core.require(request, ROLES)
    svc = _service(request)
    return _done(request, "users", lambda: svc.add_user(
        core.text(form, "username"), str(form.get("password") or ""), core.text(form, "role"),
        unit_code=core.text(form, "unit_code") or None,
        display_name=core.text(form, "display_name"), phone=core.text(form, "phone"),
        now=utcnow()),
        lambda row: f"已添加用户：{row.username}",
        keep=("user", form, ("username", "display_name", "role", "unit_code", "phone")))


def _csv_rows(upload: Any) -> list[list[str]]:
    raw = uploads.read(upload, 2 * 1024 * 1024, "分类文件不能超过 2MB")
    if raw is None:
        raise InvalidArguments("请选择分类文件")
    reader = csv.reader(io.StringIO(decode_text(raw, "分类文件")))
    header = next(reader, None)
    if header is None or not any("level" in h.lower() or "级" in h for h in header):
        raise InvalidArguments("分类文件第一行须为表头，例如 level1,level2,level3")
    return [r for r in reader if any(c.strip() for c in r)]


@router.post("/taxonomy", response_model=None)
def import_taxonomy(request: Request, form: FormDep) -> Response:
    core.require(request, ROLES)
    svc = _service(request)

    def run() -> str:
        result = svc.import_categories(_csv_rows(form.get("file")))
        return f"新增 {result.created}，已有 {result.existing}"

    return _done(request, "taxonomy", run, "分类已导入：{result}")


@router.post("/taxonomy/add", response_model=None)
def add_category(request: Request, form: FormDep) -> Response:
    core.require(request, ROLES)
    svc = _service(request)
    return _done(request, "taxonomy", lambda: svc.add_category(
        core.text(form, "name"), parent_code=core.text(form, "parent_code") or None),
        lambda row: f"已添加分类：{row.code} {row.full_name}",
        keep=("category", form, ("name", "parent_code")))


@router.post("/taxonomy/rename", response_model=None)
def rename_category(request: Request, form: FormDep) -> Response:
    core.require(request, ROLES)
    svc = _service(request)
    return _done(request, "taxonomy", lambda: svc.rename_category(
        core.text(form, "code"), core.text(form, "name")),
        lambda row: f"分类已改名：{row.code} {row.full_name}",
        keep=("rename", form, ("code", "name")))


@router.post("/taxonomy/active", response_model=None)
def set_category_active(request: Request, form: FormDep) -> Response:
    """停用 or 启用 a category with its sub-categories (`active`: "1" or "0")."""
    core.require(request, ROLES)
    svc = _service(request)
    active = core.text(form, "active") == "1"
    code = core.text(form, "code")
    return _done(request, "taxonomy", lambda: svc.set_category_active(code, active),
                 (lambda n: f"已启用分类 {code}：{n} 个") if active
                 else (lambda n: f"已停用分类 {code}：{n} 个，新诉求不再使用，可随时重新启用"),
                 keep=("active", form, ("code",)))


@router.post("/sla", response_model=None)
def set_sla(request: Request, form: FormDep) -> Response:
    core.require(request, ROLES)
    svc = _service(request)

    def run() -> SlaSaved:
        try:
            amount = float(core.text(form, "amount"))
        except ValueError:
            raise InvalidArguments("时长须为数字", field="amount") from None
        return svc.set_sla_policy(
            clock=core.text(form, "clock"), amount=amount, limit_unit=core.text(form, "limit_unit"),
            kind=core.text(form, "kind") or None, urgency=core.text(form, "urgency") or None,
            category=core.text(form, "category") or None,
            unit_code=core.text(form, "unit_code") or None,
            requester=core.text(form, "requester") or None)

    return _done(request, "sla", run, lambda saved: sla_saved_message(form, saved),
                 keep=("sla", form, ("clock", "amount", "limit_unit", "kind", "urgency",
                                     "category", "unit_code", "requester")))


def sla_saved_message(form: dict[str, Any], saved: SlaSaved) -> str:
    """已新增 a rule, 已替换原规则 with its old and new length, or 时限规则未变 (the same length
    again), naming the rule's scope: 办理·投诉·一般 15 个工作日 → 10 个工作日."""
    scope = sla_scope(form, saved)
    after = _sla_length(*saved.after)
    if saved.before is None:
        return f"已新增时限规则：{scope} {after}"
    if not saved.changed:
        return f"时限规则未变：{scope} {after}"
    return f"已替换原规则：{scope} {_sla_length(*saved.before)} → {after}"


def sla_scope(form: dict[str, Any], saved: SlaSaved) -> str:
    """A rule's scope in words, parts joined by “·”: clock, kind, urgency, category, unit and
    requester, each only when the rule has it."""
    parts = [i18n.label("zh", "clock", core.text(form, "clock"))]
    for group in ("kind", "urgency"):
        if core.text(form, group):
            parts.append(i18n.label("zh", group, core.text(form, group)))
    parts += [name for name in (saved.category_name, saved.unit_name) if name]
    parts += [SLA_REQUESTERS[r] for r in [core.text(form, "requester")] if r in SLA_REQUESTERS]
    if len(parts) == 1:
        parts.append("全部诉求")
    return "·".join(parts)


SLA_REQUESTERS = {"enterprise": "涉企诉求", "resident": "个人诉求"}
SLA_UNITS = {"workday": "个工作日", "hour": "小时", "minute": "分钟"}


def _sla_length(amount: float, limit_unit: str) -> str:
    return f"{amount:g} {SLA_UNITS.get(limit_unit, limit_unit)}"


@router.post("/sla/{policy_id}/delete", response_model=None)
def delete_sla(request: Request, policy_id: int, form: FormDep) -> Response:
    core.require(request, ROLES)
    svc = _service(request)
    return _done(request, "sla", lambda: svc.delete_sla_policy(policy_id), "时限规则已删除")


@router.post("/calendar", response_model=None)
def load_calendar(request: Request, form: FormDep) -> Response:
    core.require(request, ROLES)
    svc = _service(request)

    def run() -> str:
        try:
            year = int(core.text(form, "year"))
        except ValueError:
            raise InvalidArguments("请填写年份", field="year") from None
        try:
            days = official_year(year)
        except CalendarYearUnavailable:
            raise InvalidArguments(
                f"{year} 年的官方日历尚未收录在 chinesecalendar 包中：请按国务院公布的安排，"
                "用下方的“上传工作日历”导入该年的 CSV", field="year") from None
        changed = svc.load_calendar_year(year, days, source="chinesecalendar", now=utcnow())
        return f"{year} 年日历已导入，重算时限 {changed} 件"

    return _done(request, "calendar", run, "{result}")


@router.post("/calendar/import", response_model=None)
def import_calendar(request: Request, form: FormDep) -> Response:
    """A year the chinesecalendar package does not cover yet (next year's, published late in
    this one): the administrator uploads it as a CSV of the days that differ from Mon–Fri."""
    core.require(request, ROLES)
    svc = _service(request)

    def run() -> str:
        upload = form.get("file")
        data = uploads.read(upload, 1024 * 1024, "工作日历文件不能超过 1MB")
        if data is None:
            raise InvalidArguments("请选择工作日历文件（CSV）")
        name = upload.filename if isinstance(upload, UploadFile) else ""
        loaded = svc.import_calendar_csv(data, source=f"csv:{(name or '')[:40]}", now=utcnow())
        return "；".join(f"{year} 年日历已导入（{n} 个调整日），重算时限 {changed} 件"
                        for year, n, changed in loaded)

    return _done(request, "calendar", run, "{result}")


MAX_INTAKE_UPLOAD = 20 * 1024 * 1024
TAXONOMY_EXAMPLE = """level1,level2,level3
城乡建设,市政设施,路灯照明
城乡建设,市政设施,道路破损
环境保护,噪音污染,施工噪音"""
# shown on the intake tab: place names are Chinese data in either language of the page
GAZETTEER_EXAMPLE = """code,name,level,parent_code,aliases
D05,新区,district,,新区政府
D05S1,新区一街道,street,D05,一街道|新一街
D05S1C1,新区一社区,community,D05S1,一社区"""


def _intake_text(form: dict[str, Any]) -> str:
    """The uploaded file if one was chosen, else the text area."""
    raw = uploads.read(form.get("file"), MAX_INTAKE_UPLOAD, "文件不能超过 20MB")
    if raw is not None:
        return decode_text(raw, "文件")
    value = form.get("text")
    return value if isinstance(value, str) else ""


@router.post("/intake/{kind}", response_model=None)
def save_intake(request: Request, kind: str, form: FormDep) -> Response:
    """Replace one part of the intake configuration; a refusal shows the tab again with what
    was typed and the whole message in its section (`_saved`)."""
    core.require(request, ROLES)
    svc = _intake(request)

    def run() -> str:
        text, now = _intake_text(form), utcnow()
        if kind != "urgency" and not text.strip():
            raise InvalidArguments("请选择文件或填写内容")
        if kind == "routing":
            return f"路由规则已保存：{len(svc.replace_routing(text, now=now))} 条"
        if kind == "urgency":
            return f"紧急规则已保存：现有 {svc.replace_urgency(text, now=now)} 条"
        if kind == "keywords":
            return f"分类关键词已保存：{len(svc.replace_keywords(text, now=now))} 个分类"
        if kind == "gazetteer":
            g = svc.replace_gazetteer(text, now=now)
            return f"地名表已导入：{g.places} 个地名，其中 {g.linked} 个对应单位"
        if kind == "polygons":
            return f"网格边界已导入：{svc.replace_polygons(text, now=now).areas} 个区域"
        raise InvalidArguments("未知的配置类型")

    typed = form.get("text")
    kept = typed if isinstance(typed, str) and typed.strip() else None
    return _saved(request, "intake", run, lambda said: said, lambda exc: {
        "intake_error": {kind: exc.message}, "intake_typed": {kind: kept}})


# what the transfer lines an urgency rule's form offers (jiesu.nlp.urgency.TRANSFER_LINES) are
TRANSFER_LINE_ZH = {"110": "公安", "119": "消防", "120": "急救", "122": "交通事故",
                    "12369": "环保", "96777": "燃气抢修"}
ROUTING_FIELDS = ("category", "area", "unit")
URGENCY_FIELDS = ("name", "keywords", "level", "message", "exclude")


def _routing_key(form: dict[str, Any]) -> tuple[str | None, str | None] | None:
    """The category and area of the routing rule a form edits; None: the form adds one."""
    if core.text(form, "editing") != "1":
        return None
    return core.text(form, "orig_category") or None, core.text(form, "orig_area") or None


@router.post("/intake/routing/rule", response_model=None)
def save_routing_rule(request: Request, form: FormDep) -> Response:
    """新增 or 修改 one routing rule (category × area → unit) from the intake tab's form."""
    core.require(request, ROLES)
    svc = _intake(request)
    key = _routing_key(form)
    rule = {f: core.text(form, f) for f in ROUTING_FIELDS}
    return _rule_saved(request, "routing", form, lambda: svc.save_routing_rule(
        rule, replacing=key, now=utcnow()), lambda saved: (
            f"{'已修改' if key else '已新增'}路由规则：{_routing_words(request, saved)}"))


@router.post("/intake/routing/rule/delete", response_model=None)
def delete_routing_rule(request: Request, form: FormDep) -> Response:
    core.require(request, ROLES)
    svc = _intake(request)
    key = (core.text(form, "orig_category") or None, core.text(form, "orig_area") or None)
    return core.done(request, lambda: svc.delete_routing_rule(key, now=utcnow()),
                     lambda gone: f"已删除路由规则：{_routing_words(request, gone)}",
                     "/staff/admin?tab=intake")


@router.post("/intake/urgency/rule", response_model=None)
def save_urgency_rule(request: Request, form: FormDep) -> Response:
    """新增 or 修改 one urgency rule from the intake tab's form."""
    core.require(request, ROLES)
    svc = _intake(request)
    replacing = core.text(form, "orig_name") if core.text(form, "editing") == "1" else None
    rule = {"name": core.text(form, "name"), "keywords": phrases(core.text(form, "keywords")),
            "level": core.text(form, "level"),
            "transfer_to": list(dict.fromkeys(core.values(form, "transfer_to"))),
            "message": core.text(form, "message") or None,
            "exclude": phrases(core.text(form, "exclude"))}
    return _rule_saved(request, "urgency", form, lambda: svc.save_urgency_rule(
        rule, replacing=replacing, now=utcnow()),
        lambda saved: f"{'已修改' if replacing else '已新增'}紧急规则：{saved.name}")


@router.post("/intake/urgency/rule/delete", response_model=None)
def delete_urgency_rule(request: Request, form: FormDep) -> Response:
    core.require(request, ROLES)
    svc = _intake(request)
    return core.done(request, lambda: svc.delete_urgency_rule(
        core.text(form, "orig_name"), now=utcnow()), lambda name: f"已删除紧急规则：{name}",
        "/staff/admin?tab=intake")


def _rule_saved(request: Request, kind: str, form: dict[str, Any], call: Callable[[], Any],
                message: Callable[[Any], str]) -> Response:
    """Save one rule; a refusal shows the tab again with the form as typed and the message
    above it (`_saved`)."""
    fields = ROUTING_FIELDS if kind == "routing" else URGENCY_FIELDS
    typed: dict[str, Any] = {f: core.text(form, f) for f in (
        *fields, "editing", "orig_category", "orig_area", "orig_name")}
    typed["transfer_to"] = core.values(form, "transfer_to")
    return _saved(request, "intake", call, message, lambda exc: {  # the top: the flash
        f"{kind}_typed": typed, f"{kind}_error": exc.message})


def _routing_words(request: Request, rule: RoutingRule) -> str:
    """“城乡建设/市政设施 × 全部区域 → 市水务局”: a routing rule with the names of its codes."""
    rt = core.runtime_of(request)
    with core.reading(rt) as uow:
        categories = web_queries.category_names(uow.session)
        units = web_queries.unit_names_by_code(uow.session, {rule.area or "", rule.unit})
    category = categories.get(rule.category, rule.category) if rule.category else "全部分类"
    area = units.get(rule.area, rule.area) if rule.area else "全部区域"
    return f"{category} × {area} → {units.get(rule.unit, rule.unit)}"


def _rule_forms(request: Request, ctx: dict[str, Any], s: Any) -> None:
    """What the intake tab's rule forms show: the rule a 修改 link chose (`routing=N`,
    `urgency=N`) or what a refused form had typed, and the choices of their selects."""
    intake: IntakeSettings = ctx["intake"]
    routing: dict[str, Any] = ctx.get("routing_typed") or {}
    chosen = _chosen(request, "routing", len(intake.routing))
    if not routing and chosen is not None:
        r = intake.routing[chosen]
        routing = {"category": r.category or "", "area": r.area or "", "unit": r.unit,
                   "editing": "1", "orig_category": r.category or "",
                   "orig_area": r.area or ""}
    rule: dict[str, Any] = ctx.get("urgency_typed") or {}
    chosen = _chosen(request, "urgency", len(intake.urgency_rules))
    if not rule and chosen is not None:
        u = intake.urgency_rules[chosen]
        rule = {"name": u["name"], "keywords": "、".join(u["keywords"]), "level": u["level"],
                "transfer_to": list(u.get("transfer_to") or []),
                "message": u.get("message") or "", "exclude": "、".join(u.get("exclude") or []),
                "editing": "1", "orig_name": u["name"]}
    units = web_queries.units(s, limit=MOVE_CHOICES + 1)
    lines = list(TRANSFER_LINES) + [t for t in rule.get("transfer_to", [])
                                    if t not in TRANSFER_LINES]
    ctx.update(routing_form=routing, urgency_form=rule, transfer_lines=lines,
               transfer_names=TRANSFER_LINE_ZH,
               rule_categories=[c for c in web_queries.all_categories(s) if c.active],
               rule_units=units if len(units) <= MOVE_CHOICES else None)


def _chosen(request: Request, name: str, count: int) -> int | None:
    """The 0-based row a 修改 link names (`?routing=3` is the third rule), if there is one."""
    raw = request.query_params.get(name, "")
    return int(raw) - 1 if raw.isascii() and raw.isdigit() and 1 <= int(raw) <= count else None


@router.post("/intake/{kind}/clear", response_model=None)
def clear_intake(request: Request, kind: str, form: FormDep) -> Response:
    core.require(request, ROLES)
    svc = _intake(request)
    done = f"已清除{KIND_ZH[kind]}" if kind in KIND_ZH else ""
    return _done(request, "intake", lambda: svc.clear(kind), done)


@router.post("/models/activate", response_model=None)
def activate_model(request: Request, form: FormDep) -> Response:
    """Make a stored classifier model the active one (recorded as this administrator's
    change); this process uses it at once, the others when they next refresh their intake
    knowledge (within a minute)."""
    core.require(request, ROLES)
    rt = core.runtime_of(request)

    def run() -> None:
        training.activate_model(rt.db, rt.settings.model_dir, core.text(form, "version"),
                                rt.intake, by=core.current_user(request))

    return _done(request, "intake", run, "已启用所选模型")


# the KPI form's fields: the three weights of the composite score are typed as percentages
KPI_PERCENT_FIELDS = {"weight_response": "响应率权重", "weight_resolution": "解决率权重",
                      "weight_satisfaction": "满意率权重"}
KPI_FACTOR_FIELDS = {"basic_satisfaction_weight": "基本满意折算系数",
                     "partly_resolved_weight": "部分解决折算系数"}


def _kpi_changes(form: dict[str, Any]) -> dict[str, Any]:
    """The formula settings the KPI form gives. The three weights are typed as percentages, so
    they are read and checked here, where a message can speak in percent; the other settings
    go as typed to the formula, which checks them (KpiFormula)."""
    changes: dict[str, Any] = {name: core.text(form, name) for name in KPI_FACTOR_FIELDS}
    for name, label in KPI_PERCENT_FIELDS.items():
        raw = core.text(form, name).removesuffix("%").strip()
        try:
            value = float(raw)
        except ValueError:
            raise InvalidArguments(f"{label}须为数字", field=name) from None
        if not 0 <= value <= 100:  # NaN and infinity too
            raise InvalidArguments(f"{label}须在 0% 到 100% 之间", field=name)
        changes[name] = round(value / 100, 6)
    total = sum(changes[n] for n in KPI_PERCENT_FIELDS)
    if abs(total - 1) > 1e-6:
        raise InvalidArguments(f"三项权重之和须为 100%，现为 {round(total * 100, 4):g}%",
                               field="weight_response")
    # the sum may be 100% only up to rounding: the last weight takes the rest
    rest = 1 - changes["weight_response"] - changes["weight_resolution"]
    changes["weight_satisfaction"] = max(0.0, round(rest, 9))
    measure = core.text(form, "response_measure")
    if measure:
        changes["response_measure"] = measure
    return changes


@router.post("/kpi", response_model=None)
def save_kpi_formula(request: Request, form: FormDep) -> Response:
    """A new version of the KPI formula (考核权重): rankings and reports use it from now on;
    results computed before keep the version they used."""
    me = core.require(request, ROLES)
    svc = _reporting(request)
    return _done(request, "kpi", lambda: svc.set_formula(
        me.actor(), _kpi_changes(form), core.text(form, "note"), utcnow()).version,
        "考核公式已保存为第 {result} 版，排名和通报即按新权重计算",
        keep=("kpi", form, (*KPI_PERCENT_FIELDS, *KPI_FACTOR_FIELDS, "response_measure",
                            "note")))


@router.post("/settings", response_model=None)
def save_settings(request: Request, form: FormDep) -> Response:
    """Save the rule settings; a refusal shows the tab again with what was typed and the
    reason beside its field, and nothing is saved (`_saved`)."""
    core.require(request, ROLES)
    svc = _service(request)
    values = {k: core.text(form, k) for k in RULE_SETTINGS if core.text(form, k)}
    return _saved(request, "settings", lambda: svc.set_rule_settings(values, utcnow()),
                  "设置已保存，新的办理操作即按新规则执行", lambda exc: {
                      "rules_typed": values, "rules_error": exc.message,
                      "rules_error_field": exc.details.get("field")})


@router.post("/apikeys", response_model=None)
def create_api_key(request: Request, form: FormDep) -> Response:
    """The new key is shown on this response only (never stored in plain text or a cookie)."""
    me = core.require(request, ROLES)
    rt = core.runtime_of(request)
    try:
        rate = int(core.text(form, "rate_per_minute") or "60")
    except ValueError:
        core.flash(request, "速率限制须为整数（每分钟请求次数）", "error")
        return core.redirect("/staff/admin?tab=apikeys")
    try:
        info, key = ApiKeyService(rt.db).create(core.text(form, "name"), utcnow(),
                                                rate_per_minute=rate,
                                                note=core.text(form, "note"), by=me)
    except DomainError as exc:
        core.flash(request, exc.message, "error")
        return core.redirect("/staff/admin?tab=apikeys")
    return _page(request, "apikeys", {"new_key": key, "new_key_name": info.name})


@router.post("/apikeys/{key_id}/revoke", response_model=None)
def revoke_api_key(request: Request, key_id: int, form: FormDep) -> Response:
    me = core.require(request, ROLES)
    rt = core.runtime_of(request)
    return _done(request, "apikeys",
                 lambda: ApiKeyService(rt.db).revoke(key_id, utcnow(), by=me).name,
                 "已吊销“{result}”的 API 密钥")


@router.post("/notifications/retry", response_model=None)
def retry_notifications(request: Request, form: FormDep) -> Response:
    """Queue failed messages again: one (`id`) or all of them."""
    core.require(request, ROLES)
    rt = core.runtime_of(request)
    one = core.text(form, "id")
    ids = [int(one)] if one.isdigit() else None
    n = retry_failed(rt.db, utcnow(), ids)
    if n:
        core.flash(request, f"已将 {n} 条失败的通知重新排队，下一轮定时任务将发送")
    else:
        core.flash(request, "没有需要重发的失败通知", "error")
    return core.redirect("/staff/admin?tab=notifications&status=failed" if ids is None
                         else "/staff/admin?tab=notifications")
