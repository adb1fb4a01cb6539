import random

import pytest

from jiesu.domain.privacy import id_check_char, luhn_check_digit
from jiesu.nlp.pii import contains_pii, find_pii, redact

rng = random.Random(12345)


def _id_number(valid: bool = True) -> str:
    region = rng.choice(["110105", "430102", "440304", "510107", "650102"])
    birth = f"{rng.randint(1940, 2010)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
    body = region + birth + f"{rng.randint(0, 999):03d}"
    check = id_check_char(body)
    if not valid:
        check = rng.choice([c for c in "0123456789X" if c != check])
    return body + check


def _card(length: int, valid: bool = True) -> str:
    payload = "62" + "".join(rng.choice("0123456789") for _ in range(length - 3))
    digit = luhn_check_digit(payload)
    if not valid:
        digit = str((int(digit) + rng.randint(1, 9)) % 10)
    return payload + digit


def _mobile() -> str:
    return "1" + rng.choice("3456789") + "".join(rng.choice("0123456789") for _ in range(9))


VALID_IDS = [_id_number() for _ in range(40)]
INVALID_IDS = [_id_number(valid=False) for _ in range(40)]
VALID_CARDS = [_card(n) for n in (16, 17, 18, 19) for _ in range(10)]
INVALID_CARDS = [_card(n, valid=False) for n in (16, 19) for _ in range(10)]
MOBILES = [_mobile() for _ in range(40)]


def kinds(text: str, names=()) -> list[str]:
    return [m.kind for m in find_pii(text, names)]


@pytest.mark.parametrize("number", VALID_IDS)
def test_valid_id_numbers_are_found_and_masked(number):
    text = f"我的身份证号码是{number}，请核实"
    assert kinds(text) == ["id_number"]
    out = redact(text)
    assert number not in out
    assert number[:6] + "********" + number[-4:] in out
    assert contains_pii(text) and not contains_pii(out)


@pytest.mark.parametrize("number", INVALID_IDS)
def test_id_numbers_with_a_wrong_check_digit_are_left_alone(number):
    assert "id_number" not in kinds(f"编号{number}")
    assert not contains_pii(f"编号{number}")


def test_id_number_with_spaces_and_lowercase_x():
    number = "11010519491231002x"
    spaced = f"{number[:6]} {number[6:14]} {number[14:]}"
    assert kinds(f"身份证 {spaced} 谢谢") == ["id_number"]


@pytest.mark.parametrize("card", VALID_CARDS)
def test_luhn_valid_bank_cards_are_found(card):
    grouped = " ".join(card[i : i + 4] for i in range(0, len(card), 4))
    for shown in (card, grouped):
        text = f"退款请打到卡号{shown}。"
        assert kinds(text) == ["bank_card"], shown
        out = redact(text)
        assert card[4:-4] not in out.replace(" ", "")
        assert out.startswith("退款请打到卡号" + card[:4])


@pytest.mark.parametrize("card", INVALID_CARDS)
def test_luhn_invalid_digit_runs_are_not_cards(card):
    assert "bank_card" not in kinds(f"订单号{card}")


@pytest.mark.parametrize("mobile", MOBILES)
def test_mobile_numbers_in_all_usual_spellings(mobile):
    spellings = [
        mobile,
        f"{mobile[:3]} {mobile[3:7]} {mobile[7:]}",
        f"{mobile[:3]}-{mobile[3:7]}-{mobile[7:]}",
        f"+86 {mobile}",
        mobile.translate({ord(d): ord(d) + 0xFEE0 for d in "0123456789"}),  # full width
    ]
    for shown in spellings:
        text = f"联系电话{shown}，谢谢"
        assert kinds(text) == ["mobile"], shown
        out = redact(text)
        assert mobile[3:7] not in out.replace(" ", "").replace("-", "")
        assert not contains_pii(out)
        assert redact(out) == out


@pytest.mark.parametrize(
    "phone", ["0731-84123456", "010 12345678", "(0731)84123456", "021-6543210", "073184123456"]
)
def test_landlines(phone):
    text = f"座机{phone}，工作日可打"
    assert kinds(text) == ["landline"]
    assert contains_pii(text)
    assert not contains_pii(redact(text))


def test_bare_local_number_needs_a_phone_word():
    assert kinds("联系电话：84123456") == ["landline"]
    assert kinds("共有84123456元") == []


@pytest.mark.parametrize(
    "text",
    [
        "2020-01-01 到 2020-12-31",
        "工单编号2026112600123，金额138000元",
        "已投入资金12345678元",
        "请拨打12345热线或110",
        "第20191234567号文件",
        "面积135.5平方米，3室2厅",
        "小区16栋电梯经常故障，9栋、14栋也一样",
        "东华门街道3号通知居民，这里5号停水，地铁2号线",
        "我是业主，本人房屋漏水",
        "王女士来电反映",
    ],
)
def test_ordinary_text_is_not_redacted(text):
    assert find_pii(text) == []
    assert redact(text) == text
    assert not contains_pii(text)


@pytest.mark.parametrize("plate", ["湘A12345", "京A·D12345", "粤B12345D", "湘AB1234", "苏e2g81c"])
def test_car_plates(plate):
    text = f"车牌{plate}的车堵住消防通道"
    assert kinds(text) == ["plate"]
    assert redact(text) == f"车牌{plate[:2]}{redact(plate)[2:]}的车堵住消防通道"
    assert find_pii(redact(text)) == []


