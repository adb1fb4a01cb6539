"""`jiesu demo`: a demo city with a unit tree, a user for every role, the taxonomy and a few
hundred realistic appeals in every status (some overdue), built through the real services."""

from __future__ import annotations

import csv
import random
import tempfile
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape

from jiesu.adapters.calendar_source import CalendarYearUnavailable, official_year
from jiesu.config import Settings
from jiesu.domain.appeal import Actor, Role
from jiesu.domain.enterprise import uscc_check_char
from jiesu.domain.errors import DomainError
from jiesu.runtime import Runtime
from jiesu.services.admin import AdminService
from jiesu.services.appeals import NewAppeal
from jiesu.services.clock import utcnow
from jiesu.services.exchange import ImportService
from jiesu.services.import_mapping import parse_mapping
from jiesu.services.intake_config import IntakeConfigService
from jiesu.services.knowledge import ArticleInput
from jiesu.services.policies import PolicyService
from jiesu.services.policy_inputs import EnterpriseInput, PolicyInput
from jiesu.store import lookups
from jiesu.store.migrate import upgrade

TAXONOMY = Path(__file__).parent / "data" / "taxonomy_default.csv"
DEMO_PASSWORD = "jiesu-demo"

DISTRICTS = [
    ("D01", "城东区", [("东湖街道", ["东湖社区", "桃园社区"]), ("朝阳门街道", ["文化里社区"])]),
    ("D02", "城西区", [("西山街道", ["西山社区", "玉泉社区"]), ("金融街街道", ["丰盛社区"])]),
    ("D03", "高新区", [("科技城街道", ["创新社区", "软件园社区"])]),
    ("D04", "滨江区", [("滨江街道", ["江岸社区", "渔港社区"]), ("白沙镇", ["白沙村"])]),
]
DEPARTMENTS = [
    ("B01", "市住房和城乡建设委员会", "department"),
    ("B02", "市城市管理委员会", "department"),
    ("B03", "市交通运输局", "department"),
    ("B04", "市生态环境局", "department"),
    ("B05", "市人力资源和社会保障局", "department"),
    ("B06", "市教育委员会", "department"),
    ("B07", "市卫生健康委员会", "department"),
    ("B08", "市市场监督管理局", "department"),
    ("B09", "市工业和信息化局", "department"),
    ("E01", "市自来水集团", "enterprise"),
    ("E02", "市供电公司", "enterprise"),
    ("E03", "市燃气集团", "enterprise"),
    ("E04", "市热力集团", "enterprise"),
]

# (category path, kind, text templates, who handles it: "district" or a unit code)
PROBLEMS: list[tuple[str, str, list[str], str]] = [
    ("城乡建设/市政设施/路灯照明", "complaint",
     ["{place}门口的路灯坏了一个多月，晚上出行很不安全，希望尽快维修。",
      "{place}附近一排路灯晚上不亮，老人孩子走路容易摔倒。"], "district"),
    ("城乡建设/市政设施/道路破损", "complaint",
     ["{road}人行道砖松动破损，下雨后积水严重，请相关部门修复。",
      "{road}路面出现大坑，电动车经过多次摔倒。"], "district"),
    ("城乡建设/市政设施/井盖缺失", "report",
     ["{road}与{road2}交叉口有一个井盖缺失，只用树枝挡着，非常危险。"], "district"),
    ("城乡建设/物业管理/电梯故障", "help",
     ["{place}3号楼电梯经常停运，楼里有行动不便的老人，物业一直不修。"], "district"),
    ("城乡建设/物业管理/物业服务", "complaint",
     ["{place}物业不作为，楼道垃圾堆积一周无人清理。"], "district"),
    ("城乡建设/供水供电供气供热/停水", "help",
     ["{place}从早上开始停水，没有任何通知，请问什么时候恢复供水？"], "E01"),
    ("城乡建设/供水供电供气供热/停电", "help",
     ["{place}整栋楼停电三个小时了，冰箱里的药品需要冷藏，请尽快抢修。"], "E02"),
    ("城乡建设/供水供电供气供热/供暖不热", "complaint",
     ["{place}家中暖气温度只有十四度，老人孩子受冻，多次联系热力公司无果。"], "E04"),
    ("城乡建设/供水供电供气供热/燃气", "consult",
     ["想咨询一下{place}燃气开户需要带哪些材料？"], "E03"),
    ("城乡建设/违法建设/违章搭建", "report",
     ["{place}一楼住户私自扩建院子，占用公共绿地，影响其他居民通行。"], "district"),
    ("环境保护/噪声污染/施工噪声", "complaint",
     ["{road}旁工地夜间十一点后仍在施工，噪音严重影响休息。",
      "{place}附近工地凌晨还在打桩，已经连续一周，孩子无法入睡。"], "B04"),
    ("环境保护/噪声污染/社会生活噪声", "complaint",
     ["{place}楼下广场舞音响声音太大，每天晚上到十点。"], "district"),
    ("环境保护/大气污染/油烟扰民", "complaint",
     ["{road}一家烧烤店油烟直排，楼上住户不能开窗。"], "district"),
    ("环境保护/垃圾处理/垃圾清运", "complaint",
     ["{place}垃圾站三天没有清运，气味很大，招来很多蚊虫。"], "district"),
    ("交通运输/公共交通/公交线路", "suggestion",
     ["建议增加从{place}到地铁站的公交班次，早高峰等车超过半小时。"], "B03"),
    ("交通运输/道路交通/停车管理", "complaint",
     ["{road}两侧长期有车辆乱停，占用消防通道。"], "district"),
    ("交通运输/道路交通/交通信号灯", "report",
     ["{road}与{road2}路口信号灯故障，一直闪黄灯，车辆通行混乱。"], "B03"),
    ("劳动和社会保障/劳动关系/拖欠工资", "help",
     ["我在{road}一家装修公司打工，老板拖欠三个月工资共一万二千元，请帮忙讨薪。"], "B05"),
    ("劳动和社会保障/社会保险/医保报销", "consult",
     ["异地就医的医保报销需要办理什么手续？在{place}可以办理吗？"], "B05"),
    ("教育文体/中小学教育/招生入学", "consult",
     ["孩子明年上小学，户籍在{place}，请问学区划分和报名时间？"], "B06"),
    ("教育文体/文体设施/健身器材", "help",
     ["{place}健身器材损坏，有尖锐部位，担心孩子受伤。"], "district"),
    ("卫生计生/医疗服务/医院服务", "complaint",
     ["在市第一医院挂号排队三个小时，工作人员态度恶劣。"], "B07"),
    ("商贸旅游/市场监管/食品安全", "report",
     ["{road}一家餐馆后厨卫生很差，吃完后全家腹泻。"], "B08"),
    ("商贸旅游/市场监管/消费纠纷", "complaint",
     ["在{road}健身房办了年卡，现在门店关门跑路，要求退款。"], "B08"),
    ("民政服务/养老服务/养老机构", "praise",
     ["{place}养老驿站工作人员照顾老人非常细心，特此表扬。"], "district"),
    ("公共安全/消防安全/消防通道堵塞", "report",
     ["{place}消防通道被电动车和杂物堵死，存在严重安全隐患。"], "district"),
]
# Who handles a district's category (属地): the share of its appeals the street (街道) of the
# address leads, the rest going to the district itself. Day-to-day matters of a neighbourhood
# are the street's; works on roads and buildings the district's. Not listed: half and half.
STREET_SHARE: dict[str, float] = {
    "城乡建设/市政设施/路灯照明": 0.9,
    "城乡建设/物业管理/电梯故障": 0.9,
    "城乡建设/物业管理/物业服务": 0.9,
    "环境保护/噪声污染/社会生活噪声": 0.9,
    "环境保护/垃圾处理/垃圾清运": 0.85,
    "交通运输/道路交通/停车管理": 0.85,
    "教育文体/文体设施/健身器材": 0.9,
    "民政服务/养老服务/养老机构": 0.9,
    "公共安全/消防安全/消防通道堵塞": 0.85,
    "城乡建设/市政设施/道路破损": 0.1,
    "城乡建设/市政设施/井盖缺失": 0.15,
    "城乡建设/违法建设/违章搭建": 0.1,
}
# Closed appeals the demo city brought over from its former hotline system (历史工单, imported
# with `jiesu import`), which the unit suggestion learns from: a year's worth for a city of
# this size would be tens of thousands; this many is enough for the busier categories of each
# street to be suggested with confidence, and few enough to import in a second or two.
HISTORY_APPEALS = 2400
# relative frequency of the problems in that history (12345 calls are dominated by a few)
HISTORY_WEIGHT = {"城乡建设/市政设施/路灯照明": 4, "城乡建设/物业管理/物业服务": 4,
                  "环境保护/噪声污染/社会生活噪声": 3, "交通运输/道路交通/停车管理": 3,
                  "环境保护/垃圾处理/垃圾清运": 3, "城乡建设/市政设施/道路破损": 3}

