"""Retrieval over a small inline FAQ: right entry for dialect paraphrases, nothing for chit-chat."""

import threading

import pytest

from knowledge.model.calibrator import ENTRY_FEATURES
from knowledge.retrieval import FaqIndex
from knowledge.scoring import ANSWER_THRESHOLD, SUGGEST_THRESHOLD, Document, Hit, _unit_texts

FAQ = [
    Document(1, "儿童多大可以接种新冠疫苗？", ("小孩几岁能打新冠疫苗",), "3岁以上儿童可以接种。"),
    Document(
        2, "感染新冠后在家怎么处理？", ("阳了在家怎么办", "确诊了居家要注意什么"), "多休息、多喝水，发烧可服用退烧药。"
    ),
    Document(
        3, "春节返乡需要注意什么？", ("过年回老家有什么要求",), "返乡前做好个人防护，老人孩子尽量少去人多的地方。"
    ),
    Document(4, "社区在哪里领取抗原检测试剂？", ("抗原自测盒去哪里拿",), "到社区卫生服务中心或居委会领取。"),
    Document(5, "家里没有退烧药怎么办？", ("买不到布洛芬怎么办",), "可以联系居委会申请健康包。"),
    Document(6, "老年人接种新冠疫苗有绿色通道吗？", ("老人打疫苗要排队吗",), "有，接种点为老年人开设绿色通道。"),
]


@pytest.fixture(scope="module")
def index() -> FaqIndex:
    return FaqIndex.build(FAQ)


def test_thresholds_are_ordered_probabilities() -> None:
    assert 0.0 < SUGGEST_THRESHOLD < ANSWER_THRESHOLD <= 1.0


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("娃儿几岁能打疫苗", 1),
        ("阳了咋整", 2),
        ("过年回老家要注意啥子", 3),
        ("自测盒在哪儿领", 4),
        ("我要。退烧药。没得退热药咋办", 5),
        ("俺家老爷子打疫苗能不能不排队", 6),
    ],
)
def test_dialect_paraphrase_finds_the_entry(index: FaqIndex, query: str, expected: int) -> None:
    hits = index.search(query)
    assert hits, query
    assert hits[0].id == expected, (query, hits)
    assert hits[0].score >= SUGGEST_THRESHOLD, (query, hits)


def test_exact_question_is_answered(index: FaqIndex) -> None:
    hits = index.search("儿童多大可以接种新冠疫苗")
    assert hits[0].id == 1 and hits[0].score >= ANSWER_THRESHOLD
    assert hits[0].matched == "儿童多大可以接种新冠疫苗？"


@pytest.mark.parametrize(
    "query", ["明天天气怎么样", "白菜多少钱一斤", "我家猫不吃东西", "昨晚球赛谁赢了", "你好", "讲个笑话", "在吗"]
)
def test_out_of_domain_is_not_offered(index: FaqIndex, query: str) -> None:
    hits = index.search(query)
    assert not hits or hits[0].score < SUGGEST_THRESHOLD, (query, hits)


@pytest.mark.parametrize(
    "query",
    ["", "   ", "？？？", "😷🤒💊", "]]>", "<xml><![CDATA[x]]></xml>", "\x00\ud800", "疫苗" * 5000, "a" * 100_000],
)
def test_any_string_is_safe(index: FaqIndex, query: str) -> None:
    hits = index.search(query)
    assert isinstance(hits, list)
    assert all(isinstance(h, Hit) and 0.0 <= h.score <= 1.0 for h in hits)


def test_empty_and_garbage_give_no_hits(index: FaqIndex) -> None:
    for query in ["", "？？？", "😷😷", "]]>"]:
        assert index.search(query) == []


def test_results_are_sorted_unique_and_limited(index: FaqIndex) -> None:
    hits = index.search("疫苗", k=2)
    assert len(hits) <= 2
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    assert len({h.id for h in index.search("疫苗怎么打", k=10)}) == len(index.search("疫苗怎么打", k=10))
    assert index.search("疫苗", k=0) == []


def test_rebuild_reflects_an_edited_entry(index: FaqIndex) -> None:
    assert index.search("核酸检测点还有吗") == [] or index.search("核酸检测点还有吗")[0].id != 4
    edited = [
        d if d.id != 4 else Document(4, "社区还有核酸检测点吗？", ("还能做核酸吗",), "便民核酸点已调整。") for d in FAQ
    ]
    rebuilt = FaqIndex.build(edited)
    assert len(rebuilt) == len(index) == len(FAQ)
    assert rebuilt.search("核酸检测点还有吗")[0].id == 4
    assert all(h.id != 4 for h in rebuilt.search("抗原自测盒去哪里拿")[:1])


