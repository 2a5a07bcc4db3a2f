"""Reading .docx, .pdf and .txt files, and refusing bad input with a clear Chinese error."""

from __future__ import annotations

import re

import docx
import pytest

from kechuang.engine.review import ReviewError, read_document, review_file, review_text

CJK = re.compile(r"[\u4e00-\u9fff]")
BOX_9 = "重点支持内蒙古君正化工、三维新材料、华恒能源科技等可降解塑料产业项目技术研发。"


def make_pdf(pages: list[list[str]]) -> bytes:
    """A minimal PDF whose text layer holds ``pages`` (lists of lines).

    No PDF writer with CJK fonts is a dependency, so the file is written by hand: a Type0
    font with Identity-H codes equal to the characters' code points, and a ToUnicode CMap
    that maps them back — what a text extractor reads. The glyphs themselves are not
    embedded (the file is for extraction, not for display).
    """
    objects: list[str] = []

    def add(body: str) -> int:
        objects.append(body)
        return len(objects)

    chars = sorted({ord(c) for page in pages for line in page for c in line})
    pairs = "\n".join(f"<{c:04X}> <{c:04X}>" for c in chars)
    cmap = ("/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n"
            "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
            "/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n"
            "1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n"
            f"{len(chars)} beginbfchar\n{pairs}\nendbfchar\n"
            "endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n")
    to_unicode = add(f"<< /Length {len(cmap.encode())} >>\nstream\n{cmap}\nendstream")
    descriptor = add("<< /Type /FontDescriptor /FontName /KechuangTest /Flags 4 /FontBBox [0 -200 1000 900] "
                     "/ItalicAngle 0 /Ascent 880 /Descent -120 /CapHeight 700 /StemV 80 >>")
    cid_font = add("<< /Type /Font /Subtype /CIDFontType2 /BaseFont /KechuangTest "
                   "/CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> "
                   f"/FontDescriptor {descriptor} 0 R /DW 1000 >>")
    font = add("<< /Type /Font /Subtype /Type0 /BaseFont /KechuangTest /Encoding /Identity-H "
               f"/DescendantFonts [{cid_font} 0 R] /ToUnicode {to_unicode} 0 R >>")
    pages_id = len(objects) + 2 * len(pages) + 1
    page_ids = []
    for page in pages:
        ops = ["BT", "/F1 12 Tf", "14 TL", "50 800 Td"]
        ops += ["<" + "".join(f"{ord(c):04X}" for c in line) + "> Tj T*" for line in page]
        stream = "\n".join([*ops, "ET"])
        content = add(f"<< /Length {len(stream)} >>\nstream\n{stream}\nendstream")
        page_ids.append(add(f"<< /Type /Page /Parent {pages_id} 0 R /MediaBox [0 0 595 842] "
                            f"/Resources << /Font << /F1 {font} 0 R >> >> /Contents {content} 0 R >>"))
    kids = " ".join(f"{i} 0 R" for i in page_ids)
    assert add(f"<< /Type /Pages /Kids [{kids}] /Count {len(page_ids)} >>") == pages_id
    catalog = add(f"<< /Type /Catalog /Pages {pages_id} 0 R >>")
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n{body}\nendobj\n".encode()
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += "".join(f"{offset:010d} 00000 n \n" for offset in offsets).encode()
    out += f"trailer\n<< /Size {len(objects) + 1} /Root {catalog} 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def assert_refused(code: str, call) -> ReviewError:
    with pytest.raises(ReviewError) as caught:
        call()
    assert caught.value.code == code
    assert CJK.search(caught.value.message), caught.value.message
    assert caught.value.to_dict() == {"code": code, "message": caught.value.message}
    return caught.value


# --- .docx ------------------------------------------------------------------------------


