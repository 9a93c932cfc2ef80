"""Print-ready worksheets for the report documents: a named Chinese font, set widths, wrapped rows, A4 page setup.

The xlsx cell font is named, with GB2312 as its character set: Excel on a machine without it
falls back to the character set's default Chinese font (宋体), and LibreOffice uses the named
Noto CJK face itself instead of a Japanese fallback (which it picked for an unnamed or missing
font). The print CSS of the HTML documents names the same faces after 宋体/SimSun.
"""

import copy
import io
import math

from kaohe.core.domain.sentences import say
from kaohe.core.exchange.exporter import neutralise

BODY_FONT = "Noto Serif CJK SC"   # 思源宋体; Excel falls back to 宋体 through the GB2312 charset
TITLE_FONT = "Noto Sans CJK SC"   # 思源黑体; Excel falls back to 黑体/宋体 likewise
GB2312 = 134
POINTS_PER_LINE = 15.0             # a wrapped line of 10.5 pt text


def same(text):
    """The documents' own language: a word said as it is."""
    return text


def page_footer(words=same, page="{page}", pages="{pages}"):
    """「第 1 页 共 2 页」 in the reader's language (`words`), `page` and `pages` standing for the
    numbers (the print CSS's counters, the xlsx footer's &P and &N)."""
    return words(say("第 {page} 页 共 {pages} 页", page=page, pages=pages))


def text_width(text):
    """Width of `text` in column units: a Chinese character about 1.8, anything else 0.9."""
    return sum(1.8 if ord(ch) > 0x2E80 else 0.9 for ch in str(text))


def lines_needed(text, width):
    """How many lines `text` takes when wrapped in a cell `width` column units wide."""
    usable = max(1.0, width - 1.0)
    return max(1, sum(math.ceil(max(1, text_width(part)) / usable)
                      for part in str(text).split("\n")))


class Sheet:
    """Writes a report into an openpyxl sheet: every text cell neutralised, every row as tall as
    its wrapped text, widths as the document sets them; `words` says the page footer in the
    reader's language (documents.py)."""

    def __init__(self, sheet, widths, words=None):
        from openpyxl.styles import Alignment, Border, Font, Side
        self.sheet = sheet
        self.row = 1
        self.widths = list(widths)
        self.words = words
        self._styles = {}
        thin = Side(style="thin")
        self.border = Border(left=thin, right=thin, top=thin, bottom=thin)
        self.font = Font(name=BODY_FONT, charset=GB2312, size=10.5)
        self.bold = Font(name=BODY_FONT, charset=GB2312, size=10.5, bold=True)
        self.title_font = Font(name=TITLE_FONT, charset=GB2312, size=16, bold=True)
        self.center = Alignment(horizontal="center", vertical="center", wrap_text=True)
        self.wrap = Alignment(vertical="top", wrap_text=True)
        self.number = Alignment(horizontal="right", vertical="top")
        self.middle = Alignment(horizontal="center", vertical="top")
        from openpyxl.utils import get_column_letter
        for column, width in enumerate(self.widths, 1):
            sheet.column_dimensions[get_column_letter(column)].width = width

    @property
    def span(self):
        return len(self.widths)

    def _height(self, lines, size=10.5):
        self.sheet.row_dimensions[self.row].height = max(1, lines) * POINTS_PER_LINE * size / 10.5

    def _merged(self, text, font, alignment, size=10.5):
        cell = self.sheet.cell(row=self.row, column=1, value=neutralise(str(text)))
        cell.font = font
        cell.alignment = alignment
        if self.span > 1:
            self.sheet.merge_cells(start_row=self.row, start_column=1, end_row=self.row,
                                   end_column=self.span)
        width = sum(self.widths) * 10.5 / size
        self._height(lines_needed(text, width), size)
        self.row += 1

    def title(self, text):
        self._merged(text, self.title_font, self.center, size=16)

    def line(self, text, bold=False):
        self._merged(text, self.bold if bold else self.font, self.wrap)

    def header(self, labels):
        lines = 1
        for column, label in enumerate(labels, 1):
            cell = self.sheet.cell(row=self.row, column=column, value=neutralise(str(label)))
            cell.font, cell.border, cell.alignment = self.bold, self.border, self.center
            lines = max(lines, lines_needed(label, self.widths[column - 1]))
        self._height(lines)
        self.row += 1
        return self.row - 1

    def _styled(self, cell, kind):
        """Give `cell` the style `kind` (amount, text, middle): openpyxl looks a style up in its
        tables on every assignment, so each kind is built once and its indices copied."""
        style = self._styles.get(kind)
        if style is not None:
            cell._style = copy.copy(style)
            return
        cell.font, cell.border = self.font, self.border
        if kind == "amount":
            cell.number_format = "0.00"
            cell.alignment = self.number
        else:
            cell.alignment = self.wrap if kind == "text" else self.middle
        self._styles[kind] = copy.copy(cell._style)

    def values(self, values, amounts=()):
        lines = 1
        for column, value in enumerate(values, 1):
            if isinstance(value, str):
                value = neutralise(str(value))
            cell = self.sheet.cell(row=self.row, column=column, value=value)
            if column in amounts:
                self._styled(cell, "amount")
            elif isinstance(value, str) and (len(value) > 10 or text_width(value) > len(value)):
                self._styled(cell, "text")
                lines = max(lines, lines_needed(value, self.widths[column - 1]))
            else:  # counts, ranks, 3/4, 75.0%
                self._styled(cell, "middle")
        self._height(lines)
        self.row += 1

    def blank(self):
        self.row += 1

    def finish(self, landscape=False, header_row=None):
        """A4, fit to the page's width (as many pages down as needed), the header row repeated."""
        sheet = self.sheet
        setup = sheet.page_setup
        setup.paperSize = sheet.PAPERSIZE_A4
        setup.orientation = "landscape" if landscape else "portrait"
        setup.fitToWidth = 1
        setup.fitToHeight = 0
        sheet.sheet_properties.pageSetUpPr.fitToPage = True
        sheet.print_options.horizontalCentered = True
        margins = sheet.page_margins
        margins.left = margins.right = 0.5
        margins.top, margins.bottom = 0.6, 0.8
        margins.header, margins.footer = 0.3, 0.35
        footer_text = str(page_footer(self.words or same, page="&P", pages="&N"))
        for footer in (sheet.oddFooter, sheet.evenFooter):
            footer.center.text = footer_text
            footer.center.font = f"{BODY_FONT},Regular"
            footer.center.size = 9
        if header_row:
            sheet.print_title_rows = f"{header_row}:{header_row}"


def sheet_title(text, used):
    """A worksheet name Excel accepts, unique in the workbook."""
    for bad in "[]:*?/\\":
        text = text.replace(bad, "、")
    cut = text[:28].rstrip()
    if len(text) > 28 and " " in cut and text[28].isascii() and text[28].isalnum():
        text = cut.rsplit(" ", 1)[0].rstrip(" (,:;—")  # English: not cut in the middle of a word
    text = text[:28] or "表"
    base, n = text, 2
    while text in used:
        text = f"{base}{n}"
        n += 1
    used.add(text)
    return text


def workbook():
    from openpyxl import Workbook
    book = Workbook()
    book.remove(book.active)
    return book


def save(book):
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