# What a city's administrator types into 智能受理 → 分类关键词 before any model is trained: the
# keyword cold start then suggests a leaf category for each new appeal.
KEYWORDS: dict[str, list[str]] = {
    "城乡建设/市政设施/路灯照明": ["路灯", "灯不亮", "照明"],
    "城乡建设/市政设施/道路破损": ["路面", "大坑", "人行道", "破损"],
    "城乡建设/市政设施/井盖缺失": ["井盖"],
    "城乡建设/物业管理/物业服务": ["物业", "楼道"],
    "城乡建设/物业管理/电梯故障": ["电梯"],
    "城乡建设/房屋管理/房屋质量": ["漏水", "墙体开裂", "房屋质量"],
    "城乡建设/供水供电供气供热/停水": ["停水", "供水", "水压"],
    "城乡建设/供水供电供气供热/停电": ["停电", "断电", "供电"],
    "城乡建设/供水供电供气供热/燃气": ["燃气", "天然气", "煤气"],
    "城乡建设/供水供电供气供热/供暖不热": ["暖气", "供暖", "不热"],
    "城乡建设/违法建设/违章搭建": ["违建", "私自扩建", "违章搭建"],
    "环境保护/噪声污染/施工噪声": ["施工", "工地", "打桩"],
    "环境保护/噪声污染/社会生活噪声": ["广场舞", "音响", "噪音扰民"],
    "环境保护/大气污染/油烟扰民": ["油烟", "烧烤"],
    "环境保护/大气污染/扬尘": ["扬尘", "灰尘"],
    "环境保护/水污染/河道污染": ["河道", "排污", "黑臭"],
    "环境保护/垃圾处理/垃圾清运": ["垃圾", "清运"],
    "交通运输/公共交通/公交线路": ["公交", "班次", "地铁"],
    "交通运输/公共交通/出租车服务": ["出租车", "网约车", "拒载"],
    "交通运输/道路交通/交通信号灯": ["信号灯", "红绿灯"],
    "交通运输/道路交通/停车管理": ["停车", "乱停"],
    "劳动和社会保障/劳动关系/拖欠工资": ["工资", "讨薪", "欠薪"],
    "劳动和社会保障/社会保险/医保报销": ["医保", "报销"],
    "劳动和社会保障/社会保险/养老保险": ["养老保险", "社保"],
    "教育文体/学前教育/入园难": ["幼儿园", "入园"],
    "教育文体/中小学教育/招生入学": ["上小学", "学区", "入学", "招生"],
    "教育文体/文体设施/健身器材": ["健身器材", "健身设施"],
    "卫生计生/医疗服务/医院服务": ["医院", "挂号", "医生"],
    "卫生计生/公共卫生/疫苗接种": ["疫苗", "接种"],
    "商贸旅游/市场监管/食品安全": ["食品", "餐馆", "腹泻", "后厨"],
    "商贸旅游/市场监管/消费纠纷": ["退款", "跑路", "年卡", "消费"],
    "商贸旅游/旅游服务/景区管理": ["景区", "门票", "导游"],
    "公共安全/消防安全/消防通道堵塞": ["消防通道", "堵死"],
    "公共安全/治安管理/治安隐患": ["治安", "小偷"],
    "民政服务/养老服务/养老机构": ["养老院", "养老驿站"],
    "民政服务/社会救助/低保申请": ["低保", "救助"],
}

PLACES = ["阳光小区", "幸福家园", "金色港湾", "绿城花园", "和平里小区", "翠湖苑", "建设新村",
          "滨河湾", "学府花园", "锦绣华庭"]
ROADS = ["人民路", "解放大道", "建设路", "长江路", "文化街", "中山路", "滨江大道", "学院路"]
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
CHANNELS = ["hotline"] * 6 + ["web", "mobile", "grid_patrol", "enterprise"]
LOCATED_CHANNELS = frozenset({"web", "mobile", "grid_patrol"})  # these send the phone's position
# The demo map: each community is one grid (网格), a square about 1 km a side; districts lie
# side by side west to east, their streets south to north, a street's communities west to east.
GRID_ORIGIN = (113.00, 28.20)  # longitude, latitude of the south-west corner
GRID_SIDE = 0.01
REPLIES = {
    "solved": "经现场核实，问题已处理完毕，已与诉求人沟通确认。",
    "explained": "已向诉求人详细解释相关政策和办理流程。",
}


@dataclass
class DemoUsers:
    rows: list[tuple[str, str, str]]  # username, role, unit


def build_demo(settings: Settings, *, appeals: int = 300, seed: int = 12345,
               out: Console | None = None) -> Runtime:
    """Create (or reuse) the demo city in the configured database."""
    out = out or Console()
    upgrade(settings.database_url)
    rt = Runtime.create(settings)
    with rt.db.uow(write=False) as uow:
        has_units = bool(lookups.all_units(uow.session))
    if has_units:
        out.print("数据库中已有数据，直接使用现有示范城市（如需重建，请删除 jiesu.db 后重试）。")
    else:
        _build(rt, appeals=appeals, seed=seed, out=out)
    _print_users(rt, out)
    return rt


