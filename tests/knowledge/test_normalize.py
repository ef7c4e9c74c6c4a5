"""Normalisation: the same question written differently must come out the same."""

from knowledge.normalize import expansions, normalize, segment


def test_full_width_traditional_and_punctuation_fold_away() -> None:
    assert normalize("ＡＢＣ１２３") == "abc123"
    assert normalize("陽了怎麼辦？？😷") == normalize("阳了怎么办")


def test_voice_recognition_full_stops_become_separators() -> None:
    assert normalize("我要。退烧药。") == "我要 退烧药"


def test_dialect_and_colloquial_words_map_to_canonical_forms() -> None:
    assert normalize("娃儿") == normalize("孩子") == normalize("小朋友")
    assert normalize("阳了咋整") == normalize("感染了怎么办")
    assert normalize("过年回老家要注意啥子") == normalize("春节返乡要注意什么")
    assert normalize("抗原自测盒") == normalize("抗原")
    assert normalize("退热药") == normalize("退烧药")


def test_canonical_form_is_not_eaten_by_a_shorter_variant() -> None:
    # 发热 is a variant of 发烧, but 发热门诊 is its own canonical term.
    assert normalize("发热门诊在哪儿") == "发热门诊在哪里"


def test_specific_drug_implies_the_general_term_without_losing_itself() -> None:
    words = segment(normalize("布洛芬能和对乙酰氨基酚一起吃吗"))
    assert "布洛芬" in words
    assert "退烧药" in expansions(words)


def test_segment_drops_particles_and_pleasantries() -> None:
    words = segment(normalize("你好，请问孩子几岁能打疫苗呢？谢谢"))
    assert "孩子" in words and "几岁" in words
    assert not {"你好", "请问", "呢", "谢谢"} & set(words)


def test_garbage_normalises_to_empty() -> None:
    for text in ["", "   ", "？？！！", "😷😷", "]]>", "<![", "\x00\ufeff"]:
        assert normalize(text) == ""
        assert segment(normalize(text)) == []


def test_content_engineers_dialect_words() -> None:
    assert normalize("屋头没得退烧药了") == normalize("家里没有退烧药了")
    assert normalize("打新冠针") == normalize("打疫苗") == normalize("接种")


def test_words_of_other_dialects_map_too() -> None:
    """Hubei, Cantonese, Wu, Shaanxi and Northern words residents of other provinces write."""
    assert normalize("屋企冇退烧药了 么样搞") == normalize("家里没有退烧药了 怎么办")
    assert normalize("去睇病要预约吗") == normalize("去看病要预约吗")
    assert normalize("核酸点在哪达") == normalize("核酸点在哪里")
    assert normalize("姥姥姥爷能打疫苗不") == normalize("老人能打疫苗不")
    assert normalize("办酒席") == normalize("婚宴") == normalize("办酒")
    assert normalize("阳了") == normalize("感染")


def test_trailing_negation_is_a_yes_no_question() -> None:
    assert normalize("社区能领退烧药不") == normalize("社区能领退烧药吗")
    assert normalize("还隔离不隔离") == "还隔离不隔离"  # an A-不-A question keeps its 不


def test_third_pass_dialect_doubt_and_definition_words() -> None:
    assert normalize("点样领退烧药") == normalize("怎么领退烧药")
    assert normalize("可唔可以打疫苗") == normalize("能不能打疫苗")
    # "觉得自己…" and "怀疑自己…" ask the same thing; "X的定义" is "X是什么".
    assert normalize("觉得自己感染了怎么办") == normalize("怀疑自己感染了怎么办")
    assert normalize("新型冠状病毒的定义") == normalize("新冠是什么")


def test_voice_fillers_are_not_content_words() -> None:
    assert segment(normalize("喂，你好。嗯嗯好的")) == segment(normalize("好"))


def test_segment_gives_exactly_jiebas_words() -> None:
    # segment() runs its own copy of jieba's dictionary segmentation (knowledge/normalize.py,
    # _Segmenter); it must cut every text as jieba's lcut(HMM=False) does.
    from pathlib import Path

    import yaml

    from knowledge.normalize import STOPWORDS, _get_segmenter, _get_tokenizer

    texts = [
        "新冠肺炎疫情期间，企业复工复产需要向哪个部门申请备案审批？",
        "阳了咋整 abc123 x 1 a-b_c.d%e 新冠ab1 2cd",
        "\u3400\u4e00中\u9fff国 㐀字 𠀀字",
        "布洛芬能和对乙酰氨基酚一起吃吗",
        "喂你好那个我想问一下核酸检测点在哪里嗯嗯好的谢谢",
    ]
    for path in sorted((Path(__file__).parents[2] / "knowledge" / "content").glob("*.yaml")):
        for entry in yaml.safe_load(path.read_text(encoding="utf-8"))["entries"]:
            texts += [entry["question"], *entry["variants"], entry["answer"]]
    tokenizer = _get_tokenizer()
    for text in texts:
        normalized = normalize(text)
        expected = [w for w in tokenizer.lcut(normalized, HMM=False) if w != " " and w not in STOPWORDS]
        assert segment(normalized) == expected, text
        assert _get_segmenter().cut(normalized) == [w for w in tokenizer.lcut(normalized, HMM=False) if w != " "]


def test_voice_recognition_slips_are_corrected_before_the_synonym_map() -> None:
    # Corrected first, so the synonym map sees the real word: 新官疫苗 → 新冠疫苗 → (打) 接种.
    assert normalize("七十多岁打新官疫苗") == normalize("七十多岁打新冠疫苗")
    assert normalize("羊了咋办") == normalize("阳了咋办")
    assert normalize("不洛芬一天吃几次") == normalize("布洛芬一天吃几次")
    assert normalize("疫描能打吗") == normalize("疫苗能打吗")
    # A slip list must not break real words that contain one ("表扬了" is not "阳了").
    assert normalize("表扬了他") == "表扬了他"
