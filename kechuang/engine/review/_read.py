"""Read a .txt, .docx or .pdf file into paragraphs, with clear Chinese errors on bad input.

- .txt: UTF-8 (with or without BOM), UTF-16 with a BOM, or GB18030 (which covers GBK and
  GB2312); binary data or anything else is refused as undecodable.
- .docx: read with the standard library (it is a zip of XML, see ``_docx.py``): paragraphs
  in document order with Word's automatic numbering rendered as text, text boxes and
  table cells included; each table is marked so that a 专栏 set in a table ends with it.
- .pdf: text layer read with pypdf, page by page; lines are joined into paragraphs (a line
  ends a paragraph when it ends a sentence or the next line starts a heading or an item).
"""

from __future__ import annotations

import re
from pathlib import Path

from ._docx import read_docx
from .errors import ReviewError
from .structure import Paragraph, paragraphs_from_text

MAX_BYTES = 50 * 1024 * 1024
SUPPORTED = (".txt", ".text", ".md", ".docx", ".pdf")
_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def read_paragraphs(path: str | Path) -> tuple[list[Paragraph], str]:
    """The file's paragraphs and its kind (``text``, ``docx`` or ``pdf``)."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED:
        shown = suffix or "（无扩展名）"
        raise ReviewError("unsupported_type",
                          f"不支持的文件类型“{shown}”：请提交 .docx、.pdf 或 .txt 文件（.doc、.wps 请先另存为 .docx）。")
    if not path.is_file():
        raise ReviewError("not_found", f"文件不存在：{path.name}")
    size = path.stat().st_size
    if size == 0:
        raise ReviewError("empty", f"文件为空：{path.name} 没有内容。")
    if size > MAX_BYTES:
        raise ReviewError("too_large", f"文件过大：{path.name} 超过 {MAX_BYTES // (1024 * 1024)} MB。")
    data = path.read_bytes()
    if suffix == ".docx":
        paragraphs, kind = read_docx(data, path.name), "docx"
    elif suffix == ".pdf":
        paragraphs, kind = _pdf(data, path.name), "pdf"
    else:
        paragraphs, kind = paragraphs_from_text(decode_text(data, path.name)), "text"
    if not any(p.text.strip() for p in paragraphs):
        raise ReviewError("empty", f"文档为空：{path.name} 中没有可审查的文字。")
    return paragraphs, kind


def decode_text(data: bytes, name: str = "文本") -> str:
    """Decode a text file: UTF-8, UTF-16 (with BOM) or GB18030; refuse binary data.

    >>> decode_text("对企业给予奖励".encode("gb18030"))
    '对企业给予奖励'
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        candidates = ["utf-16"]
    else:
        candidates = ["utf-8-sig", "gb18030"]
    for encoding in candidates:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if _looks_binary(text):
            break
        return text
    raise ReviewError("undecodable",
                      f"无法识别 {name} 的文字编码：请另存为 UTF-8 或 GB18030（GBK）编码的 .txt 文件。")


def _looks_binary(text: str) -> bool:
    if "\x00" in text:
        return True
    controls = sum(1 for ch in text[:20000] if ord(ch) < 32 and ch not in "\n\r\t\f\v")
    return controls > max(3, len(text[:20000]) // 100)


_PAGE_NUMBER = re.compile(r"^[-—–\s]*(?:第\s*)?\d{1,4}\s*(?:页)?(?:\s*/\s*\d+)?[-—–\s]*$")
_STARTS_BLOCK = re.compile(
    r"^(?:第[一二三四五六七八九十百零〇\d]+[章节部分篇]|专栏\s*[\d一二三四五六七八九十]|[一二三四五六七八九十]+、"
    r"|[（(][一二三四五六七八九十\d]+[）)]|\d{1,3}[.．、](?!\d)|[\u2460-\u2473])"
)
_ENDS_PARAGRAPH = tuple("。！？；：!?;:")
_HEADING = re.compile(r"^(?:第[一二三四五六七八九十百零〇\d]+[章节部分篇]|专栏\s*[\d一二三四五六七八九十]+)\S*\s*\S{0,30}$")


def _pdf(data: bytes, name: str) -> list[Paragraph]:
    import io

    try:
        import pypdf
    except ImportError as exc:  # declared as a dependency; guard for a partial install
        raise ReviewError("unsupported_type", "读取 PDF 需要 pypdf 组件，请联系管理员安装。") from exc
    try:
        reader = pypdf.PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            reader.decrypt("")
        pages = [page.extract_text() or "" for page in reader.pages]
    except Exception as exc:  # pypdf raises many kinds on damaged files
        raise ReviewError("unreadable", f"无法读取 {name}：文件已损坏、加密，或不是 PDF 文档。") from exc
    if not any(page.strip() for page in pages):
        raise ReviewError("no_text_layer",
                          f"{name} 中没有可提取的文字（可能是扫描件）：请先进行文字识别（OCR），或提交 .docx 文件。")
    paragraphs: list[Paragraph] = []
    current: list[str] = []
    start_line, start_page = 0, 1
    line_no = 0

    def flush() -> None:
        if current:
            paragraphs.append(Paragraph("".join(current), start_line, start_page))
            current.clear()

    for page_no, page in enumerate(pages, 1):
        for raw in page.splitlines():
            line_no += 1
            line = raw.strip()
            if not line:
                flush()
                continue
            if _PAGE_NUMBER.match(line):
                continue
            if current and (_STARTS_BLOCK.match(line) or current[-1].endswith(_ENDS_PARAGRAPH)
                            or len(current) == 1 and _HEADING.match(current[0])):
                flush()
            if not current:
                start_line, start_page = line_no, page_no
            current.append(line)
    flush()
    return paragraphs
