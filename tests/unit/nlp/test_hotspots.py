"""Hotspot clustering (jiesu.nlp.hotspots): similar appeals of one area in one window."""

from __future__ import annotations

import csv
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from jiesu.nlp.hotspots import Hotspot, HotspotInput, find_hotspots

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
# These texts are a sentence each, shorter than real appeals: two of them sharing one common
# word (晚上, 小时) are already 0.1 alike, so the tests ask for more than the default (tuned on
# real letters, see the last test) and look at the water hotspot by its key.
SHORT = 0.25
DATA = Path("/work/shared/data/messages_with_votes.csv")

WATER = ["阳光小区3号楼从昨天开始停水，一直没有恢复，老人做饭都成问题",
         "阳光小区停水两天了，物业说是自来水公司的问题，请尽快恢复供水",
         "我家在阳光小区，今天又停水了，也没有提前通知",
         "阳光小区整个小区停水，什么时候能来水？",
         "阳光小区断水一天多了，家里有小孩，请帮忙协调供水"]
# a week of an area's other appeals, each about something else (a hotspot stands out of a
# background; in a handful of texts everything shares 小区 and looks alike)
OTHERS = ["建设路口的红绿灯坏了，早高峰很堵", "学府花园楼下烧烤店油烟太大，晚上开不了窗",
          "孩子明年上小学，请问学区怎么划分", "医院挂号排队三个小时，工作人员态度很差",
          "中山路人行道砖松动，下雨积水", "公交车班次太少，等车要半小时",
          "健身房关门跑路，年卡无法退款", "小区电梯经常停运，物业不修",
          "翠湖苑门口的井盖丢了，晚上很危险", "锦绣华庭楼上装修噪音太大，周末也不停",
          "滨河湾广场舞音响太响，每天到十点", "幸福家园垃圾站三天没人清运，臭味很大",
          "文化街一家餐馆后厨卫生很差，吃完腹泻", "学院路夜间工地打桩，无法入睡",
          "建设新村有人私自扩建院子，占用绿地", "长江路两侧车辆乱停，堵住消防通道",
          "公司拖欠三个月工资，老板联系不上", "异地就医的医保报销要什么材料",
          "养老驿站的护工照顾老人很细心，表扬一下", "解放大道的路灯一排都不亮",
          "人民公园的健身器材坏了，有尖锐部位", "出租车司机拒载还骂人",
          "小区物业乱收停车费，没有公示依据", "地铁站出口的电动车乱停，行人走不过去",
          "菜市场附近的流动摊贩占道经营", "孩子接种疫苗要提前预约吗",
          "低保申请需要准备哪些证明", "河道里有人偷排污水，发黑发臭",
          "景区门票涨价没有提前公示", "楼道里堆满杂物，存在消防隐患"]


def item(n: int, text: str, *, area: int | None = 7, days_ago: float = 1.0,
         who: str | None = None, unhappy: bool = False) -> HotspotInput:
    return HotspotInput(n, text, area, NOW - timedelta(days=days_ago), who or f"1380000{n:04d}",
                        unhappy)


def appeals(area_of_water: int | None = 7) -> list[HotspotInput]:
    out = [item(i, t, area=area_of_water, days_ago=0.5 + i / 2) for i, t in enumerate(WATER)]
    out += [item(100 + i, t, days_ago=1 + i / 3) for i, t in enumerate(OTHERS)]
    return out


def water(items: list[HotspotInput], **kw: object) -> Hotspot:
    [hot] = [h for h in find_hotspots(items, NOW, similarity=SHORT, **kw)  # type: ignore[arg-type]
             if h.key == "h0"]
    return hot


def test_the_appeals_about_one_problem_at_one_place_are_one_hotspot() -> None:
    found = find_hotspots(appeals(), NOW, similarity=SHORT)
    hot = water(appeals())
    assert found[0] == hot  # the hottest
    assert set(hot.appeal_ids) == set(range(len(WATER)))
    assert hot.key == "h0" and hot.area_unit_id == 7
    assert hot.volume == hot.requesters == len(WATER)
    assert list(hot.appeal_ids) == sorted(hot.appeal_ids)  # newest first: ids 0.. are newest
    # the terms are the words the members write, joined from overlapping n-grams
    assert hot.terms[0] == "阳光小区" and "阳光小区" in hot.label
    assert all(t.isalnum() for t in hot.terms)
    assert len(hot.label) <= 60


