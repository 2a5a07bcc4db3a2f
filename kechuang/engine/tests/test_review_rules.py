"""The review rules, category by category, with positive and negative cases.

Each rule in rules.yaml carries its own examples (hit / miss); they are run here, so a
reviewer who adds a rule adds its test in the same place.
"""

from __future__ import annotations

import pytest

from kechuang.engine.review import (
    OperatorIndex,
    ReviewError,
    find_operators,
    load_rules,
    review_text,
)
from kechuang.engine.review.rules import compile_rules

RULES = load_rules()


def articles_of(text: str, **options) -> set[str]:
    """The articles a clause is flagged under (violation or suspect; notes do not count)."""
    return {f.article for f in review_text(text, **options) if f.level != "note"}


def hits_of(rule_id: str, text: str) -> bool:
    return any(rule_id in f.rules for f in review_text(text))


# --- the rule data ---------------------------------------------------------------------


def test_it_compiles_every_rule_with_an_existing_article_and_item():
    assert len(RULES.rules) >= 20
    for rule in RULES.rules:
        assert RULES.regulation_text(rule.article, rule.item)
        assert rule.reason and rule.title
        assert rule.hits and rule.misses, f"{rule.id} needs hit and miss examples"


def test_it_covers_the_four_articles_with_every_item_the_brief_names():
    cited = {(rule.article, rule.item) for rule in RULES.rules}
    for article, item in [("第八条", "（一）"), ("第八条", "（二）"), ("第八条", "（三）"), ("第八条", "（四）"),
                          ("第九条", "（一）"), ("第九条", "（二）"), ("第九条", "（三）"), ("第九条", "（四）"),
                          ("第九条", "（五）"), ("第十条", "（一）"), ("第十条", "（二）"), ("第十条", "（三）"),
                          ("第十一条", "（一）"), ("第十一条", "（二）"), ("第十一条", "（三）")]:
        assert (article, item) in cited


@pytest.mark.parametrize("rule", RULES.rules, ids=lambda r: r.id)
def test_it_flags_each_rules_hit_examples(rule):
    for text in rule.hits:
        assert hits_of(rule.id, text), f"{rule.id} should flag: {text}"


@pytest.mark.parametrize("rule", RULES.rules, ids=lambda r: r.id)
def test_it_passes_each_rules_miss_examples(rule):
    for text in rule.misses:
        assert not hits_of(rule.id, text), f"{rule.id} should not flag: {text}"


def test_it_refuses_rule_data_citing_an_item_the_regulation_lacks():
    data = {"regulation": {"articles": {"第十条": {"items": {"（一）": "…"}}}},
            "rules": [{"id": "x", "article": "第十条", "item": "（九）", "level": "violation", "when": ["a"]}]}
    with pytest.raises(ReviewError) as error:
        compile_rules(data)
    assert error.value.code == "bad_rules"


def test_it_refuses_rule_data_with_an_unknown_field_or_a_bad_pattern():
    base = {"regulation": {"articles": {"第十条": {"items": {"（一）": "…"}}}}}
    for rule in ({"id": "x", "article": "第十条", "item": "（一）", "level": "violation", "when": ["a"], "wehn": 1},
                 {"id": "y", "article": "第十条", "item": "（一）", "level": "violation", "when": ["(unclosed"]},
                 {"id": "z", "article": "第十条", "item": "（一）", "level": "violation", "when": ["{nope}"]}):
        with pytest.raises(ReviewError):
            compile_rules({**base, "rules": [rule]})


# --- 第十条: the same money, to everyone who qualifies or to named companies -------------


def test_it_passes_criteria_based_support_open_to_every_operator():
    assert review_text("对新认定的国家高新技术企业一次性给予10万元。") == []
    assert articles_of("对研发投入年增量在1000万元及以上的规上企业，按照增量的10%给予支持。") == set()