def test_email_qq_wechat():
    text = "邮箱zhang.san@example.com，QQ：30748522，微信：zhangsan_88"
    assert kinds(text) == ["email", "qq", "wechat"]
    out = redact(text)
    assert out == "邮箱z***@example.com，QQ：30****22，微信：z*******_*8"
    assert find_pii(out) == []


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("住在3栋2单元501室", "住在*栋*单元***室"),
        ("12号楼3单元漏水", "**号楼*单元漏水"),
        ("501室楼上噪音", "***室楼上噪音"),
        ("G2栋320的影楼", "**栋***的影楼"),
        ("三栋二单元402", "*栋*单元***"),
        ("5楼503房门口", "*楼***房门口"),
        # northern cities number a unit's door (门)
        ("幸福里小区8号楼1门302漏水", "幸福里小区*号楼*门***漏水"),
        ("家住和平里七区12楼3门201号", "家住和平里七区**楼*门***号"),
        ("3号楼2门门口堆满杂物", "*号楼*门门口堆满杂物"),
        # a building alone is a place, not a household
        ("3号楼旁边的垃圾桶满了", "3号楼旁边的垃圾桶满了"),
        ("小区东门2楼的商铺", "小区东门2楼的商铺"),
    ],
)
def test_house_numbers_mask_building_unit_and_room(text, masked):
    assert redact(text) == masked


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        # a building + floor after a street number, a numbered courtyard, a compound's name
        # or a word of dwelling is one household's landing
        ("我住幸福路8号院2号楼3层", "我住幸福路*号院*号楼*层"),
        ("幸福路8号院2号楼3层301室", "幸福路*号院*号楼*层***室"),
        ("8号院2号楼3层东户", "*号院*号楼*层东户"),
        ("芙蓉路88号2栋3层漏水", "芙蓉路**号*栋*层漏水"),
        ("幸福小区8号楼3层", "幸福小区*号楼*层"),
        ("珠江郦城探香里5栋18楼非法装修", "珠江郦城探香里*栋**楼非法装修"),
        ("家属院一栋二单元二楼", "家属院*栋*单元*楼"),
        ("西湖小区c区10栋1楼", "西湖小区c区**栋*楼"),
        ("我住5栋3层", "我住*栋*层"),
        ("山水嘉园16栋1楼两家住户", "山水嘉园**栋*楼两家住户"),  # 两 counts, stays
        ("幸福路8号院2号楼门口", "幸福路*号院2号楼门口"),  # a building alone stays a place
        ("幸福路18号3单元", "幸福路**号*单元"),
        # a unit and its floor need no anchor: one landing of one stairway
        ("3单元5楼漏水", "*单元*楼漏水"),
        # a row of a village's courtyard houses
        ("王庄3号院5排2号", "王庄*号院5排*号"),
    ],
)
def test_household_addresses_are_masked_whole(text, masked):
    assert redact(text) == masked
    assert redact(masked) == masked
    assert find_pii(masked) == []


@pytest.mark.parametrize(
    "text",
    [
        "12号楼东侧路灯不亮",  # a building as a landmark
        "3层楼高的广告牌",
        "坐3路公交到12号楼",
        "市民中心1号楼一楼综合服务办理区",  # an office, no dwelling anchor
        "天成国际酒店2号楼6楼",
        "全小区26栋34层的高楼",  # 26 buildings of 34 storeys
        "小区共有3栋32层的住宅",
        "家园2栋11层板楼",
        "龙福小区2栋一楼门面的饺子馆",  # a shopfront
        "工业园3栋2楼的车间",
        "两栋80多米的公寓楼，共一栋一门两户",  # 两 counts
        "小区一二单元的通道",
        "安排3号去，2020年3月5日14时",
    ],
)
def test_what_is_not_a_household_stays(text):
    assert "house_number" not in kinds(text), text


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        # building-unit-room in figures is one flat wherever it stands
        ("阳光小区3-2-501漏水", "阳光小区*-*-***漏水"),
        ("我住3-2-501室", "我住*-*-***室"),
        ("我家住在阳光小区3号楼3-2-501室", "我家住在阳光小区*号楼*-*-***室"),
        ("一期：a33-1-601/2-16-2-501", "一期：***-*-***/*-**-*-***"),
        # building-room: after a compound's name, or with a room's word
        ("我是荣盛花语书苑2-204的业主", "我是荣盛花语书苑*-***的业主"),
        ("签订了矿五万境7-106房屋销售合同", "签订了矿五万境*-***房屋销售合同"),
        # 房 ends a room as 室 does; # numbers a building as 号楼 does
        ("我在同鑫家园411房屋被粪水所淹", "我在同鑫家园***房屋被粪水所淹"),
        ("康桥长郡9号栋1806房", "康桥长郡*号栋****房"),
        ("楼盘买了4#1501房", "楼盘买了*#****房"),
        ("金色家园3#楼2单元楼道", "金色家园*#楼*单元楼道"),
        ("检测单位对3#103户的楼板", "检测单位对*#***户的楼板"),
        ("16栋101.17栋102", "**栋***.**栋***"),
    ],
)
def test_rooms_in_figures_and_builders_numbering_are_masked(text, masked):
    assert redact(text) == masked
    assert redact(masked) == masked
    assert find_pii(masked) == []


@pytest.mark.parametrize(
    "text",
    [
        # a building alone: the public page says it stays
        "阳光小区3号楼电梯经常停运，楼里有行动不便的老人",
        "阳光小区3#楼楼顶漏水",
        # numbers after a building that are no room
        "3号楼5号楼之间的路灯",
        "三号楼五号楼之间",
        "1#、2#、3#栋工地的民工，1#2#3#栋",
        "3号楼100米外有个工地",
        "小区3栋20多户居民",
        "5栋2018年建成",
        "星河湾2号栋1、2、3、4、5楼楼道",
        "16栋08户型开门会撞到07户型",
        "旭辉时代花园项目6栋一房一价表",
        # ranges and figures with dashes
        "噪声有80-100分贝，每生收费200-300元",
        "化肥养分（18-18-18）",
        "49-51-56平的户型，7-9-10栋按合同交房",
        "2026-11-29，2019-1-1101",
        # 房 after a year or an estate's figure
        "我省2005房补文件为何不调",
        "关于A市2017房产限购新政",
        "请公开A市阳光100房屋竣工验收备案表",
        # lines, documents, articles, days, hotlines
        "地铁3号线，地铁2#线",
        "坐100号公交，乘坐解放路100号公交车",
        "万家丽路5号地铁线",
        "根据2号文件第3条，湘政办发〔2019〕12号",
        "12月3号停水，我们村3号停电，小组12号上午开会",
        "拨打12345，急救120和报警110",
    ],
)
def test_address_look_alikes_stay(text):
    assert "house_number" not in kinds(text), text


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        # rooms listed after a masked one are rooms too
        ("枫桥苑8、9栋201、202、401、402房施工", "枫桥苑8、*栋***、***、***、***房施工"),
        ("时代云龙城8栋702、703私自搭建", "时代云龙城*栋***、***私自搭建"),
        ("8栋702和703私自搭建", "*栋***和***私自搭建"),
        ("业主如48栋1102、201、902、1002及35栋302", "业主如**栋****、***、***、****及**栋***"),
        ("3栋102,101都在搞传销", "*栋***,***都在搞传销"),
        # but after a comma only a room of the same length, and never a measure
        ("住3栋1201，120急救车来了", "住*栋****，120急救车来了"),
        ("3栋1单元3104,2019年9月底交房", "*栋*单元****,2019年9月底交房"),
        # a lettered building or two parts in figures, with a word of home close by
        ("我家住a栋4002，楼上漏水", "我家住*栋****，楼上漏水"),
        ("我家A座1203的卫生间", "我家*座****的卫生间"),
        ("我是美麓阳光a栋803业主", "我是美麓阳光*栋***业主"),
        ("K9县郡b栋402的业主", "K9县郡*栋***的业主"),
        ("我家5-2902，3-3302也漏水", "我家*-****，*-****也漏水"),
        ("楼上5-2902装修", "楼上*-****装修"),
        ("印山花园F栋1707号", "印山花园*栋****号"),
        ("我家住阳光小区B栋3楼", "我家住阳光小区*栋*楼"),
        # rooms in Chinese digits
        ("我住三单元五零一", "我住*单元***"),
        ("五零二室的住户", "***室的住户"),
        ("十二号楼三单元楼道", "**号楼*单元楼道"),
        ("住在十二号楼三单元一二零三室", "住在**号楼*单元****室"),
    ],
)
def test_listed_lettered_and_chinese_digit_rooms_are_masked(text, masked):
    assert redact(text) == masked
    assert redact(masked) == masked
    assert find_pii(masked) == []


