"""Every message the templates and routes pass to the catalogue has an English entry."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from jiesu.domain.errors import InvalidArguments
from jiesu.services import intake_config as ic
from jiesu.store.intake_store import CategoryInfo
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


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_event_type_of_the_audit_filter_is_written_and_named_once(lang: str) -> None:
    """The auditor's 事件 filter offered 评价 twice: "rating", a name no event has ever had (a
    rating is the "rated" event), and "rated"; the first found nothing."""
    from jiesu.domain.appeal import Action
    from jiesu.web.i18n_feedback import ACTION_ZH

    kinds = dict(i18n.choices(lang, "action"))
    assert len(set(kinds.values())) == len(kinds), kinds
    written = ({a.value for a in Action} | set(ACTION_ZH)
               | {"register", "merged_in", "deadline_warning", "deadlines_recomputed"})
    assert set(kinds) <= written, set(kinds) - written


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
    assert en("en", "请选择满意度") == "Please choose: Satisfaction"
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


def test_the_late_follow_up_supervision_note_has_english() -> None:
    from jiesu.domain.appeal import FOLLOWUP_SUPERVISION_NOTE

    assert i18n.gettext("en", FOLLOWUP_SUPERVISION_NOTE).startswith("Follow-up overdue:")


def test_the_fixed_errors_of_the_appeal_workflow_have_english() -> None:
    """What the state machine, ratings, follow-up, uploads and page guards raise with a fixed
    text shows on pages through the catalogue; a new one without English fails here."""
    src = WEB.parent
    raised = re.compile(r'raise \w+\(\s*"([^"]*[\u4e00-\u9fff][^"]*)"')
    missing = set()
    for path in ("domain/appeal.py", "domain/rating.py", "web/core.py", "services/appeals.py",
                 "services/feedback.py", "web/uploads.py", "services/admin.py",
                 "web/routes/admin.py", "domain/deadlines.py", "services/hotspots.py",
                 "web/routes/hotspots.py", "web/routes/rectifications.py",
                 "services/users.py", "services/auth.py", "web/routes/users.py"):
        for message in raised.findall((src / path).read_text(encoding="utf-8")):
            if i18n.gettext("en", message) == message:
                missing.add(f"{path}: {message}")
    assert not missing, sorted(missing)
    assert i18n.gettext("en", "“派单员”无权执行“督办”") == "Dispatcher: not allowed to “Supervise”"


def test_hotspot_messages_with_a_code_or_a_name_are_translated() -> None:
    en = i18n.gettext
    assert en("en", "该热点已转为治理任务 2026050100012") == \
        "This hotspot is governance task 2026050100012 already"
    assert en("en", "已转为治理任务：2026050100012") == "Made governance task 2026050100012"
    assert en("en", "热点预警转为治理任务，交办人：王五") == \
        "Hotspot made a governance task, asked by 王五"
    assert en("en", "备注不能超过 500 字") == "Note: at most 500 characters"


def test_every_error_page_title_has_english() -> None:
    from jiesu.web.app import _ERROR_TITLES

    missing = [t for t in _ERROR_TITLES.values() if i18n.gettext("en", t) == t]
    assert not missing, missing


# --- intake configuration uploads (jiesu.services.intake_config) ------------------------------

_UNITS = {"C": 1, "D1": 2, "W": 5}
_CATS = [CategoryInfo(1, "01", "城乡建设", "城乡建设", 1, True, ""),
         CategoryInfo(2, "01.01", "市政设施", "城乡建设/市政设施", 2, True, "")]


def _square(code: object, ring: object = None) -> dict[str, object]:
    ring = ring or [[116.3, 39.9], [116.4, 39.9], [116.4, 40.0], [116.3, 39.9]]
    return {"type": "Feature", "properties": {"code": code},
            "geometry": {"type": "Polygon", "coordinates": [ring]}}


def _geojson(*features: object) -> None:
    problems = ic._Problems("网格边界")
    ic._check_geojson({"type": "FeatureCollection", "features": list(features)}, problems)
    problems.raise_if_any()


# Every bad upload of the tests' kind, each value the administrator wrote in ASCII: whatever
# Chinese is left in the English message came from jiesu, not from the upload.
_BAD_UPLOADS: list[Callable[[], object]] = [
    lambda: ic._validate_routing(ic.parse_routing(
        '{"rules": [{"category": "99", "unit": "NOPE"}, {"unit": "W"}, {"area": "ZZ"},'
        ' {"categry": "01", "unit": "W"}, {"category": "01", "unit": "W"},'
        ' {"category": "01", "unit": "D1"}, {"category": 1, "unit": "W"}, "x"]}'),
        _UNITS, _CATS),
    lambda: ic.parse_routing("category,area\n01,D1\n"),
    lambda: ic.parse_routing('[{"unit": "W",}]'),
    lambda: ic.parse_routing('{"routes": []}'),
    lambda: ic.parse_routing("[" * 100_000),
    lambda: ic.parse_routing("category,unit\n01,W\n\"" + "x" * 200_000 + "\",W\n"),
    lambda: ic.validate_urgency(ic._json_items([
        {"name": "a", "keywords": "gas", "level": "high", "transfer_to": "119"},
        {"name": "b", "keywords": ["fire", " "], "level": "urgent", "messge": "x",
         "message": 5, "exclude": "x"},
        {"keywords": ["flood"], "level": "urgent"}, "x",
        {"name": "d", "keywords": ["well"], "level": "urgent"},
        {"name": "d", "keywords": ["well"], "level": "urgent"}], "紧急规则")),
    lambda: ic.parse_urgency("name = "),
    lambda: ic.parse_gazetteer("code,name,level,parent_code,aliases\nD1,A,district,,\n"
                               "G1,B,grid,NOPE,\nX1,,town,D1,\n,C,street,D1,\n"
                               "D1,D,district,,\nS1,E,street,G1,\n"),
    lambda: ic.parse_gazetteer("code,name\nD1,A\n"),
    lambda: ic.parse_gazetteer(""),
    lambda: ic.parse_gazetteer("code,name,level\n"),
    lambda: _geojson(_square("D1", [[39.9, 116.3], [39.9, 116.4], [40.0, 116.4]]),
                     _square(None), _square("D1"), "x", _square("W", [[1, 2]]),
                     _square("C", [["a", "b"], [1, 2], [3, 4]]),
                     {"type": "Feature", "properties": {"code": "X"},
                      "geometry": {"type": "LineString", "coordinates": []}},
                     {"type": "Feature", "properties": {"code": "Y"},
                      "geometry": {"type": "Polygon", "coordinates": []}},
                     {"type": "Feature", "properties": {"code": "Z"},
                      "geometry": {"type": "Polygon", "coordinates": [[]]}}),
    lambda: ic.parse_geojson("{"),
    lambda: ic.parse_geojson("[]"),
    lambda: ic._check_geojson({"type": "Feature"}, ic._Problems("网格边界")),
    lambda: ic._check_geojson({"type": "FeatureCollection", "features": []},
                              ic._Problems("网格边界")),
    lambda: ic._validate_keywords(ic.parse_keywords(
        '[{"category": "99", "keywords": ["x"]}, {"category": "01", "keywords": ["a", "bc"]},'
        ' {"category": "01", "keywords": ["de"]}, {"category": "01.01", "keywords": 5},'
        ' {"cat": "01"}]'), _CATS),
    lambda: ic.parse_keywords('"x"'),
    lambda: ic.parse_keywords("category\n01\n"),
]

# Chinese that the English message keeps on purpose: names of levels an administrator may
# write in a gazetteer, the 、 separator itself, and examples of a category and of keywords
_KEPT = ("区, 街道, 社区, 网格", "、", "城乡建设/市政设施", '"燃气泄漏", "煤气泄漏"')


@pytest.mark.parametrize("upload", range(len(_BAD_UPLOADS)))
def test_every_intake_configuration_problem_has_english(upload: int) -> None:
    with pytest.raises(InvalidArguments) as raised:
        _BAD_UPLOADS[upload]()
    # the message shows the first few problems; each of the others alone, as if it came first
    shown = [raised.value.message] + [f"地名表有 1 处问题，未作任何修改：{problem}"
                                      for problem in raised.value.details.get("problems", [])]
    for message in shown:
        english = rest = i18n.gettext("en", message)
        for kept in _KEPT:
            rest = rest.replace(kept, "")
        assert not re.search(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]", rest), \
            (message, english)
        assert i18n.gettext("zh", message) == message


def test_intake_configuration_messages_name_each_place_in_english() -> None:
    message = ("路由规则有 3 处问题，未作任何修改："
               "第 2 行：分类 X1 不存在（填分类编码或完整名称）；"
               "第 3 条（gas）：规则名称 gas 重复；第 4 行：与第 2 行的分类和区域相同；另有 5 处")
    assert i18n.gettext("en", message) == (
        "Routing rules: 3 problem(s), nothing was changed: "
        "line 2: category X1 does not exist (give its code or its full name); "
        "item 3 (gas): the rule name gas is used twice; "
        "line 4: same category and area as line 2; and 5 more")
    assert i18n.gettext("en", ic._unknown_kind("foo")).startswith(
        "“foo” is not a kind of setting; use routing, ")


def test_every_done_message_names_the_action_and_appeal_in_english() -> None:
    from jiesu.domain.appeal import Action
    from jiesu.web.staff import done_message

    for action in [a.value for a in Action] + ["no_such_action"]:
        message = done_message(action, "2026112600123")
        assert message.startswith("已") and message.endswith("：2026112600123"), message
        english = i18n.gettext("en", message)
        assert english.endswith(": 2026112600123"), (message, english)
        assert not re.search(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]", english), english
    assert i18n.gettext("en", done_message("dispatch", "2026112600123")) == (
        "Dispatched: 2026112600123")


def test_every_staff_tab_label_has_an_english_translation() -> None:
    """Tab labels live in the routes, where the template check above does not look."""
    from jiesu.web.routes import analyst, dispatcher, handler, rectifications, supervisor

    labels = {v[0] for m in (dispatcher, handler, supervisor) for v in m.TABS.values()}
    labels |= {v[0] for tabs in (rectifications.UNIT_TABS, rectifications.BOARD_TABS)
               for v in tabs.values()}
    labels |= {label for _, label in analyst.TABS}
    assert not labels - set(i18n.EN), sorted(labels - set(i18n.EN))


def test_every_dispatcher_decision_the_unit_reads_has_english() -> None:
    """What the inbox and the appeal page say of a refused request (domain.notices), passed to
    the catalogue as values, not literals the template scan finds."""
    from jiesu.domain.notices import UNIT_DECISIONS

    for d in UNIT_DECISIONS.values():
        for zh in (d.what, d.todo, d.label):
            assert zh in i18n.EN, zh


@pytest.mark.parametrize("text", ["2026-13", "2026-1", "last month", "2026-03-05..2026-03-01",
                                  "2000-01-01..2026-01-01"])
def test_every_period_error_has_english(text: str) -> None:
    """A period an analyst mistyped (万人诉求比 tab, 通报 month) is refused in English too,
    with nothing of the Chinese message left."""
    from jiesu.domain.errors import DomainError
    from jiesu.domain.kpi import parse_period

    with pytest.raises(DomainError) as caught:
        parse_period(text)
    english = i18n.gettext("en", caught.value.message)
    assert not re.search(r"[\u4e00-\u9fff]", english), english


def test_an_unknown_ranking_group_is_refused_in_english() -> None:
    from jiesu.domain.errors import DomainError
    from jiesu.domain.population import check_area_group

    with pytest.raises(DomainError) as caught:
        check_area_group("foo")
    english = i18n.gettext("en", caught.value.message)
    assert english.startswith("The group “foo” is not valid"), english
    assert not re.search(r"[\u4e00-\u9fff]", english), english


def test_no_catalogue_of_an_area_is_overruled_by_another() -> None:
    """The catalogues are merged first come first served: an entry another one already has
    is silently dropped (the configuration log's "Action" column read "Actions")."""
    overruled = {(m.__name__, zh): (en, i18n.EN[zh])
                 for m in (i18n.i18n_policies, i18n.i18n_knowledge, i18n.i18n_grid,
                           i18n.i18n_feedback, i18n.i18n_population, i18n.i18n_users,
                           i18n.i18n_audit, i18n.i18n_admin, i18n.i18n_public)
                 for zh, en in m.EN.items() if i18n.EN[zh] != en}
    assert not overruled, overruled
