"""`kechuang review FILE` and `kechuang bench review`, run as a user runs them: a subprocess
with its own data directory (no database needed: the engine reviews alone)."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

EXECUTABLE = shutil.which("kechuang", path=str(Path(sys.executable).parent)) or "kechuang"
SEED_000 = Path(__file__).resolve().parent / "data" / "review" / "seeds" / "000_c8b8e38b7f624e86.txt"
FIELDS = {"clause", "location", "article", "item", "level", "reason", "evidence"}


def run(args: list[str], data_dir: Path) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("KECHUANG_", "DJANGO_"))}
    environment["KECHUANG_DATA_DIR"] = str(data_dir)
    return subprocess.run([EXECUTABLE, *args], capture_output=True, text=True, env=environment, timeout=300,
                          cwd=data_dir)


def test_kechuang_review_prints_the_findings_as_a_json_list(tmp_path):
    result = run(["review", str(SEED_000), "--format", "json"], tmp_path)
    assert result.returncode == 0, result.stderr
    findings = json.loads(result.stdout)
    assert isinstance(findings, list) and all(FIELDS <= set(f) for f in findings)
    box = next(f for f in findings if f["level"] == "suspect")
    assert (box["article"], box["item"]) == ("第十条", "（二）")
    assert box["location"]["box"] == "专栏9 高新区提质升级重点任务" and box["location"]["line"] == 423
    assert box["clause"].startswith("重点支持内蒙古君正化工") and "三维新材料" in box["evidence"]["operators"]
    assert not (tmp_path / "kechuang.sqlite3").exists()  # reviewing a file creates no database


def test_kechuang_review_exits_0_with_findings_and_prints_a_table(tmp_path):
    result = run(["review", str(SEED_000)], tmp_path)
    assert result.returncode == 0, result.stderr
    assert "第十条（二）" in result.stdout and "专栏9" in result.stdout
    suspected = run(["review", str(SEED_000), "--min-level", "suspect", "--format", "json"], tmp_path)
    assert [f["level"] for f in json.loads(suspected.stdout)] == ["suspect"]


def test_kechuang_review_reads_a_docx(tmp_path):
    from docx import Document as WordDocument

    word = WordDocument()
    word.add_paragraph("专栏2 重点项目")
    word.add_paragraph("对内蒙古君正化工有限责任公司的可降解塑料项目给予1000万元财政补助。")
    path = tmp_path / "措施.docx"
    buffer = io.BytesIO()
    word.save(buffer)
    path.write_bytes(buffer.getvalue())
    result = run(["review", str(path), "--format", "json"], tmp_path)
    assert result.returncode == 0, result.stderr
    assert [(f["article"], f["level"]) for f in json.loads(result.stdout)] == [("第十条", "violation")]


@pytest.mark.parametrize(("name", "content", "message"), [
    ("empty.txt", b"", "文件为空"),
    ("tool.exe", b"MZ\x90\x00", "不支持的文件类型"),
    ("binary.txt", bytes(range(256)) * 20, "无法识别"),
    ("missing.txt", None, "文件不存在"),
])
def test_kechuang_review_refuses_a_bad_file_with_exit_1_and_a_chinese_message(tmp_path, name, content, message):
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    result = run(["review", str(path), "--format", "json"], tmp_path)
    assert result.returncode == 1 and result.stdout == ""
    assert message in result.stderr


def test_kechuang_review_without_a_file_is_a_usage_error(tmp_path):
    assert run(["review"], tmp_path).returncode == 2


def test_kechuang_bench_review_times_a_long_document(tmp_path):
    result = run(["bench", "review", "--pages", "5", "--format", "json"], tmp_path)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["pages"] == 5 and report["clauses"] > 50 and 0 < report["total_seconds"] < 5
    table = run(["bench", "review", "--pages", "2"], tmp_path)
    assert table.returncode == 0 and "2" in table.stdout


# --- .docx as Word shows it: automatic numbering, text boxes, tables (engine, in-process) ----

_NS = ('xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" '
       'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" '
       'xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape" '
       'xmlns:v="urn:schemas-microsoft-com:vml"')

# one list: 一、 / （一） / 1. / ①; list instance 2 shares it but restarts (startOverride)
_NUMBERING = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:numbering {_NS}>
  <w:abstractNum w:abstractNumId="7">
    <w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="chineseCounting"/><w:lvlText w:val="%1、"/></w:lvl>
    <w:lvl w:ilvl="1"><w:start w:val="1"/><w:numFmt w:val="chineseCounting"/><w:lvlText w:val="（%2）"/></w:lvl>
    <w:lvl w:ilvl="2"><w:start w:val="1"/><w:numFmt w:val="decimal"/><w:lvlText w:val="%3."/></w:lvl>
    <w:lvl w:ilvl="3"><w:start w:val="1"/><w:numFmt w:val="decimalEnclosedCircle"/><w:lvlText w:val="%4"/></w:lvl>
  </w:abstractNum>
  <w:abstractNum w:abstractNumId="8">
    <w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="bullet"/><w:lvlText w:val="•"/></w:lvl>
  </w:abstractNum>
  <w:num w:numId="1"><w:abstractNumId w:val="7"/></w:num>
  <w:num w:numId="2"><w:abstractNumId w:val="7"/>
    <w:lvlOverride w:ilvl="0"><w:startOverride w:val="1"/></w:lvlOverride></w:num>
  <w:num w:numId="3"><w:abstractNumId w:val="8"/></w:num>
</w:numbering>"""