@pytest.mark.parametrize(
    "text",
    [
        # a lettered building or two parts without a word of home: an office, a range
        "嘉熙国际中心a栋4002",
        "业主交了3-5000元，楼上装了10-20个",
        "我家住了12-2019年",
        "业主坐5-1203路公交",
        # dates
        "日期12-25-2019，25-12-2019",
        "2019-12-25 12:30，D市晚报2017-10-2514:30分",
        # Chinese digits that are no room: a year, an idiom, a count
        "住在三单元二零一七年装修",
        "路面被压得七零八落",
        "共一栋一门两户",
        # a shop's number is a business's address, not a home
        "中茂城1-2-245号商铺",
        "B2栋155门面通宵噪音",
        "银杏嘉园9栋106、108号门面",
        "星沙商业乐园C栋120、121两门面",
        # a lettered building + floor without a word of home; a mall (商业乐园) is no compound
        "本小区要收280元。6、小区B栋一楼规划的消防通道",
        "我在星沙商业乐园c栋三楼有个小商铺",
        "在我们A7县星沙商业乐园c栋121新开了一家餐饮机构",
    ],
)
def test_room_look_alikes_and_shops_stay(text):
    assert "house_number" not in kinds(text), text


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("长沙市芙蓉路88号", "长沙市芙蓉路**号"),
        ("多福巷12号门前的下水道", "多福巷**号门前的下水道"),
        ("东四十条12号", "东四十条**号"),  # the street's own numeral stays
        ("解放大道100-2号", "解放大道***-*号"),
        ("王庄村3组15号院", "王庄村3组**号院"),
        ("东城区多福巷 12 号", "东城区多福巷 ** 号"),
        ("芙蓉路3号楼2单元501室", "芙蓉路*号楼*单元***室"),
    ],
)
def test_street_numbers_mask_the_number_and_keep_the_street(text, masked):
    assert redact(text) == masked
    assert redact(masked) == masked


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("我叫张三，住在附近", "我叫张**，住在附近"),
        ("本人李四反映一个问题", "本人李**反映一个问题"),
        ("联系人：王小明，电话见后", "联系人：王**，电话见后"),
        ("我是欧阳娜娜。", "我是欧阳**。"),
        ("副主任周林术同志答复", "副主任周**同志答复"),
        ("王女士来电", "王女士来电"),
        ("我是公务员，我是初婚", "我是公务员，我是初婚"),
    ],
)
def test_names_from_self_introductions(text, masked):
    assert redact(text) == masked


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("楼上李四家门口堆物", "楼上李**家门口堆物"),
        ("邻居张建国每天在楼道堆物", "邻居张**每天在楼道堆物"),
        ("邻居张三每天吵到半夜", "邻居张**每天吵到半夜"),  # 每天 is the next word
        ("住户戴钧又来敲门", "住户戴**又来敲门"),
        ("法人付华俊拖欠工资", "法人付**拖欠工资"),
        ("刘毅俊夫妇在楼道养鸡", "刘**夫妇在楼道养鸡"),
        ("举报王二家违建", "举报王**家违建"),
        ("尊敬的胡华衡书记：您好", "尊敬的胡**书记：您好"),
        ("请转告，郭钢副书记", "请转告，郭**副书记"),
        ("包工头欧阳娜娜不给钱", "包工头欧阳**不给钱"),
        ("我女儿刘丝在学校被打", "我女儿刘**在学校被打"),
    ],
)
def test_names_of_third_parties_are_masked_by_their_context(text, masked):
    assert redact(text) == masked
    assert redact(masked) == masked
    assert find_pii(masked) == []


@pytest.mark.parametrize(
    "text",
    [
        "王府井、张家湾、李村的路灯坏了",  # place names, no person context
        "业主王先生反映，经理李经理答复，尊敬的胡书记",  # surname + title is public
        "王老板和李老师，陈小姐",
        "业主都知道，业主曾多次反映，居民曾有投诉",  # 都/曾 as words
        "开发商未经业主许可，当事人陈述，还居民安静",  # 许可/陈述/安静: words jieba calls nr
        "行业主管部门，妇女儿童权益，企业主",  # a role inside another word
        "楼下柴味鱼餐厅排油烟",  # a shop after 楼下
        "他钱打回家，祝陈书记工作顺利",
        "村民何去何从，住户顾全大局",  # idioms
        "部分业主连微信都没收到",
        "市民中心的胡书记、张副局长",
        "对面的梅园家私厂",
    ],
)
def test_what_only_looks_like_a_third_party_name_stays(text):
    assert "name" not in kinds(text), [m.text for m in find_pii(text)]


def test_names_given_by_the_requester_are_masked_everywhere():
    text = "赵强胜说，赵强胜家门口的路灯坏了"
    assert redact(text, names=["赵强胜"]) == "赵**说，赵**家门口的路灯坏了"
    # one character would hit too much: it adds nothing (赵强胜家门口 is masked by its context,
    # and then wherever else the text repeats 赵强胜)
    assert redact(text, names=["赵"]) == redact(text) == "赵**说，赵**家门口的路灯坏了"