def _build(rt: Runtime, *, appeals: int, seed: int, out: Console) -> None:
    admin = AdminService(rt.db, rt.rules)
    now = utcnow()
    out.print("正在创建示范城市：单位树、用户、事项分类、工作日历……")
    admin.add_unit("C", f"{rt.settings.city_name}", group="city")
    district_units: dict[str, list[str]] = {}
    for n, (code, name, streets) in enumerate(DISTRICTS, start=1):
        # duty phones (值班电话): deadline warnings of a district's streets are texted here
        admin.add_unit(code, name, parent_code="C", group="district",
                       contact_phone=f"0106600{n:04d}")
        district_units[code] = [code]
        for i, (street, communities) in enumerate(streets, start=1):
            s_code = f"{code}S{i}"
            admin.add_unit(s_code, street, parent_code=code, group="street")
            district_units[code].append(s_code)
            for j, community in enumerate(communities, start=1):
                admin.add_unit(f"{s_code}C{j}", community, parent_code=s_code, group="community")
                admin.add_unit(f"{s_code}C{j}G1", f"{community}第一网格",
                               parent_code=f"{s_code}C{j}", group="grid")
    for n, (code, name, group) in enumerate(DEPARTMENTS, start=1):
        admin.add_unit(code, name, parent_code="C", group=group, contact_phone=f"0106700{n:04d}")
    out.print(f"网格户数和常住人口 {_residents(admin, seed)} 个（社区、街道、区取下级之和）")
    users = [
        ("operator", "operator", None, "话务员小王"),
        ("dispatcher", "dispatcher", None, "派单员小李"),
        ("handler", "handler", "D01", "城东区承办人"),
        ("handler_street", "handler", "D01S1", "东湖街道承办人"),
        ("handler_water", "handler", "E01", "自来水集团承办人"),
        ("grid", "grid_worker", "D01S1C1G1", "东湖社区网格员"),
        ("supervisor", "supervisor", None, "督办员老赵"),
        ("followup", "followup_agent", None, "回访员小周"),
        ("analyst", "analyst", None, "市领导"),
        ("admin", "admin", None, "系统管理员"),
        ("auditor", "auditor", None, "审计员"),
    ]
    for code, name, _ in DISTRICTS[1:]:
        users.append((f"h_{code}", "handler", code, f"{name}承办人"))
    for code, name, _ in DEPARTMENTS:
        if code == "E01":
            continue
        users.append((f"h_{code}", "handler", code, f"{name}承办人"))
    for username, role, unit, display in users:
        admin.add_user(username, DEMO_PASSWORD, role, unit_code=unit, display_name=display,
                       now=now)
    local_year = rt.rules.get().calendar.local_date(now).year
    for year in (local_year - 1, local_year):
        try:
            admin.load_calendar_year(year, official_year(year), source="chinesecalendar", now=now)
        except CalendarYearUnavailable:
            out.print(f"[yellow]提醒：[/yellow]{year} 年日历不在 chinesecalendar 包中，"
                      "按周一至周五计算", markup=True)
    result = admin.import_categories_file(TAXONOMY)
    out.print(f"事项分类 {result.created} 个")
    _configure_intake(rt, now)
    enterprises = _enterprises_and_policies(rt, now, out)
    _knowledge_base(rt, now, out)
    _history(rt, seed, now, out)
    _make_appeals(rt, appeals, seed, now, out, enterprises)
    _patrol_reports(rt, now, out)
    _water_hotspot(rt, now, out)
    _bad_ratings(rt, now, out)
    _service_items(rt, now, out)


def _residents(admin: AdminService, seed: int) -> int:
    """户数 and 常住人口 of every grid, the demo's most detailed level: communities, streets
    and districts take the sums, so the 万人诉求比 tab shows the roll-up. Loaded as an
    administrator's table would be."""
    rnd = random.Random(seed)
    rows: list[tuple[int, dict[str, Any]]] = []
    for code, _, streets in DISTRICTS:
        for i, (_, communities) in enumerate(streets, start=1):
            for j, community in enumerate(communities, start=1):
                village = community.endswith("村")
                households = rnd.randrange(700, 1300) if village else rnd.randrange(2200, 4600)
                people = round(households * rnd.uniform(2.5, 3.1 if village else 2.8))
                rows.append((len(rows) + 2, {"单位编码": f"{code}S{i}C{j}G1", "户数": households,
                                             "常住人口": people}))
    return admin.import_unit_population(["单位编码", "户数", "常住人口"], rows)


def _configure_intake(rt: Runtime, now: datetime) -> None:
    """Category keywords (the cold start) and routing rules: the categories a city
    department or utility always handles go to it; the rest stay with the district."""
    config = IntakeConfigService(rt.db, rt.intake)
    config.replace_keywords(KEYWORDS, now=now)
    config.replace_routing([{"category": path, "unit": handler}
                            for path, _, _, handler in PROBLEMS if handler != "district"],
                           now=now)
    config.replace_gazetteer(_gazetteer(), now=now)
    config.replace_polygons(_grid_polygons(), now=now)


def _gazetteer() -> str:
    """The demo's districts, streets and communities as a gazetteer whose codes are the unit
    codes, so an address is located to its street (所属区域) and routed by area."""
    rows = ["code,name,level,parent_code,aliases"]
    for code, name, streets in DISTRICTS:
        rows.append(f"{code},{name},district,,")
        for i, (street, communities) in enumerate(streets, start=1):
            rows.append(f"{code}S{i},{street},street,{code},")
            rows.extend(f"{code}S{i}C{j},{community},community,{code}S{i},"
                        for j, community in enumerate(communities, start=1))
    return "\n".join(rows) + "\n"


def _grid_corner(district: int, street: int, community: int) -> tuple[float, float]:
    """The south-west corner (longitude, latitude) of a community's grid on the demo map."""
    return (GRID_ORIGIN[0] + district * 5 * GRID_SIDE + community * GRID_SIDE,
            GRID_ORIGIN[1] + street * GRID_SIDE)


def _grid_polygons() -> dict[str, Any]:
    """Every grid's boundary (网格边界) as GeoJSON, so a position is located to its grid."""
    features = []
    for d, (code, _, streets) in enumerate(DISTRICTS):
        for i, (_, communities) in enumerate(streets):
            for j, community in enumerate(communities):
                lon, lat = _grid_corner(d, i, j)
                ring = [[lon, lat], [lon + GRID_SIDE, lat], [lon + GRID_SIDE, lat + GRID_SIDE],
                        [lon, lat + GRID_SIDE], [lon, lat]]
                features.append({
                    "type": "Feature",
                    "properties": {"code": f"{code}S{i + 1}C{j + 1}G1",
                                   "name": f"{community}第一网格"},
                    "geometry": {"type": "Polygon", "coordinates": [ring]}})
    return {"type": "FeatureCollection", "features": features}