def _p(text: str, num: int | None = None, level: int = 0, extra: str = "") -> str:
    numbering = (f'<w:pPr><w:numPr><w:ilvl w:val="{level}"/><w:numId w:val="{num}"/></w:numPr></w:pPr>'
                 if num is not None else "")
    return f"<w:p>{numbering}<w:r><w:t>{text}</w:t></w:r>{extra}</w:p>"


def _text_box(text: str) -> str:
    """A text box as Word 2010+ writes it: the DrawingML box and its VML copy for old readers."""
    inner = f"<w:txbxContent>{_p(text)}</w:txbxContent>"
    return (f"<w:r><mc:AlternateContent><mc:Choice Requires=\"wps\"><w:drawing><wps:wsp><wps:txbx>{inner}"
            f"</wps:txbx></wps:wsp></w:drawing></mc:Choice><mc:Fallback><w:pict><v:shape><v:textbox>{inner}"
            f"</v:textbox></v:shape></w:pict></mc:Fallback></mc:AlternateContent></w:r>")


def _docx_with(body: str, path: Path, styles: str | None = None) -> Path:
    """A real .docx (python-docx's package) whose body, numbering (and styles) are the XML given."""
    import zipfile

    from docx import Document as WordDocument

    buffer = io.BytesIO()
    WordDocument().save(buffer)
    with zipfile.ZipFile(buffer) as source, zipfile.ZipFile(path, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "word/document.xml":
                data = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                        f"<w:document {_NS}><w:body>{body}</w:body></w:document>").encode()
            elif item.filename == "word/numbering.xml":
                data = _NUMBERING.encode()
            elif item.filename == "word/styles.xml" and styles is not None:
                data = styles.encode()
            target.writestr(item, data)
    return path


def test_a_docx_with_word_numbering_is_read_with_its_numbers_and_items(tmp_path):
    from kechuang.engine.review import read_document, review_file

    body = "".join([
        _p("总体要求", 1, 0),
        _p("重点任务", 1, 0),
        _p("支持企业研发", 1, 1),
        _p("对符合条件的企业给予研发后补助。", 1, 2),
        _p("对内蒙古君正化工有限责任公司给予1000万元财政补助。", 1, 2),
        _p("集聚人才", 1, 1),
        _p("引进高层次人才。", 1, 2),
        _p("对人才给予安家补贴。", 1, 3),
        _p("保障措施", 1, 0),
        _p("另一份清单", 2, 0),  # list instance 2 restarts at 一、
        _p("列入要点", 3, 0),  # a bullet adds no number
        _p("不编号的段落", 0, 0),  # numId 0 switches numbering off
    ])
    path = _docx_with(body, tmp_path / "编号.docx")
    texts = [c.text for c in read_document(path).clauses]
    assert texts == ["一、总体要求", "二、重点任务", "（一）支持企业研发", "1.对符合条件的企业给予研发后补助。",
                     "2.对内蒙古君正化工有限责任公司给予1000万元财政补助。", "（二）集聚人才", "1.引进高层次人才。",
                     "①对人才给予安家补贴。", "三、保障措施", "一、另一份清单", "列入要点", "不编号的段落"]
    (finding,) = [f for f in review_file(path) if f.level != "note"]
    assert (finding.article, finding.item, finding.level) == ("第十条", "（二）", "violation")
    assert finding.location.item == "二、（一）2."
    assert finding.clause == "2.对内蒙古君正化工有限责任公司给予1000万元财政补助。"


