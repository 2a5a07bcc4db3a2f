"""The Simplified Chinese catalogue is complete, compiled and in step with the source.

Pure Python: the .po file is read by the small parser below and the .mo file by the
standard library's ``gettext``, so these tests need neither GNU gettext nor a database.
When one fails, run ``make messages``, fill in the new or empty ``msgstr`` entries of
kechuang/locale/zh_Hans/LC_MESSAGES/django.po, and run ``make messages`` again so that
django.mo is compiled from the edited file; commit both files.
"""

from __future__ import annotations

import ast
import gettext
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest

PACKAGE_DIR = Path(__file__).resolve().parents[3]  # kechuang/
CATALOGUE_DIR = PACKAGE_DIR / "locale" / "zh_Hans" / "LC_MESSAGES"
PO_FILE = CATALOGUE_DIR / "django.po"
MO_FILE = CATALOGUE_DIR / "django.mo"
FIX = (
    "Run `make messages`, fill in every empty msgstr of kechuang/locale/zh_Hans/LC_MESSAGES/django.po "
    "in Simplified Chinese (and drop any '#, fuzzy' flag), then run `make messages` again to compile django.mo."
)


# --- a small reader for .po files -------------------------------------------------------

@dataclass
class Entry:
    msgid: str = ""
    msgid_plural: str | None = None
    msgctxt: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    line: int = 0

    @property
    def is_header(self) -> bool:
        return self.msgid == "" and self.msgctxt is None

    @property
    def label(self) -> str:
        context = f" (context {self.msgctxt!r})" if self.msgctxt is not None else ""
        return f"django.po:{self.line}: {self.msgid!r}{context}"


_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\", "a": "\a", "b": "\b", "f": "\f", "v": "\v"}
_KEYWORD = re.compile(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[(\d+)\])?)\s+(".*")\s*$')


def _unquote(text: str) -> str:
    if not (len(text) >= 2 and text[0] == '"' and text[-1] == '"'):
        raise ValueError(f"not a PO string: {text}")
    return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m.group(1), m.group(1)), text[1:-1])


def read_po(path: Path) -> list[Entry]:
    """Every entry of a .po file, header included, obsolete (#~) entries left out."""
    entries: list[Entry] = []
    current: Entry | None = None
    target: tuple[str, int | None] | None = None

    def finish() -> None:
        nonlocal current, target
        if current is not None and target is not None:
            entries.append(current)
        current, target = None, None

    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line:
            finish()
            continue
        if line.startswith("#~"):
            continue
        if line.startswith("#"):
            if current is not None and target is not None:  # a comment opens the next entry
                finish()
            current = current or Entry(line=number)
            if line.startswith("#,"):
                current.flags |= {flag.strip() for flag in line[2:].split(",") if flag.strip()}
            continue
        match = _KEYWORD.match(line)
        if match:
            keyword, index, text = match.groups()
            if current is None or (keyword in ("msgctxt", "msgid") and target is not None and target[0] == "msgstr"):
                finish()
                current = Entry(line=number)
            value = _unquote(text)
            if keyword.startswith("msgstr"):
                target = ("msgstr", int(index or 0))
                current.msgstr[target[1]] = value
            else:
                target = (keyword, None)
                setattr(current, keyword, value)
                if keyword == "msgid":
                    current.line = number
        elif line.startswith('"') and current is not None and target is not None:
            value = _unquote(line)
            if target[0] == "msgstr":
                current.msgstr[target[1]] += value
            else:
                setattr(current, target[0], getattr(current, target[0]) + value)
        else:
            raise ValueError(f"{path.name}:{number}: cannot read {raw!r}")
    finish()
    return entries


@pytest.fixture(scope="module")
def entries() -> list[Entry]:
    assert PO_FILE.is_file(), f"{PO_FILE} is missing. {FIX}"
    return read_po(PO_FILE)


@pytest.fixture(scope="module")
def messages(entries) -> list[Entry]:
    return [e for e in entries if not e.is_header]


# --- the catalogue itself ---------------------------------------------------------------

def test_the_header_declares_simplified_chinese(entries):
    header = next((e for e in entries if e.is_header), None)
    assert header is not None, "django.po has no header entry"
    fields = dict(
        line.split(":", 1) for line in header.msgstr.get(0, "").splitlines() if ":" in line
    )
    fields = {key.strip(): value.strip() for key, value in fields.items()}
    assert fields.get("Language") == "zh_Hans"
    assert "charset=UTF-8" in fields.get("Content-Type", "")
    assert fields.get("Plural-Forms") == "nplurals=1; plural=0;"
    assert "fuzzy" not in header.flags, "the header of django.po is marked fuzzy"


