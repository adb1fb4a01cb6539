"""Configuration changes (配置变更记录): what administrators change — units, users, deadline
rules, the calendar, the taxonomy, intake rules, KPI weights, the classifier model in use, the
knowledge base and support policies — as one append-only record per change, hash-chained in
one chain of their own the same way an appeal's events are."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from jiesu.domain.events import chain_hash

# What an entry is about, with its Chinese name; the audit page filters on these.
AREA_ZH = {"users": "用户与角色", "units": "单位", "deadlines": "时限规则", "calendar": "工作日历",
           "taxonomy": "事项分类", "kpi": "考核权重", "intake": "智能受理规则",
           "settings": "系统设置", "notifications": "通知设置",
           "api_keys": "API 密钥", "models": "分类模型", "knowledge": "知识库",
           "policies": "惠企政策", "service_items": "服务事项"}
AREAS = tuple(AREA_ZH)
ACTION_ZH = {"add": "新增", "update": "修改", "rename": "改名", "activate": "启用",
             "deactivate": "停用", "reset_password": "重置密码", "set": "设置", "delete": "删除",
             "load_year": "导入年度日历", "import": "导入", "replace": "替换", "clear": "清除",
             "set_formula": "新版考核公式", "set_contact": "修改值班电话",
             "set_population": "修改户数和人口", "import_population": "导入户数和人口",
             "create": "创建", "revoke": "吊销", "publish": "发布", "archive": "归档",
             "withdraw": "撤回", "move": "移动"}

# Keys whose values never go into the log, however deep they sit in the details: a hash of a
# password or an API key's secret would let whoever reads the log attack it.
_SECRET_PARTS = ("password", "secret", "token", "api_key", "key_hash")


@dataclass(frozen=True)
class ConfigChange:
    """One administrator change: who, when, to what (area, action), in a line and in detail."""

    area: str
    action: str
    at: datetime
    actor_id: int | None
    actor_role: str
    summary: str
    details: dict[str, Any] = field(default_factory=dict)


def difference(before: dict[str, Any], after: dict[str, Any]
               ) -> tuple[dict[str, Any], dict[str, Any]]:
    """The values of `before` and of `after` under the keys whose value changed (what an
    entry's before/after details keep)."""
    changed = [k for k in after if before.get(k) != after[k]]
    return {k: before.get(k) for k in changed}, {k: after[k] for k in changed}


def without_secrets(value: Any) -> Any:
    """`value` with every mapping key that names a secret (password, token, …) left out."""
    if isinstance(value, dict):
        return {str(k): without_secrets(v) for k, v in value.items()
                if not any(part in str(k).lower() for part in _SECRET_PARTS)}
    if isinstance(value, list | tuple):
        return [without_secrets(v) for v in value]
    return value


def canonical(seq: int, change: ConfigChange) -> str:
    """The canonical text of an entry that its hash covers (stable key order, UTC ISO time)."""
    body = {
        "seq": seq,
        "area": change.area,
        "action": change.action,
        "at": change.at.isoformat(timespec="microseconds"),
        "actor_id": change.actor_id,
        "actor_role": change.actor_role,
        "summary": change.summary,
        "details": change.details,
    }
    return json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)


def entry_hash(prev_hash: str, seq: int, change: ConfigChange) -> str:
    """The entry's chain hash: as an appeal event's, SHA-256 of the previous hash + content."""
    return chain_hash(prev_hash, canonical(seq, change))