def test_matches_report_offsets_into_the_original_text():
    text = "电话：１３８１２３４５６７８"
    (m,) = find_pii(text)
    assert (m.kind, text[m.start : m.end]) == ("mobile", m.text)


def test_redaction_is_idempotent_on_a_mixed_message():
    text = (
        f"我叫刘晓凤，身份证{VALID_IDS[0]}，电话{MOBILES[0]}，住5栋1单元1201室，"
        f"卡号{VALID_CARDS[0]}，车牌湘A12345，邮箱a@b.cn"
    )
    out = redact(text)
    assert redact(out) == out
    assert find_pii(out) == []
    assert not contains_pii(out)


def test_the_name_word_list_loads_without_importing_jieba() -> None:
    # Importing jieba scans every installed distribution (pkg_resources): 0.3-0.4 s that the
    # first registration mentioning a name used to wait for (bench/nlp.py, slowest call).
    import subprocess
    import sys

    code = ("import sys; from jiesu.nlp import pii; pii.prepare(); "
            "assert 'jieba' not in sys.modules and 'pkg_resources' not in sys.modules; "
            "assert '公务员' in pii._ordinary_words() and '张伟' not in pii._ordinary_words(); "
            "print(len(pii._ordinary_words()))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert out.returncode == 0, out.stderr
    assert int(out.stdout) > 10_000


@pytest.mark.parametrize("card", INVALID_CARDS)
def test_a_number_called_a_card_is_masked_even_with_a_wrong_check_digit(card):
    # a mistyped card still points at someone's account; 对公账户 have no Luhn digit at all
    for text in (f"退款请打到银行卡号{card}", f"我的卡号是：{card}", f"对公账户 {card}"):
        assert kinds(text) == ["bank_card"], text
        out = redact(text)
        assert card[4:-4] not in out
        assert redact(out) == out
    assert "bank_card" not in kinds(f"订单号{card}")  # not called a card: left alone


@pytest.mark.parametrize("number", INVALID_IDS)
def test_a_number_called_an_id_number_is_masked_even_with_a_wrong_check_digit(number):
    text = f"身份证号码：{number}，请核实"
    assert kinds(text) == ["id_number"]
    assert number[6:14] not in redact(text)


def test_words_near_accounts_that_are_not_numbers_stay():
    for text in ("账户余额5000元", "卡号2026年到期", "账号123被盗", "身份证丢了"):
        assert kinds(text) == [], text


# Given names that are ordinary words (国庆, 建设) and rarer surnames (覃, 晏, 禤), where the
# context says a person is meant: a cue before the name and a punctuation mark, a date or a
# word that follows a person after it. Generated both ways: every name must be masked, and the
# same words without such a context must stay.
_SURNAMES = ("张", "王", "李", "刘", "覃", "阳", "蒙", "韦", "农", "黎", "晏", "禤", "欧阳")
_WORD_GIVEN = ("聪明", "建设", "国庆", "平安", "红军", "光明", "建国", "海燕")
_NAME_CONTEXTS = (
    "我叫{n}，住在附近",
    "联系人：{n}，电话见后",
    "业主{n}反映楼上漏水",
    "师傅{n}，今年五十岁",
    "老人{n}今年八十岁",
    "举报人：{n}",
    "投诉人{n}，男",
    "村民{n}，电话另附",
    "{n}先生来电",
    "请转告，{n}女士",
    "邻居{n}家门口堆物",
    "申请人：{n}2019年5月",
    "患者{n}，56岁",
    "我儿子{n}，现年17岁",
    "法定代表人：{n}，股东另列",
    "他姓{s}，名叫{n}，今年60岁",
)


@pytest.mark.parametrize("context", _NAME_CONTEXTS)
def test_word_like_given_names_and_rare_surnames_are_masked_in_a_persons_context(context):
    for surname in _SURNAMES:
        for given in _WORD_GIVEN:
            name = surname + given
            text = context.format(n=name, s=surname)
            masked = redact(text)
            assert masked == text.replace(name, surname + "**"), (text, masked)
            assert redact(masked) == masked
            assert "name" not in kinds(masked)


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("一名普通农民(姓邓名立新)，因田土纠纷", "一名普通农民(姓邓**)，因田土纠纷"),
        ("我姓覃，叫覃建华", "我姓覃，叫覃**"),
        ("我叫曹立科，电话另附", "我叫曹**，电话另附"),
        ("公司法人张明远，督促其履行义务", "公司法人张**，督促其履行义务"),
        ("摄影公司病退职工韩立学（精神残疾）", "摄影公司病退职工韩**（精神残疾）"),
        ("青山村村民刘志文，在未持有证件", "青山村村民刘**，在未持有证件"),
        ("2013年11月7日，邬志明局长带队", "2013年11月7日，邬**局长带队"),
        ("幼师由我和彭晓明老师担任", "幼师由我和彭**老师担任"),
        ("溪湖二期6栋业主张菊英，今为车位", "溪湖二期6栋业主张**，今为车位"),
        ("信访人：黄坚强 2014年", "信访人：黄** 2014年"),
        # after 我叫 the name ends where the next word starts, or where nothing else fits
        ("我叫杨柳来自农村", "我叫杨**来自农村"),
        ("我叫张立高于1976年参加工作", "我叫张**于1976年参加工作"),
    ],
)
def test_names_in_forms_seen_in_real_appeals(text, masked):
    assert redact(text) == masked
    assert redact(masked) == masked


_LOOK_ALIKE_PHRASES = (
    "安全，", "权益。", "居住。", "都知道，", "来说，", "方提出：", "高达20多起", "管一管，",
    "干部，", "满意。", "强烈要求整改", "曾多次反映", "张贴通知",
)
_ROLES = ("业主", "居民", "村民", "老人", "师傅", "患者", "学生", "职工", "工作人员", "举报人：")


@pytest.mark.parametrize("role", _ROLES)
def test_phrases_after_a_role_that_only_look_like_names_stay(role):
    for phrase in _LOOK_ALIKE_PHRASES:
        text = f"小区{role}{phrase}"
        assert "name" not in kinds(text), (text, [m.text for m in find_pii(text)])