def test_every_message_is_translated(messages):
    assert messages, "django.po holds no messages"
    untranslated = [
        e.label for e in messages
        if 0 not in e.msgstr or not all(text.strip() for text in e.msgstr.values())
    ]
    fuzzy = [e.label for e in messages if "fuzzy" in e.flags]
    problems = []
    if untranslated:
        problems.append(f"{len(untranslated)} message(s) without a translation:\n  " + "\n  ".join(untranslated))
    if fuzzy:
        problems.append(f"{len(fuzzy)} message(s) marked fuzzy (check them, then remove the flag):\n  "
                        + "\n  ".join(fuzzy))
    assert not problems, "\n".join(problems) + "\n" + FIX


def _catalogue_key(entry: Entry, index: int | None = None):
    msgid = entry.msgid if entry.msgctxt is None else f"{entry.msgctxt}\x04{entry.msgid}"
    return msgid if index is None else (msgid, index)


def test_the_compiled_catalogue_matches_the_source(messages):
    assert MO_FILE.is_file(), f"{MO_FILE} is missing. {FIX}"
    with MO_FILE.open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)

    differences = []
    expected_keys = set()
    for e in messages:
        if "fuzzy" in e.flags or not e.msgstr or not all(e.msgstr.values()):
            continue  # msgfmt leaves these out; test_every_message_is_translated reports them
        if e.msgid_plural is None:
            expected = e.msgstr.get(0, "")
            if e.msgctxt is None:
                got = compiled.gettext(e.msgid)
            else:
                got = compiled.pgettext(e.msgctxt, e.msgid)
            expected_keys.add(_catalogue_key(e))
        else:
            expected = e.msgstr.get(0, "")  # zh_Hans has one plural form: msgstr[0] for every n
            if e.msgctxt is None:
                got = compiled.ngettext(e.msgid, e.msgid_plural, 2)
            else:
                got = compiled.npgettext(e.msgctxt, e.msgid, e.msgid_plural, 2)
            expected_keys |= {_catalogue_key(e, index) for index in e.msgstr}
        if got != expected:
            differences.append(f"{e.label}: django.po says {expected!r}, django.mo says {got!r}")

    compiled_keys = {key for key in compiled._catalog if key != ""}  # "" is the header
    missing = sorted(map(repr, expected_keys - compiled_keys))
    extra = sorted(map(repr, compiled_keys - expected_keys))
    if missing:
        differences.append("in django.po but not in django.mo: " + ", ".join(missing))
    if extra:
        differences.append("in django.mo but not a translated entry of django.po: " + ", ".join(extra))
    assert not differences, (
        "django.mo was not compiled from the current django.po:\n  " + "\n  ".join(differences)
        + "\nRun `make messages` to compile it."
    )


_PLACEHOLDER = re.compile(r"%\((\w+)\)[-#0 +]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa]")


def _placeholders(text: str) -> set[str]:
    return set(_PLACEHOLDER.findall(text.replace("%%", "")))


def test_placeholders_survive_translation(messages):
    broken = []
    for e in messages:
        wanted = _placeholders(e.msgid) | _placeholders(e.msgid_plural or "")
        for index, text in sorted(e.msgstr.items()):
            if not text:
                continue  # reported by test_every_message_is_translated
            got = _placeholders(text)
            if e.msgid_plural is None or len(e.msgstr) == 1:
                ok = got == wanted
            else:  # several plural forms: each must use a subset, the forms together all of them
                ok = got <= wanted
            if not ok:
                broken.append(f"{e.label} msgstr[{index}]: wants {sorted(wanted)}, has {sorted(got)}: {text!r}")
    assert not broken, (
        "Translations whose %(name)s placeholders differ from the source string:\n  " + "\n  ".join(broken)
    )


# --- the source strings ----------------------------------------------------------------

# Functions whose first argument is the message (ngettext's is the singular)...
_MESSAGE_FIRST = {
    "_", "gettext", "gettext_lazy", "gettext_noop", "ngettext", "ngettext_lazy",
    "ugettext", "ugettext_lazy", "ugettext_noop", "ungettext", "ungettext_lazy",
}
# ...and those whose first argument is a context and whose second is the message.
_CONTEXT_FIRST = {"pgettext", "pgettext_lazy", "npgettext", "npgettext_lazy"}

