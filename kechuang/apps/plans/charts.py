"""Charts of the annual evaluation report as PNG images, drawn on the server with Pillow.

No chart library and no network: the text is set in the vendored Noto Sans SC font
(``kechuang/static/vendor/noto-sans-sc``), which is split into ~100 WOFF2 subsets by
Unicode range; :class:`_Fonts` reads those ranges from the font's ``400.css`` and draws
each run of characters with the subset that holds them, so Chinese labels render.

Two charts:

- :func:`trend_chart`: an indicator's known values against its target path (the same
  series the dashboard's ECharts trend shows, from ``views._chart_series``);
- :func:`status_chart`: how many indicators stand in each status, in the status colours.
"""

from __future__ import annotations

import io
import math
import re
from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

FONT_DIR = Path(__file__).resolve().parents[2] / "static" / "vendor" / "noto-sans-sc"
COLOURS = {"green": "#198754", "yellow": "#ffc107", "red": "#dc3545", "grey": "#adb5bd"}
INK, GRID, VALUE_LINE, PATH_LINE = "#212529", "#dee2e6", "#0d6efd", "#6c757d"
SCALE = 2  # drawn at twice the size, for print


class _Fonts:
    """The vendored font's subsets: which file holds a character, at a given size."""

    def __init__(self, folder: Path = FONT_DIR, weight: int = 400):
        css = (folder / f"{weight}.css").read_text(encoding="utf-8")
        self.ranges: list[tuple[int, int, Path]] = []
        for block in css.split("@font-face")[1:]:
            src = re.search(r"url\(\./(files/[^)]+)\)", block)
            ranges = re.search(r"unicode-range:\s*([^;]+);", block)
            if not src or not ranges:
                continue
            path = folder / src.group(1)
            for part in ranges.group(1).split(","):
                part = part.strip().removeprefix("U+").removeprefix("u+")
                low, _sep, high = part.partition("-")
                self.ranges.append((int(low, 16), int(high or low, 16), path))
        self.default = folder / "files" / f"noto-sans-sc-latin-{weight}-normal.woff2"

    @lru_cache(maxsize=4096)  # noqa: B019 - one instance per process, kept on purpose
    def file_for(self, char: str) -> Path:
        code = ord(char)
        for low, high, path in self.ranges:
            if low <= code <= high:
                return path
        return self.default

    @lru_cache(maxsize=512)  # noqa: B019
    def font(self, path: Path, size: int) -> ImageFont.FreeTypeFont:
        return ImageFont.truetype(str(path), size)

    def runs(self, text: str, size: int) -> list[tuple[str, ImageFont.FreeTypeFont]]:
        """The text cut into runs that one subset each can draw."""
        out: list[tuple[str, ImageFont.FreeTypeFont]] = []
        current, chars = None, []
        for char in text:
            path = self.file_for(char)
            if path != current and chars:
                out.append(("".join(chars), self.font(current, size)))
                chars = []
            current = path
            chars.append(char)
        if chars:
            out.append(("".join(chars), self.font(current, size)))
        return out

    def width(self, text: str, size: int) -> float:
        return sum(font.getlength(run) for run, font in self.runs(text, size))

    def draw(self, draw: ImageDraw.ImageDraw, xy: tuple[float, float], text: str, size: int, fill: str = INK,
             anchor: str = "l") -> None:
        """Draw ``text`` with its left (``l``), centre (``m``) or right (``r``) at ``xy``,
        vertically centred on ``xy[1]``."""
        x, y = xy
        total = self.width(text, size)
        x -= {"l": 0, "m": total / 2, "r": total}[anchor]
        for run, font in self.runs(text, size):
            draw.text((x, y), run, font=font, fill=fill, anchor="lm")
            x += font.getlength(run)


@lru_cache(maxsize=1)
def fonts() -> _Fonts:
    return _Fonts()


