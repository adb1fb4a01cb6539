"""Messages are announced without a browser: in every template, an element styled as a message
(`flash`) says how, role="alert" for an error and role="status" for any other."""

from __future__ import annotations

import re
from pathlib import Path

from jiesu.web import i18n

TEMPLATES = Path(i18n.__file__).parent / "templates"
TAG = re.compile(r"<\w+[^>]*\bclass=\"(?:[^\"]*\s)?flash(?:\s[^\"]*)?\"[^>]*>")


def test_every_message_has_its_role() -> None:
    wrong = []
    tags = 0
    for path in sorted(TEMPLATES.rglob("*.html")):
        for tag in TAG.findall(path.read_text(encoding="utf-8")):
            tags += 1
            classes = re.search(r'class="([^"]*)"', tag).group(1).split()  # type: ignore[union-attr]
            role = re.search(r'\brole="([^"]*)"', tag)
            if "flash-error" in classes:
                ok = role is not None and role.group(1) == "alert"
            else:  # base.html chooses by the message's kind
                ok = role is not None and role.group(1) in ("status", "{{ 'alert' if kind == "
                                                            "'error' else 'status' }}")
            if not ok:
                wrong.append(f"{path.relative_to(TEMPLATES)}: {tag}")
    assert tags > 20  # the pattern finds the messages
    assert not wrong, "\n".join(wrong)