# Operator-written appeals of one street (the usual hotline text): the place is most of what
# two of them share. Three are about the street lights, in three wordings; six are not.
STREET = "东城区东华门街道人民路阳光小区"
LIGHTS = ["人民路阳光小区门口路灯不亮", "人民路阳光小区门口的路灯坏了，晚上很黑",
          "人民路阳光小区晚上没有路灯，老人出行不便"]
UNRELATED = ["人民路阳光小区门口人行道砖松动", "人民路阳光小区楼下烧烤店油烟扰民",
             "人民路阳光小区附近工地拖欠农民工工资", "人民路阳光小区门口垃圾桶满溢没人清运",
             "人民路阳光小区楼下广场舞噪音扰民", "人民路阳光小区门口车辆乱停堵路"]


def street(texts: list[str]) -> list[HotspotInput]:
    """The texts at STREET in area 7, and the week of another area (8) around them."""
    out = [HotspotInput(i, t, 7, NOW - timedelta(hours=3 + i), f"1390000{i:04d}", False,
                        address=STREET) for i, t in enumerate(texts)]
    return out + [HotspotInput(100 + i, t, 8, NOW - timedelta(days=1 + i / 10),
                               f"1370000{i:04d}", False, address=f"西城区{t[:5]}")
                  for i, t in enumerate(OTHERS)]


@pytest.mark.parametrize("similarity", [0.1, SHORT])
def test_appeals_that_share_only_their_place_are_no_hotspot(similarity: float) -> None:
    """The defect of the demo: 油烟 with 拖欠工资, 路灯 with 人行道砖, because they name one
    street. The place words, known from the address, weigh little."""
    found = find_hotspots(street(UNRELATED), NOW, similarity=similarity)
    assert not [h for h in found if set(h.appeal_ids) & set(range(len(UNRELATED)))]


def test_one_problem_at_one_place_in_different_wordings_is_one_hotspot() -> None:
    found = find_hotspots(street(LIGHTS + UNRELATED), NOW)
    [hot] = [h for h in found if set(h.appeal_ids) & set(range(9))]
    assert sorted(hot.appeal_ids) == [0, 1, 2]  # 路灯不亮 / 路灯坏了 / 没有路灯, no other
    # words of the problem (and the place), not n-grams across words (区门, 的路灯, 晚上很)
    assert hot.terms[0] == "路灯"
    assert not {"区门", "小区门", "区门口", "的路灯", "晚上很", "灯坏了"} & set(hot.terms)


def test_appeals_of_different_categories_are_not_one_hotspot() -> None:
    """An appeal's category, when set, is the city's own word on what the problem is: two
    different ones are never one hotspot; a second-level one agrees with its leaves."""
    codes = ["01.02.003", "01.02", None, "01.02.003", "05.01.001"]
    items = [HotspotInput(i.appeal_id, i.text, i.area_unit_id, i.created_at, i.requester,
                          i.dissatisfied, category=codes[i.appeal_id] if i.appeal_id < 5
                          else None) for i in appeals()]
    assert set(water(items).appeal_ids) == {0, 1, 2, 3}


def test_different_areas_are_not_one_hotspot() -> None:
    split = [HotspotInput(i.appeal_id, i.text, 8 if i.appeal_id in (1, 3) else 7,
                          i.created_at, i.requester, i.dissatisfied) for i in appeals()]
    hot = water(split)
    assert set(hot.appeal_ids) == {0, 2, 4}  # two of the five were in another area
    area = {i.appeal_id: i.area_unit_id for i in split}
    for h in find_hotspots(split, NOW, similarity=SHORT):
        assert {area[a] for a in h.appeal_ids} == {h.area_unit_id}


def test_only_the_window_counts() -> None:
    old = [item(i, t, days_ago=10 + i) for i, t in enumerate(WATER)]
    assert "h0" not in {h.key for h in find_hotspots(old + appeals()[len(WATER):], NOW,
                                                     similarity=SHORT)}
    assert set(water(old + appeals()[len(WATER):], window_days=30).appeal_ids) <= set(
        range(len(WATER)))


def test_heat_counts_people_growth_and_dissatisfaction() -> None:
    base = water(appeals())
    # the same five texts, all from one phone: one requester
    one = [item(i, t, days_ago=0.5 + i / 2, who="13800000000") for i, t in enumerate(WATER)]
    alone = water(one + appeals()[len(WATER):])
    assert alone.requesters == 1 and alone.heat < base.heat
    # dissatisfied requesters make it hotter
    angry = [item(i, t, days_ago=0.5 + i / 2, unhappy=i < 2) for i, t in enumerate(WATER)]
    hot = water(angry + appeals()[len(WATER):])
    assert hot.dissatisfied == 2 and hot.heat == pytest.approx(base.heat * (1 + 2 / 5))
    # growth: every member in the later half of the 7-day window
    assert base.recent == 5 and base.earlier == 0 and base.growth == 5.0
    assert base.heat == pytest.approx(5 * (1 + 5.0))
    spread = [item(i, t, days_ago=1 + i * 1.4) for i, t in enumerate(WATER)]
    calm = water(spread + appeals()[len(WATER):])
    assert calm.earlier > 0 and calm.heat < base.heat