def test_it_reads_a_docx_with_a_box_set_in_a_table(tmp_path):
    document = docx.Document()
    document.add_paragraph("第三章 提质升级 创建国家高新区")
    document.add_paragraph("第三节 提升高新区建设运营水平")
    table = document.add_table(rows=2, cols=1)
    table.cell(0, 0).text = "专栏9 高新区提质升级重点任务"
    table.cell(1, 0).text = BOX_9
    document.add_paragraph("对新认定的国家高新技术企业一次性给予10万元。")
    path = tmp_path / "规划.docx"
    document.save(path)

    parsed = read_document(path)
    assert parsed.kind == "docx"
    box_clause = next(c for c in parsed.clauses if c.text == BOX_9)
    assert box_clause.location.box == "专栏9 高新区提质升级重点任务"
    after = parsed.clauses[-1]
    assert after.location.box is None  # the box ends with its table
    assert after.location.section == "第三节 提升高新区建设运营水平"

    (finding,) = review_file(path)
    assert (finding.article, finding.location.box) == ("第十条", "专栏9 高新区提质升级重点任务")
    assert finding.location.line == 4  # paragraphs count as lines, table cells included


def test_it_refuses_a_damaged_docx(tmp_path):
    path = tmp_path / "坏.docx"
    path.write_bytes(b"PK\x03\x04 not really a zip")
    assert_refused("unreadable", lambda: review_file(path))


# --- .pdf -------------------------------------------------------------------------------


def test_it_reads_a_pdf_joining_wrapped_lines_and_keeping_pages(tmp_path):
    path = tmp_path / "规划.pdf"
    path.write_bytes(make_pdf([
        ["第三章 提质升级", "专栏9 高新区提质升级重点任务",
         "重点支持内蒙古君正化工、三维新材料、华恒能源科", "技等可降解塑料产业项目技术研发。"],
        ["2", "第四章 其他", "对新认定的国家高新技术企业给予10万元。"],
    ]))
    parsed = read_document(path)
    assert parsed.kind == "pdf"
    texts = [c.text for c in parsed.clauses]
    assert "重点支持内蒙古君正化工、三维新材料、华恒能源科技等可降解塑料产业项目技术研发。" in texts
    assert "2" not in texts  # a page number is not a clause
    (finding,) = review_file(path)
    assert (finding.article, finding.location.page, finding.location.box) == (
        "第十条", 1, "专栏9 高新区提质升级重点任务")
    assert parsed.clauses[-1].location.page == 2


def test_it_refuses_a_pdf_without_a_text_layer(tmp_path):
    path = tmp_path / "扫描件.pdf"
    path.write_bytes(make_pdf([[]]))
    assert_refused("no_text_layer", lambda: review_file(path))


def test_it_refuses_a_damaged_pdf(tmp_path):
    path = tmp_path / "坏.pdf"
    path.write_bytes(b"%PDF-1.4\nthis is not a pdf body")
    assert_refused("unreadable", lambda: review_file(path))


# --- .txt -------------------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030", "utf-16"])
def test_it_reads_text_files_in_the_usual_chinese_encodings(tmp_path, encoding):
    path = tmp_path / "通知.txt"
    path.write_bytes(("专栏9 重点任务\n" + BOX_9).encode(encoding))
    (finding,) = review_file(path)
    assert finding.article == "第十条"
    assert finding.location.line == 2


def test_it_refuses_undecodable_text(tmp_path):
    path = tmp_path / "乱码.txt"
    path.write_bytes(bytes(range(128, 256)) * 8)
    assert_refused("undecodable", lambda: review_file(path))
    binary = tmp_path / "binary.txt"
    binary.write_bytes(b"\x00\x01\x02abc" * 100)
    assert_refused("undecodable", lambda: review_file(binary))


# --- bad input ----------------------------------------------------------------------------


def test_it_refuses_an_empty_file(tmp_path):
    path = tmp_path / "空.txt"
    path.write_bytes(b"")
    assert_refused("empty", lambda: review_file(path))
    blank = tmp_path / "空白.txt"
    blank.write_text("\n  \n\u3000\n", encoding="utf-8")
    assert_refused("empty", lambda: review_file(blank))


def test_it_refuses_empty_pasted_text():
    assert_refused("empty", lambda: review_text(""))
    assert_refused("empty", lambda: review_text(" \n\t"))


@pytest.mark.parametrize("name", ["规划.doc", "规划.wps", "表格.xlsx", "无扩展名"])
def test_it_refuses_unsupported_file_types(tmp_path, name):
    path = tmp_path / name
    path.write_bytes(b"something")
    error = assert_refused("unsupported_type", lambda: review_file(path))
    assert ".docx" in error.message


def test_it_refuses_a_missing_file(tmp_path):
    assert_refused("not_found", lambda: review_file(tmp_path / "没有.txt"))