# Enterprises of the demo: (number, name, industry, employees, revenue 万元, district, founded
# years ago, certifications, tax credit grade). The codes are made valid by their number.
ENTERPRISES = [
    (1, "城东智造科技有限公司", "C39", 85, 4200, "D01", 6, "高新技术企业、专精特新中小企业", "A"),
    (2, "东湖精密机械有限公司", "C34", 420, 36000, "D01", 15, "", "B"),
    (3, "高新软件园信息技术有限公司", "I65", 60, 900, "D03", 4, "高新技术企业", "A"),
    (4, "创新生物医药有限公司", "C27", 150, 8800, "D03", 9, "高新技术企业、专精特新中小企业",
     "A"),
    (5, "西山餐饮管理有限公司", "H62", 35, 600, "D02", 3, "", "B"),
    (6, "金融街商贸有限公司", "F51", 12, 3000, "D02", 7, "", "M"),
    (7, "滨江物流有限公司", "G54", 90, 2500, "D04", 11, "", "B"),
    (8, "白沙农业发展合作社", "A01", None, 320, "D04", 5, "", None),
    (9, "渔港水产加工有限公司", "C13", 18, 260, "D04", 2, "", "B"),
    (10, "朝阳门文创设计有限公司", "L72", 8, None, "D01", 1, "", None),
]
# (code, title, issuing unit, mode, amount in fen, benefit, conditions as PolicyInput takes them)
POLICIES: list[tuple[str, str, str, str, int, str, list[dict[str, Any]]]] = [
    ("XW-2026-01", "小微企业稳岗补贴", "B05", "auto", 1_200_000,
     "每家 1.2 万元，直接拨付到企业基本账户", [
         {"field": "size", "op": "in", "value": ["small", "micro"]},
         {"field": "tax_credit", "op": "in", "value": ["A", "B"]}]),
    ("YF-2026-02", "高新技术企业研发费用补助", "B09", "apply", 5_000_000,
     "按上年度研发投入给予最高 5 万元补助", [
         {"field": "certifications", "op": "has_any", "value": ["高新技术企业"]},
         {"field": "age_years", "op": "gte", "value": 2}]),
    ("JG-2026-03", "规上工业企业技术改造奖励", "B09", "apply", 20_000_000,
     "技改投资额的 10%，最高 20 万元", [
         # 规模以上工业企业: 年主营业务收入 2000 万元及以上 (by revenue, not by size class)
         {"field": "industry", "op": "in", "value": ["B", "C", "D"]},
         {"field": "revenue", "op": "gte", "value": 2000}]),
    ("ZJ-2026-04", "专精特新中小企业一次性奖励", "B09", "auto", 10_000_000,
     "一次性奖励 10 万元", [
         {"field": "certifications", "op": "has_all", "value": ["专精特新中小企业"]},
         {"field": "size", "op": "in", "value": ["medium", "small", "micro"]}]),
]


HOW = {"auto": "无需申报，直接兑现", "apply": "在线申报，发布单位审核后兑现"}


def _demo_uscc(n: int) -> str:
    first17 = f"911101{n:02d}MA01KXY4"[:17].ljust(17, "0")
    return first17 + uscc_check_char(first17)


def _enterprises_and_policies(rt: Runtime, now: datetime, out: Console) -> dict[str, str]:
    """Enterprises with their profiles, four published support policies (two 免申即享) and
    shorter limits for 涉企诉求; returns each enterprise's name by its credit code."""
    admin = AdminService(rt.db, rt.rules)
    admin.set_sla_policy(clock="sign", amount=4, limit_unit="hour", kind=None, urgency=None,
                         category=None, unit_code=None, requester="enterprise")
    admin.set_sla_policy(clock="handle", amount=10, limit_unit="workday", kind="complaint",
                         urgency="normal", category=None, unit_code=None, requester="enterprise")
    with rt.db.uow(write=False) as uow:
        units = {u.code: u.id for u in lookups.all_units(uow.session)}
        staff = {u.username: u.id for u in lookups.all_users(uow.session)}
    boss = Actor(role=Role.ADMIN, user_id=staff["admin"])
    svc = PolicyService(rt.db, rt.rules, rt.settings)
    today = rt.rules.get().calendar.local_date(now)
    names: dict[str, str] = {}
    for n, name, industry, employees, revenue, district, age, certs, grade in ENTERPRISES:
        code = _demo_uscc(n)
        svc.save_enterprise(boss, EnterpriseInput(
            uscc=code, name=name, industry=industry, employees=employees, revenue=revenue,
            region_unit_id=units[district], founded_on=today.replace(year=today.year - age),
            certifications=certs, tax_credit=grade, contact_name="企业联络人",
            contact_phone=f"1390000{n:04d}", liaison_user_id=staff["h_B09"]), now)
        names[code] = name
    for code, title, issuer, mode, amount, benefit, conditions in POLICIES:
        made = svc.save_policy(boss, PolicyInput(
            code=code, title=title, issuer_unit_id=units[issuer], mode=mode,
            conditions=conditions, benefit=benefit, amount_fen=amount,
            summary=f"{title}：符合条件的企业{HOW[mode]}。",
            valid_until=today + timedelta(days=45), payout_days=15), now)
        svc.publish(boss, made.id, now)
    # one enterprise has applied for the R&D grant, which the issuing bureau approved
    seen = svc.self_service(_demo_uscc(3), "13900000003", today)
    grant = next(m for m in seen.matches if m.policy_code == "YF-2026-02")
    svc.apply(_demo_uscc(3), "13900000003", grant.id, "上年度研发投入 86 万元，材料已备齐。", now)
    bureau = Actor(role=Role.HANDLER, user_id=staff["h_B09"], unit_id=units["B09"],
                   unit_scope=frozenset({units["B09"]}))
    svc.decide(bureau, grant.id, True, "材料齐全，同意补助。", now)
    seen = svc.self_service(_demo_uscc(1), "13900000001", today)
    other = next(m for m in seen.matches if m.policy_code == "YF-2026-02")
    svc.apply(_demo_uscc(1), "13900000001", other.id, "申请研发费用补助。", now)
    out.print(f"企业 {len(ENTERPRISES)} 家、惠企政策 {len(POLICIES)} 项（已匹配并短信告知）")
    return names


