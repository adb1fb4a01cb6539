"""Small SVG charts drawn on the server: nothing to download, works offline and on a big screen.

Each function returns an accessible <svg> (role="img", a <title>, and the numbers as text) that
scales with its container (viewBox). Colours come from CSS classes in jiesu.css.
"""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup, escape


def _fmt(n: float) -> str:
    return f"{n:,.0f}" if float(n).is_integer() else f"{n:,.1f}"


def bar_chart(items: Sequence[tuple[str, float]], *, title: str, empty: str = "—") -> Markup:
    """Horizontal bars, one row per (label, value), the longest bar for the largest value.

    The label and the figure are HTML text, so they keep the page's font size at any width (a
    whole chart drawn as one scaled SVG put 13 px labels at about 6 px on a phone); only the
    bar itself is an SVG, stretched across its share of the row. `empty` is said when there is
    nothing to draw.
    """
    if not items:
        return Markup(f'<p class="muted bar-chart-empty">{escape(empty)}</p>')
    top = max((v for _, v in items), default=0) or 1
    rows = []
    for i, (label, value) in enumerate(items):
        share = max(0.5, 100 * value / top) if value else 0
        rows.append(
            f'<li><span class="bar-label" title="{escape(label)}">{escape(label)}</span>'
            f'<svg class="bar-track" viewBox="0 0 100 10" preserveAspectRatio="none" '
            f'aria-hidden="true" focusable="false"><rect class="chart-bar s{i % 6}" '
            f'width="{share:.2f}" height="10"/></svg>'
            f'<span class="bar-value">{_fmt(value)}</span></li>')
    return Markup(f'<figure class="bar-chart"><figcaption class="sr">{escape(title)}'
                  f'</figcaption><ul class="bars">{"".join(rows)}</ul></figure>')


def line_chart(labels: Sequence[str], series: Sequence[tuple[str, Sequence[float]]], *,
               title: str) -> Markup:
    """One polyline per (name, values) over shared x labels, with a legend and y gridlines:
    drawn twice, wide for a desktop and compact for a phone (CSS shows one). An SVG scales its
    text with its width, so a 720-unit-wide chart on a 330 px phone card has 5 px labels; the
    compact one is drawn about as wide as that card, with fewer dates under it."""
    return Markup(_line_svg(labels, series, title=title, width=720, height=260, css="wide",
                            ticks=8, legend_step=130)
                  + _line_svg(labels, series, title=title, width=340, height=230,
                              css="compact", ticks=4, legend_step=100))


def _line_svg(labels: Sequence[str], series: Sequence[tuple[str, Sequence[float]]], *,
              title: str, width: int, height: int, css: str, ticks: int,
              legend_step: int) -> str:
    left, right, top_pad, bottom = ((48, 16) if css == "wide" else (40, 22)) + (28, 34)
    plot_w, plot_h = width - left - right, height - top_pad - bottom
    top = max((v for _, vals in series for v in vals), default=0) or 1
    step = _nice_step(top)
    ymax = step * (int(top // step) + 1)
    n = max(1, len(labels) - 1)

    def x(i: int) -> float:
        return left + plot_w * i / n

    def y(v: float) -> float:
        return top_pad + plot_h * (1 - v / ymax)

    parts = [f'<svg class="chart line-chart {css}" viewBox="0 0 {width} {height}" role="img" '
             f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">',
             f"<title>{escape(title)}</title>"]
    v = 0.0
    while v <= ymax + 1e-9:
        parts.append(f'<line class="chart-grid" x1="{left}" x2="{width - right}" '
                     f'y1="{y(v):.1f}" y2="{y(v):.1f}"/>'
                     f'<text class="chart-axis" x="{left - 6}" y="{y(v) + 4:.1f}" '
                     f'text-anchor="end">{_fmt(v)}</text>')
        v += step
    every, last = max(1, len(labels) // ticks), len(labels) - 1
    for i, label in enumerate(labels):
        # the last date is always named; a tick just before it would overlap it
        if i == last or (i % every == 0 and last - i >= every / 2):
            parts.append(f'<text class="chart-axis" x="{x(i):.1f}" y="{height - 12}" '
                         f'text-anchor="middle">{escape(label)}</text>')
    for s, (name, vals) in enumerate(series):
        points = " ".join(f"{x(i):.1f},{y(val):.1f}" for i, val in enumerate(vals))
        parts.append(f'<polyline class="chart-line s{s % 6}" fill="none" points="{points}"/>')
        for i, val in enumerate(vals):
            parts.append(f'<circle class="chart-dot s{s % 6}" cx="{x(i):.1f}" cy="{y(val):.1f}" '
                         f'r="3"><title>{escape(labels[i])} {escape(name)}: {_fmt(val)}'
                         f"</title></circle>")
        lx = left + s * legend_step
        parts.append(f'<rect class="chart-bar s{s % 6}" x="{lx}" y="6" width="14" height="10"/>'
                     f'<text class="chart-label" x="{lx + 20}" y="15">{escape(name)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _nice_step(top: float) -> float:
    raw = top / 4
    magnitude = 10 ** len(str(int(raw))) / 10 if raw >= 1 else 1
    for m in (1, 2, 5, 10):
        if raw <= m * magnitude:
            return float(m * magnitude)
    return float(10 * magnitude)