@pytest.mark.parametrize(
    "text",
    [
        "要求政府建设一条路", "国庆期间停水", "平安小区的路灯坏了", "阳台漏水", "覃塘区政府",
        "投诉人：覃塘区政府", "蒙古族群众", "农民工工资", "黎明时分施工", "光明路堵车",
        "居民楼林立，噪音大", "报名注册会计师班", "维修人员马虎对待", "物业主管申报，然后",
        "谢谢李书记！", "尊敬的胡厅长同志：", "办事人员曹姐要求", "强制收取业主高达1.5元",
        "联系人：黄财镇农办", "我姓王，叫我小王就行", "居民张电话0000", "课外有班主任管干部，",
        "老百姓名下的房子",
        # after 本人 a name's last character must not start the next word (明年, 去年, 一家)
        "本人于明年硕士毕业", "本人于今年十月底生了", "本人原在一家国有企业工作",
        "本人应被作为集体经济组织成员", "本人曾在去年十一月打过电话", "本人向您反映",
        "孩子不能惩罚，但老师老师是专业人员", "网友师傅师傅在平台发信息", "不把姓名公布出来",
        "不可以用我的姓名查询我的身份证号码", "老板贺姐口气嚣张",
    ],
)
def test_words_that_look_like_word_like_names_stay(text):
    assert "name" not in kinds(text), [m.text for m in find_pii(text)]


# An official's full name right before the title, after an organisation's name (社区, 县委,
# 教育局, 派出所, 中学), a clear boundary or a grammar word; the title may come first too.
@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("社区朱红焰书记来了", "社区朱**书记来了"),
        ("物业王丽经理说", "物业王**经理说"),
        ("县委赵玉书记高度重视", "县委赵**书记高度重视"),
        ("汉回村魏勃书记为什么", "汉回村魏**书记为什么"),
        ("教育局黎莲爱局长在虎山", "教育局黎**局长在虎山"),
        ("资福中学周立峰老师实名举报", "资福中学周**老师实名举报"),
        ("侯家塘派出所皮若谷警官涉嫌", "侯家塘派出所皮**警官涉嫌"),
        ("张建国主任说", "张**主任说"),
        ("我们找了李强队长，", "我们找了李**队长，"),
        ("尊敬的周晖书记：", "尊敬的周**书记："),
        ("尊敬的胡忠雄市长：您好", "尊敬的胡**市长：您好"),
        ("荣家湾镇张耘镇长", "荣家湾镇张**镇长"),
        # 向 is "to" here, 熊洪 the name
        ("社区向熊洪书记询问", "社区向熊**书记询问"),
        # the title first: 校长 is a role, and 长期 the next word
        ("校长左云长期合作", "校长左**长期合作"),
        ("营销总监江彬永；", "营销总监江**；"),
        # a role, then the name in brackets or after them
        ("老板（吕振进）、派出所所长", "老板（吕**）、派出所所长"),
        # 赖, 傅, 洪: common surnames
        ("山地业主赖来全，妻子傅奉义，邻居洪建军，", "山地业主赖**，妻子傅**，邻居洪**，"),
    ],
)
def test_officials_full_names_next_to_their_title_are_masked(text, masked):
    assert redact(text) == masked
    assert redact(masked) == masked


@pytest.mark.parametrize(
    "text",
    [
        # surname + title is a form of address, not a full name: it stays (see the docs)
        "区政府王主任说，社区李书记，物业王经理",
        "社区党委书记，村党支部书记，尊敬的市委书记，社区常务副主任，社区时任书记",
        "业委会主任，居委会主任说，教育局局长说，派出所所长说，项目部经理，公司总经理说",
        "监察大队副队长，城管局执法队长，社区工作站站长，物业管理处主任",
        "联校安保主任",  # 安保: a word jieba also lists as a name
        "区卫计委主任就找了，开发区任团委书记",  # the organisation, not a name
        "一条队伍进入老师的补课",  # 队伍: the unit's last character starts a word
        "校方张主任，厂方黄科长三次",
        "金福超市长期店外经营",  # 超市 + 长期, not 市长
        "劳动监察大队谭大队长",
        "拨打市长热线，业主曾拨打市长热线",
        "王府井大街社区主任，万达广场物业经理，万科物业经理",
    ],
)
def test_titles_without_a_full_name_stay(text):
    assert "name" not in kinds(text), [m.text for m in find_pii(text)]


# Surnames that are mostly words (于, 向, 万, 祝, 曾 …) count only where the context closes the
# name and no part of it is a word.
@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("老板涂华昌，妻子于梅娥，夫妻从事", "老板涂**，妻子于**，夫妻从事"),
        ("项目负责人：向冬云，其身份证", "项目负责人：向**，其身份证"),
        ("申请人：万明利 本人1999年", "申请人：万** 本人1999年"),
        ("编制的人员祝美松、刘剑梅等", "编制的人员祝**、刘**等"),  # a list (see below)
        ("区委于新凡书记召集", "区委于**书记召集"),
        ("妻子曾志超，", "妻子曾**，"),
        ("姓于，叫于海", "姓于，叫于**"),
    ],
)
def test_surnames_that_are_words_are_masked_where_the_name_is_closed(text, masked):
    assert redact(text) == masked
    assert redact(masked) == masked


@pytest.mark.parametrize(
    "text",
    [
        "业主于2023年3月反映", "村民曾多次反映，", "业主于今年，", "业主于是，", "居民常常，",
        "村民万元，", "人员时常来", "村民于三月，", "业主曾向政府反映，", "受害人向政府反映",
        "村民向书记反映", "居民于书记处反映", "物业经理于今日答复，", "居民高速公路噪音，",
        "居民马路上摆摊，", "社区书记高度重视，", "业主和邻居，", "人员和挖机，",
        "村民曾经，", "业主向上级反映，",
    ],
)
def test_surnames_that_are_words_stay_words_in_running_text(text):
    assert "name" not in kinds(text), [m.text for m in find_pii(text)]


# Cues that are not roles but name a person: who signs, reports or handles the appeal.
@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("报告人：彭光明2015年6月", "报告人：彭**2015年6月"),
        ("控告人：李成建，男，汉族", "控告人：李**，男，汉族"),
        ("诉求人：邓明跃", "诉求人：邓**"),
        ("经办人：陈燕海 联系电话", "经办人：陈** 联系电话"),
        ("被执行人刘文国在本院", "被执行人刘**在本院"),
        ("实际控制人史勇建为何", "实际控制人史**为何"),
        ("求助人：黄江小 2012年", "求助人：黄** 2012年"),
        ("法院承办人朱疸，构结", "法院承办人朱**，构结"),
    ],
)
def test_names_after_signing_and_handling_cues_are_masked(text, masked):
    assert redact(text) == masked