# 知识库: (owning unit, category path or "", keywords, title, answer). Written for the demo
# city; the rules are plausible, not any real city's.
ARTICLES: list[tuple[str, str, str, str, str]] = [
    ("D01", "", "居住证，暂住证，办理居住证",
     "居住证怎么办理？",
     "在本市居住满半年、有合法稳定就业、住所或连续就读的，可申领居住证。\n"
     "材料：身份证、近期免冠照片，以及租房合同或房产证明、劳动合同或营业执照、学生证（任一即可）。\n"
     "办理地点：居住地街道（乡镇）便民服务中心，也可在“示范市政务服务”小程序预约。"
     "受理后 15 个工作日内制证，免收工本费。"),
    ("B01", "", "公积金，住房公积金，公积金提取，租房提取",
     "住房公积金怎么提取？",
     "购房、租房、还贷、离职满半年未再就业、退休等情形可以提取住房公积金。\n"
     "租房提取每年一次，额度按当月缴存额的 12 倍以内计算；购房提取须在购房后两年内办理。\n"
     "可在住房公积金网上服务大厅或各区管理部柜台办理，需带本人身份证、银行卡和相应证明材料，"
     "审核通过后 3 个工作日内到账。"),
    ("B05", "劳动和社会保障/社会保险/医保报销", "新生儿，医保，参保，出生",
     "新生儿怎么参加城乡居民医保？",
     "新生儿出生后 90 天内办理参保登记的，自出生之日起享受医保待遇，当年的个人缴费由家长补缴。\n"
     "办理时带新生儿户口簿（或出生医学证明）和监护人身份证，到户籍所在街道社保所，"
     "或在“示范市医保”App“新生儿参保”中在线办理。"),
    ("B05", "劳动和社会保障/社会保险/医保报销", "异地就医，备案，报销",
     "异地就医如何备案和报销？",
     "长期在外地居住或工作的，先在“国家医保服务平台”App 或参保地社保经办窗口办理异地就医备案，"
     "备案后在就医地定点医院可直接结算。\n"
     "未备案的急诊费用，凭发票、费用清单和病历到参保地经办窗口手工报销，报销比例按规定降低 10%。"),
    ("B05", "", "社保卡，补办，挂失",
     "社保卡丢了怎么补办？",
     "先拨打 12333 或在“示范市人社”App 办理临时挂失。\n"
     "补办可到任一社保卡合作银行网点，带本人身份证即时制卡；"
     "也可在 App 上申请，卡片邮寄到家，约 7 个工作日。"),
    ("B03", "交通运输/道路交通/停车管理", "停车费，收费标准，路侧停车，小区停车",
     "小区和路侧停车收费标准是多少？",
     "路侧停车：中心城区白天（7:00—21:00）首小时 6 元，之后每小时 8 元；夜间每 2 小时 2 元。\n"
     "住宅小区停车收费由业主大会或物业服务合同约定，应在小区显著位置公示收费标准；"
     "未公示或超标准收费的，可向所在区市场监管部门举报。"),
    ("B04", "环境保护/噪声污染/施工噪声", "噪音，噪声，夜间施工，扰民",
     "噪音扰民的时间规定是什么？",
     "夜间 22:00 至次日 6:00，禁止在居民区附近进行产生噪声的建筑施工作业；"
     "因抢修、抢险或工艺要求必须连续施工的，须有生态环境部门证明并公告附近居民。\n"
     "装修施工时间为工作日 8:00—12:00、14:00—18:00，节假日不得进行噪声大的装修作业。\n"
     "可登记投诉，由生态环境部门或街道核查处理。"),
    ("E04", "城乡建设/供水供电供气供热/供暖不热", "供暖，暖气，供热时间，室温",
     "供暖时间是什么时候？室温标准是多少？",
     "本市法定供暖期为每年 11 月 15 日至次年 3 月 15 日，遇寒潮可提前或延长供暖。\n"
     "供暖期间卧室、起居室室温不低于 18℃。室温不达标的，可报修热力集团客服，"
     "24 小时内上门测温，不达标的按天退还采暖费。"),
    ("E03", "城乡建设/供水供电供气供热/燃气", "燃气开户，天然气，过户",
     "燃气开户需要什么材料？",
     "带房产证明（或购房合同）、产权人身份证，租户另带租房合同和产权人同意书，"
     "到燃气集团营业厅或在“示范燃气”公众号办理。\n"
     "开户后 3 个工作日内上门安检通气，安检不收费。"),
    ("E01", "城乡建设/供水供电供气供热/停水", "停水，供水，何时恢复",
     "停水了怎么查询和报修？",
     "计划停水会提前 24 小时在小区公告和“示范水务”公众号发布。\n"
     "没有通知的突发停水，先确认是否欠费，再拨打自来水集团 24 小时热线报修；"
     "抢修一般 4 小时内恢复供水，超过 12 小时的会安排送水车。"),
    ("E02", "城乡建设/供水供电供气供热/停电", "停电，报修，抢修",
     "家里停电了怎么办？",
     "先看是否只有自家停电：检查家中空气开关和电费余额。\n"
     "整栋楼或片区停电的，可在“示范电力”App 查询停电信息或报修，"
     "城区抢修人员 45 分钟内到达现场。"),
    ("B06", "教育文体/中小学教育/招生入学", "入学，小学，学区，报名",
     "小学入学怎么报名？",
     "年满 6 周岁的适龄儿童，每年 5 月在“示范市义务教育入学服务平台”登记报名，"
     "按户籍和实际居住地对口入学。\n"
     "需要户口簿、房产证明或居住证，学区划分以各区教委 4 月公布的为准。"),
    ("B08", "商贸旅游/市场监管/消费纠纷", "预付卡，退款，跑路，消费投诉",
     "健身房、美容店预付卡商家关门了怎么办？",
     "保留好合同、付款记录和会员卡，先与商家协商。\n"
     "协商不成的，可向经营场所所在区市场监管部门投诉；涉嫌诈骗的可向公安机关报案。"
     "单张预付卡金额超过 5000 元或商家未备案的，可一并举报。"),
]


def _knowledge_base(rt: Runtime, now: datetime, out: Console) -> None:
    """A dozen published articles, each owned by the department that keeps it correct; one
    has passed its review date (待复核)."""
    with rt.db.uow(write=False) as uow:
        units = {u.code: u.id for u in lookups.all_units(uow.session)}
        cats = {c.full_name: c.code for c in lookups.all_categories(uow.session)}
        boss = next(u.id for u in lookups.all_users(uow.session) if u.username == "admin")
    admin = Actor(role=Role.ADMIN, user_id=boss)
    svc = rt.knowledge
    today = rt.rules.get().calendar.local_date(now)
    for n, (owner, category, keywords, title, answer) in enumerate(ARTICLES):
        review_by = today - timedelta(days=3) if n == 1 else today + timedelta(days=180)
        made = svc.save(admin, ArticleInput(
            title=title, answer=answer, owner_unit_id=units[owner],
            category=cats.get(category) if category else None,
            keywords=keywords, review_by=review_by), now)
        svc.publish(admin, made.id, now)
    out.print(f"知识库文章 {len(ARTICLES)} 篇（已发布）")