def test_answer_text_is_searched_when_an_entry_has_no_matching_question() -> None:
    only_answers = FaqIndex.build(
        [Document(10, "", answer="健康包里有退烧药和抗原"), Document(11, "", answer="周一到周五办公")]
    )
    hits = only_answers.search("健康包里有什么")
    assert hits and hits[0].id == 10
    assert hits[0].score < ANSWER_THRESHOLD  # an answer-only match is offered, never answered outright


def test_empty_index_and_len() -> None:
    empty = FaqIndex.build([])
    assert len(empty) == 0 and empty.search("阳了咋整") == []


def test_concurrent_searches_agree(index: FaqIndex) -> None:
    expected = index.search("阳了咋整")
    results: list[list[Hit]] = []

    def worker() -> None:
        for _ in range(20):
            results.append(index.search("阳了咋整"))

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(r == expected for r in results)


def test_dialect_medicine_question_reaches_the_medicine_entry(index: FaqIndex) -> None:
    hits = index.search("屋头没得退烧药了")
    assert hits and hits[0].id == 5, hits


def test_sentence_shape_alone_is_not_a_confident_match(index: FaqIndex) -> None:
    # Shares only 现在…还…吗 with entry 4's variants: must not be answered outright.
    edited = [*FAQ, Document(7, "现在还能做核酸吗？", ("还能测核酸吗",), "便民核酸点已调整。")]
    hits = FaqIndex.build(edited).search("现在还集中隔离吗")
    assert not hits or hits[0].id != 7 or hits[0].score < ANSWER_THRESHOLD, hits


def test_unmatched_informative_word_lowers_confidence(index: FaqIndex) -> None:
    near = index.search("小孩几岁能打新冠疫苗")
    far = index.search("小狗几岁能打疫苗")
    assert near and near[0].id == 1 and near[0].score >= ANSWER_THRESHOLD
    assert not far or far[0].score < near[0].score


def test_candidates_rows_match_the_calibrator_features(index: FaqIndex) -> None:

    positions, rows, texts, _ = index.candidates("阳了咋整")
    assert positions and rows.shape == (len(positions), len(ENTRY_FEATURES)) and len(texts) == len(positions)


def test_an_acknowledgement_is_not_a_question(index: FaqIndex) -> None:
    for text in ["知道了 谢谢", "行 我晓得了", "嗯嗯好的", "好的，收到"]:
        assert index.search(text) == []


def test_an_entry_with_many_variants_does_not_crowd_out_the_others() -> None:
    many = Document(1, "小孩几岁能打新冠疫苗？", tuple(f"孩子{n}岁能不能打疫苗" for n in range(3, 20)))
    other = Document(2, "老人打疫苗有绿色通道吗？", ("老年人打疫苗要排队吗",))
    index = FaqIndex.build([many, other])
    positions, rows, _, _ = index.candidates("打疫苗要排队吗")
    assert 1 in positions  # the second entry (position 1) still gets a candidate slot
    n_units = rows[:, list(index_features()).index("n_units")]
    assert n_units.max() <= 3


def index_features() -> tuple[str, ...]:
    from knowledge.model.calibrator import ENTRY_FEATURES

    return ENTRY_FEATURES


MEDICINE_FAQ = [
    *FAQ,
    Document(7, "咳嗽吃什么药？", ("嗓子疼吃啥子药", "退烧药怎么吃"), "可在医生或药师指导下使用止咳药、退烧药。"),
]


@pytest.mark.parametrize(("query", "absent"), [("个税怎么退", ("税", "退")), ("牙疼吃什么药", ("牙", "疼"))])
def test_a_single_character_counts_only_as_a_word_of_the_entry(query: str, absent: tuple[str, ...]) -> None:
    # 退 appears in 退烧药 and 疼 in 嗓子疼, but neither is a word of the entry: word-level coverage.
    from knowledge.model.features import analyze, weight

    index = FaqIndex.build(MEDICINE_FAQ)
    positions, rows, _, _ = index.candidates(query)
    features = index_features()
    words = analyze(query).word_set
    total = sum(weight(w) for w in words)
    ceiling = sum(weight(w) for w in words if w not in absent) / total
    assert positions
    for row in rows:
        assert row[features.index("w_cov_all")] <= ceiling + 1e-9, (query, row)
        assert row[features.index("w_unmatched")] >= max(weight(w) for w in absent) - 1e-9


@pytest.mark.parametrize(
    "query",
    [
        "个税怎么退",
        pytest.param(
            "牙疼吃什么药",
            marks=pytest.mark.xfail(
                strict=True,
                reason="known gap: the frame of 嗓子疼吃啥子药 with another subject scores ~0.7 (bench/retrieval.md)",
            ),
        ),
    ],
)
def test_a_shared_character_is_not_a_confident_match(query: str) -> None:
    hits = FaqIndex.build(MEDICINE_FAQ).search(query)
    assert not hits or hits[0].score < ANSWER_THRESHOLD, (query, hits)


