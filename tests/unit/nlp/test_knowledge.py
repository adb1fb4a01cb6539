"""The knowledge-base index: ranking, short queries, an empty index, rebuilding without an
archived article."""

from __future__ import annotations

from jiesu.nlp.knowledge import Document, KnowledgeIndex

ARTICLES = [
    Document(1, "居住证怎么办理？",
             "在本市居住满半年的，可到街道便民服务中心申领居住证，带身份证和租房合同。",
             ("居住证", "暂住证")),
    Document(2, "住房公积金怎么提取？",
             "购房、租房、还贷、离职等情形可以提取住房公积金，网上大厅或柜台办理。",
             ("公积金", "提取")),
    Document(3, "新生儿怎么参加医保？",
             "新生儿出生后 90 天内办理参保登记的，自出生之日起享受医保待遇。",
             ("新生儿", "医保", "参保")),
    Document(4, "小区停车收费标准是多少？",
             "住宅小区停车收费由业主大会或物业服务合同约定，应在小区显著位置公示。", ()),
    Document(5, "噪音扰民的时间规定",
             "夜间 22:00 至次日 6:00 禁止在居民区附近进行产生噪声的施工作业。", ("噪音", "施工")),
    Document(6, "供暖时间是什么时候？",
             "本市供暖期为每年 11 月 15 日至次年 3 月 15 日，室温不低于 18℃。", ("暖气",)),
]


def ids(index: KnowledgeIndex, query: str, k: int = 3) -> list[int]:
    return [h.id for h in index.search(query, k)]


def test_the_article_about_the_question_ranks_first() -> None:
    index = KnowledgeIndex.build(ARTICLES)
    assert ids(index, "我想问一下公积金怎么取出来")[0] == 2
    assert ids(index, "楼下工地晚上十一点还在施工，噪音太大")[0] == 5
    assert ids(index, "孩子刚出生，怎么给他办医保")[0] == 3
    assert ids(index, "家里暖气什么时候开始供")[0] == 6
    hits = index.search("小区停车怎么收费", 3)
    assert hits[0].id == 4 and 0 < hits[0].score <= 1
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)


def test_short_queries_find_their_article() -> None:
    index = KnowledgeIndex.build(ARTICLES)
    assert ids(index, "公积金提取")[0] == 2
    assert ids(index, "居住证")[0] == 1
    assert ids(index, "供暖")[0] == 6
    assert ids(index, "医保")[0] == 3


def test_the_title_weighs_more_than_the_answer() -> None:
    index = KnowledgeIndex.build([
        Document(1, "社保卡补办", "补办社保卡可到合作银行网点。办理居住证的另见其他文章。"),
        Document(2, "居住证办理", "带身份证到街道便民服务中心。")])
    assert ids(index, "居住证")[0] == 2


def test_unrelated_or_empty_queries_find_nothing() -> None:
    index = KnowledgeIndex.build(ARTICLES)
    assert index.search("", 3) == []
    assert index.search("！？。 ", 3) == []
    assert index.search("zzzz qqqq", 3) == []
    assert ids(index, "公积金", k=0) == []


def test_an_empty_index_answers_nothing() -> None:
    index = KnowledgeIndex.build([])
    assert len(index) == 0
    assert index.search("居住证", 3) == []
    blank = KnowledgeIndex.build([Document(1, "", "")])
    assert blank.search("居住证", 3) == []


def test_an_archived_article_disappears_when_the_index_is_rebuilt() -> None:
    archived = {1}
    before = KnowledgeIndex.build(ARTICLES)
    after = KnowledgeIndex.build(d for d in ARTICLES if d.id not in archived)
    assert ids(before, "居住证")[0] == 1
    assert 1 not in ids(after, "居住证", k=6)
    assert ids(after, "公积金提取")[0] == 2
    assert len(after) == len(ARTICLES) - 1