def _history(rt: Runtime, seed: int, now: datetime, out: Console) -> None:
    """The demo city's closed history (过去一年的历史工单), imported as a city imports its former
    system's export: located to the street or community the caller named, led by the unit
    that handles such a problem there (`STREET_SHARE`, the routing rules' units)."""
    rnd = random.Random(seed + 2)
    weights = [HISTORY_WEIGHT.get(p[0], 1) for p in PROBLEMS]
    header = ["编号", "受理时间", "标题", "内容", "类型", "分类", "区域", "主办单位", "办结时间"]
    rows = []
    for i in range(HISTORY_APPEALS):
        path, kind, texts, handler = rnd.choices(PROBLEMS, weights)[0]
        d = rnd.randrange(len(DISTRICTS))
        code, district, streets = DISTRICTS[d]
        s = rnd.randrange(len(streets))
        street, communities = streets[s]
        c = rnd.randrange(len(communities) + 1)  # a quarter or so name only the street
        area = f"{code}S{s + 1}" + (f"C{c}" if c else "")
        lead = handler if handler != "district" else (
            f"{code}S{s + 1}" if rnd.random() < STREET_SHARE.get(path, 0.5) else code)
        text = rnd.choice(texts).format(place=rnd.choice(PLACES), road=rnd.choice(ROADS),
                                        road2=rnd.choice(ROADS))
        created = now - timedelta(days=rnd.uniform(45, 365))
        closed = created + timedelta(days=rnd.uniform(1, 12))
        rows.append([f"H{i + 1:05d}", f"{created:%Y-%m-%d %H:%M:%S}", text[:18],
                     f"{district}{street}：{text}", kind, path, area, lead,
                     f"{closed:%Y-%m-%d %H:%M:%S}"])
    mapping = parse_mapping({
        "name": "demo_history", "source": {"format": "csv", "id_prefix": "demo-history:"},
        "options": {"timezone": "UTC"},
        "fields": {"source_id": "编号", "created_at": "受理时间", "title": "标题",
                   "content": "内容", "kind": "类型", "category": {"column": "分类",
                                                                   "split": "/"},
                   "area": {"column": "区域", "match": "code"},
                   "lead_unit": {"column": "主办单位", "match": "code"},
                   "closed_at": "办结时间", "replied_at": "办结时间",
                   "reply_text": {"value": REPLIES["solved"]},
                   "reply_claim": {"value": "solved"}, "status": {"value": "closed"},
                   "channel": {"value": "hotline"}}})
    with tempfile.TemporaryDirectory(prefix="jiesu-demo-") as tmp:
        source = Path(tmp) / "history.csv"
        with source.open("w", encoding="utf-8", newline="") as f:
            csv.writer(f).writerows([header, *rows])
        report = ImportService(rt.db, rt.rules).run(source, mapping, now)
    if rt.intake is not None:
        rt.intake.reload()  # the appeals registered next are suggested from this history
    out.print(f"历史工单 {report.imported} 件（已办结，供智能派单学习）")


def _make_appeals(rt: Runtime, n: int, seed: int, now: datetime, out: Console,
                  enterprises: dict[str, str]) -> None:
    rnd = random.Random(seed)
    with rt.db.uow(write=False) as uow:
        units = {u.code: u.id for u in lookups.all_units(uow.session)}
        cats = {c.full_name: c.code for c in lookups.all_categories(uow.session)}
        staff = {u.username: (u.id, u.unit_id) for u in lookups.all_users(uow.session)}
        subtrees = {code: uow.units.subtree_ids(uid) for code, uid in units.items()}

    def actor(username: str, role: Role, unit_code: str | None = None) -> Actor:
        uid, _ = staff[username]
        scope = subtrees[unit_code] if unit_code else frozenset()
        return Actor(role=role, user_id=uid, unit_id=units.get(unit_code or ""), unit_scope=scope)

    operator = actor("operator", Role.OPERATOR)
    dispatcher = actor("dispatcher", Role.DISPATCHER)
    follow = actor("followup", Role.FOLLOWUP_AGENT)
    svc = rt.appeals
    where = random.Random(seed + 1)  # positions, without disturbing the main generator
    for i in range(n):
        if i and i % 100 == 0:  # here, since an appeal that stops at an earlier step continues
            out.print(f"  已生成 {i}/{n} 件示范诉求")
        path, kind, texts, handler = rnd.choice(PROBLEMS)
        district = rnd.choice(DISTRICTS)
        street_no = rnd.randrange(len(district[2]))
        street, communities = district[2][street_no]
        # most callers name their community too (a quarter only the street), so the 万人诉求比
        # tab has figures below the streets; picked without the generator, which stays as it was
        community = communities[i % len(communities)] if i % 4 else ""
        place = rnd.choice(PLACES)
        text = rnd.choice(texts).format(place=place, road=rnd.choice(ROADS),
                                        road2=rnd.choice(ROADS))
        phone = f"1{rnd.choice('3578')}{rnd.randint(0, 9)}{rnd.randint(10_000_000, 99_999_999)}"
        name = rnd.choice(SURNAMES) + rnd.choice(["先生", "女士"])
        stage = rnd.random()
        # Closed appeals spread over 40 days; open ones are mostly recent, a few overdue.
        age_days = rnd.uniform(0, 40) if stage >= 0.65 else rnd.uniform(0, 3)
        if 0.25 <= stage < 0.5:
            age_days = rnd.uniform(0, 25)
        t0 = now - timedelta(days=age_days, minutes=rnd.randint(0, 600))
        urgency = "urgent" if rnd.random() < 0.05 else "normal"
        channel = rnd.choice(CHANNELS)
        firm = rnd.choice(sorted(enterprises)) if channel == "enterprise" else None
        position: tuple[float, float] | tuple[None, None] = (None, None)
        if community and channel in LOCATED_CHANNELS:  # somewhere inside the community's grid
            lon, lat = _grid_corner(DISTRICTS.index(district), street_no,
                                    communities.index(community))
            position = (lat + where.uniform(0.1, 0.9) * GRID_SIDE,
                        lon + where.uniform(0.1, 0.9) * GRID_SIDE)
        data = NewAppeal(kind=kind, content=text, title=text[:18], urgency=urgency,
                         channel=channel, category=cats.get(path),
                         requester_name=name, requester_phone=phone,
                         requester_type="enterprise" if firm else "resident",
                         enterprise_code=firm,
                         address=f"{district[1]}{street}{community}{place}",
                         latitude=position[0], longitude=position[1],
                         confidential=rnd.random() < 0.05)
        try:
            reg = svc.register(operator, data, t0)
            if kind == "consult" and stage < 0.3:
                svc.act(operator, reg.appeal_id, "answer_directly", t0 + timedelta(minutes=5),
                        {"text": "已根据知识库向来电人解答相关政策和办理材料。"})
                continue
            if stage < 0.12:
                continue  # stays registered, waiting for the dispatcher
            unit_code = district[0] if handler == "district" else handler
            if handler == "district" and rnd.random() < STREET_SHARE.get(path, 0.5):
                unit_code = f"{district[0]}S{street_no + 1}"  # the street of the address
            t = t0 + timedelta(minutes=rnd.randint(10, 240))
            if t > now:
                continue  # nothing is dated after the demo starts: still waiting for dispatch
            svc.act(dispatcher, reg.appeal_id, "dispatch", t, {"unit_id": units[unit_code]})
            if stage < 0.25:
                continue  # dispatched, not signed
            top = unit_code[:3]
            h = actor(_handler_for(unit_code), Role.HANDLER, top)
            t += timedelta(hours=rnd.uniform(0.5, 20))
            if t > now:
                continue
            svc.act(h, reg.appeal_id, "sign", t)
            t += timedelta(hours=rnd.uniform(0.2, 30))
            if t > now:
                continue
            svc.act(h, reg.appeal_id, "contact", t, {"note": "已电话联系诉求人了解情况"})
            if stage < 0.5:
                continue  # in progress (the old ones become overdue)
            t += timedelta(days=rnd.uniform(0.5, 8))
            if t > now:
                continue
            claim = "solved" if rnd.random() < 0.8 else "explained"
            svc.act(h, reg.appeal_id, "reply", t, {"text": REPLIES[claim], "claim": claim})
            if stage < 0.65:
                continue  # replied, waiting for follow-up
            t += timedelta(hours=rnd.uniform(2, 20))
            if t > now:
                continue
            roll = rnd.random()
            if roll < 0.05:
                args: dict[str, Any] = {"reached": False}
            elif roll < 0.85:
                args = {"reached": True, "resolved": "yes", "satisfaction": "satisfied"}
            elif roll < 0.93:
                args = {"reached": True, "resolved": "partly", "satisfaction": "basically"}
            else:
                args = {"reached": True, "resolved": "no", "satisfaction": "dissatisfied",
                        "fault": "unit"}
            svc.act(follow, reg.appeal_id, "follow_up", t, args)
        except DomainError as exc:  # a demo rule clash is not fatal; report and go on
            out.print(f"[yellow]跳过一件示范诉求：{escape(exc.message)}[/yellow]", markup=True)
    from jiesu.jobs.sweeper import sweep_deadlines

    result = sweep_deadlines(rt, now)
    out.print(f"示范诉求 {n} 件已生成；时限预警：黄 {result.yellow}，红 {result.red}")


