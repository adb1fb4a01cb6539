"""Every message the templates and routes pass to the catalogue has an English entry."""

from __future__ import annotations

import re
from pathlib import Path

from jiesu.web import i18n
from jiesu.web.core import NAV

WEB = Path(i18n.__file__).parent
MESSAGE = re.compile(r"""_\(\s*(['"])([^'"]*[\u4e00-\u9fff][^'"]*)\1""")


def test_every_template_message_has_an_english_translation() -> None:
    missing = set()
    for path in (WEB / "templates").rglob("*.html"):
        for _, message in MESSAGE.findall(path.read_text(encoding="utf-8")):
            if message not in i18n.EN:
                missing.add(f"{path.name}: {message}")
    for items in NAV.values():
        missing |= {f"nav: {label}" for _, label in items if label not in i18n.EN}
    assert not missing, sorted(missing)


def test_labels_fall_back_and_translate() -> None:
    assert i18n.label("zh", "status", "closed") == "已办结"
    assert i18n.label("en", "status", "closed") == "Closed"
    assert i18n.gettext("en", "提交") == "Submit"
    assert i18n.gettext("en", "没有这条消息") == "没有这条消息"