_PY_CALL = re.compile(
    r"(?<![\w.])(?:_|gettext|gettext_lazy|gettext_noop|ngettext|ngettext_lazy)\(\s*"
    r"""("(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')\s*[,)]"""
)
_LITERAL = r"""("(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')"""
_TRANSLATE_TAG = re.compile(r"\{%\s*(?:translate|trans)\s+" + _LITERAL + r"(.*?)%\}")
_TEMPLATE_UNDERSCORE = re.compile(r"(?<![\w.])_\(\s*" + _LITERAL + r"\s*\)")
_BLOCK_TAG = re.compile(
    r"\{%\s*(blocktranslate|blocktrans)\b(.*?)%\}(.*?)\{%\s*end(?:blocktranslate|blocktrans)\s*%\}", re.DOTALL
)
_CONTEXT_OPTION = re.compile(r"\bcontext\s+" + _LITERAL)
_BLOCK_VARIABLE = re.compile(r"\{\{\s*(\w+)\s*\}\}")
_PLURAL_TAG = re.compile(r"\{%\s*plural\s*%\}")


def _source_files(*suffixes: str) -> list[Path]:
    files = []
    for path in sorted(PACKAGE_DIR.rglob("*")):
        relative = path.relative_to(PACKAGE_DIR).parts
        if path.suffix not in suffixes or not path.is_file():
            continue
        if relative[0] in ("static", "locale") or any(part.startswith(".") or part == "__pycache__" for part in relative):
            continue  # what `make messages` leaves out (--ignore='static/*', hidden files)
        files.append(path)
    return files


def _where(path: Path, line: int) -> str:
    return f"{path.relative_to(PACKAGE_DIR.parent)}:{line}"


def _python_strings(path: Path) -> list[tuple[tuple[str | None, str], str]]:
    source = path.read_text(encoding="utf-8")
    try:
        tree = ast.parse(source, filename=str(path))
    except SyntaxError:  # a file being edited: fall back to simple single-line literals
        return [((None, ast.literal_eval(m.group(1))), _where(path, source.count("\n", 0, m.start()) + 1))
                for m in _PY_CALL.finditer(source)]
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else None
        args = node.args
        if name in _MESSAGE_FIRST and args and isinstance(args[0], ast.Constant) and isinstance(args[0].value, str):
            found.append(((None, args[0].value), _where(path, node.lineno)))
        elif (name in _CONTEXT_FIRST and len(args) >= 2
              and all(isinstance(a, ast.Constant) and isinstance(a.value, str) for a in args[:2])):
            found.append(((args[0].value, args[1].value), _where(path, node.lineno)))
    return found


def _template_literal(text: str) -> str:
    return text[1:-1]


def _template_strings(path: Path) -> list[tuple[tuple[str | None, str], str]]:
    source = path.read_text(encoding="utf-8")
    found = []

    def line_of(match: re.Match) -> int:
        return source.count("\n", 0, match.start()) + 1

    for m in _TRANSLATE_TAG.finditer(source):
        context = _CONTEXT_OPTION.search(m.group(2))
        found.append(((_template_literal(context.group(1)) if context else None, _template_literal(m.group(1))),
                       _where(path, line_of(m))))
    for m in _TEMPLATE_UNDERSCORE.finditer(source):
        found.append(((None, _template_literal(m.group(1))), _where(path, line_of(m))))
    for m in _BLOCK_TAG.finditer(source):
        options, body = m.group(2), m.group(3)
        singular = _PLURAL_TAG.split(body)[0] if re.search(r"\bcount\b", options) else body
        if "{%" in singular or re.search(r"\{\{(?!\s*\w+\s*\}\})", singular):
            continue  # not a simple block: leave it to makemessages
        msgid = _BLOCK_VARIABLE.sub(r"%(\1)s", singular.replace("%", "%%"))
        if re.search(r"\btrimmed\b", options):
            msgid = re.sub(r"\s*\n\s*", " ", msgid.strip())
        context = _CONTEXT_OPTION.search(options)
        found.append(((_template_literal(context.group(1)) if context else None, msgid), _where(path, line_of(m))))
    return found


def test_every_source_string_is_in_the_catalogue(messages):
    known = {(e.msgctxt, e.msgid) for e in messages}
    used: list[tuple[tuple[str | None, str], str]] = []
    for path in _source_files(".py"):
        used += _python_strings(path)
    for path in _source_files(".html", ".txt"):
        used += _template_strings(path)
    assert len(used) > 50, f"found only {len(used)} translatable strings: is the scan broken?"

    missing: dict[tuple[str | None, str], list[str]] = {}
    for key, where in used:
        if key[1] and key not in known:
            missing.setdefault(key, []).append(where)
    report = [
        f"{msgid!r}{f' (context {context!r})' if context else ''}  — used at {', '.join(places)}"
        for (context, msgid), places in missing.items()
    ]
    assert not missing, (
        f"{len(missing)} translatable string(s) are not in django.po:\n  " + "\n  ".join(report) + "\n" + FIX
    )