def test_a_title_cut_from_the_content_is_not_repeated_in_the_label() -> None:
    titled = [item(i, f"{t[:10]}\n{t}", days_ago=0.5 + i / 2) for i, t in enumerate(WATER)]
    label = water(titled + appeals()[len(WATER):]).label
    assert label in WATER or label.rstrip("…") in "".join(WATER)
    assert label.count("阳光小区") == 1


def test_too_few_or_empty_input_finds_nothing() -> None:
    assert find_hotspots([], NOW) == []
    assert find_hotspots(appeals()[:2], NOW) == []
    assert find_hotspots(appeals()[:len(WATER)], NOW, min_size=6) == []
    assert find_hotspots([item(1, "？？"), item(2, "！"), item(3, "")], NOW) == []
    with pytest.raises(ValueError):
        find_hotspots(appeals(), NOW, similarity=0)


@pytest.mark.skipif(not DATA.exists(), reason="the shared real data is not on this machine")
def test_real_messages_about_one_mixing_plant_are_one_hotspot() -> None:
    """messages_with_votes.csv: residents of one estate wrote again and again about a concrete
    mixing plant built next to it; those messages must come out as one hotspot of many
    people, not scattered, and not glued to unrelated messages."""
    items = []
    with DATA.open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            when = _parse(row["time"])
            if when is not None:
                items.append(HotspotInput(int(row["id"]), f"{row['title']}\n{row['detail']}",
                                          None, when, row["user"], False))
    now = max(i.created_at for i in items) + timedelta(seconds=1)
    found = find_hotspots(items, now, window_days=4000, limit=1000)
    plant = {i.appeal_id for i in items if "丽发" in i.text and "搅拌" in i.text}
    best = max(found, key=lambda h: len(plant & set(h.appeal_ids)))
    assert len(plant & set(best.appeal_ids)) >= 0.8 * len(plant)
    assert len(set(best.appeal_ids) - plant) <= 0.1 * best.volume
    assert best.requesters >= 40
    assert found.index(best) < 3  # among the hottest


def _parse(text: str) -> datetime | None:
    for fmt in ("%Y/%m/%d %H:%M:%S", "%Y-%m-%d %H:%M:%S"):
        try:
            return datetime.strptime(text.strip(), fmt).replace(tzinfo=UTC)
        except ValueError:
            pass
    return None


def test_texts_that_share_no_ngram_find_nothing_instead_of_failing() -> None:
    """Three appeals with nothing in common left no n-gram to weigh, and TF-IDF raised (a 500
    on /staff/hotspots of a young city)."""
    texts = ["建设路口的红绿灯坏了", "孩子明年上学怎么报名", "医院挂号排队三个小时"]
    assert find_hotspots([item(i, t) for i, t in enumerate(texts)], NOW) == []


# The demo's water outage (jiesu.demo.WATER_OUTAGE): seven residents of one estate in their own
# words. Two stress 没有通知 / 恢复供水, five 高层 / 两天 / 没水; what all of them share is 停水,
# which the rest of the city writes too (the same notice at five other estates), so that the
# two formed a pair of their own beside a hotspot of five.
ESTATE = "城东区东湖街道东湖社区翠湖苑"
OUTAGE = ["翠湖苑小区从昨天晚上开始停水，到现在还没来水，家里老人做饭都成问题。",
          "翠湖苑又停水了，事先没有任何通知，请尽快恢复供水。",
          "翠湖苑这两天水压特别低，高层基本没水，洗澡都洗不了。",
          "翠湖苑停水一整天了，物业说是市政供水管网的问题，请自来水公司尽快处理。",
          "翠湖苑小区停水没有通知，请问什么时候恢复供水？",
          "翠湖苑高层住户家里没水，已经停水两天了，希望尽快解决。",
          "翠湖苑停水两天了，家里一直没水，高层住户生活很不方便。"]
NO_WATER = "01.04.001"  # 城乡建设/供水供电供气供热/停水