def test_a_docx_text_box_and_table_are_reviewed_once(tmp_path):
    from kechuang.engine.review import read_document, review_file

    clause = "对乌海市君诚化工科技有限公司缴纳的企业所得税，五年内地方留成部分全额返还。"
    table = ("<w:tbl><w:tr><w:tc>" + _p("专栏2 重点项目") + "</w:tc></w:tr><w:tr><w:tc>"
             + _p("对华恒能源科技股份有限公司新建研发楼，减半收取城市基础设施配套费。") + "</w:tc></w:tr></w:tbl>")
    body = _p("第一章 总则") + _p("正文段落。", extra=_text_box(clause)) + table + _p("第二章 保障")
    path = _docx_with(body, tmp_path / "文本框.docx")
    texts = [c.text for c in read_document(path).clauses]
    assert texts.count(clause) == 1  # the VML copy of the text box is not read again
    found = {(f.article, f.clause, f.location.box) for f in review_file(path) if f.level != "note"}
    assert ("第十条", clause, None) in found
    assert ("第十条", "对华恒能源科技股份有限公司新建研发楼，减半收取城市基础设施配套费。", "专栏2 重点项目") in found


# --- Traditional Chinese with stray pinyin (seed 002) ----------------------------------------

SEED_002 = SEED_000.parent / "002_5870ac073aeaf197.txt"


def test_seed_002_is_matched_as_simplified_text_without_its_pinyin():
    from kechuang.engine.review.normalise import normalise

    first = SEED_002.read_text(encoding="utf-8").splitlines()[0]
    n = normalise(first)
    assert n.text.startswith("为深入贯彻落实党中央、国务院关于科技创新的重大决策部署,")
    assert "(wù)" not in n.text and "(guān)" not in n.text
    assert n.original_of("国务院关于") == "國務(wù)院關(guān)于"  # evidence quoted as written


def test_a_traditional_clause_in_seed_002_is_found_and_quoted_as_written():
    from kechuang.engine.review import review_text

    lines = SEED_002.read_text(encoding="utf-8").splitlines()
    named = "四是對包頭市華鼎稀土新材料有限公司給予研發(fā)獎勵500萬元。"
    local = "五是申報企業須在本市註冊登記並繳納稅收。"
    text = "\n".join([*lines[6:10], named, local])  # 保障措施, 一是…三是 verbatim, then two written clauses
    counted = [f for f in review_text(text) if f.level != "note"]
    assert [(f.article, f.item, f.level) for f in counted] == [
        ("第十条", "（二）", "violation"), ("第九条", "（二）", "suspect")]
    award, condition = counted
    assert award.clause == named and award.location.item == "（三）四是"
    assert award.evidence.operators == ("包頭市華鼎稀土新材料有限公司",)
    assert "獎勵" in award.evidence.words
    assert condition.clause == local and any("註冊" in w for w in condition.evidence.words)
    # the same clauses in Simplified characters give the same findings
    simplified = review_text("对包头市华鼎稀土新材料有限公司给予研发奖励500万元。\n申报企业须在本市注册登记并缴纳税收。")
    assert [(f.article, f.item, f.level) for f in simplified if f.level != "note"] == [
        (f.article, f.item, f.level) for f in counted]


def test_seed_002_gives_the_same_findings_as_its_simplified_conversion():
    import opencc

    from kechuang.engine.review import review_text
    from kechuang.engine.review.normalise import _PINYIN

    original = SEED_002.read_text(encoding="utf-8")
    converted = opencc.OpenCC("t2s").convert(_PINYIN.sub("", original))
    as_found = [(f.article, f.item, f.level, f.location.line) for f in review_text(original)]
    assert as_found == [(f.article, f.item, f.level, f.location.line) for f in review_text(converted)]


