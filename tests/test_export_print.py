"""Exports as files to print and to stream: page setup, heading and font; rows written as read."""

import csv
import io
import re

from openpyxl import load_workbook

from kaohe.core.exchange import exporter, sheets
from kaohe.core.runs import results
from tests.export_support import city, run  # noqa: F401 (fixtures)


def _sheet(data, name):
    return load_workbook(io.BytesIO(data))[name]


def test_a_run_s_files_print_on_a4_fitted_to_width_under_a_heading_saying_unpublished(run):
    for data, name, what in ((exporter.export_ranking(run, "xlsx"), "排名", "排名"),
                             (exporter.export_lines(run, "xlsx"), "计分明细", "计分明细")):
        sheet = _sheet(data, name)
        assert sheet.page_setup.paperSize == 9  # A4
        assert sheet.sheet_properties.pageSetUpPr.fitToPage is True
        # one page wide (1 is the default the file may leave out), as many pages tall as needed
        assert (sheet.page_setup.fitToWidth or 1, sheet.page_setup.fitToHeight) == (1, 0)
        assert sheet.print_title_rows == "$1:$1"  # the header row on every page
        assert sheet.freeze_panes == "A2"
        heading = sheet.oddHeader.center.text
        assert heading == f"市政府系统　2025年　第{run.id}次计算　{what}（未发布）"
        assert "第 &P 页，共 &N 页" in sheet.oddFooter.center.text
        header = sheet["A1"]
        assert header.font.b and header.font.name == "宋体" and header.font.charset == 134
        assert sheet["A2"].font.name == "宋体"
        assert all(sheet.column_dimensions[letter].width >= 6 for letter in "ABCDEFGHIJKL")


def test_a_published_run_s_heading_says_so_and_names_the_unit(run, city):
    _kh, cs = city
    published = results.publish(run, user="王科长")
    sheet = _sheet(exporter.export_lines(published, "xlsx", unit=cs), "计分明细")
    assert sheet.oddHeader.center.text == f"市政府系统　2025年　第{run.id}次计算　常山县计分明细（正式结果）"


def test_long_sentences_wrap_in_a_column_of_set_width(run):
    sheet = _sheet(exporter.export_lines(run, "xlsx"), "计分明细")
    explanation = sheet.column_dimensions["L"]
    assert abs(explanation.width - sheets.MAX_WIDTH) < 1  # (the writer adds its padding)
    assert sheet["L2"].alignment.wrap_text is True
    assert sheet["B2"].alignment.wrap_text in (None, False)


def test_rows_are_written_one_by_one_and_counted(database):
    def rows():
        for n in range(1, 1001):
            yield [f"U{n}", sheets.Cents(-n * 7), sheets.Amount("1.5"), n, None, "=1+1"]
    table = sheets.Table("表", ["代码", "分", "元", "数", "空", "公式"], rows())
    out = io.BytesIO()
    assert exporter.write_tables_to([table], "csv", out) == [1000] and table.written == 1000
    lines = list(csv.reader(io.StringIO(out.getvalue().decode("utf-8-sig"))))
    assert lines[1] == ["U1", "-0.07", "1.50", "1", "", "'=1+1"]
    assert lines[1000] == ["U1000", "-70.00", "1.50", "1000", "", "'=1+1"]
    table = sheets.Table("表", ["代码", "分", "元", "数", "空", "公式"], rows())
    out = io.BytesIO()
    assert exporter.write_tables_to([table], "xlsx", out) == [1000]
    sheet = load_workbook(out)["表"]
    assert [c.value for c in sheet[1001]] == ["U1000", -70, 1.5, 1000, None, "'=1+1"]
    assert (sheet["B2"].number_format, sheet["B2"].data_type) == ("0.00", "n")


def test_a_download_is_a_spooled_file_at_its_start(run):
    out = exporter.spooled_tables([exporter.lines_table(run)], "csv")
    try:
        assert out.read().decode("utf-8-sig") == exporter.export_lines(run, "csv").decode("utf-8-sig")
    finally:
        out.close()


def test_the_lean_rows_write_the_same_file_as_xlsxwriter_cell_by_cell():
    """The lean writer writes XlsxWriter's XML itself: every part of the file is the same, byte
    for byte, as XlsxWriter's own cell-by-cell writing makes it, for rows of the usual types
    (written lean) mixed with rows holding text that needs care or other types (written by
    XlsxWriter), cells beyond the headers and empty rows."""
    import datetime
    import zipfile
    from decimal import Decimal

    tricky = ["=1+1", "a&b<c>", " lead", "tail ", "x\x01y", "_x0041_", True, sheets.Rate("0.125"),
              1.25, Decimal("2.5"), "\u3000全角", "a\nb", "'q", "-1", "长" * 20000, "\r", "\ufffe"]

    def rows():
        for n in range(1000):  # rows 200 to 899 all lean: more than one batch of them
            row = [f"U{n}", sheets.Cents(-n * 7), sheets.Amount("1.5"), n, None, "",
                   datetime.date(2025, 3, n % 28 + 1), datetime.datetime(2025, 3, 8, 14, 30, n % 60),
                   "计分说明" * (n % 40), None]
            if n % 3 == 1 and not 200 <= n < 900:
                row[n % 10] = tricky[n % len(tricky)]
            if n % 50 == 7 and not 200 <= n < 900:
                row.append("表头之外")
            if n % 40 == 5:
                row = [None] * 10
            yield row

    def book(lean):
        tables = [sheets.Table("表", [f"列{n}" for n in range(10)], rows(), heading="标题"),
                  sheets.Table("二", ["甲"], iter([["x"], [1], [None]]))]
        out = io.BytesIO()
        assert sheets.write_xlsx(tables, out, lean=lean) == [1000, 3]
        return zipfile.ZipFile(out)

    def part(book, name):  # the workbook's creation time aside
        return re.sub(rb"<dcterms:(created|modified)[^<]*</dcterms:\1>", b"", book.read(name))

    lean, plain = book(True), book(False)
    assert lean.namelist() == plain.namelist()
    for name in lean.namelist():
        assert part(lean, name) == part(plain, name), name


def test_cents_are_written_to_the_cent_small_and_large():
    """Below 10^13 cents the text is a float's, rounded to the cent; above, the digits themselves."""
    for cents, text in ((0, "0.00"), (-1, "-0.01"), (7, "0.07"), (-70, "-0.70"), (12345, "123.45"),
                        (-99999, "-999.99"), (10 ** 13 - 1, "99999999999.99"),
                        (-(10 ** 13) + 1, "-99999999999.99"), (10 ** 13, "100000000000.00"),
                        (10 ** 18 + 5, "10000000000000000.05"), (-(10 ** 18) - 5, "-10000000000000000.05")):
        assert sheets.Cents(cents).text() == text
        assert sheets.csv_cell(sheets.Cents(cents)) == text
    assert all(sheets.Cents(n).text() == f"{'-' if n < 0 else ''}{abs(n) // 100}.{abs(n) % 100:02d}"
               for n in range(-30_000, 30_000, 7))