def _png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def _nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Round tick values covering low..high (1, 2, 2.5 or 5 times a power of ten apart)."""
    if high == low:
        high, low = high + (abs(high) or 1) * 0.5, low - (abs(low) or 1) * 0.5
    raw = (high - low) / count
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    start = math.floor(low / step) * step
    ticks = []
    value = start
    while value < high + step * 0.999:
        ticks.append(round(value, 10))
        value += step
    return ticks


def _label(value: float) -> str:
    return f"{value:,.2f}".rstrip("0").rstrip(".")


def trend_chart(chart: dict, title: str | None = None) -> bytes:
    """One indicator: its known values (solid line) against the target path (dashed) and
    the target (a diamond at the target year). ``chart`` holds ``years``, ``values``,
    ``path`` (aligned with years; None where unknown), ``name``, ``unit``, ``target``,
    ``target_year`` and ``colour`` (the status colour)."""
    f = fonts()
    width, height = 900 * SCALE, 420 * SCALE
    left, right, top, bottom = 90 * SCALE, 30 * SCALE, 60 * SCALE, 70 * SCALE
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    f.draw(draw, (left, 26 * SCALE), title or f"{chart['name']}（{chart['unit']}）", 17 * SCALE)
    years = list(chart["years"])
    values = list(chart["values"])
    path = list(chart.get("path") or [None] * len(years))
    target, target_year = chart.get("target"), chart.get("target_year")
    numbers = [v for v in values + path if v is not None] + ([target] if target is not None else [])
    if not years or not numbers:
        f.draw(draw, (width / 2, height / 2), "无数据", 16 * SCALE, PATH_LINE, anchor="m")
        return _png(image)
    ticks = _nice_ticks(min(0.0, min(numbers)) if min(numbers) >= 0 else min(numbers), max(numbers))
    y_low, y_high = ticks[0], ticks[-1]
    plot_w, plot_h = width - left - right, height - top - bottom

    def x_of(index: int) -> float:
        return left + (plot_w * (index + 0.5) / len(years))

    def y_of(value: float) -> float:
        return top + plot_h * (1 - (value - y_low) / ((y_high - y_low) or 1))

    for tick in ticks:
        y = y_of(tick)
        draw.line([(left, y), (width - right, y)], fill=GRID, width=SCALE)
        f.draw(draw, (left - 10 * SCALE, y), _label(tick), 12 * SCALE, PATH_LINE, anchor="r")
    draw.line([(left, top + plot_h), (width - right, top + plot_h)], fill=INK, width=SCALE)
    step = max(1, math.ceil(len(years) / 12))
    for index, year in enumerate(years):
        if index % step == 0:
            f.draw(draw, (x_of(index), top + plot_h + 16 * SCALE), str(year), 12 * SCALE, INK, anchor="m")
    # target path: dashed
    points = [(x_of(i), y_of(v)) for i, v in enumerate(path) if v is not None]
    for (x1, y1), (x2, y2) in zip(points, points[1:], strict=False):
        for k in range(0, 10, 2):
            a, b = k / 10, (k + 1) / 10
            draw.line([(x1 + (x2 - x1) * a, y1 + (y2 - y1) * a), (x1 + (x2 - x1) * b, y1 + (y2 - y1) * b)],
                      fill=PATH_LINE, width=2 * SCALE)
    # known values: solid, a dot on each
    colour = chart.get("colour") or VALUE_LINE
    known = [(x_of(i), y_of(v), v) for i, v in enumerate(values) if v is not None]
    if len(known) > 1:
        draw.line([(x, y) for x, y, _v in known], fill=VALUE_LINE, width=3 * SCALE, joint="curve")
    for x, y, v in known:
        r = 5 * SCALE
        draw.ellipse([x - r, y - r, x + r, y + r], fill=colour, outline=VALUE_LINE, width=SCALE)
        f.draw(draw, (x, y - 16 * SCALE), _label(v), 11 * SCALE, INK, anchor="m")
    if target is not None and target_year in years:
        x, y, r = x_of(years.index(target_year)), y_of(target), 8 * SCALE
        draw.polygon([(x, y - r), (x + r, y), (x, y + r), (x - r, y)], fill=COLOURS["red"])
        f.draw(draw, (x - 12 * SCALE, y - 18 * SCALE), f"目标 {_label(target)}", 12 * SCALE, COLOURS["red"], anchor="r")
    # legend
    lx, ly = left, height - 22 * SCALE
    draw.line([(lx, ly), (lx + 30 * SCALE, ly)], fill=VALUE_LINE, width=3 * SCALE)
    f.draw(draw, (lx + 38 * SCALE, ly), "实际值", 12 * SCALE)
    lx += 130 * SCALE
    for k in range(0, 30, 8):
        draw.line([(lx + k * SCALE, ly), (lx + (k + 4) * SCALE, ly)], fill=PATH_LINE, width=2 * SCALE)
    f.draw(draw, (lx + 38 * SCALE, ly), "目标路径", 12 * SCALE)
    lx += 140 * SCALE
    r = 7 * SCALE
    draw.polygon([(lx + r, ly - r), (lx + 2 * r, ly), (lx + r, ly + r), (lx, ly)], fill=COLOURS["red"])
    f.draw(draw, (lx + 24 * SCALE, ly), "目标值", 12 * SCALE)
    return _png(image)


def status_chart(counts: list[tuple[str, int, str]], title: str = "指标状态分布") -> bytes:
    """Horizontal bars: ``counts`` is [(label, count, colour name)] in display order."""
    f = fonts()
    rows = len(counts) or 1
    width, height = 900 * SCALE, (90 + 46 * rows) * SCALE
    left, right, top = 150 * SCALE, 70 * SCALE, 60 * SCALE
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    f.draw(draw, (24 * SCALE, 26 * SCALE), title, 17 * SCALE)
    largest = max([c for _l, c, _k in counts] + [1])
    bar_w = width - left - right
    for index, (label, count, colour) in enumerate(counts):
        y = top + index * 46 * SCALE + 20 * SCALE
        f.draw(draw, (left - 14 * SCALE, y), label, 14 * SCALE, INK, anchor="r")
        length = bar_w * count / largest
        draw.rectangle([left, y - 14 * SCALE, left + max(length, SCALE), y + 14 * SCALE],
                       fill=COLOURS.get(colour, colour))
        f.draw(draw, (left + length + 10 * SCALE, y), f"{count}项", 14 * SCALE, INK)
    return _png(image)