def test_it_flags_the_same_money_given_to_a_named_company():
    (finding,) = review_text("对华恒能源科技股份有限公司一次性给予10万元。")
    assert (finding.article, finding.item, finding.level) == ("第十条", "（二）", "violation")
    assert finding.evidence.operators == ("华恒能源科技股份有限公司",)
    assert "10万元" in "".join(finding.evidence.words)
    assert "特定经营者" in finding.reason


def test_it_flags_support_for_listed_short_names_as_suspect():
    (finding,) = review_text("重点支持内蒙古君正化工、三维新材料、华恒能源科技等企业技术改造。")
    assert (finding.article, finding.level) == ("第十条", "suspect")
    assert len(finding.evidence.operators) == 3


def test_it_flags_tax_linked_rewards_but_not_national_tax_preferences():
    assert articles_of("对企业按其缴纳增值税地方留成部分的50%给予奖励。") == {"第十条"}
    assert articles_of("企业所得税地方分成部分前三年全额返还。") == {"第十条"}
    assert articles_of("落实好研发费用税前加计扣除和高新技术企业所得税优惠政策。") == set()


def test_it_flags_factor_and_fee_preferences_for_a_named_company():
    findings = review_text("对北方稀土集团新建项目用地按基准地价的50%供地。")
    assert {(f.article, f.item) for f in findings} == {("第十条", "（三）")}
    assert articles_of("对入驻孵化器的在孵企业，给予三年房租减半优惠。") == set()


def test_it_flags_case_by_case_deals():
    assert articles_of("对重大招商引资项目采取“一事一议”方式给予资金支持。") == {"第十条"}
    assert articles_of("支持金融机构提供一企一策服务。") == set()


def test_it_lowers_the_level_when_only_institutions_are_named():
    (finding,) = review_text("每年安排2000万元支持上海交通大学内蒙古研究院运营。")
    assert finding.level == "suspect"
    assert "机构" in finding.reason
    (note,) = review_text("支持呼和浩特职业学院建设本科院校。")
    assert note.level == "note"


# --- 第八条 market entry and exit ------------------------------------------------------------


def test_it_flags_designated_and_exclusive_suppliers():
    assert articles_of("园区用能监测平台指定由华能智慧能源科技有限公司独家提供服务。") == {"第八条"}
    assert articles_of("技术合同认定登记服务仅限于市技术市场有限公司提供，其他服务机构不得受理。") == {"第八条"}
    assert articles_of("支持企业自主选择科技服务机构。") == set()
    assert articles_of("各单位应指定专人负责科技统计工作。") == set()


def test_it_flags_extra_approvals_but_not_grant_procedure():
    assert articles_of("从事技术转移服务的机构须经市科技局审批同意后方可开展业务。") == {"第八条"}
    assert articles_of("项目经费预算调整须经项目管理专业机构审核同意后方可执行。") == set()


def test_it_flags_exit_restrictions():
    assert articles_of("入库企业未经市科技局同意，不得申请注销或者转让股权。") == {"第八条"}
    assert articles_of("享受补助资金的企业，十年内不得将注册地迁出本市。") == {"第九条"}
    assert articles_of("企业退出高新技术企业培育库的，不再享受入库支持政策。") == set()


def test_it_notes_directed_entrustment_without_counting_it():
    (finding,) = review_text("通过公开竞争、定向委托、揭榜挂帅等方式组织实施重大科技项目。")
    assert finding.level == "note"


# --- 第九条 free movement ------------------------------------------------------------------


def test_it_flags_local_only_conditions():
    assert articles_of("申报单位须在本市注册并纳税满三年。") == {"第九条"}
    assert articles_of("税收关系在本市的企业方可申请研发后补助。") == {"第九条"}
    assert articles_of("外地企业参与本市科技项目申报的，须在本市设立分支机构。") == {"第九条"}
    assert articles_of("吸引国内外知名企业来本市设立区域总部和研发中心。") == set()
    assert articles_of("申报单位应为在中华人民共和国境内依法登记注册的法人单位。") == set()


