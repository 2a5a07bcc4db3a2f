"""The one exception the review engine raises on bad input: a code and a Chinese message."""

from __future__ import annotations


class ReviewError(Exception):
    """Bad input for a fair-competition review.

    ``code`` is stable and machine-readable (the API and the CLI map it to a status);
    ``message`` is Chinese and is meant for the person who uploaded the document.

    >>> error = ReviewError("empty", "文档为空：没有可审查的文字。")
    >>> error.code, str(error)
    ('empty', '文档为空：没有可审查的文字。')
    """

    #: every code the engine uses, with what it means
    CODES = {
        "not_found": "the file does not exist",
        "empty": "the document holds no text to review",
        "unsupported_type": "the file type is not .txt, .docx or .pdf",
        "undecodable": "a text file in an encoding the engine cannot recognise, or binary data",
        "unreadable": "a .docx or .pdf file that is damaged or not what its name says",
        "no_text_layer": "a PDF with no extractable text (a scan)",
        "too_large": "the file is larger than the engine accepts",
        "bad_rules": "the rule data (rules.yaml) is malformed",
    }

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message

    def to_dict(self) -> dict[str, str]:
        return {"code": self.code, "message": self.message}
