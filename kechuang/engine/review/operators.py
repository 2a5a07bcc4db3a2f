"""Recognise the names of specific operators (companies) and institutions in a clause.

A clause that gives money to "高新技术企业" gives it to whoever qualifies; one that gives
it to "内蒙古君正化工有限责任公司" gives it to one operator. This module finds such names:

1. full names by their legal suffix — 股份有限公司, 有限责任公司, 有限公司, 集团, 公司 (an
   enterprise); 大学, 学院, 研究院, 研究所, 科学院, 医院 (an institution) — unless what
   precedes the suffix is only generic words (保险公司, 产业技术研究院, 国家大学科技园);
2. short names in a list (``内蒙古君正化工、三维新材料、华恒能源科技…等``): an item made of a
   place name, a brand and an industry word (化工, 新材料, 能源科技…) is a name, and so are
   the other items of the same list that end with an industry word;
3. quoted names: ``“东景生物”`` (a quoted word ending with an industry word or a suffix);
4. the platform's own register: ``known_operators`` (any name in it found in the clause).

>>> [(m.name, m.kind) for m in find_operators("对内蒙古君正化工有限责任公司给予奖励")]
[('内蒙古君正化工有限责任公司', 'enterprise')]
>>> find_operators("对新认定的国家高新技术企业一次性给予10万元")
[]
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

Kind = Literal["enterprise", "institution", "registered"]

ENTERPRISE_SUFFIXES = (
    "集团股份有限公司", "股份有限公司", "有限责任公司", "集团有限公司", "有限公司",
    "集团公司", "（集团）", "(集团)", "集团", "公司",
)
INSTITUTION_SUFFIXES = ("科学院", "研究院", "研究所", "大学", "学院", "医院")
# the industry words that end a short company name (君正化工, 华恒能源科技)
INDUSTRY_WORDS = (
    "能源科技", "环保科技", "生物科技", "信息科技", "智能科技", "新材料", "新能源", "化工",
    "科技", "能源", "材料", "电子", "电气", "电力", "药业", "制药", "医药", "乳业", "实业",
    "控股", "重工", "机械", "钢铁", "矿业", "煤业", "稀土", "股份", "光电", "光伏", "生物",
    "环保", "物流", "建材", "化学", "食品", "软件", "网络", "通信", "汽车", "装备",
)
# words that, alone before a suffix, make a kind of organisation rather than a name
GENERIC_WORDS = (
    "国家级", "自治区级", "省级", "市级", "区级", "县级", "国家", "自治区", "地方", "区域", "本地",
    "产业技术", "产业创新", "产业", "技术", "科技", "创新", "新型", "研发", "专业化", "专业",
    "市场化", "企业", "重点", "龙头", "骨干", "高水平", "一流", "综合", "公共", "服务", "平台",
    "特色", "高等", "职业", "投资", "保险", "担保", "小额贷款", "贷款", "融资租赁", "融资", "租赁",
    "创业投资", "创投", "风投", "金融", "科研", "工程", "中试", "工业", "农业", "医学", "医疗",
    "临床", "各类", "各级", "相关", "知名", "国有", "民营", "外资", "上市", "子", "分", "母",
    "控股", "集团", "独资", "合资", "有限", "股份", "责任", "运营", "建设", "管理", "研究", "开发",
    "技术研究", "新", "大型", "中小", "小微", "科技型", "高新技术", "本科", "中等", "高职", "大",
    "中", "小", "社会", "民办", "公办", "事业", "单位", "机构", "经济", "生物", "数字", "智能",
    "先进", "制造", "材料", "能源", "信息", "人工智能", "低碳", "绿色", "未来", "前沿", "基础",
    "应用", "合作", "联合", "驻", "其", "该", "本", "此", "各", "一", "一批", "若干", "多家",
    "独立", "法人", "独立法人", "分支", "下属", "所属", "直属", "附属", "一家", "两家", "三家",
)
_QUANTIFIERS = ("一批", "若干", "各类", "各级", "多家", "一家", "一些", "部分")
# places whose presence makes a name specific: provinces, the region's cities and leagues
PLACES = (
    "内蒙古", "北京", "天津", "上海", "重庆", "河北", "山西", "辽宁", "吉林", "黑龙江", "江苏",
    "浙江", "安徽", "福建", "江西", "山东", "河南", "湖北", "湖南", "广东", "广西", "海南",
    "四川", "贵州", "云南", "西藏", "陕西", "甘肃", "青海", "宁夏", "新疆", "香港", "澳门",
    "台湾", "中国", "中科", "呼和浩特", "包头", "乌海", "赤峰", "通辽", "鄂尔多斯", "呼伦贝尔",
    "巴彦淖尔", "乌兰察布", "兴安", "锡林郭勒", "阿拉善", "深圳", "广州", "杭州", "南京",
    "武汉", "成都", "西安", "沈阳", "大连", "青岛", "厦门", "苏州", "宁波", "长沙", "郑州",
    "合肥", "兰州", "银川", "西宁", "太原", "石家庄", "济南", "哈尔滨", "长春", "昆明", "贵阳",
    "南宁", "海口", "拉萨", "乌鲁木齐", "福州", "南昌", "无锡", "东莞", "佛山", "华北", "华东",
    "华南", "西北", "东北", "西南", "北方", "南方",
)
# places that stand for one city or province (used by the rules as {place}: 在乌海注册)
JURISDICTIONS = tuple(p for p in PLACES if p not in (
    "中国", "中科", "华北", "华东", "华南", "西北", "东北", "西南", "北方", "南方"))
_PLACE_ADMIN = re.compile(r"[\u4e00-\u9fff]{2,4}?(?:省|市|自治区|自治州|地区|盟|县|旗)")
_LOCAL_ADMIN = ("本市", "全市", "我市", "各市", "本省", "全省", "我省", "本县", "全县", "本区", "全区",
                "我区", "各省", "城市", "县市", "盟市", "市县", "各盟")
_NAME_CHARS = r"[\u4e00-\u9fffA-Za-z0-9（）()·&]"
_SUFFIX_RE = re.compile(
    rf"({_NAME_CHARS}{{2,40}}?)"
    r"(集团股份有限公司|股份有限公司|有限责任公司|集团有限公司|有限公司|集团公司|[（(]集团[)）]股份有限公司"
    r"|集团(?!化|群|军)|公司|科学院|研究院|研究所|大学(?!生|科技园|城|路|校区)|学院(?!路)|医院)"
)
# the words that may run into a name from the left: verbs, prepositions, conjunctions
_LEFT_NOISE = re.compile(
    r"^(?:重点支持|大力支持|优先支持|全力支持|专项支持|重点扶持|支持|扶持|鼓励|引导|推动|推进|加快|加强|"
    r"依托|引进|培育|建设|打造|组建|设立|成立|发挥|保障|优先|配置|委托|授予|指定|列为|将|把|对|向|"
    r"为|由|与|和|及|同|在|给予|给|免收|免征|减免|减征|返还|补贴|奖励|资助|安排|落实|发展|壮大|"
    r"做强|做大|聚焦|围绕|深化|联合|携手|会同|协调|组织|要求|帮助|服务|推荐|择优|遴选|认定|"
    r"新引进|引导|吸引|招引|实施|开展|举办|承办|签约|合作|共建|同意|批准|核准|免|减|奖|补)+"
)
_SPLIT_LEFT = re.compile(r"[，,。；;：:、“”\"'《》\s的等或]")
# verbs and prepositions after which a name starts (single characters only where they
# rarely occur inside a name: not 为 (华为), 中 (中兴), 和 (和林格尔))
_BOUNDARY = re.compile(
    r"仅限于|限于|仅限|给予|委托|指定|支持|扶持|购买|采购|授予|使用|统一|列为|免收|免征|减免|保障|"
    r"配置|安排|搭建|建设|设立|推进|加快|依托|培育|引进|鼓励|推动|组建|打造|成立|发挥|落实|"
    r"应到|须到|[由向对从在将把到]"
)


@dataclass(frozen=True, slots=True)
class OperatorMention:
    """A name found in a clause: ``kind`` is enterprise, institution or registered."""

    name: str
    kind: Kind
    start: int
    end: int


def _strip_left(span: str) -> str:
    """Cut what runs into a name from the left: earlier words, verbs, prepositions."""
    span = _SPLIT_LEFT.split(span)[-1]
    for quantifier in _QUANTIFIERS:
        index = span.rfind(quantifier)
        if index >= 0:
            span = span[index + len(quantifier):]
    # a known place starts the name (对内蒙古君正… → 内蒙古君正…)
    best: tuple[int, int] | None = None
    for place in PLACES:
        index = span.find(place)
        if index >= 0 and (best is None or index < best[0] or (index == best[0] and len(place) > best[1])):
            best = (index, len(place))
    if best is not None:
        return span[best[0]:]
    ends = [m.end() for m in _BOUNDARY.finditer(span)]
    if ends:
        span = span[ends[-1]:]
    return _LEFT_NOISE.sub("", span)


def _is_generic(prefix: str) -> bool:
    """True when the words before a suffix only say what kind of organisation it is."""
    rest = re.sub(r"[（）()·&\s]", "", prefix)
    if not rest:
        return True
    # strip generic words greedily, longest first
    words = sorted(GENERIC_WORDS, key=len, reverse=True)
    changed = True
    while rest and changed:
        changed = False
        for word in words:
            if rest.startswith(word):
                rest = rest[len(word):]
                changed = True
                break
    return not rest


def _has_place(text: str) -> bool:
    if any(text.startswith(place) for place in PLACES):
        return True
    m = _PLACE_ADMIN.match(text)
    return bool(m) and not any(text.startswith(local) for local in _LOCAL_ADMIN)


def _place_prefix(text: str) -> int:
    """Length of the place name a text starts with (0 if none)."""
    best = 0
    for place in PLACES:
        if text.startswith(place):
            best = max(best, len(place))
    m = _PLACE_ADMIN.match(text)
    if m and not any(text.startswith(local) for local in _LOCAL_ADMIN):
        best = max(best, len(m.group(0)))
    return best


def _industry_word(text: str) -> str | None:
    for word in INDUSTRY_WORDS:
        if text.endswith(word):
            return word
    return None


def _short_name(item: str) -> bool:
    """``内蒙古君正化工``: a place, a brand of two or more characters, an industry word."""
    word = _industry_word(item)
    if not word:
        return False
    place = _place_prefix(item)
    brand = item[place:len(item) - len(word)]
    return place > 0 and len(brand) >= 2 and not _is_generic(brand)


def _full_names(text: str) -> list[OperatorMention]:
    found: list[OperatorMention] = []
    for m in _SUFFIX_RE.finditer(text):
        span, suffix = m.group(1), m.group(2)
        name_head = _strip_left(span)
        start = m.end(1) - len(name_head)
        if start > 0 and text[start - 1] in "等类级":
            continue
        if any(text[max(0, start - len(q)):start] == q for q in _QUANTIFIERS):
            continue
        if _is_generic(name_head) and not (name_head and _has_place(name_head)):
            continue
        if len(name_head) < 2 and suffix in ("公司", "集团", "学院", "医院"):
            continue
        kind: Kind = "institution" if suffix in INSTITUTION_SUFFIXES else "enterprise"
        if found and found[-1].end == start == m.start(1):
            # 上海交通大学 + 内蒙古研究院 are one name: 上海交通大学内蒙古研究院
            previous = found.pop()
            found.append(OperatorMention(previous.name + name_head + suffix, kind, previous.start, m.end()))
            continue
        found.append(OperatorMention(name_head + suffix, kind, start, m.end()))
    return found


_LIST_SEGMENT = re.compile(r"[^，,。；;：:！？!?]+")


def _listed_names(text: str, known: list[OperatorMention]) -> list[OperatorMention]:
    """Short names in an enumeration (A、B、C等…) anchored by one recognisable name."""
    found: list[OperatorMention] = []
    for seg in _LIST_SEGMENT.finditer(text):
        segment = seg.group(0)
        if "、" not in segment:
            continue
        parts = segment.split("、")
        # the last item ends at 等/和/及 (…乌海市广锦新材料等可降解塑料产业项目)
        last = re.split(r"等|及|和|以及", parts[-1], maxsplit=1)[0]
        items: list[tuple[str, int]] = []
        offset = seg.start()
        for index, part in enumerate(parts):
            raw = last if index == len(parts) - 1 else part
            value = _strip_left(raw)
            items.append((value, offset + len(raw) - len(value)))
            offset += len(part) + 1
        counted = _COUNTED_LIST.search(parts[-1])
        if counted and len(items) == len(parts):
            # 伊利、蒙牛两家乳业龙头企业: a list closed by a count of enterprises is of names
            value, start = items[-1]
            items[-1] = (value[: counted.start()], start)
            for value, start in items:
                value = value.strip("“”\"' ")
                if 2 <= len(value) <= 16 and not _is_generic(value):
                    found.append(OperatorMention(value, "enterprise", start, start + len(value)))
            continue
        anchored = any(_short_name(v) for v, _ in items) or any(
            k.start >= seg.start() and k.end <= seg.end() and k.kind == "enterprise" for k in known
        )
        if not anchored:
            continue
        for value, start in items:
            value = value.strip("“”\"'")
            if _industry_word(value) and not _is_generic(value[: len(value) - len(_industry_word(value) or "")]):
                found.append(OperatorMention(value, "enterprise", start, start + len(value)))
    return found


_COUNTED_LIST = re.compile(r"(?:等)?(?:两|三|四|五|六|七|八|九|十|\d{1,2})家{S}{0,10}?(?:企业|公司|单位)".replace("{S}", "[^，,。；;、]"))
_QUOTED = re.compile(r"[“\"]([^”\"]{2,30})[”\"]")


def _quoted_names(text: str) -> list[OperatorMention]:
    found: list[OperatorMention] = []
    for m in _QUOTED.finditer(text):
        name = m.group(1)
        word = _industry_word(name)
        if word and not _is_generic(name[: len(name) - len(word)]):
            found.append(OperatorMention(name, "enterprise", m.start(1), m.end(1)))
    return found


class OperatorIndex:
    """The platform's register of operators, searchable in a clause in one pass.

    Names are indexed by their first two characters, so a register of 100,000 names costs
    one dictionary look-up per character of the clause.

    >>> index = OperatorIndex({"君正化工", "伊利"})
    >>> [m.name for m in index.find("支持君正化工发展")]
    ['君正化工']
    """

    def __init__(self, names: Iterable[str]) -> None:
        self._by_prefix: dict[str, list[str]] = {}
        for name in {n.strip() for n in names if n and len(n.strip()) >= 2}:
            self._by_prefix.setdefault(name[:2], []).append(name)
        for bucket in self._by_prefix.values():
            bucket.sort(key=len, reverse=True)

    def __len__(self) -> int:
        return sum(len(bucket) for bucket in self._by_prefix.values())

    def find(self, text: str) -> list[OperatorMention]:
        found: list[OperatorMention] = []
        i, n = 0, len(text)
        while i < n - 1:
            bucket = self._by_prefix.get(text[i:i + 2])
            if bucket:
                for name in bucket:
                    if text.startswith(name, i):
                        found.append(OperatorMention(name, "registered", i, i + len(name)))
                        i += len(name) - 1
                        break
            i += 1
        return found


def find_operators(
    text: str, known_operators: OperatorIndex | Iterable[str] | None = None
) -> list[OperatorMention]:
    """Every operator or institution named in ``text``, left to right, without overlaps.

    >>> [m.name for m in find_operators(
    ...     "重点支持内蒙古君正化工、三维新材料、华恒能源科技等可降解塑料产业项目")]
    ['内蒙古君正化工', '三维新材料', '华恒能源科技']
    >>> [m.name for m in find_operators("加强煤焦化工、氯碱化工、精细化工等新产品开发")]
    []
    """
    mentions: list[OperatorMention] = []
    if known_operators is not None:
        index = known_operators if isinstance(known_operators, OperatorIndex) else OperatorIndex(known_operators)
        mentions += index.find(text)
    full = _full_names(text)
    mentions += full
    mentions += _listed_names(text, full)
    mentions += _quoted_names(text)
    # keep the longest of overlapping mentions; a registered name wins a tie
    rank = {"registered": 0, "enterprise": 1, "institution": 2}
    mentions.sort(key=lambda m: (m.start, -(m.end - m.start), rank[m.kind]))
    kept: list[OperatorMention] = []
    for mention in mentions:
        if kept and mention.start < kept[-1].end:
            continue
        kept.append(mention)
    return kept
