"""Writing tables to a file as they are read: print-ready xlsx (XlsxWriter, rows kept on disk) or csv.

The rows of a table may be a generator: they are written one by one and never held together, so
the memory an export needs does not grow with its rows. An xlsx sheet prints on A4 fitted to the
page width, with the header row repeated on every page, the table's heading (scheme, period, run
and 未发布 where so) and page numbers in the page header and footer, set column widths and a
named Chinese font: 宋体 (SimSun) with the GB2312 character set, so that a reader without SimSun
picks another Chinese font rather than a Japanese one.

The writer is XlsxWriter in its constant_memory mode (each sheet's rows go to a file on disk as
they come). Its per-cell calls cost more than everything else at a million rows, so a row of the
usual types is written as the very XML XlsxWriter would write for it (_lean_rows), and any other
row through those calls. Faster writers were looked at and left: rustpy-xlsxwriter (bindings of
rust_xlsxwriter) writes records with a few formats but no page header or footer, print titles,
fit to page, set widths or a font's character set, which the print-ready files need; PyExcelerate
has no page setup either. openpyxl's write-only workbook is the yardstick (benchmarks/office.py).
"""

import csv
import datetime
import io
import itertools
import re
import tempfile
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal

from kaohe.core.domain.vocab import money
from kaohe.core.exchange.kinds import FORMULA_STARTS

ENCODINGS = {"utf-8": "utf-8-sig", "gbk": "gb18030"}
FONT = {"font_name": "宋体", "font_size": 10.5, "font_charset": 134, "font_family": 2}
SPOOL_BYTES = 4 * 1024 * 1024  # a download is kept in memory up to this size, then on disk
# Control characters XML 1.0 cannot hold (what openpyxl's ILLEGAL_CHARACTERS_RE removes).
_ILLEGAL = re.compile(r"[\000-\010]|[\013-\014]|[\016-\037]")
WIDTH_SAMPLE = 200     # rows looked at to set the column widths
MAX_WIDTH = 60         # a column wider than this wraps its text


def neutralise(text):
    """Put a ' before text a spreadsheet would run as a formula (and before a leading ' of its own)."""
    if text and (text[0] in FORMULA_STARTS or text[0] == "'"):
        return "'" + text
    return text


class Amount(Decimal):
    """Points or 元: written as a number with two places."""


class Cents(int):
    """Points or 元 as stored, in hundredths: written like an Amount, without making a Decimal."""

    def text(self):
        if -_EXACT_CENTS < self < _EXACT_CENTS:  # a float this small rounds to the cent exactly
            return f"{self / 100:.2f}"
        whole, part = divmod(abs(self), 100)
        return f"{'-' if self < 0 else ''}{whole}.{part:02d}"


_EXACT_CENTS = 10 ** 13


class Rate(Decimal):
    """An adoption rate: a fraction, shown as a percentage."""


@dataclass
class Table:
    """One sheet (or one csv file): a title, the headers, the rows of cells (a list or a
    generator) and the heading printed above every page (what the table is of)."""
    title: str
    headers: list
    rows: object
    heading: str = ""
    written: int = field(default=0, compare=False)


def _display_width(text):
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _cell_text(value):
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return "0000-00-00 00:00"
    if isinstance(value, datetime.date):
        return "0000-00-00"
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    return str(value)


def _widths(headers, sample):
    widths = []
    for column, header in enumerate(headers):
        longest = max([_display_width(_cell_text(row[column])) for row in sample if column < len(row)]
                      + [_display_width(header)])
        widths.append(min(max(longest + 2, 6), MAX_WIDTH))
    return widths


def _page_text(text):
    """Text for a page header: & doubled, cut to what Excel allows (255 characters in all)."""
    return text.replace("&", "&&")[:200]


class _Formats:
    def __init__(self, workbook):
        def make(**extra):
            return workbook.add_format(dict(FONT, valign="top", **extra))
        self.text = make()
        self.wrap = make(text_wrap=True)
        self.header = make(bold=True, text_wrap=True, border=1, bg_color="#EEEEEE", align="center")
        self.amount = make(num_format="0.00")
        self.rate = make(num_format="0.00%")
        self.date = make(num_format="yyyy-mm-dd")
        self.minute = make(num_format="yyyy-mm-dd hh:mm")
        self.second = make(num_format="yyyy-mm-dd hh:mm:ss")
        # Every format takes its style number now, in this order, whichever cells use it: the
        # lean rows below write the numbers themselves, and so both ways write the same file.
        for made in (self.header, self.text, self.wrap, self.amount, self.rate, self.date,
                     self.minute, self.second):
            made._get_xf_index()


