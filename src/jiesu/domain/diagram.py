"""The lifecycle document (docs/lifecycle.md), rendered from `TRANSITIONS` so it cannot drift.

Pure: returns text. `scripts/gen_lifecycle_docs.py` writes it; a unit test fails when the
committed file differs from what the table renders.
"""

from __future__ import annotations

from jiesu.domain.appeal import (
    ROLE_ZH,
    STATUS_ZH,
    TERMINAL_STATUSES,
    TRANSITIONS,
    Action,
    Role,
    Status,
    Transition,
)

REGENERATE = "python scripts/gen_lifecycle_docs.py"


def _statuses(statuses: frozenset[Status] | tuple[Status, ...]) -> str:
    return ", ".join(f"`{s.value}`" for s in Status if s in statuses)


def _roles(roles: frozenset[Role]) -> str:
    return ", ".join(f"`{r.value}` {ROLE_ZH[r]}" for r in Role if r in roles)


def _row(t: Transition) -> str:
    sources = _statuses(t.sources) or "—"
    targets = _statuses(t.targets) if t.targets else "(unchanged)"
    rule = t.rule.replace("|", "\\|")
    return (f"| `{t.action.value}` | {t.label_zh} | {sources} | {targets} | {_roles(t.roles)} "
            f"| {rule} |")


def mermaid() -> str:
    """A Mermaid `stateDiagram-v2` of every status change; in-place actions become notes."""
    lines = ["stateDiagram-v2"]
    for s in Status:
        lines.append(f'    state "{STATUS_ZH[s]} {s.value}" as {s.value}')
    edges: dict[tuple[str, str], list[str]] = {}
    in_place: dict[Status, list[str]] = {s: [] for s in Status}
    for action in Action:
        t = TRANSITIONS[action]
        label = f"{action.value} {t.label_zh}"
        if not t.sources:
            for target in t.targets:
                edges.setdefault(("[*]", target.value), []).append(label)
        for source in (s for s in Status if s in t.sources):
            moves = [x for x in t.targets if x is not source]
            for target in moves:
                edges.setdefault((source.value, target.value), []).append(label)
            if not t.targets or len(moves) < len(t.targets):
                in_place[source].append(label)
    for (start, end), labels in edges.items():
        lines.append(f"    {start} --> {end}: {', '.join(labels)}")
    for s in Status:
        if s in TERMINAL_STATUSES:
            lines.append(f"    {s.value} --> [*]")
    for s in Status:
        if in_place[s]:
            lines.append(f"    note right of {s.value}")
            lines.append(f"        {', '.join(in_place[s])}")
            lines.append("    end note")
    return "\n".join(lines)


def lifecycle_markdown() -> str:
    """The whole of docs/lifecycle.md."""
    out = [
        "# Appeal lifecycle (诉求流转)",
        "",
        f"<!-- Generated from jiesu.domain.appeal.TRANSITIONS by `{REGENERATE}`. "
        "Do not edit by hand. -->",
        "",
        "Every action is one call `apply(appeal, action, actor, now, **args)` that checks this "
        "table (status, then role, then unit scope / requester phone), applies the rule and "
        "returns the events it caused. A refused action changes nothing.",
        "",
        "## Statuses",
        "",
        "| status | 中文 | kind |",
        "|---|---|---|",
    ]
    for s in Status:
        out.append(f"| `{s.value}` | {STATUS_ZH[s]} | "
                   f"{'terminal' if s in TERMINAL_STATUSES else 'open'} |")
    out += [
        "",
        "## Actions",
        "",
        "Handlers and grid workers may act only on appeals whose lead or handling unit is in "
        "their unit subtree; a requester must give the phone number of the appeal.",
        "",
        "| action | 中文 | from | to | roles | rule |",
        "|---|---|---|---|---|---|",
        *(_row(TRANSITIONS[a]) for a in Action),
        "",
        "## Diagram",
        "",
        "Actions that keep the status are listed in the note beside it.",
        "",
        "```mermaid",
        mermaid(),
        "```",
        "",
    ]
    return "\n".join(out)
