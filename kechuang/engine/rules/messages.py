"""Every message of the rules engine, keyed by code, in Chinese and English.

The engine has no gettext: a message is looked up by its code and rendered in the
language asked for (``zh`` by default, ``en``). Placeholders are ``str.format`` fields.

Codes: ``R1xx`` syntax, ``R2xx`` names, ``R3xx`` types, ``R4xx`` policy files,
``W5xx`` warnings (the file still loads), ``T6xx`` test cases, ``W7xx`` evaluation.
"""

from __future__ import annotations

MESSAGES: dict[str, tuple[str, str]] = {
    # -- syntax ------------------------------------------------------------------
    "R101": ("无法识别的字符 `{char}`", "unexpected character `{char}`"),
    "R102": ("字符串缺少结束引号", "string is missing its closing quote"),
    "R103": ("数字 `{text}` 写法有误", "malformed number `{text}`"),
    "R104": ("此处应为{expected}，却是 `{found}`", "expected {expected_en} here, found `{found}`"),
    "R105": ("表达式不完整：此处应为{expected}", "expression ends too early: expected {expected_en}"),
    "R106": ("比较相等请写 `==`，不是 `=`", "write `==` to compare, not `=`"),
    "R107": ("日期 `{text}` 不存在", "`{text}` is not a valid date"),
    "R108": ("金额 `{text}` 小于一分；金额精确到分", "amount `{text}` has a fraction of a fen; amounts are exact to the fen"),
    "R109": ("表达式为空", "empty expression"),
    "R110": ("括号不配对：缺少 `{closing}`", "unbalanced brackets: missing `{closing}`"),
    "R111": ("表达式最后多出 `{found}`", "unexpected `{found}` after the end of the expression"),
    # -- names -------------------------------------------------------------------
    "R201": ("未知的事实或参数 `{name}`{hint}", "unknown fact or parameter `{name}`{hint_en}"),
    "R202": ("未知的函数 `{name}`{hint}", "unknown function `{name}`{hint_en}"),
    "R203": ("函数 `{name}` 需要 {expected} 个参数，给了 {given} 个",
             "function `{name}` takes {expected} argument(s), {given} given"),
    "R204": ("循环引用：{cycle}", "circular reference: {cycle}"),
    "R205": ("参数 `{name}` 与事实同名；请换一个名字", "parameter `{name}` has the same name as a fact; rename it"),
    "R206": ("未知的优惠 `{name}`{hint}", "unknown benefit `{name}`{hint_en}"),
    # -- types -------------------------------------------------------------------
    "R301": ("不能对{left}和{right}做 `{op}` 运算{hint}", "cannot apply `{op}` to {left_en} and {right_en}{hint_en}"),
    "R302": ("数字 `{text}` 没有单位，不能与金额运算或比较；金额请写成 `{text}元` 或 `{wan}万`",
             "the number `{text}` has no unit and cannot be used with an amount; write `{text}元` or `{wan}万`"),
    "R303": ("不能比较{left}和{right}", "cannot compare {left_en} with {right_en}"),
    "R304": ("条件的结果必须是是/否，这里是{found}", "a condition must be true/false, this is {found_en}"),
    "R305": ("金额公式的结果必须是金额，这里是{found}{hint}", "an amount formula must give an amount of money, this gives {found_en}{hint_en}"),
    "R306": ("各分支的类型不一致：{left}与{right}", "the branches have different types: {left_en} and {right_en}"),
    "R307": ("`in` 列表中的值必须都是{expected}，`{item}` 是{found}",
             "the values of an `in` list must all be {expected_en}; `{item}` is {found_en}"),
    "R308": ("函数 `{name}` 的第 {index} 个参数应为{expected}，这里是{found}",
             "argument {index} of `{name}` must be {expected_en}, this is {found_en}"),
    "R309": ("`{op}` 两边必须是是/否，这里是{found}", "the operands of `{op}` must be true/false, this is {found_en}"),
    "R310": ("参数 `{name}` 声明为{expected}，但取值 `{text}` 是{found}",
             "parameter `{name}` is declared as {expected_en} but the value `{text}` is {found_en}"),
    "R311": ("`{op}` 不能用于{found}", "`{op}` cannot be applied to {found_en}"),
    "R312": ("`in` 的右边必须是列表 `[…]` 或列表参数", "the right side of `in` must be a list `[…]` or a list parameter"),
    # -- policy files ------------------------------------------------------------
    "R401": ("YAML 语法错误：{problem}", "YAML syntax error: {problem}"),
    "R402": ("缺少必填项 `{field}`", "missing required field `{field}`"),
    "R403": ("未知的字段 `{field}`{hint}", "unknown field `{field}`{hint_en}"),
    "R404": ("`{field}` 的取值 `{value}` 无效；可选：{choices}", "invalid value `{value}` for `{field}`; choose one of: {choices}"),
    "R405": ("重复的{what} `{name}`（首次出现在第 {first} 行）", "duplicate {what_en} `{name}` (first at line {first})"),
    "R406": ("参数 `{name}` 在 {date} 没有有效取值（政策自该日起施行）",
             "parameter `{name}` has no value in force on {date} (the policy's effective date)"),
    "R407": ("资金分担比例合计为 {total}，应为 100%", "the funding shares add up to {total}, not 100%"),
    "R408": ("参数 `{name}` 的取值日期必须递增：{date} 不晚于 {previous}",
             "the dates of parameter `{name}` must increase: {date} is not after {previous}"),
    "R409": ("`{field}` 应为{expected}", "`{field}` must be {expected_en}"),
    "R410": ("测试用例中的事实 `{name}` 取值 `{value}` 无效：{reason}",
             "test case fact `{name}` has an invalid value `{value}`: {reason_en}"),
    "R411": ("政策编码 `{code}` 无效：只能用小写字母、数字和下划线，且以字母开头",
             "policy code `{code}` is invalid: use lower-case letters, digits and underscores, starting with a letter"),
    "R412": ("文件内容必须是一个映射（字段: 值）", "the file must contain a mapping (field: value)"),
    "R413": ("事实 `{name}` 已在其他政策中声明为{other}，这里是{found}",
             "fact `{name}` is declared as {other_en} in another policy, here as {found_en}"),
    "R414": ("`{name}` 与目录中的事实同名；政策中声明的事实不能覆盖目录", "`{name}` is a catalogue fact; a policy cannot redeclare it"),
    "R415": ("无法读取文件：{problem}", "cannot read the file: {problem}"),
    "R416": ("目录 `{path}` 中没有政策文件（*.yaml）", "no policy files (*.yaml) in `{path}`"),
    "R417": ("适用地域 `territory` 中的 `{value}` 不是6位行政区划代码（如 150100 呼和浩特市）",
             "`{value}` in `territory` is not a 6-digit division code (e.g. 150100 for Hohhot)"),
    # -- warnings ----------------------------------------------------------------
    "W501": ("优惠 `{benefit}` 指向特定经营者（{what}），而非普遍适用的条件：可能违反《公平竞争审查条例》第十条（给予特定经营者选择性、差异化的财政奖励或者补贴）",
             "benefit `{benefit}` targets a specific operator ({what_en}) instead of general criteria: possible breach of the Fair Competition Review Regulation, art. 10 (selective subsidies to specific operators)"),
    "W502": ("参数 `{name}` 没有来源（{note}）；在设定取值前，依赖它的优惠无法计算",
             "parameter `{name}` has no source ({note}); benefits that use it cannot be computed until a value is set"),
    # -- test cases --------------------------------------------------------------
    "T601": ("测试用例「{case}」：`{benefit}` 应为 {expected}，算得 {actual}",
             "test case \"{case}\": `{benefit}` should be {expected_en}, computed {actual_en}"),
    "T602": ("测试用例「{case}」无法运行：{problem}", "test case \"{case}\" could not run: {problem_en}"),
    # -- evaluation --------------------------------------------------------------
    "W701": ("数据中缺少事实列 {names}；依赖它们的优惠按“未知”处理",
             "the data lacks the fact column(s) {names}; benefits that need them are reported as unknown"),
    "W702": ("事实列 `{name}` 无法按{type}读取：{problem}", "fact column `{name}` cannot be read as {type_en}: {problem}"),
    "W703": ("数据中没有行政区划代码列（division_code），未按适用范围筛选：{policies}",
             "the data has no division code column (division_code); the territory of {policies} was not applied"),
    "R703": ("参数覆盖 `{name}` 无效：{problem}", "invalid parameter override `{name}`: {problem_en}"),
    "R704": ("没有编码为 `{code}` 的政策{hint}", "no policy with code `{code}`{hint_en}"),
}