def _sheet(workbook, formats, table, names, lean=True):
    title = table.title[:31]
    name, n = title, 1
    while name in names:
        n += 1
        name = f"{title[:28]}({n})"
    names.add(name)
    sheet = workbook.add_worksheet(name)
    rows = iter(table.rows)
    sample = list(itertools.islice(rows, WIDTH_SAMPLE))
    widths = _widths(table.headers, sample)
    for column, width in enumerate(widths):
        sheet.set_column(column, column, width, formats.wrap if width >= MAX_WIDTH else None)
    sheet.freeze_panes(1, 0)
    sheet.set_paper(9)  # A4
    if sum(widths) > 110:
        sheet.set_landscape()
    sheet.fit_to_pages(1, 0)
    sheet.repeat_rows(0)
    sheet.set_margins(left=0.5, right=0.5, top=0.75, bottom=0.6)
    heading = table.heading or table.title
    sheet.set_header(f'&C&"宋体,Bold"&12{_page_text(heading)}', {"margin": 0.3})
    sheet.set_footer("&C第 &P 页，共 &N 页", {"margin": 0.3})
    for column, text in enumerate(table.headers):
        sheet.write_string(0, column, text, formats.header)
    wrap = {column for column, width in enumerate(widths) if width >= MAX_WIDTH}
    writers = [_writers(sheet, formats, column in wrap) for column in range(len(table.headers))]
    general = _writers(sheet, formats, False)

    def plain_row(number, row):
        """One row through XlsxWriter's own calls, cell by cell."""
        for column, value in enumerate(row):
            kinds = writers[column] if column < len(writers) else general
            write = kinds.get(type(value))
            if write is None:
                _write(sheet, formats, number, column, value)
            elif write is not _skip:
                write(number, column, value)

    rows = itertools.chain(sample, rows)
    if lean:
        table.written = _lean_rows(sheet, formats, wrap, len(table.headers), rows, plain_row)
        return
    number = 0
    for number, row in enumerate(rows, start=1):
        plain_row(number, row)
    table.written = number


# Text that XlsxWriter escapes or changes (control characters, XML's &<>, its own _xHHHH_
# escapes), or that the export changes (the characters XML cannot hold): such a row is written
# cell by cell through XlsxWriter. Text starting with a formula's character (neutralise) or
# with white space at either end (xml:space) goes that way too.
_NEEDS_CARE = re.compile(r"[\000-\010\013-\037&<>\ufffe\uffff]|_x[0-9a-fA-F]{4}_")
_CAREFUL_STARTS = frozenset(FORMULA_STARTS + "'")
_LEAN_BATCH = 200  # rows written to the row file at once
_LEAN_TEXT = 16_000  # longer text goes through XlsxWriter, which cuts it at Excel's 32,767


def _lean_rows(sheet, formats, wrap, width, rows, plain_row):
    """Write the rows into a constant_memory sheet as the XML XlsxWriter would write for them,
    a row at a time: the cell references and style numbers are made once per column, not per
    cell. A row holding a value of another type, or text needing care (_NEEDS_CARE), is written
    by `plain_row` instead. Returns the rows written.

    This writes into XlsxWriter's own row file (its `fh`, `table`, `previous_row` and
    dimensions, as `_write_single_row` does); tests/test_export_print.py checks that the sheet
    is the same, byte for byte, as the one XlsxWriter writes cell by cell (lean=False).
    """
    from xlsxwriter.utility import xl_col_to_name
    letters = [xl_col_to_name(column) for column in range(width)]
    texts = [str((formats.wrap if column in wrap else formats.text).xf_index)
             for column in range(width)]
    plain_s, amount_s = formats.text.xf_index, formats.amount.xf_index
    date_s, minute_s, second_s = formats.date.xf_index, formats.minute.xf_index, formats.second.xf_index
    careful, search, write = _CAREFUL_STARTS, _NEEDS_CARE.search, sheet.fh.write
    convert = sheet._convert_date_time
    day, moment = datetime.date, datetime.datetime
    serials = {}
    written = []  # rows' XML not yet handed to the row file, written a batch at a time
    number = 0
    for number, row in enumerate(rows, start=1):
        r = number + 1
        cells = []
        first = last = None
        for column, value in enumerate(row):
            kind = value.__class__
            if kind is str:
                if not value:
                    continue
                if (value[0] in careful or value[0].isspace() or value[-1].isspace()
                        or len(value) > _LEAN_TEXT or search(value) or column >= width):
                    break
                cells.append(f'<c r="{letters[column]}{r}" s="{texts[column]}" t="inlineStr">'
                             f'<is><t>{value}</t></is></c>')
            elif value is None:
                continue
            elif column >= width:
                break
            elif kind is Cents:
                cells.append(f'<c r="{letters[column]}{r}" s="{amount_s}"><v>{value / 100:.16G}</v></c>')
            elif kind is int:
                cells.append(f'<c r="{letters[column]}{r}" s="{plain_s}"><v>{value:.16G}</v></c>')
            elif kind is day:
                serial = serials.get(value)
                if serial is None:
                    serial = serials[value] = f"{convert(moment.combine(value, datetime.time())):.16G}"
                cells.append(f'<c r="{letters[column]}{r}" s="{date_s}"><v>{serial}</v></c>')
            elif kind is moment and value.tzinfo is None:
                cells.append(f'<c r="{letters[column]}{r}" s="{second_s if value.second else minute_s}">'
                             f'<v>{convert(value):.16G}</v></c>')
            elif kind is Amount:
                cells.append(f'<c r="{letters[column]}{r}" s="{amount_s}"><v>{money(value):.16G}</v></c>')
            else:
                break
            if first is None:
                first = column
            last = column
        else:
            if sheet.table:  # the header row, or a row written the plain way, is still held
                sheet._write_single_row(number)
            sheet.previous_row = number
            if cells:
                sheet._check_dimensions(number, first)
                sheet._check_dimensions(number, last)
                written.append(f'<row r="{r}">{"".join(cells)}</row>')
                if len(written) >= _LEAN_BATCH:
                    write("".join(written))
                    written.clear()
            continue
        if written:  # the lean rows before this one go first
            write("".join(written))
            written.clear()
        plain_row(number, row)
    if written:
        write("".join(written))
    return number


