"""Read Traditional Chinese, and text with stray pinyin, as the Simplified text the rules expect.

The rules (``rules.yaml``) and the operator recogniser are written in Simplified characters.
Some documents arrive in Traditional characters, and copies made through web translators
carry the pinyin of some characters in brackets (seed 002: ``國務(wù)院關(guān)於``). Before
matching, a clause is normalised: the bracketed pinyin is removed and Traditional characters
are converted to Simplified with OpenCC's ``t2s`` table (the ``opencc`` package, whose
dictionaries are installed with it: nothing is downloaded). The original text is kept for
display; :class:`Normalised` maps every character of the matching text back to the original,
so the words and names that triggered a rule are quoted as the document wrote them.

>>> n = normalise("國務(wù)院關(guān)於對本地企業給予獎勵")
>>> n.text
'国务院关于对本地企业给予奖励'
>>> n.original_of("企业给予奖励")
'企業給予獎勵'
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

# pinyin with tone marks (or tone numbers) in brackets right after a Han character
_PINYIN = re.compile(
    r"(?<=[\u4e00-\u9fff])[（(]\s*[a-zA-Zāáǎàēéěèīíǐìōóǒòūúǔùüǖǘǚǜńňǹḿ]{1,7}[1-5]?\s*[）)]"
)


@lru_cache(maxsize=1)
def _converter():  # noqa: ANN202 - opencc has no type hints
    import opencc

    return opencc.OpenCC("t2s")


@lru_cache(maxsize=4096)
def _char(ch: str) -> str:
    out = _converter().convert(ch)
    return out if len(out) == 1 else ch


def to_simplified(text: str) -> str:
    """Traditional → Simplified, one character for one (so positions are kept).

    OpenCC converts whole phrases; if a phrase conversion ever changed the length, the
    text is converted character by character instead.

    >>> to_simplified("對本地企業給予獎勵")
    '对本地企业给予奖励'
    """
    out = _converter().convert(text)
    if len(out) == len(text):
        return out
    return "".join(_char(ch) for ch in text)


@dataclass(frozen=True, slots=True)
class Normalised:
    """The matching text, the original, and where each matching character came from."""

    text: str
    original: str
    positions: tuple[int, ...] | None = None  # None: the same positions as the original
    changed: bool = False  # pinyin removed or characters converted

    def original_of(self, fragment: str) -> str:
        """The original wording of a fragment of the matching text (itself when not found).

        A fragment with ``…`` (where the rule saw an operator's name) is mapped piece by piece.
        """
        if not self.changed or not fragment:
            return fragment
        if "…" in fragment:
            return "…".join(self.original_of(piece) for piece in fragment.split("…"))
        start = self.text.find(fragment)
        if start < 0:
            return fragment
        end = start + len(fragment) - 1
        if self.positions is None:
            return self.original[start:end + 1]
        return self.original[self.positions[start]:self.positions[end] + 1]


def normalise(text: str, table: dict[int, str] | None = None) -> Normalised:
    """Remove bracketed pinyin and convert Traditional characters to Simplified.

    ``table`` (a ``str.maketrans`` table replacing one character by one) is applied last.
    """
    positions: tuple[int, ...] | None = None
    stripped = text
    if "(" in text or "（" in text:
        kept: list[int] = []
        last = 0
        pieces: list[str] = []
        for match in _PINYIN.finditer(text):
            pieces.append(text[last:match.start()])
            kept.extend(range(last, match.start()))
            last = match.end()
        if pieces:
            pieces.append(text[last:])
            kept.extend(range(last, len(text)))
            stripped = "".join(pieces)
            positions = tuple(kept)
    simplified = to_simplified(stripped)
    changed = positions is not None or simplified != text
    return Normalised(simplified.translate(table) if table else simplified, text, positions, changed)