# Names of types and expectations used inside messages.
TYPE_NAMES: dict[str, tuple[str, str]] = {
    "money": ("金额", "an amount of money"),
    "ratio": ("比例", "a ratio"),
    "count": ("数量", "a count"),
    "number": ("无单位数字", "a unit-less number"),
    "bool": ("是/否", "true/false"),
    "date": ("日期", "a date"),
    "text": ("文本", "text"),
    "list": ("列表", "a list"),
}


def type_name(t: str, lang: str = "zh") -> str:
    zh, en = TYPE_NAMES.get(t, (t, t))
    return zh if lang == "zh" else en


def render(code: str, lang: str = "zh", /, **params: object) -> str:
    """The message for ``code`` in ``lang`` (``zh`` or ``en``), placeholders filled in.

    >>> render("R106")
    '比较相等请写 `==`，不是 `=`'
    >>> render("R106", "en")
    'write `==` to compare, not `=`'
    """
    zh, en = MESSAGES[code]
    template = zh if lang == "zh" else en
    return template.format_map(_Defaults(params))


class _Defaults(dict[str, object]):
    def __missing__(self, key: str) -> str:  # an absent field renders empty, never raises
        if key.endswith("_en") and key[:-3] in self:
            return str(self[key[:-3]])
        return ""