def test_it_flags_discriminatory_procurement_scoring():
    (finding,) = review_text("在本市科技计划项目招标中，本地企业在评分时额外加5分。")
    assert (finding.article, finding.item, finding.level) == ("第九条", "（三）", "violation")
    assert finding.exception_prompt is None  # 第十二条 is no ground for favouring local bidders
    assert articles_of("招标文件不得设置以本地业绩作为加分条件的内容。") == set()


def test_it_flags_extra_filings_for_outside_operators():
    assert articles_of("外地企业须经本市主管部门备案登记后，方可在本市承接技术开发合同。") == {"第九条"}
    assert articles_of("外地检测机构出具的检测报告，本市不予认可。") == {"第九条"}


def test_it_flags_subsidies_for_local_goods():
    assert articles_of("对使用本地产品的科技示范项目，按采购金额的10%给予补贴。") == {"第九条"}
    assert articles_of("对外地来本市创业的高校毕业生给予与本地毕业生同等的创业补贴。") == set()


# --- 第十一条 behaviour ----------------------------------------------------------------------


def test_it_flags_price_coordination_and_price_floors():
    assert articles_of("引导本市检测机构协商确定统一的检测收费价格。") == {"第十一条"}
    assert articles_of("全市光伏组件销售价格不得低于每瓦1.2元。") == {"第十一条"}
    assert articles_of("依法查处价格欺诈、哄抬价格等违法行为。") == set()
    assert articles_of("投标报价不得低于成本，防止恶性低价竞争。") == set()


def test_it_flags_a_preferential_price_for_a_named_company_under_two_articles():
    assert articles_of("给予包钢集团每千瓦时0.1元的电价优惠。") == {"第十条", "第十一条"}


# --- 第十二条: a prompt, never a pass -------------------------------------------------------


def test_it_prompts_for_the_science_exception_without_dropping_the_finding():
    (finding,) = review_text("对内蒙古君正化工有限责任公司的研发项目给予1000万元财政补助。")
    assert finding.level == "violation"
    assert "第十二条第（二）项" in finding.exception_prompt
    assert "未见实施期限" in finding.exception_prompt


def test_it_names_a_period_it_sees_in_the_exception_prompt():
    (finding,) = review_text("对君正集团研发中心减免城市基础设施配套费，期限三年。")
    assert "期限" in finding.exception_prompt and "可见" in finding.exception_prompt


# --- the recogniser of operator names ---------------------------------------------------------


@pytest.mark.parametrize(("text", "names"), [
    ("对内蒙古伊利实业集团股份有限公司给予奖励", ["内蒙古伊利实业集团股份有限公司"]),
    ("支持上海交通大学内蒙古研究院建设", ["上海交通大学内蒙古研究院"]),
    ("对“东景生物”给予奖励", ["东景生物"]),
    ("支持伊利、蒙牛两家乳业龙头企业", ["伊利", "蒙牛"]),
    ("重点支持鄂尔多斯集团、伊泰集团等龙头企业", ["鄂尔多斯集团", "伊泰集团"]),
    ("加强煤焦化工、氯碱化工、精细化工等新产品开发", []),
    ("支持各类保险公司、担保公司开发科技金融产品", []),
    ("建设一批产业技术研究院", []),
    ("支持国家大学科技园建设", []),
    ("对新认定的国家高新技术企业给予奖励", []),
])
def test_it_recognises_organisation_names(text, names):
    assert [m.name for m in find_operators(text)] == names


def test_it_tells_enterprises_from_institutions():
    kinds = {m.name: m.kind for m in find_operators("北京大学与天宇电子科技有限公司合作")}
    assert kinds == {"北京大学": "institution", "天宇电子科技有限公司": "enterprise"}


def test_it_checks_clauses_against_the_platforms_register_of_operators():
    text = "重点支持君正做大做强。"
    assert articles_of(text) == set()
    assert articles_of(text, known_operators={"君正"}) == {"第十条"}
    index = OperatorIndex(["君正", "君正能源化工集团股份有限公司", "伊利"])
    assert len(index) == 3
    assert [m.name for m in index.find("对君正能源化工集团股份有限公司和伊利")] == [
        "君正能源化工集团股份有限公司", "伊利"]