@pytest.mark.parametrize(
    "text",
    ["经办人员说", "经办人说", "报告人：本人", "诉求人：本人", "被执行人的财产", "求助人员",
     "控告人称", "承办人员答复"],
)
def test_signing_cues_without_a_name_stay(text):
    assert "name" not in kinds(text), [m.text for m in find_pii(text)]


def test_a_name_found_once_is_masked_wherever_the_text_repeats_it():
    text = "封刀岭社区熊洪书记不作为。我们再找熊洪，熊洪答应了；郭钢副书记和熊洪都在"
    assert redact(text) == (
        "封刀岭社区熊**书记不作为。我们再找熊**，熊**答应了；郭**副书记和熊**都在"
    )
    assert redact(redact(text)) == redact(text)


def test_a_repeated_name_is_not_masked_where_it_names_a_place_or_a_firm():
    # the same characters before 物业/公司/医院, or right after a district's code (A3区), stay
    text = "本人华悦城（业主），华悦城物业乱收费；说康庭家人医院，康庭公司直销"
    assert "华悦城物业" in redact(text) and "康庭公司" in redact(text)
    assert "name" not in kinds("原A3区一小老师成立托管机构，A3区一小是一所学校")


# Second round (issue 6 point 5): stop characters in given names, adverbs and words that cross
# the role's boundary, lists, and the length of a name before a verb.
@pytest.mark.parametrize(
    ("text", "masked"),
    [
        # a character that is usually a grammar word stands in a closed given name
        ("尊敬的领导：蒋先辉局长从2008年", "尊敬的领导：蒋**局长从2008年"),
        ("项目负责人：陈其国0000-00000000", "项目负责人：陈**0000-00000000"),
        ("公司经理（法定代表人）窦太平，现年63岁", "公司经理（法定代表人）窦**，现年63岁"),
        ("转让给公司法人曾向东，而曾向东本人", "转让给公司法人曾**，而曾**本人"),
        ("请求人：蒋银月(手机", "请求人：蒋**(手机"),
        ("站长王其加提出申请，王其加站长的回复", "站长王**提出申请，王**站长的回复"),
        # a given name jieba tags as an adverb (立新), between an organisation and a title
        ("县信访局汤立新局长亲自约我们", "县信访局汤**局长亲自约我们"),
        # 板胡 is a word, but 老板 is one on its left: 老板 + 胡建迪
        ("退还本人(因老板胡建迪不给我报销！)", "退还本人(因老板胡**不给我报销！)"),
        # 学校 is a word, but so is 中学 before it: 中学 + 校长 + 杨晓东
        ("E9县一中实验中学校长杨晓东自2017年以来", "E9县一中实验中学校长杨**自2017年以来"),
    ],
)
def test_given_names_with_stop_characters_or_adverbs_are_masked_where_closed(text, masked):
    assert redact(text) == masked
    assert redact(masked) == masked


@pytest.mark.parametrize(
    "text",
    [
        "业主张先生，李太太，王书记，刘先生反映",  # surname + title or kin
        "居民张三月，业主王其他，业主李其实，",  # a numeral, grammar words
        "离居民房太近，每天24小时",  # 房 + 太 + an adjective: "too close to the houses"
        "村民李太多，居民王太远。",  # 太 + an adjective is "too"
        "邻居王先进的做法",  # not closed: 先 stays a stop character
        "业主向我们反映，业主王向社区反映，居民李向前走",  # 向 is "to"
        "业主张贴广告，业主张扬跋扈，老板胡说八道，老板胡乱收费，物业主管申报",
        "业主张口就骂，业主张罗着，业主张明天来，业主任意停车",
        "居民王一直，业主李已经，",  # adverbs in everyday use are never given names
        "本人于今年8月，本人于今年 2月，本人于去年3月，本人于今天8点",
        "她本人都声称在北京，本人查明4s店，我保证本人陈述的事件",
    ],
)
def test_look_alikes_of_second_round_names_stay(text):
    assert "name" not in kinds(text), [m.text for m in find_pii(text)]


def test_a_word_surname_after_benren_counts_where_punctuation_closes_it():
    assert redact("本人向孟运，电话") == "本人向**，电话"


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("业主张三、李四、王五反映楼上漏水", "业主张**、李**、王**反映楼上漏水"),
        ("邻居张三和李四每天吵闹", "邻居张**和李**每天吵闹"),
        ("业主张国庆、李建军、王五反映", "业主张**、李**、王**反映"),
        ("H3县电力公司负责人彭毓红、李刚、赵敏，无视", "H3县电力公司负责人彭**、李**、赵**，无视"),
        ("段勇志和李民典从段强国手中购买", "段勇志和李民典从段强国手中购买"),  # no cue
        ("老板袁小红与邹志平讨要无果", "老板袁**与邹**讨要无果"),
        ("业主张三、李四家门口堆物", "业主张**、李**家门口堆物"),
        # the list starts with a repeat of a name found elsewhere
        ("名单：丁英先、王正国、薛祥庆。小学生丁英先，", "名单：丁**、王**、薛**。小学生丁**，"),
        # each member is as long as the one before it unless closed: not 赵敏抱 (抱团)
        ("负责人彭毓红、李刚、赵敏抱团结伙", "负责人彭**、李**、赵敏抱团结伙"),
    ],
)
def test_names_listed_after_a_found_name_are_masked(text, masked):
    assert redact(text) == masked
    assert redact(masked) == masked


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ("邻居张三和王府井的人", "王府井"),  # a place: a dictionary word
        ("业主张三和周围邻居，业主张三与高层住户", "周围邻居，业主张**与高层"),
        ("邻居张三及时反映", "及时反映"),  # 时 is no surname here
        ("邻居张三、李主任和王书记", "、李主任和王书记"),  # surname + title stays
        ("业主张三、李某", "、李某"),
        # a town's name, as the text calls it elsewhere; after 以及 only a closed name
        ("主任成桂宁以及夏多铺城管中队，夏多铺镇工作人员", "以及夏多铺城管中队，夏多铺镇"),
        ("负责人成桂宁以及黄花城管中队", "以及黄花城管"),
        # a school or a group named after a person (周南中学)
        ("仍招收高中学生（周楠教育集团）", "周楠教育集团"),
    ],
)
def test_list_look_alikes_stay(text, kept):
    assert kept in redact(text)


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        # a verb + complement after the name (掐住): the name ends before it
        ("原法制办主任洪可掐住脖子强行拖起", "原法制办主任洪**掐住脖子强行拖起"),
        # the same text closes the two-character form and never the three
        ("包工头黄俊来处理，但黄俊说。包工头黄俊，", "包工头黄**来处理，但黄**说。包工头黄**，"),
        ("给代理主任刘塞看了截图；代理主任刘塞，", "给代理主任刘**看了截图；代理主任刘**，"),
    ],
)
def test_a_name_before_a_verb_has_its_own_length(text, masked):
    assert redact(text) == masked


