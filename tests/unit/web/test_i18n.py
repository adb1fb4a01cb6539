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


def test_templates_have_no_chinese_outside_the_catalogue() -> None:
    """Chinese text or punctuation written straight into a template would show on the English
    pages too."""
    jinja = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.S)
    found = []
    for path in (WEB / "templates").rglob("*.html"):
        text = jinja.sub("", path.read_text(encoding="utf-8"))
        text = text.replace('lang="zh-CN">中文</a>', "")  # the switch to Chinese, in Chinese
        # full-width punctuation too: "：" after a translated label reads "Label：value"
        found += [f"{path.name}: {line.strip()}" for line in text.splitlines()
                  if re.search(r"[\u4e00-\u9fff：。，、；（）“”]", line)]
    assert not found, found


def test_formatted_domain_messages_are_translated_with_their_labels() -> None:
    en = i18n.gettext
    assert en("en", "请填写重办理由") == "Please fill in: Why it should be reopened"
    assert en("en", "标题不能超过 200 字") == "Title: at most 200 characters"
    assert en("en", "诉求当前状态为“已办结”，不能执行“补充”") == \
        "The appeal is “Closed”: “Add information” cannot be done now"
    assert en("en", "已超过 30 天的重办申请期限") == \
        "The 30 days in which an appeal can be reopened have passed"
    assert en("en", "单位 D9 不存在") == "Unit D9 does not exist"
    assert en("en", "诉求 12 不存在或您无权查看") == \
        "Appeal 12 does not exist or you may not see it"
    assert en("en", "主办单位 D1 不存在或已停用") == "Lead unit D1 does not exist or is disabled"
    assert en("en", "时长不能超过 250 个工作日") == "The length can be at most 250 working days"
    assert en("en", "谁 3 不存在") == "谁 3 不存在"
    assert en("zh", "请填写重办理由") == "请填写重办理由"
    assert en("en", "请填写没有译文的东西") == "Please fill in: 没有译文的东西"
    assert en("en", "一句没有规则的话") == "一句没有规则的话"
    # a template without an English entry still gets its values
    assert en("en", "第 {n} 页没有译文", n=3) == "第 3 页没有译文"


def test_every_required_text_label_of_the_domain_has_an_english_entry() -> None:
    source = (WEB.parent / "domain" / "appeal.py").read_text(encoding="utf-8")
    labels = set(re.findall(r'_required_text\(args, "\w+", "([^"]+)"', source))
    assert labels, "the pattern no longer finds the labels"
    assert not labels - set(i18n.EN), sorted(labels - set(i18n.EN))


def test_every_deadline_clock_of_the_system_notes_has_an_english_name() -> None:
    from jiesu.domain.appeal import _CLOCK_ZH

    for zh in _CLOCK_ZH.values():
        assert i18n.gettext("en", f"{zh}已超期，系统自动督办").endswith(
            "overdue: supervised automatically"), zh


def test_the_fixed_errors_of_the_appeal_workflow_have_english() -> None:
    """What the state machine, ratings, follow-up, uploads and page guards raise with a fixed
    text shows on pages through the catalogue; a new one without English fails here."""
    src = WEB.parent
    raised = re.compile(r'raise \w+\(\s*"([^"]*[\u4e00-\u9fff][^"]*)"')
    missing = set()
    for path in ("domain/appeal.py", "domain/rating.py", "web/core.py", "services/appeals.py",
                 "services/feedback.py", "web/uploads.py", "services/admin.py",
                 "web/routes/admin.py", "domain/deadlines.py"):
        for message in raised.findall((src / path).read_text(encoding="utf-8")):
            if i18n.gettext("en", message) == message:
                missing.add(f"{path}: {message}")
    assert not missing, sorted(missing)
    assert i18n.gettext("en", "“派单员”无权执行“督办”") == "Dispatcher: not allowed to “Supervise”"


def test_every_error_page_title_has_english() -> None:
    from jiesu.web.app import _ERROR_TITLES

    missing = [t for t in _ERROR_TITLES.values() if i18n.gettext("en", t) == t]
    assert not missing, missing
