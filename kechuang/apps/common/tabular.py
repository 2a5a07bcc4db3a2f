"""Reading uploaded tables (CSV, Excel) and reporting their errors by sheet, row and column.

Every import goes through :func:`read_table` and reports problems as :class:`CellError`
rows; an import with any error writes nothing (:class:`ImportRejected`).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

from django.utils.translation import gettext as _


@dataclass(frozen=True)
class CellError:
    """One problem in an uploaded file. ``row`` is the 1-based row as a spreadsheet shows it."""

    sheet: str
    row: int | None
    column: str
    message: str

    def __str__(self) -> str:
        where = [self.sheet]
        if self.row is not None:
            where.append(_("row %(row)s") % {"row": self.row})
        if self.column:
            where.append(_("column “%(column)s”") % {"column": self.column})
        return f"{'，'.join(where)}：{self.message}"

    def as_dict(self) -> dict:
        return {"sheet": self.sheet, "row": self.row, "column": self.column, "message": self.message}


class ImportRejected(Exception):
    """The file was refused whole; ``errors`` lists every problem found."""

    def __init__(self, errors: list[CellError]):
        super().__init__("\n".join(str(e) for e in errors))
        self.errors = errors


@dataclass
class Table:
    sheet: str
    header: list[str]
    rows: list[tuple[int, dict[str, str]]] = field(default_factory=list)  # (row number, cells)


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if hasattr(value, "date") and hasattr(value, "hour"):  # a datetime from Excel
        if (value.hour, value.minute, value.second) == (0, 0, 0):
            return value.date().isoformat()
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value).strip()


def read_table(data: bytes, filename: str, aliases: dict[str, str]) -> Table:
    """Read the first sheet of an .xlsx or a .csv file into rows keyed by column name.

    ``aliases`` maps every accepted header (the English key and the Chinese header) to
    the column key. Unknown headers are reported; blank rows are skipped.
    """
    suffix = Path(filename).suffix.lower()
    if suffix == ".csv":
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                text = data.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        else:
            raise ImportRejected([CellError(filename, None, "", _("The file is not UTF-8 or GB18030 text."))])
        sheet = filename
        raw_rows = list(csv.reader(io.StringIO(text)))
    elif suffix == ".xlsx":
        from openpyxl import load_workbook

        try:
            workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception:  # openpyxl raises many kinds for a broken file
            raise ImportRejected([CellError(filename, None, "", _("The file is not a readable .xlsx workbook."))]) from None
        worksheet = workbook.worksheets[0]
        sheet = worksheet.title
        raw_rows = [list(r) for r in worksheet.iter_rows(values_only=True)]
        workbook.close()
    else:
        raise ImportRejected([CellError(filename, None, "", _("Only .xlsx and .csv files are accepted."))])

    if not raw_rows or not any(_text(c) for c in raw_rows[0]):
        raise ImportRejected([CellError(sheet, 1, "", _("The first row must hold the column headers."))])
    header_cells = [_text(c) for c in raw_rows[0]]
    errors: list[CellError] = []
    keys: list[str | None] = []
    for cell in header_cells:
        if not cell:
            keys.append(None)
            continue
        key = aliases.get(cell) or aliases.get(cell.lower())
        if key is None:
            errors.append(CellError(sheet, 1, cell, _("Unknown column.")))
        keys.append(key)
    if errors:
        raise ImportRejected(errors)
    table = Table(sheet=sheet, header=[k for k in keys if k])
    for index, raw in enumerate(raw_rows[1:], start=2):
        cells = {key: _text(raw[i]) if i < len(raw) else "" for i, key in enumerate(keys) if key}
        if any(cells.values()):
            table.rows.append((index, cells))
    if not table.rows:
        raise ImportRejected([CellError(sheet, None, "", _("The file has no data rows."))])
    return table
