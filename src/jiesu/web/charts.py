"""Small SVG charts drawn on the server: nothing to download, works offline and on a big screen.

Each function returns an accessible <svg> (role="img", a <title>, and the numbers as text) that
scales with its container (viewBox). Colours come from CSS classes in jiesu.css.
"""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup, escape


def _fmt(n: float) -> str:
    return f"{n:,.0f}" if float(n).is_integer() else f"{n:,.1f}"


def bar_chart(items: Sequence[tuple[str, float]], *, title: str, width: int = 640,
              bar_height: int = 26, label_width: int = 180) -> Markup:
    """Horizontal bars, one per (label, value), largest scale = the largest value."""
    top = max((v for _, v in items), default=0) or 1
    height = max(1, len(items)) * (bar_height + 8) + 8
    plot = width - label_width - 70
    parts = [f'<svg class="chart bar-chart" viewBox="0 0 {width} {height}" role="img" '
             f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">',
             f"<title>{escape(title)}</title>"]
    for i, (label, value) in enumerate(items):
        y = 8 + i * (bar_height + 8)
        w = max(1.0, plot * value / top) if value else 0
        text = label if len(label) <= 14 else label[:13] + "…"
        parts.append(
            f'<text class="chart-label" x="{label_width - 8}" y="{y + bar_height * 0.7:.1f}" '
            f'text-anchor="end">{escape(text)}</text>'
            f'<rect class="chart-bar s{i % 6}" x="{label_width}" y="{y}" width="{w:.1f}" '
            f'height="{bar_height}" rx="3"><title>{escape(label)}: {_fmt(value)}</title></rect>'
            f'<text class="chart-value" x="{label_width + w + 6:.1f}" '
            f'y="{y + bar_height * 0.7:.1f}">{_fmt(value)}</text>')
    if not items:
        parts.append(f'<text class="chart-label" x="{width / 2}" y="20" '
                     f'text-anchor="middle">—</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def line_chart(labels: Sequence[str], series: Sequence[tuple[str, Sequence[float]]], *,
               title: str, width: int = 720, height: int = 260) -> Markup:
    """One polyline per (name, values) over shared x labels, with a legend and y gridlines."""
    left, right, top_pad, bottom = 48, 16, 28, 34
    plot_w, plot_h = width - left - right, height - top_pad - bottom
    top = max((v for _, vals in series for v in vals), default=0) or 1
    step = _nice_step(top)
    ymax = step * (int(top // step) + 1)
    n = max(1, len(labels) - 1)

    def x(i: int) -> float:
        return left + plot_w * i / n

    def y(v: float) -> float:
        return top_pad + plot_h * (1 - v / ymax)

    parts = [f'<svg class="chart line-chart" viewBox="0 0 {width} {height}" role="img" '
             f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">',
             f"<title>{escape(title)}</title>"]
    v = 0.0
    while v <= ymax + 1e-9:
        parts.append(f'<line class="chart-grid" x1="{left}" x2="{width - right}" '
                     f'y1="{y(v):.1f}" y2="{y(v):.1f}"/>'
                     f'<text class="chart-axis" x="{left - 6}" y="{y(v) + 4:.1f}" '
                     f'text-anchor="end">{_fmt(v)}</text>')
        v += step
    every = max(1, len(labels) // 8)
    for i, label in enumerate(labels):
        if i % every == 0 or i == len(labels) - 1:
            parts.append(f'<text class="chart-axis" x="{x(i):.1f}" y="{height - 12}" '
                         f'text-anchor="middle">{escape(label)}</text>')
    for s, (name, vals) in enumerate(series):
        points = " ".join(f"{x(i):.1f},{y(val):.1f}" for i, val in enumerate(vals))
        parts.append(f'<polyline class="chart-line s{s % 6}" fill="none" points="{points}"/>')
        for i, val in enumerate(vals):
            parts.append(f'<circle class="chart-dot s{s % 6}" cx="{x(i):.1f}" cy="{y(val):.1f}" '
                         f'r="3"><title>{escape(labels[i])} {escape(name)}: {_fmt(val)}'
                         f"</title></circle>")
        lx = left + s * 130
        parts.append(f'<rect class="chart-bar s{s % 6}" x="{lx}" y="6" width="14" height="10"/>'
                     f'<text class="chart-label" x="{lx + 20}" y="15">{escape(name)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def _nice_step(top: float) -> float:
    raw = top / 4
    magnitude = 10 ** len(str(int(raw))) / 10 if raw >= 1 else 1
    for m in (1, 2, 5, 10):
        if raw <= m * magnitude:
            return float(m * magnitude)
    return float(10 * magnitude)