# --- policy files of the policies module ----------------------------------------------------

POLICY_FIXTURE = SEED_000.parents[1] / "policies" / "wuhai_named_support_2026.yaml"


def test_kechuang_review_reviews_a_policy_file_and_finds_the_named_enterprise(tmp_path):
    result = run(["review", str(POLICY_FIXTURE), "--format", "json"], tmp_path)
    assert result.returncode == 0, result.stderr
    findings = json.loads(result.stdout)
    assert {(f["article"], f["item"], f["level"]) for f in findings} == {("第十条", "（二）", "violation")}
    by_ref = {f["location"]["ref"]: f for f in findings}
    named = by_ref["wuhai_named_support_2026.yaml#benefits.junzheng_rd_grant.when"]
    assert named["evidence"]["operators"] == ["91150300MA0Q7K3X11"] and named["rule"] == "policy-named-beneficiary"
    assert by_ref["wuhai_named_support_2026.yaml#benefits.junzheng_rd_grant.quote"]["evidence"]["operators"] == [
        "内蒙古君正化工有限责任公司"]
    assert not any("open_rd_grant" in ref for ref in by_ref)  # criteria open to all: nothing
    table = run(["review", str(POLICY_FIXTURE)], tmp_path)
    assert table.returncode == 0 and "第十条（二）" in table.stdout


def test_kechuang_review_passes_the_shipped_policy_files_and_refuses_a_broken_one(tmp_path):
    shipped = sorted((SEED_000.parents[3] / "data" / "policies").glob("*.yaml"))
    assert shipped
    for path in shipped:
        result = run(["review", str(path), "--format", "json"], tmp_path)
        assert result.returncode == 0 and json.loads(result.stdout) == [], (path.name, result.stdout)
    broken = tmp_path / "broken.yaml"
    broken.write_text("code: x\nbenefits: [unclosed\n", encoding="utf-8")
    refused = run(["review", str(broken)], tmp_path)
    assert refused.returncode == 1 and "YAML" in refused.stderr


def test_named_beneficiaries_reads_credit_codes_names_and_lists():
    from kechuang.engine.review import named_beneficiaries, review_policy_text

    assert named_beneficiaries('name in ["乌海华资实业", "东源科技"] and year >= 2025') == ["乌海华资实业", "东源科技"]
    assert named_beneficiaries('carrier_type == "高新区"') == []
    text = ("code: t\ntitle: 税收测试\nbenefits:\n  rebate:\n    label: 税收返还\n    category: tax\n"
            "    kind: tax_saving\n    beneficiaries: [内蒙古三维新材料有限公司]\n")
    (finding,) = [f for f in review_policy_text(text, source="t.yaml") if f.rule == "policy-named-beneficiary"]
    assert (finding.article, finding.item, finding.location.ref) == ("第十条", "（一）", "t.yaml#benefits.rebate.beneficiaries")


def test_a_docx_numbered_through_its_paragraph_style_is_read_with_its_numbers(tmp_path):
    from kechuang.engine.review import read_document

    styles = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:styles {_NS}>'
              '<w:style w:type="paragraph" w:styleId="Heading1"><w:name w:val="heading 1"/>'
              '<w:pPr><w:numPr><w:numId w:val="1"/></w:numPr></w:pPr></w:style>'
              '<w:style w:type="paragraph" w:styleId="Heading2"><w:name w:val="heading 2"/>'
              '<w:pPr><w:numPr><w:ilvl w:val="1"/><w:numId w:val="1"/></w:numPr></w:pPr></w:style></w:styles>')

    def styled(text: str, style: str) -> str:
        return f'<w:p><w:pPr><w:pStyle w:val="{style}"/></w:pPr><w:r><w:t>{text}</w:t></w:r></w:p>'

    body = styled("总体要求", "Heading1") + styled("基本原则", "Heading2") + styled("重点任务", "Heading1")
    path = _docx_with(body, tmp_path / "样式编号.docx", styles=styles)
    assert [c.text for c in read_document(path).clauses] == ["一、总体要求", "（一）基本原则", "二、重点任务"]