def test_a_closed_three_character_name_keeps_its_length_where_a_word_follows():
    # 控告人李生正在: 正在 is a word, but the text closes 李生正 elsewhere
    text = "控告人：李生正，男，61岁。控告人李生正在原朝阳建筑公司"
    assert redact(text) == "控告人：李**，男，61岁。控告人李**在原朝阳建筑公司"


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        # a stop character that stands in names (太, 先), closed by the verb that follows
        ("公司经理（法定代表人）窦太平任职程序不合法", "公司经理（法定代表人）窦**任职程序不合法"),
        ("主任邓兆先召集村民开会", "主任邓**召集村民开会"),
        # surname + first given character is a word (王国), but jieba knows the full name
        ("分行员工王国林解除劳动合同", "分行员工王**解除劳动合同"),
        # a name before a verb, where nothing but the verb closes it
        ("承包老板骆先羊赖账", "承包老板骆**赖账"),
        ("涉及原股东费志刚拿走2000元", "涉及原股东费**拿走2000元"),
        # a 股 (a county bureau's section) ends an organisation's name before an official
        ("县教育局的基教股肖庆明主任，肖主任也称", "县教育局的基教股肖**主任，肖主任也称"),
        # a verb too rare for the word list (接访) still ends the name before it
        ("批后监管科科长李健接访态度恶劣", "批后监管科科长李**接访态度恶劣"),
        ("副主任李健接访了我们", "副主任李**接访了我们"),
        # but a title after the name keeps it whole: 可先 is no verb here
        ("董事长兼法人范风可先生于2019年", "董事长兼法人范**先生于2019年"),
        ("我母亲黎文明于2019年2月7日", "我母亲黎**于2019年2月7日"),
    ],
)
def test_names_closed_by_the_verb_after_them(text, masked):
    assert redact(text) == masked


@pytest.mark.parametrize(
    "text",
    [
        "给有实权发证的干部许诺送采矿干股",  # 许诺 is a word, not 许 + a given name
        "面对众多患者安危而不顾",
        "居民张电话0000-0000",
        "工人王平安装空调",
    ],
)
def test_words_before_a_verb_stay(text):
    assert "name" not in kinds(text), [m.text for m in find_pii(text)]


# Third round (2026-11-29): the misses and false masks the second round's reading left.


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        # a space between a building and a room with its word (2# 205户)
        ("对3#103户、2# 205户的楼板进行了荷载试验", "对*#***户、*# ***户的楼板进行了荷载试验"),
        ("住3栋 501室", "住*栋 ***室"),
        # a five-digit room in a list of flats in figures: a dash left out (1-12702)
        (
            "1-1-2502、1-1-2602、1-12702、1-2-1002、1-3-1403",
            "*-*-****、*-*-****、*-*****、*-*-****、*-*-****",
        ),
    ],
)
def test_rooms_after_a_space_and_five_digit_rooms_in_a_list_are_masked(text, masked):
    assert redact(text) == masked
    assert redact(masked) == masked


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        # a space after a building and a number without a room's word: a count, a year, a length
        ("2# 20户已入住", "2# 20户"),
        ("3# 2019年交房", "2019年"),
        ("1# 100米外", "100米"),
        ("2# 205户型", "205户型"),
        # a five-digit number alone, or one that ends a list as a measure or a hotline
        ("编号1-12702", "1-12702"),
        ("1-1-2602、1-10000元", "1-10000元"),
        ("1-1-2602、12345热线", "12345热线"),
    ],
)
def test_spaces_and_five_digit_numbers_that_are_no_room_stay(text, kept):
    assert kept in redact(text)


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        # an office or commercial tower's block stays, its room is masked
        (
            "地址: 西地省A市A5区人民中路嘉熙国际中心a座3707室实际控制人",
            "地址: 西地省A市A5区人民中路嘉熙国际中心a座****室实际控制人",
        ),
        ("利聚网在金融大厦B座1203室办公", "利聚网在金融大厦B座****室办公"),
        # a compound's lettered building is part of the household's address, as before
        ("阳光小区a座3707室漏水", "阳光小区*座****室漏水"),
        ("我家A座1203的卫生间", "我家*座****的卫生间"),
    ],
)
def test_an_office_towers_block_stays_and_its_room_is_masked(text, masked):
    assert redact(text) == masked
    assert redact(masked) == masked


def test_a_mall_units_owner_is_no_household():
    text = (
        "我在星沙商业乐园c栋三楼有个小商铺,可是今年3月份c栋120业主为了开餐饮店就跟物业签了"
    )
    assert "house_number" not in kinds(text), [m.text for m in find_pii(text)]


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        # the owner of a lettered flat in a compound is a household, as before
        ("我是美麓阳光a栋803业主", "我是美麓阳光*栋***业主"),
        # a word of living beats the mall elsewhere in the text
        ("商业乐园c栋三楼有商铺。我家住c栋1203", "商业乐园c栋三楼有商铺。我家住*栋****"),
        # a compound's b栋 is not the mall's c栋
        (
            "商业乐园c栋三楼有商铺。阳光苑b栋803业主反映",
            "商业乐园c栋三楼有商铺。阳光苑*栋***业主反映",
        ),
    ],
)
def test_owners_of_flats_stay_households_next_to_a_mall(text, masked):
    assert redact(text) == masked


@pytest.mark.parametrize(
    ("text", "name"),
    [
        # surname + first given character is a name jieba knows (李俊); a verb closes the full one
        ("请D市逸夫中学校长李俊杰回答以下几个问题", "李俊杰"),
        # a character that starts a verb (独揽, 私自, 拒不) does not end a name
        ("鱼塘更是被组长胡洁独览，工程款5万之多", "胡洁"),
        ("老板张赛拒不承认", "张赛"),
    ],
)
def test_names_whose_length_a_verb_decides(text, name):
    assert [m.text for m in find_pii(text) if m.kind == "name"] == [name]