# What the demo grid worker found on patrol: (title, text, what was done on the spot or None).
PATROL = [
    ("楼道堆放杂物", "东湖社区3号楼2单元楼道堆放纸箱和旧家具，影响通行，存在消防隐患。",
     "已联系楼门长和物业当场清理，通道已畅通。"),
    ("共享单车乱停放", "东湖社区南门口共享单车堆放二十余辆，占用盲道。",
     "已联系运维人员清运，并在门口划定停放区。"),
    ("小广告", "东湖社区5号楼单元门上贴满开锁、通下水道小广告。", "已会同保洁员清除。"),
    ("井盖松动", "东湖社区北侧人行道一处井盖松动，踩上去晃动，夜间有绊倒风险。", None),
    ("路灯不亮", "东湖社区中心广场两盏路灯连续三晚不亮，老人晚上散步看不清路。", None),
    ("垃圾桶满溢", "东湖社区7号楼旁垃圾桶满溢，周边有异味。", "已通知保洁公司加派清运一次。"),
]


def _patrol_reports(rt: Runtime, now: datetime, out: Console) -> None:
    """The demo grid worker's patrol (巡查上报) over the last two weeks: most problems solved
    on the spot (就地解决), one waiting for dispatch, one sent back to the grid to handle."""
    with rt.db.uow(write=False) as uow:
        grid = uow.units.by_code("D01S1C1G1")
        assert grid is not None
        grid_id = grid.id
        ids = {u.username: u.id for u in lookups.all_users(uow.session)}
    worker = Actor(role=Role.GRID_WORKER, user_id=ids["grid"], unit_id=grid_id,
                   unit_scope=frozenset({grid_id}))
    dispatcher = Actor(role=Role.DISPATCHER, user_id=ids["dispatcher"])
    for n, (title, text, done) in enumerate(PATROL):
        t = now - timedelta(days=13 - 2 * n, hours=3)
        data = NewAppeal(kind="help", content=text, title=title, channel="grid_patrol",
                         address="城东区东湖街道东湖社区")
        reg = rt.appeals.register(worker, data, t, resolved_on_site=done)
        if done is None and n == 3:  # the grid cannot fix it alone: the dispatcher sends it back
            rt.appeals.act(dispatcher, reg.appeal_id, "dispatch", t + timedelta(hours=1),
                           {"unit_id": grid_id})
            rt.appeals.act(worker, reg.appeal_id, "sign", t + timedelta(hours=2))
    out.print(f"网格巡查上报 {len(PATROL)} 件（就地解决 "
              f"{sum(1 for *_, done in PATROL if done)} 件）")


# One problem many people call about at one place in a few days, in their own words: what the
# hotspots page (热点预警, 未诉先办) is for. The random appeals above share places, not problems.
WATER_OUTAGE = [
    ("13800010001", "翠湖苑小区从昨天晚上开始停水，到现在还没来水，家里老人做饭都成问题。"),
    ("13800010002", "翠湖苑又停水了，事先没有任何通知，请尽快恢复供水。"),
    ("13800010003", "翠湖苑这两天水压特别低，高层基本没水，洗澡都洗不了。"),
    ("13800010004", "翠湖苑停水一整天了，物业说是市政供水管网的问题，请自来水公司尽快处理。"),
    ("13800010005", "翠湖苑小区停水没有通知，请问什么时候恢复供水？"),
    ("13800010006", "翠湖苑高层住户家里没水，已经停水两天了，希望尽快解决。"),
    ("13800010007", "翠湖苑停水两天了，家里一直没水，高层住户生活很不方便。"),
]


def _water_hotspot(rt: Runtime, now: datetime, out: Console) -> None:
    """Seven residents of one estate report the same water outage over the last two days (the
    hotspot the demo's page shows, texted as a warning: JIESU_HOTSPOT_ALERT_PEOPLE is 5); the
    first ones are dispatched to the water company."""
    with rt.db.uow(write=False) as uow:
        ids = {u.username: u.id for u in lookups.all_users(uow.session)}
        cats = {c.full_name: c.code for c in lookups.all_categories(uow.session)}
        water = uow.units.by_code("E01")
        assert water is not None
        water_id = water.id
    operator = Actor(role=Role.OPERATOR, user_id=ids["operator"])
    dispatcher = Actor(role=Role.DISPATCHER, user_id=ids["dispatcher"])
    for n, (phone, text) in enumerate(WATER_OUTAGE):
        t = now - timedelta(hours=44 - 7 * n)
        data = NewAppeal(kind="help", content=text, title=text[:18], channel="hotline",
                         category=cats.get("城乡建设/供水供电供气供热/停水"),
                         requester_name=SURNAMES[n] + ("女士" if n % 2 else "先生"),
                         requester_phone=phone, address="城东区东湖街道东湖社区翠湖苑")
        reg = rt.appeals.register(operator, data, t)
        if n < 3:
            rt.appeals.act(dispatcher, reg.appeal_id, "dispatch", t + timedelta(minutes=30),
                           {"unit_id": water_id})
    out.print(f"热点示例：翠湖苑停水 {len(WATER_OUTAGE)} 件")


