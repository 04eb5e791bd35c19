"""Document engine of the council pack: plain sections rendered as numbered PDF pages.

The content (figures, texts, maps, tables) is composed elsewhere from plain values;
:func:`build_pack` only lays it out: each section becomes one or more pages of an A4
(or A3) portrait PDF, long texts and tables flow over several pages, and every page but
the cover carries a footer with the date, "Maillage" and the page number.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from geo.formatting import format_date_fr
from geo.render.print_layout import (
    MM_PER_INCH,
    MUTED_COLOR,
    TEXT_COLOR,
    Box,
    Orientation,
    PageCanvas,
    check_page_options,
    line_height_mm,
    new_figure,
    print_style,
    text_width_mm,
    wrap_text,
)
from geo.render.print_map import PrintMapSpec, draw_map, validate_spec
from geo.render.table_text import NO_VALUE_TEXT_FR, format_table_fr

__all__ = [
    "NO_VALUE_TEXT_FR",
    "Cover",
    "KeyFigures",
    "MapPage",
    "Section",
    "SummaryPage",
    "TablePage",
    "TextSection",
    "build_pack",
    "format_table_fr",
    "wrap_cell",
]

ACCENT_COLOR = "#0b4f6c"
RULE_COLOR = "#999999"
HEADER_FILL = "#e6ecef"
STRIPE_FILL = "#f4f6f7"
MARGIN_MM = 18.0
FOOTER_MM = 12.0
BODY_SIZE = 10.0
TABLE_SIZE = 8.0
MIN_TABLE_SIZE = 6.0
CONTINUED_FR = " (suite)"


@dataclass
class Cover:
    """Cover page: title, subtitle, date and organisation."""

    title: str
    subtitle: str = ""
    date: dt.date | str | None = None
    organisation: str = ""


@dataclass
class KeyFigures:
    """Key figures shown as cards: items are (label, value, note or None)."""

    title: str
    items: list[tuple[str, str, str | None]]


@dataclass
class TextSection:
    """Titled text; a paragraph starting with "- " is a bullet point."""

    title: str
    paragraphs: list[str]


@dataclass
class MapPage:
    """One print map on its own page."""

    spec: PrintMapSpec
    orientation: Orientation = "portrait"


@dataclass
class TablePage:
    """A table split over as many pages as needed, its header repeated on each.

    Numbers are written the French way; columns listed in ``percent_columns`` hold
    0–1 shares shown as percentages. The index is shown only when it is named.
    """

    title: str
    table: pd.DataFrame
    note: str | None = None
    percent_columns: Collection[str] = field(default_factory=tuple)


@dataclass
class SummaryPage:
    """One page for elected members: short paragraphs, before/after figures, one map.

    ``figures`` are rows (label, before, after) already written in French; the map
    fills the rest of the page.
    """

    title: str
    paragraphs: list[str]
    figures: list[tuple[str, str, str]]
    spec: PrintMapSpec
    figure_headers: tuple[str, str, str] = ("", "Aujourd'hui", "Avec le scénario")


Section = Cover | KeyFigures | TextSection | MapPage | TablePage | SummaryPage
_PageDrawer = Callable[[Figure, PageCanvas], None]


def build_pack(
    sections: Sequence[Section],
    path: str | Path,
    paper: str = "A4",
    *,
    date: dt.date | str | None = None,
    title: str | None = None,
) -> Path:
    """Render sections as one PDF document.

    Parameters
    ----------
    sections : sequence of Cover, KeyFigures, TextSection, MapPage or TablePage
        Content in page order.
    path : str or pathlib.Path
        Output PDF; parent folders are created.
    paper : {"A4", "A3"}, default "A4"
        Paper size of the (portrait) pages; map pages may be landscape.
    date : datetime.date or ISO str, optional
        Date printed in the footers (in French); defaults to the cover's date, then today.
    title : str, optional
        PDF document title (metadata); defaults to the cover's title.

    Returns
    -------
    pathlib.Path
        The written file.

    Raises
    ------
    ValueError
        On an empty section list, an unknown section type or paper, or a bad map spec.
    """
    if not sections:
        raise ValueError("Le dossier ne contient aucune section.")
    width_mm, height_mm = check_page_options(paper, "portrait")
    cover = next((s for s in sections if isinstance(s, Cover)), None)
    date = date or (cover.date if cover else None) or dt.date.today()
    title = title or (cover.title if cover else "Maillage")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)

    with print_style():
        pages: list[tuple[_PageDrawer, str, bool]] = []
        for section in sections:
            orientation = "portrait"
            if isinstance(section, MapPage | SummaryPage):
                validate_spec(section.spec)
            if isinstance(section, MapPage):
                orientation = section.orientation
                check_page_options(paper, orientation)
            drawers = _section_pages(section, width_mm, height_mm)
            pages += [(d, orientation, not isinstance(section, Cover)) for d in drawers]

        footer_date = _date_text(date)
        metadata = {"Title": title, "Author": "Maillage", "Creator": "Maillage"}
        with PdfPages(path, metadata=metadata) as pdf:
            for number, (drawer, orientation, has_footer) in enumerate(pages, start=1):
                w, h = (
                    (height_mm, width_mm) if orientation == "landscape" else (width_mm, height_mm)
                )
                fig = new_figure(w, h)
                canvas = PageCanvas(fig, Box(0, 0, w, h), min(w, h) / 210)
                drawer(fig, canvas)
                if has_footer:
                    _draw_footer(canvas, w, h, f"Maillage — {footer_date}", number, len(pages))
                pdf.savefig(fig)
    return path


def _date_text(date: dt.date | str) -> str:
    """French long date; a text that is not an ISO date is kept as written."""
    try:
        return format_date_fr(date)
    except ValueError:
        return str(date)


def _section_pages(section: Section, width_mm: float, height_mm: float) -> list[_PageDrawer]:
    scale = width_mm / 210
    content = Box(
        MARGIN_MM * scale,
        MARGIN_MM * scale,
        width_mm - 2 * MARGIN_MM * scale,
        height_mm - (2 * MARGIN_MM + FOOTER_MM) * scale,
    )
    if isinstance(section, Cover):
        return [lambda _fig, c: _draw_cover(c, section, width_mm, height_mm)]
    if isinstance(section, KeyFigures):
        return _key_figure_pages(section, content, scale)
    if isinstance(section, TextSection):
        return _text_pages(section, content, scale)
    if isinstance(section, MapPage):
        return [lambda fig, _c: _draw_map_page(fig, section.spec)]
    if isinstance(section, TablePage):
        return _table_pages(section, content, scale)
    if isinstance(section, SummaryPage):
        return [lambda fig, c: _draw_summary(fig, c, section, content)]
    raise ValueError(f"Type de section inconnu : {type(section).__name__}.")


def _draw_footer(
    canvas: PageCanvas, width: float, height: float, left: str, number: int, total: int
) -> None:
    s = canvas.scale
    y = height - MARGIN_MM * s * 0.75
    x0, x1 = MARGIN_MM * s, width - MARGIN_MM * s
    canvas.ax.plot([x0, x1], [y - 2 * s] * 2, color=RULE_COLOR, linewidth=0.5 * s)
    canvas.text(x0, y, left, 7.5, color=MUTED_COLOR)
    canvas.text(x1, y, f"Page {number} / {total}", 7.5, color=MUTED_COLOR, ha="right")


def _section_title(canvas: PageCanvas, title: str, box: Box) -> float:
    """Draw a section title with a rule under it; return the y below."""
    s = canvas.scale
    y = box.y
    for line in wrap_text(title, box.w, 16 * s, "bold"):
        canvas.text(box.x, y, line, 16, weight="bold", color=ACCENT_COLOR)
        y += line_height_mm(16 * s)
    y += 1.5 * s
    canvas.ax.plot([box.x, box.x + box.w], [y, y], color=ACCENT_COLOR, linewidth=0.8 * s)
    return y + 6 * s


def _title_height(title: str, width: float, scale: float) -> float:
    return (
        len(wrap_text(title, width, 16 * scale, "bold")) * line_height_mm(16 * scale) + 7.5 * scale
    )


# ---------------------------------------------------------------------------- cover


def _draw_cover(canvas: PageCanvas, cover: Cover, width: float, height: float) -> None:
    s = canvas.scale
    x = MARGIN_MM * s
    text_w = width - 2 * x
    canvas.ax.add_patch(Rectangle((0, 0), width, 8 * s, facecolor=ACCENT_COLOR, linewidth=0))
    y = height * 0.3
    for line in wrap_text(cover.title, text_w, 26 * s, "bold"):
        canvas.text(x, y, line, 26, weight="bold", color=ACCENT_COLOR)
        y += line_height_mm(26 * s)
    y += 4 * s
    canvas.ax.plot([x, x + 40 * s], [y, y], color=ACCENT_COLOR, linewidth=2 * s)
    y += 8 * s
    for line in wrap_text(cover.subtitle, text_w, 14 * s) if cover.subtitle else []:
        canvas.text(x, y, line, 14, color=TEXT_COLOR)
        y += line_height_mm(14 * s)
    y = height * 0.78
    if cover.organisation:
        for line in wrap_text(cover.organisation, text_w, 12 * s, "bold"):
            canvas.text(x, y, line, 12, weight="bold")
            y += line_height_mm(12 * s)
    if cover.date:
        canvas.text(x, y + 2 * s, _date_text(cover.date), 11, color=MUTED_COLOR)
    canvas.text(x, height - MARGIN_MM * s, "Document produit avec Maillage", 8, color=MUTED_COLOR)


# ---------------------------------------------------------------------------- key figures


_CARD_H_MM = 34.0
_CARD_GAP_MM = 6.0


def _key_figure_pages(section: KeyFigures, content: Box, scale: float) -> list[_PageDrawer]:
    top = _title_height(section.title, content.w, scale)
    rows = max(
        1, int((content.h - top + _CARD_GAP_MM * scale) // ((_CARD_H_MM + _CARD_GAP_MM) * scale))
    )
    per_page = rows * 2
    chunks = [section.items[i : i + per_page] for i in range(0, len(section.items), per_page)]
    return [
        lambda _fig, c, items=items, i=i: _draw_key_figures(c, section.title, items, i > 0, content)
        for i, items in enumerate(chunks or [[]])
    ]


def _draw_key_figures(canvas, title, items, continued, content) -> None:
    s = canvas.scale
    y0 = _section_title(canvas, title + (CONTINUED_FR if continued else ""), content)
    card_w = (content.w - _CARD_GAP_MM * s) / 2
    card_h = _CARD_H_MM * s
    for i, (label, value, note) in enumerate(items):
        x = content.x + (i % 2) * (card_w + _CARD_GAP_MM * s)
        y = y0 + (i // 2) * (card_h + _CARD_GAP_MM * s)
        canvas.ax.add_patch(
            Rectangle((x, y), card_w, card_h, facecolor=STRIPE_FILL, edgecolor="none")
        )
        canvas.ax.add_patch(
            Rectangle((x, y), 1.5 * s, card_h, facecolor=ACCENT_COLOR, edgecolor="none")
        )
        inner_x, inner_w = x + 5 * s, card_w - 8 * s
        canvas.text(
            inner_x,
            y + 3.5 * s,
            _fit(str(value), inner_w, 20 * s, "bold"),
            20,
            weight="bold",
            color=ACCENT_COLOR,
        )
        line_y = y + 14 * s
        for line in wrap_text(label, inner_w, 9.5 * s)[:2]:
            canvas.text(inner_x, line_y, line, 9.5)
            line_y += line_height_mm(9.5 * s)
        for line in _two_lines(note, inner_w, 7.5 * s) if note else []:
            canvas.text(inner_x, line_y + 0.5 * s, line, 7.5, color=MUTED_COLOR)
            line_y += line_height_mm(7.5 * s)


def _two_lines(text: str, width: float, size: float) -> list[str]:
    """``text`` wrapped to two lines at most, the second ending « … » when cut."""
    lines = wrap_text(text, width, size)
    if len(lines) <= 2:
        return lines
    return [lines[0], _fit(" ".join(lines[1:]), width, size)]


#: Slack of :func:`_fit` (mm): far below a glyph, above float rounding.
_FIT_TOLERANCE_MM = 0.01


def _fit(text: str, width: float, size: float, weight: str = "normal") -> str:
    """Shorten a text with an ellipsis so that it fits a width."""
    # A column laid out at its text's exact width must not lose it to float rounding.
    width += _FIT_TOLERANCE_MM
    if text_width_mm(text, size, weight) <= width:
        return text
    while text and text_width_mm(text + "…", size, weight) > width:
        text = text[:-1]
    return text.rstrip() + "…"


# ---------------------------------------------------------------------------- text


def _text_lines(paragraphs: list[str], width: float, scale: float) -> list[tuple[str, float]]:
    """Wrapped lines as (text, indent in mm); an empty text marks a paragraph gap."""
    size = BODY_SIZE * scale
    indent = 5 * scale
    lines: list[tuple[str, float]] = []
    for paragraph in paragraphs:
        if paragraph.startswith("- "):
            wrapped = wrap_text(paragraph[2:], width - indent, size)
            lines += [("• " + wrapped[0], 0.0)] + [(t, indent) for t in wrapped[1:]]
        else:
            lines += [(t, 0.0) for t in wrap_text(paragraph, width, size)]
        lines.append(("", 0.0))
    return lines[:-1]


def _text_pages(section: TextSection, content: Box, scale: float) -> list[_PageDrawer]:
    lines = _text_lines(section.paragraphs, content.w, scale)
    step = line_height_mm(BODY_SIZE * scale) * 1.12
    first = int((content.h - _title_height(section.title, content.w, scale)) // step)
    chunks: list[list[tuple[str, float]]] = []
    while lines or not chunks:
        chunk, lines = lines[:first], lines[first:]
        while lines and lines[0][0] == "":
            lines = lines[1:]
        chunks.append(chunk)
    return [
        lambda _fig, c, chunk=chunk, i=i: _draw_text(c, section.title, chunk, i > 0, content, step)
        for i, chunk in enumerate(chunks)
    ]


def _draw_text(canvas, title, lines, continued, content, step) -> None:
    y = _section_title(canvas, title + (CONTINUED_FR if continued else ""), content)
    for text, indent in lines:
        if text:
            canvas.text(content.x + indent, y, text, BODY_SIZE)
        y += step


# ---------------------------------------------------------------------------- summary


def _draw_summary(fig: Figure, canvas: PageCanvas, section: SummaryPage, content: Box) -> None:
    """Text at the top, a three-column figures table, then the map down to the footer."""
    s = canvas.scale
    y = _section_title(canvas, section.title, content)
    step = line_height_mm(BODY_SIZE * s) * 1.12
    for text, indent in _text_lines(section.paragraphs, content.w, s):
        if text:
            canvas.text(content.x + indent, y, text, BODY_SIZE)
        y += step
    y += 2 * s
    widths = (0.5 * content.w, 0.25 * content.w, 0.25 * content.w)
    row_h = line_height_mm(BODY_SIZE * s) * 1.5
    for i, row in enumerate([section.figure_headers, *section.figures]):
        if i % 2 == 0:
            canvas.ax.add_patch(
                Rectangle(
                    (content.x, y - 0.3 * row_h),
                    content.w,
                    row_h,
                    facecolor=HEADER_FILL if i == 0 else STRIPE_FILL,
                    edgecolor="none",
                )
            )
        x = content.x
        for j, (cell, width) in enumerate(zip(row, widths, strict=True)):
            weight = "bold" if i == 0 or j == 2 else "normal"
            text = _fit(cell, width - 3 * s, BODY_SIZE * s, weight)
            canvas.text(x + 1.5 * s, y, text, BODY_SIZE, weight=weight)
            x += width
        y += row_h
    height = fig.get_figheight() * MM_PER_INCH
    top = (y + 2 * s) / height
    band = (FOOTER_MM + 4) / height
    draw_map(section.spec, fig, (0.0, band, 1.0, max(0.2, 1.0 - band - top)))


# ---------------------------------------------------------------------------- map


def _draw_map_page(fig: Figure, spec: PrintMapSpec) -> None:
    # Leave the bottom band to the page footer.
    height = fig.get_figheight() * MM_PER_INCH
    band = (FOOTER_MM + 4) / height
    draw_map(spec, fig, (0.0, band, 1.0, 1.0 - band))


# ---------------------------------------------------------------------------- tables


#: Most lines of one table cell; a longer text ends « … » on its last line.
MAX_CELL_LINES = 8


@dataclass
class _TableLayout:
    size: float
    widths: list[float]
    header: list[list[str]]
    right: list[bool]
    line_h: float
    header_h: float
    pad: float

    def cell_lines(self, value: str, column: int, scale: float) -> list[str]:
        """``value`` wrapped to its column (long names take several lines, never cut)."""
        return wrap_cell(value, self.widths[column] - 2 * self.pad, self.size * scale)

    def row_height(self, lines: Sequence[Sequence[str]], scale: float) -> float:
        return max(len(cell) for cell in lines) * self.line_h + 1.8 * scale


def wrap_cell(text: str, width: float, size: float, max_lines: int = MAX_CELL_LINES) -> list[str]:
    """A table cell's text wrapped to a width (mm), a word wider than it split by letters.

    Parameters
    ----------
    text : str
        Cell text.
    width : float
        Width available, in millimetres.
    size : float
        Font size (points).
    max_lines : int
        Most lines; beyond them the last line ends with « … ».

    Returns
    -------
    list of str
        At least one line.
    """
    lines: list[str] = []
    for line in wrap_text(text, width + _FIT_TOLERANCE_MM, size):
        # A word wider than the column (a long compound name) is split where it must be.
        while text_width_mm(line, size) > width + _FIT_TOLERANCE_MM and len(line) > 1:
            cut = len(line) - 1
            while cut > 1 and text_width_mm(line[:cut], size) > width + _FIT_TOLERANCE_MM:
                cut -= 1
            lines.append(line[:cut])
            line = line[cut:]
        lines.append(line)
    if len(lines) > max_lines:
        lines = [*lines[: max_lines - 1], _fit(" ".join(lines[max_lines - 1 :]) + "…", width, size)]
    return lines


def _table_layout(
    text: pd.DataFrame, numeric: list[bool], width: float, scale: float
) -> _TableLayout:
    pad = 2.4 * scale
    size = TABLE_SIZE * scale
    while True:
        cells = [max([text_width_mm(v, size) for v in text[c]] + [0.0]) for c in text.columns]
        words = [
            max(text_width_mm(w, size, "bold") for w in str(c).split() or [""])
            for c in text.columns
        ]
        widths = [max(a, b) + 2 * pad for a, b in zip(cells, words, strict=True)]
        if sum(widths) <= width or size <= MIN_TABLE_SIZE * scale:
            break
        size = max(MIN_TABLE_SIZE * scale, size - 0.5 * scale)
    if sum(widths) > width:
        widths = _shared_widths(text, widths, width, size, pad)
    else:
        extra = (width - sum(widths)) / len(widths)
        widths = [w + extra for w in widths]
    header = [
        wrap_text(str(c), w - 2 * pad, size, "bold")
        for c, w in zip(text.columns, widths, strict=True)
    ]
    line_h = line_height_mm(size)
    header_h = max(len(h) for h in header) * line_h + 2.4 * scale
    return _TableLayout(size / scale, widths, header, numeric, line_h, header_h, pad)


def _shared_widths(
    text: pd.DataFrame, natural: list[float], width: float, size: float, pad: float
) -> list[float]:
    """Widths of a table too wide for the page: its long texts wrap.

    A column no wider than an equal share keeps its whole text on one line (« Nouveau
    lieu » does not break); the others keep their longest word, so names break between
    words, and share the rest in proportion to what their texts lack.
    """
    whole: dict[int, float] = {}
    while len(whole) < len(natural):
        share = (width - sum(whole.values())) / (len(natural) - len(whole))
        small = {j: w for j, w in enumerate(natural) if j not in whole and w <= share}
        if not small:
            break
        whole |= small
    wrapped = [j for j in range(len(natural)) if j not in whole]
    least = {
        j: min(
            natural[j],
            max(
                [text_width_mm(w, size) for v in text.iloc[:, j] for w in str(v).split()]
                + [text_width_mm(w, size, "bold") for w in str(text.columns[j]).split()]
                + [0.0]
            )
            + 2 * pad,
        )
        for j in wrapped
    }
    left = width - sum(whole.values())
    if sum(least.values()) > left:
        # Even single words do not fit: the widest columns share the width, words split.
        widths = [whole.get(j, least.get(j, 0.0)) for j in range(len(natural))]
        order = np.argsort(widths)[::-1]
        while sum(widths) > width:
            widest = order[0]
            widths[widest] -= min(sum(widths) - width, widths[widest] - widths[order[1]] + 0.1)
            order = np.argsort(widths)[::-1]
        return widths
    lacking = {j: natural[j] - least[j] for j in wrapped}
    ratio = (left - sum(least.values())) / sum(lacking.values())
    return [whole[j] if j in whole else least[j] + ratio * lacking[j] for j in range(len(natural))]


def _page_starts(heights: Sequence[float], available: float) -> list[int]:
    """First row of each page, rows of ``heights`` filling ``available`` mm per page."""
    starts, used = [0], 0.0
    for i, height in enumerate(heights):
        if used and used + height > available:
            starts.append(i)
            used = 0.0
        used += height
    return starts


def _table_pages(section: TablePage, content: Box, scale: float) -> list[_PageDrawer]:
    text = format_table_fr(section.table, section.percent_columns)
    source = (
        section.table.reset_index()
        if any(n is not None for n in section.table.index.names)
        else section.table
    )
    numeric = [
        pd.api.types.is_numeric_dtype(source[c]) and not pd.api.types.is_bool_dtype(source[c])
        for c in source.columns
    ]
    layout = _table_layout(text, numeric, content.w, scale)
    rows = [
        [layout.cell_lines(v, j, scale) for j, v in enumerate(row)]
        for row in text.itertuples(index=False)
    ]
    heights = [layout.row_height(lines, scale) for lines in rows]
    note_lines = wrap_text(section.note, content.w, 8 * scale) if section.note else []
    note_h = len(note_lines) * line_height_mm(8 * scale) + 3 * scale if note_lines else 0.0
    available = content.h - _title_height(section.title, content.w, scale) - layout.header_h
    starts = _page_starts(heights, available - note_h)
    ends = [*starts[1:], len(rows)]
    return [
        lambda _fig, c, start=start, end=end, i=i: _draw_table(
            c,
            section.title,
            list(zip(rows[start:end], heights[start:end], strict=True)),
            layout,
            content,
            i > 0,
            note_lines if i == len(starts) - 1 else [],
        )
        for i, (start, end) in enumerate(zip(starts, ends, strict=True))
    ]


def _draw_table(canvas, title, rows, layout: _TableLayout, content, continued, note_lines) -> None:
    """Header, then rows of wrapped cells (each row as tall as its longest cell)."""
    s = canvas.scale
    size = layout.size
    pad = layout.pad
    y = _section_title(canvas, title + (CONTINUED_FR if continued else ""), content)
    total_w = sum(layout.widths)
    canvas.ax.add_patch(
        Rectangle((content.x, y), total_w, layout.header_h, facecolor=HEADER_FILL, edgecolor="none")
    )
    x = content.x
    for lines, w, right in zip(layout.header, layout.widths, layout.right, strict=True):
        for j, line in enumerate(lines):
            tx, ha = (x + w - pad, "right") if right else (x + pad, "left")
            canvas.text(tx, y + 1.2 * s + j * layout.line_h, line, size, weight="bold", ha=ha)
        x += w
    y += layout.header_h
    for r, (cells, row_h) in enumerate(rows):
        if r % 2 == 1:
            canvas.ax.add_patch(
                Rectangle((content.x, y), total_w, row_h, facecolor=STRIPE_FILL, edgecolor="none")
            )
        x = content.x
        for lines, w, right in zip(cells, layout.widths, layout.right, strict=True):
            tx, ha = (x + w - pad, "right") if right else (x + pad, "left")
            for j, line in enumerate(lines):
                canvas.text(tx, y + 0.9 * s + j * layout.line_h, line, size, ha=ha)
            x += w
        y += row_h
    canvas.ax.plot([content.x, content.x + total_w], [y, y], color=RULE_COLOR, linewidth=0.5 * s)
    y += 3 * s
    for line in note_lines:
        canvas.text(content.x, y, line, 8, color=MUTED_COLOR)
        y += line_height_mm(8 * s)