# search() on a fixed FAQ, recorded before the fifth pass's latency work (which had to leave every
# ranking and score unchanged). A deliberate change of the models or features changes these: record
# them again then, and say so.
RECORDED_FAQ = [
    *FAQ,
    Document(7, "现在还能做核酸吗？", ("还能测核酸吗",), "便民核酸点已调整。"),
    Document(8, "", answer="健康包里有退烧药和抗原，周一到周五办公"),
]
RECORDED = {
    "娃儿几岁能打疫苗": [(1, 0.99), (6, 0.0013), (7, 0.0003), (3, 0.0003)],
    "阳了咋整": [(2, 0.8918), (5, 0.0058), (3, 0.0001), (8, 0.0)],
    "过年回老家要注意啥子": [(3, 0.8559), (2, 0.1502), (6, 0.0005), (5, 0.0001)],
    "自测盒在哪儿领": [(4, 0.534), (8, 0.0006), (2, 0.0003), (7, 0.0001), (5, 0.0001)],
    "我要。退烧药。没得退热药咋办": [(5, 0.9252), (2, 0.3587), (8, 0.0053), (3, 0.0006), (6, 0.0003)],
    "俺家老爷子打疫苗能不能不排队": [(6, 0.6674), (1, 0.006), (3, 0.0056), (7, 0.0007), (5, 0.0007)],
    "儿童多大可以接种新冠疫苗": [(1, 0.99), (6, 0.0124), (3, 0.0005)],
    "疫苗": [(1, 0.0709), (6, 0.0476)],
    "核酸检测点还有吗": [(7, 0.4881), (6, 0.0005), (3, 0.0001), (5, 0.0001), (8, 0.0001)],
    "健康包里有什么": [(5, 0.0978), (8, 0.0364), (3, 0.0256), (2, 0.0174), (4, 0.002)],
    "老人打疫苗要排队吗？孩子呢": [(6, 0.913), (1, 0.0093), (3, 0.0071), (2, 0.0002), (7, 0.0002)],
    "明天天气怎么样": [(2, 0.0865), (5, 0.0317), (3, 0.0031)],
    "屋头没得退烧药了": [(5, 0.93), (2, 0.0048), (8, 0.0016), (4, 0.0003), (3, 0.0002)],
    "现在还集中隔离吗": [(7, 0.4088), (6, 0.0004), (2, 0.0003), (4, 0.0001)],
    "abc 123 新冠": [(2, 0.0082), (1, 0.0013)],
}


def test_search_output_matches_the_recording() -> None:
    index = FaqIndex.build(RECORDED_FAQ)
    for query, expected in RECORDED.items():
        hits = index.search(query, k=5)
        assert [h.id for h in hits] == [i for i, _ in expected], query
        assert [h.score for h in hits] == pytest.approx([s for _, s in expected], abs=1e-4), query


def test_sentences_of_one_wording_count_as_one_wording() -> None:
    """A compound question cut into sentences is still one wording: n_units counts wordings, not pieces."""
    compound = Document(1, "怎样选择口罩？买不到口罩怎么办？", answer="按需选择。")
    assert _unit_texts(compound) == [
        ("怎样选择口罩？买不到口罩怎么办？", 0),
        ("怎样选择口罩", 0),
        ("买不到口罩怎么办", 0),
    ]
    disposal = Document(2, "用过的一次性口罩如何处理？", ("旧口罩怎么扔",), "丢进有害垃圾桶。")
    assert [k for _, k in _unit_texts(disposal)] == [0, 1]
    index = FaqIndex.build([compound, disposal])
    positions, rows, _, _ = index.candidates("用过的口罩怎么办？")
    n_units = {positions[i]: rows[i, ENTRY_FEATURES.index("n_units")] for i in range(len(positions))}
    assert n_units[0] == 1.0  # three of its units matched, all one wording
    assert index.search("用过的口罩怎么办？")[0].id == 2


@pytest.mark.parametrize("query", ["狗狗发烧吃啥药", "退烧药能给狗吃不", "我家猫阳了在家怎么办", "宠物要打新冠疫苗吗"])
def test_a_message_about_an_animal_gets_no_entry_about_people(index: FaqIndex, query: str) -> None:
    assert index.search(query.replace("狗狗", "").replace("给狗", "").replace("猫", "")), "the frame alone matches"
    assert all(hit.score < SUGGEST_THRESHOLD for hit in index.search(query)), index.search(query)


def test_an_entry_that_names_the_animal_is_still_found() -> None:
    pets = FaqIndex.build([*FAQ, Document(7, "家里的猫狗会感染新冠吗？", ("宠物会不会传染新冠",), "宠物传人罕见。")])
    hits = pets.search("我家猫会感染新冠吗")
    assert hits and hits[0].id == 7 and hits[0].score >= SUGGEST_THRESHOLD, hits