def _skip(row, column, value):
    """An empty cell: nothing is written."""


def _writers(sheet, formats, wrap):
    """How each common type of value is written in one column (the rest go through _write)."""
    text_format = formats.wrap if wrap else formats.text
    write_string, write_number = sheet.write_string, sheet.write_number
    search, sub = _ILLEGAL.search, _ILLEGAL.sub

    def text(row, column, value):
        if not value:
            return
        if search(value):
            value = sub("", value)
        write_string(row, column, neutralise(value), text_format)

    return {
        str: text,
        type(None): _skip,
        int: lambda row, column, value: write_number(row, column, value, formats.text),
        Cents: lambda row, column, value: write_number(row, column, value / 100, formats.amount),
        Amount: lambda row, column, value: write_number(row, column, money(value), formats.amount),
    }


def _write(sheet, formats, row, column, value):
    if value is None or value == "":
        return
    if isinstance(value, str):
        sheet.write_string(row, column, neutralise(_ILLEGAL.sub("", value)), formats.text)
    elif isinstance(value, bool):
        sheet.write_boolean(row, column, value, formats.text)
    elif isinstance(value, Cents):
        sheet.write_number(row, column, value / 100, formats.amount)
    elif isinstance(value, Amount):
        sheet.write_number(row, column, money(value), formats.amount)
    elif isinstance(value, Rate):
        sheet.write_number(row, column, Decimal(value), formats.rate)
    elif isinstance(value, datetime.datetime):
        sheet.write_datetime(row, column, value, formats.second if value.second else formats.minute)
    elif isinstance(value, datetime.date):
        sheet.write_datetime(row, column, datetime.datetime.combine(value, datetime.time()),
                             formats.date)
    elif isinstance(value, (int, float, Decimal)):
        sheet.write_number(row, column, value, formats.text)
    else:
        sheet.write_string(row, column, str(value), formats.text)


def write_xlsx(tables, out, lean=True):
    """An xlsx workbook of the tables into the binary file `out`; the rows stay on disk meanwhile.
    `lean=False` writes every cell through XlsxWriter's own calls (the same file, slower)."""
    import xlsxwriter
    with tempfile.TemporaryDirectory(prefix="kaohe-xlsx-") as scratch:
        workbook = xlsxwriter.Workbook(out, {"constant_memory": True, "tmpdir": scratch,
                                             "default_format_properties": dict(FONT),
                                             "strings_to_formulas": False,
                                             "strings_to_urls": False})
        formats = _Formats(workbook)
        names = set()
        for table in tables:
            _sheet(workbook, formats, table, names, lean)
        workbook.close()
    return [table.written for table in tables]


def _amount_text(value):
    return f"{money(value):.2f}"


# The cell types of nearly every value, looked up before the general rules below.
_CSV_TEXT = {str: neutralise, int: str, type(None): lambda _value: "", Amount: _amount_text,
             Cents: Cents.text}


def csv_cell(value):
    fast = _CSV_TEXT.get(type(value))
    if fast is not None:
        return fast(value)
    if value is None:
        return ""
    if isinstance(value, str):
        return neutralise(value)
    if isinstance(value, Amount):
        return f"{money(value):.2f}"
    if isinstance(value, Cents):
        return value.text()
    if isinstance(value, Rate):
        return f"{money(Decimal(value) * 100):.2f}%"
    if isinstance(value, datetime.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S" if value.second else "%Y-%m-%d %H:%M")
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, bool):
        return "是" if value else "否"
    return str(value)


def write_csv(table, out, encoding="utf-8"):
    """One table as csv into the binary file `out` (UTF-8 with BOM, or GB18030 for 'gbk')."""
    text = io.TextIOWrapper(out, encoding=ENCODINGS.get(encoding, encoding), newline="",
                            write_through=False)
    writer = csv.writer(text)
    writer.writerow(table.headers)
    count = 0
    text_of, cell, careful = _CSV_TEXT.get, csv_cell, _CAREFUL_STARTS
    for count, row in enumerate(table.rows, start=1):
        # Text that needs no ' (neutralise) is written as it is, without a call per cell.
        writer.writerow([value if value.__class__ is str and (not value or value[0] not in careful)
                         else (text_of(type(value)) or cell)(value) for value in row])
    text.flush()
    text.detach()
    table.written = count
    return [count]


def spooled():
    """A temporary binary file for a download: in memory while small, on disk when it grows."""
    return tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)