# 差评 residents of 东湖街道 gave, and how far each rectification (整改) got, so that every
# tab of 差评整改 has something: (problem, stars, comment, stage, days since it was raised).
RATED = [
    ("东湖社区3号楼前路灯坏了半个月，晚上出门看不清路。", 1,
     "打了三次电话才有人来，说修好了，晚上还是不亮。", "open", 35),  # overdue by now
    ("东湖社区南门外人行道砖块松动，下雨踩上去溅一身泥。", 2,
     "答复说已经修好，现场根本没人来过。", "open", 6),
    ("东湖街道菜市场门口占道经营，早高峰堵得走不动。", 2,
     "只管了一天，第二天又摆出来了。", "reported", 14),
    ("东湖社区7号楼旁垃圾站清运不及时，天热异味很大。", 1,
     "工作人员态度很差，说我们事多。", "verified", 18),
    ("东湖街道幸福路上一处井盖破损，一直没人更换。", 2,
     "拖了十几天才处理，效率太低。", "published", 26),
    ("东湖社区楼下商铺夜里装修，噪音吵得睡不着。", 1,
     "根本没人管，乱答复，差评！", "appealed", 8),
]
RECTIFIED = "已约谈承办人员，复查现场并整改到位；建立每周巡查台账，防止问题反复。"


# (unit, code, name, stars residents gave it)
SERVICE_ITEMS = [
    ("D01S1", "DH-HJ", "户籍办理窗口", (5, 5, 4, 5, 3)),
    ("D01S1", "DH-SB", "社保卡补换窗口", (4, 5, 4)),
    ("E01", "ZLS-JF", "水费缴纳与过户窗口", (5, 4)),
]


def _service_items(rt: Runtime, now: datetime, out: Console) -> None:
    """Service items (服务事项) at two units, rated at their windows by scanning the poster's
    QR code (/rate/item/{id}); all rated 3 stars or more, so no 整改 is added to the demo's."""
    from jiesu.services.feedback import FeedbackService

    svc = FeedbackService(rt.db, rt.rules, rt.settings)
    admin = Actor(role=Role.ADMIN)
    first = None
    for unit_code, code, name, stars in SERVICE_ITEMS:
        item_id = svc.add_service_item(admin, unit_code, code, name, now - timedelta(days=30))
        first = first or item_id
        for n, s in enumerate(stars, start=1):
            svc.rate_service_item(item_id, f"1370000{item_id % 100:02d}{n:02d}", s,
                                  now - timedelta(days=2 * n))
    out.print(f"服务事项 {len(SERVICE_ITEMS)} 项（扫码评价页 /rate/item/{first}）")


def _bad_ratings(rt: Runtime, now: datetime, out: Console) -> None:
    """Appeals of 东湖街道 closed and then rated 1–2 stars by their requesters, each
    rectification at another step (open, overdue, reported, followed up, published) and one
    rating appealed by the unit as malicious (申诉, waiting for review)."""
    from jiesu.services.feedback import FeedbackService

    with rt.db.uow(write=False) as uow:
        units = {u.code: u.id for u in lookups.all_units(uow.session)}
        ids = {u.username: u.id for u in lookups.all_users(uow.session)}
        scope = uow.units.subtree_ids(units["D01"])
    handler = Actor(role=Role.HANDLER, user_id=ids["handler"], unit_id=units["D01"],
                    unit_scope=scope)
    follow = Actor(role=Role.FOLLOWUP_AGENT, user_id=ids["followup"])
    boss = Actor(role=Role.SUPERVISOR, user_id=ids["supervisor"])
    svc = FeedbackService(rt.db, rt.rules, rt.settings)
    for n, (problem, stars, comment, stage, days) in enumerate(RATED, start=1):
        phone = f"1360000{n:04d}"
        appeal_id, rated_at = _closed_appeal(rt, handler, ids, units["D01S1"], problem, phone,
                                             now - timedelta(days=days))
        result = svc.rate_appeal(Actor(role=Role.REQUESTER, phone=phone), appeal_id, stars,
                                 comment, rated_at)
        rect = result.rectification_id
        assert rect is not None
        if stage == "appealed":
            svc.file_rating_appeal(handler, result.rating_id, "该商铺装修已办理备案，夜间未施工，"
                                   "经核实诉求人与商铺存在经济纠纷，系恶意差评。",
                                   rated_at + timedelta(days=1))
        if stage in ("reported", "verified", "published"):
            svc.report_rectification(handler, rect, RECTIFIED, now - timedelta(days=days // 2))
        if stage in ("verified", "published"):
            svc.follow_up_rectification(follow, rect, True, now - timedelta(days=days // 3),
                                        "诉求人表示整改后满意")
        if stage == "published":
            svc.publish_rectification(boss, rect, now - timedelta(days=days // 4))
    out.print(f"差评 {len(RATED)} 件（整改各环节，1 件申诉待审核）")


def _closed_appeal(rt: Runtime, handler: Actor, ids: dict[str, int], unit_id: int,
                   problem: str, phone: str, t0: datetime) -> tuple[int, datetime]:
    """Register, dispatch, handle, reply and follow up an appeal from `t0`: its id, and a
    moment after it closed."""
    operator = Actor(role=Role.OPERATOR, user_id=ids["operator"])
    dispatcher = Actor(role=Role.DISPATCHER, user_id=ids["dispatcher"])
    follow = Actor(role=Role.FOLLOWUP_AGENT, user_id=ids["followup"])
    reg = rt.appeals.register(operator, NewAppeal(
        kind="complaint", content=problem, title=problem[:18], requester_phone=phone,
        requester_name="陈女士", address="城东区东湖街道东湖社区"), t0)
    steps: list[tuple[Actor, str, dict[str, Any]]] = [
        (dispatcher, "dispatch", {"unit_id": unit_id}), (handler, "sign", {}),
        (handler, "contact", {"note": "已电话联系诉求人"}),
        (handler, "reply", {"text": REPLIES["solved"], "claim": "solved"}),
        (follow, "follow_up", {"reached": True, "resolved": "partly",
                               "satisfaction": "basically"})]
    t = t0
    for actor, action, args in steps:
        t += timedelta(hours=5)
        rt.appeals.act(actor, reg.appeal_id, action, t, args)
    return reg.appeal_id, t + timedelta(hours=2)


def _handler_for(unit_code: str) -> str:
    """The demo account that handles appeals of a unit (its district or department)."""
    top = unit_code[:3]
    if top == "D01":
        return "handler"
    if top == "E01":
        return "handler_water"
    return f"h_{top}"


def _print_users(rt: Runtime, out: Console) -> None:
    with rt.db.uow(write=False) as uow:
        rows = [(u.username, u.role, u.display_name) for u in lookups.all_users(uow.session)]
    out.print(f"\n示范账号（密码均为 [bold]{DEMO_PASSWORD}[/bold]）：", markup=True)
    for username, role, display in rows:
        out.print(f"  {username:<16} {role:<16} {display}")
    out.print(f"\n企业服务 /enterprise 的示范企业：统一社会信用代码 {_demo_uscc(1)}，"
              "联系电话 13900000001")
