"""Text colours of jiesu.css reach 4.5:1 (WCAG AA) without a browser: every rule that sets a
text colour and a background (status badges, tags, messages, the header) against that
background, and the text classes that sit on a card against white. The browser walk
(tests/browser/test_accessibility.py) measures only what its pages happen to show."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from jiesu.web import i18n

CSS = re.sub(r"/\*.*?\*/", "", (Path(i18n.__file__).parent / "static" / "jiesu.css")
             .read_text(encoding="utf-8"), flags=re.S)
RULE = re.compile(r"([^{}]+)\{([^{}]*)\}")
# the big-screen dashboard (大屏) has dark cards of its own: its text is measured against them
DARK = ".big-screen"
DARK_CARD = "16263a"
# what the dashboard shows in a text class of its own (the warnings, the figures); and the text
# classes a card of it may come to show (.good: the green of the audit check's 完好)
DARK_TEXT = (".muted", ".red", ".mark.red", ".mark.yellow", ".figure-n", ".figure.red .figure-n",
             ".figure.yellow .figure-n", ".good")
ON_WHITE = (".muted", ".red", ".good", ".mark.yellow", ".mark.red", ".figure.yellow .figure-n",
            ".rating-stars", ".field-error", ".check-unmet", ".warn", "a")


def _vars(selector: str = ":root") -> dict[str, str]:
    body = "".join(b for sel, b in RULE.findall(CSS) if sel.strip() == selector)
    return dict(re.findall(r"--([\w-]+):\s*([^;]+);", body))


def _hex(value: str, names: dict[str, str]) -> str | None:
    value = value.strip()
    m = re.fullmatch(r"var\(--([\w-]+)\)", value)
    if m:
        value = names[m.group(1)].strip()
    if not re.fullmatch(r"#[0-9a-fA-F]{3}|#[0-9a-fA-F]{6}", value):
        return None  # rgba(), inherit: not measured here
    v = value[1:]
    return "".join(c * 2 for c in v) if len(v) == 3 else v


def ratio(a: str, b: str) -> float:
    def lum(h: str) -> float:
        rgb = [int(h[i:i + 2], 16) / 255 for i in (0, 2, 4)]
        lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
        return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]
    hi, lo = sorted((lum(a), lum(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def _pairs() -> list[tuple[str, str, str]]:
    """(selector, text colour, background) of each rule that sets both, or a text class on
    white."""
    names = _vars()
    dark = names | {k: names.get(v[6:-1], v) if v.startswith("var(--") else v
                    for k, v in _vars(DARK).items()}
    out = []
    for selectors, body in RULE.findall(CSS):
        decl = dict((k.strip(), v.strip()) for k, v in re.findall(r"([\w-]+)\s*:\s*([^;]+)", body))
        for sel in (s.strip() for s in selectors.split(",")):
            on_dark = sel.startswith(DARK + " ")
            color = _hex(decl.get("color", ""), dark if on_dark else names)
            if color is None or ":hover" in sel:
                continue
            back = decl.get("background-color", decl.get("background", ""))
            if back:
                bg = _hex(back, dark if on_dark else names)
            elif on_dark:
                bg = DARK_CARD
            else:
                bg = "ffffff" if sel in ON_WHITE else None
            if bg is not None and sel != DARK:
                out.append((sel, color, bg))
    # the dashboard's text classes in the big screen's colours, on its cards
    for sel in DARK_TEXT:
        rule = next((b for s, b in RULE.findall(CSS) if s.strip() == sel), "")
        m = re.search(r"(?<![\w-])color:\s*([^;]+)", rule)
        color = _hex(m.group(1), dark) if m else None
        if color and not any(s == f"{DARK} {sel}" for s, _, _ in out):
            out.append((f"{DARK} {sel}", color, DARK_CARD))
    return out


def test_the_pairs_are_found() -> None:
    found = {sel for sel, _, _ in _pairs()}
    assert {".sup-yellow", ".st-registered", ".flash-error", ".top", ".mark.yellow",
            ".button.primary", ".tag.urgent"} <= found, sorted(found)


@pytest.mark.parametrize(("selector", "color", "background"), _pairs())
def test_text_reaches_4_5_to_1(selector: str, color: str, background: str) -> None:
    assert ratio(color, background) >= 4.5, (
        f"{selector}: #{color} on #{background} is {ratio(color, background):.2f}:1")