def test_a_full_name_found_before_a_verb_is_masked_where_the_text_repeats_it():
    text = "请D市逸夫中学校长李俊杰回答以下几个问题。请问李俊杰你是没能力解决"
    assert redact(text) == "请D市逸夫中学校长李**回答以下几个问题。请问李**你是没能力解决"


@pytest.mark.parametrize(
    "text",
    [
        # a name jieba knows that is mostly a word (陈述, 许可), before a verb, stays a word
        "当事人陈述事实",
        "工作人员许可办理",
        "负责人高达成交",
        # a three-character name whose last character is an ordinary given one keeps it
        "组长胡洁明反映",
    ],
)
def test_word_heads_and_ordinary_given_names_keep_their_reading(text):
    names = [m.text for m in find_pii(text) if m.kind == "name"]
    assert names in ([], ["胡洁明"]), names


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        # a name that ends in such a character, where punctuation closes it, keeps it
        ("工程承包给其父亲苏军欠。其父亲苏军欠住院", "工程承包给其父亲苏**。其父亲苏**住院"),
        ("法人代表谢彪寄，近几年", "法人代表谢**，近几年"),
    ],
)
def test_a_closed_name_ending_in_a_verbs_first_character_keeps_it(text, masked):
    assert redact(text) == masked
    assert [m.text for m in find_pii(text) if m.kind == "name"][-1].endswith(("欠", "寄"))


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        # a 网友's quoted handle that is a full name names the requester
        ("回复如下：“范红星”网友：您好！…范红星反映", "回复如下：“范**”网友：您好！…范**反映"),
        ("网友“邹建礼”您好！", "网友“邹**”您好！"),
    ],
)
def test_a_handle_that_is_a_full_name_is_masked(text, masked):
    assert redact(text) == masked


@pytest.mark.parametrize(
    "text",
    ["“农夫”网友：您好", "网友“时刻”您好", "“风雨无阻”网友", "网友“UU0082012”您好", "“张三丰”网页"],
)
def test_handles_that_are_no_name_stay(text):
    assert "name" not in kinds(text), [m.text for m in find_pii(text)]


@pytest.mark.parametrize(
    "text",
    [
        # a building + number that the text calls a business (a restaurant, a hotel, a hall)
        "泉星物流园小区a7栋5号的夜食尚饭店，晚上吃夜宵的大声喧哗",
        "四季美景12栋80号津市牛肉粉店",
        "坡三里拢25栋110号万囍宾馆涉黄",
        "工作人员对31栋103号麻将馆进行了走访",
    ],
)
def test_a_business_at_a_building_number_stays(text):
    assert "house_number" not in kinds(text), [m.text for m in find_pii(text)]


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        # a household's number stays masked where a shop is only near it
        ("住3栋5号的业主开了饭店", "住*栋*号的业主开了饭店"),
        ("住3栋2号旁边的小卖店", "住*栋*号旁边的小卖店"),
        ("3栋5号王大爷家开的店", "*栋*号王大爷家开的店"),
        ("5栋501室的美容店", "*栋***室的美容店"),
    ],
)
def test_a_households_number_next_to_a_shop_is_masked(text, masked):
    assert redact(text) == masked


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        # a full name before a title right after a word of time (当年, 事前, 之前, 2008年)
        ("非常感谢当年陈忠红书记和村委", "非常感谢当年陈**书记和村委"),
        ("事前卢庆文书记在会上说", "事前卢**书记在会上说"),
        ("之前黄天锡书记曾答应", "之前黄**书记曾答应"),
    ],
)
def test_a_full_name_before_a_title_after_a_word_of_time_is_masked(text, masked):
    assert redact(text) == masked


@pytest.mark.parametrize(
    "text",
    [
        "碧桂园时任物业经理陈某",  # 任物业: a given name that is a word needs a clearer start
        "2019年高新区主任来过",
        "之后张家界市长表示",
        "去年王主任来过",
    ],
)
def test_words_before_a_title_after_a_word_of_time_stay(text):
    assert "name" not in kinds(text), [m.text for m in find_pii(text)]


def test_a_brand_before_a_title_after_a_word_of_time_stays():
    # 温斯顿 (jieba: a foreign name) is a school here: 当时温斯顿老师 is one of its teachers
    text = "本人在温斯顿梅溪湖中心报课，当时温斯顿老师说45个工作日可以到款"
    assert "name" not in kinds(text), [m.text for m in find_pii(text)]


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        # a full name in brackets right after a word for a person (那个人, 律师, 其母, 来信人)
        ("卖房子那个人(陆娟)谈，关于", "卖房子那个人(陆**)谈，关于"),
        ("我方律师（孙练忠），提起诉讼", "我方律师（孙**），提起诉讼"),
        ("周某及其母（李玉珍）、其女（周新）等三人", "周某及其母（李**）、其女（周**）等三人"),
        ("调查，来信人（康晴）系M4县人", "调查，来信人（康**）系M4县人"),
    ],
)
def test_a_full_name_in_brackets_after_a_person_is_masked(text, masked):
    assert redact(text) == masked


@pytest.mark.parametrize(
    "text",
    [
        "辛辛苦苦的（雷峰）司机",  # after 的: a nickname or a typo, not a person's word
        "开发商(朱老板)催促",  # surname + title
        "我父亲（已逝）的名下",
        "经盼盼路，（左转）东四路",  # after a punctuation mark: a note
        "选派一名技术人员（专职）驻场",
    ],
)
def test_bracketed_words_after_a_person_stay(text):
    assert "name" not in kinds(text), [m.text for m in find_pii(text)]


def test_two_flats_run_together_are_masked_in_one_pass():
    # a34-3-501b16-3-501: the second flat was masked only by a second pass
    text = "房号：a33-1-601/a34-3-501b16-3-501/b7-5-301"
    once = redact(text)
    assert once == "房号：***-*-***/***-*-******-*-***/**-*-***"
    assert redact(once) == once


def test_a_mask_before_a_word_is_no_boundary():
    # 章**任党小组长, as published, is not 任党小 + 组长: redacting it again changes nothing
    published = "其中陈**任组长、易**任妇女组长、章**任党小组长。"
    assert redact(published) == published


def test_a_numbers_mask_before_a_name_is_a_boundary():
    # the data's own masks (a phone number's) stand where digits stood: 吴杰家 is still found
    text = "联系电话***********吴杰家，男"
    assert "吴**家" in redact(text)