def city_week(*ours: HotspotInput) -> list[HotspotInput]:
    """`ours` in area 7 and a city's week around them: OTHERS at three estates each in other
    areas, and the same outage notice at five other estates."""
    rest = [HotspotInput(1000 + k, f"{estate}{text}", 10 + k % 9,
                         NOW - timedelta(hours=5 + k), f"1370000{k:04d}", False,
                         address=f"城西区{estate}")
            for k, (estate, text) in enumerate(
                (e, t) for e in ("锦绣华庭", "滨河湾", "金色港湾") for t in OTHERS)]
    rest += [HotspotInput(2000 + k, f"{e}从早上开始停水，没有任何通知，请问什么时候恢复供水？",
                          20 + k, NOW - timedelta(hours=30 + k), f"1360000{k:04d}", False,
                          address=f"城西区{e}", category=NO_WATER)
             for k, e in enumerate(["绿城花园", "金色家园", "和平里小区", "建设新村", "学府花园"])]
    return [*ours, *rest]


def outage(category: str | None = NO_WATER, address: str = ESTATE) -> list[HotspotInput]:
    return [HotspotInput(k, f"{t[:18]}\n{t}", 7, NOW - timedelta(hours=44 - 7 * k),
                         f"1380001{k:04d}", False, address=address, category=category)
            for k, t in enumerate(OUTAGE)]


def ours(found: list[Hotspot]) -> list[list[int]]:
    return [sorted(i for i in h.appeal_ids if i < 1000) for h in found
            if min(h.appeal_ids) < 1000]


def test_the_letters_of_one_outage_at_one_estate_are_one_hotspot() -> None:
    """All seven, not five and a pair: the pair's centre is as alike to the hotspot's as the
    default similarity asks, and both are 停水 (事项) at a known place. 停水 is what they share,
    and the first of the terms, although common in the window."""
    found = find_hotspots(city_week(*outage()), NOW)
    assert ours(found) == [list(range(7))]
    [hot] = [h for h in found if 0 in h.appeal_ids]
    assert hot.volume == hot.requesters == 7 and hot.terms[0] == "停水"


@pytest.mark.parametrize("category", [None, "01"])
def test_without_a_problem_category_letters_join_by_text_alone(category: str | None) -> None:
    """Uncategorised, or categorised at the first level only (城乡建设: half of all appeals),
    the pair stays apart: the text alone cannot tell it from two letters that name 停水 in
    passing (on long real letters, joining by the centres glued one district's roads)."""
    found = find_hotspots(city_week(*outage(category)), NOW)
    [hot] = [h for h in found if 6 in h.appeal_ids]
    assert 1 not in hot.appeal_ids and 4 not in hot.appeal_ids


def test_letters_that_name_the_outage_in_passing_do_not_join_it() -> None:
    """Two complaints at the estate about other things (its category says so) that mention
    停水: neither joins the hotspot, and they are not one of their own."""
    passing = [HotspotInput(40, "翠湖苑地下车库的灯坏了半个月，上周停水的时候报修过，"
                                "到现在没人来修", 7, NOW - timedelta(hours=5), "13900000040",
                            False, address=ESTATE, category="01.01.001"),
               HotspotInput(41, "翠湖苑南门的快递柜经常坏，停水那天取件排了很长的队", 7,
                            NOW - timedelta(hours=6), "13900000041", False, address=ESTATE,
                            category="08.02.003")]
    found = find_hotspots(city_week(*outage(), *passing), NOW, min_size=2)
    assert ours(found) == [list(range(7))]


def test_noise_from_a_building_site_and_from_a_bar_are_two_problems() -> None:
    """噪音太大 at night in one estate: a building site (施工噪声) is a hotspot, the bar below
    (社会生活噪声) is not joined to it, however alike the words."""
    here = "城东区东湖街道东湖社区幸福家园"
    site = ["幸福家园旁边工地夜里施工，噪音太大，根本睡不着",
            "幸福家园附近工地凌晨还在施工打桩，噪音扰民",
            "幸福家园边上的工地晚上十一点后还在施工，噪音很大"]
    bar = ["幸福家园楼下新开的酒吧噪音太大，每天放音乐到凌晨两点",
           "幸福家园底商酒吧半夜音乐声很大，噪音扰民睡不着"]
    items = [HotspotInput(60 + k, t, 7, NOW - timedelta(hours=3 + k), f"139000000{60 + k}", False,
                          address=here, category="02.01.001") for k, t in enumerate(site)]
    items += [HotspotInput(70 + k, t, 7, NOW - timedelta(hours=8 + k), f"139000000{70 + k}", False,
                           address=here, category="02.01.002") for k, t in enumerate(bar)]
    assert ours(find_hotspots(city_week(*items), NOW)) == [[60, 61, 62]]
