"""Opening import files as offices make them (csv in UTF-8 or GBK, xlsx, xls, ods), within set limits."""

import csv
import os
import re
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

from kaohe.core.domain.sentences import say
from kaohe.core.exchange.kinds import kind_named, kind_names_text

DEFAULT_MAX_ROWS = 200_000
DEFAULT_MAX_BYTES = 100 * 1024 * 1024
WORKBOOKS = (".xlsx", ".xlsm", ".xls", ".ods")
HEADER_ROOM = 20  # rows a sheet may have beyond the row limit: its title block, header and blank rows


@dataclass(frozen=True)
class Limits:
    """How much one import may read: data rows over all its files, and bytes once unpacked."""
    rows: int = DEFAULT_MAX_ROWS
    bytes: int = DEFAULT_MAX_BYTES

    @classmethod
    def from_settings(cls, settings=None):
        """KAOHE_IMPORT_MAX_ROWS and KAOHE_IMPORT_MAX_BYTES from `settings` (an app config), else the
        environment, else the defaults."""
        def number(name, default):
            raw = (settings or {}).get(name) or os.environ.get(name)
            try:
                value = int(raw) if raw not in (None, "") else default
            except (TypeError, ValueError):
                return default
            return value if value > 0 else default
        return cls(number("KAOHE_IMPORT_MAX_ROWS", DEFAULT_MAX_ROWS),
                   number("KAOHE_IMPORT_MAX_BYTES", DEFAULT_MAX_BYTES))


def size_text(count):
    if count >= 1024 * 1024:
        return f"{count / (1024 * 1024):.0f} MB"
    return f"{max(1, count // 1024)} KB"


class Refused(Exception):
    """A whole file cannot be read; the message says why, in the clerk's words."""

    def __init__(self, message, line=None):
        super().__init__(message)
        self.message = message
        self.line = line


def tables(path, limits):
    """Yield (source, kind or None, sheet name, rows) for each table of a file.

    `rows` iterates (row number, cells) lazily; raises Refused for a file that cannot be read at all.
    A csv table's kind comes from the file name, a workbook sheet's from its name (or, for a workbook
    of one sheet, the file name).
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        kind = kind_named(path.stem)
        if kind is None:
            raise Refused(say("无法从文件名「{stem}」看出数据种类，文件名应为 "
                "{names} 之一，如 稿件.csv",
                stem=path.stem, names=kind_names_text()))
        if path.stat().st_size > limits.bytes:
            raise Refused(say("文件有 {size}，超过一次导入的上限 {limit}，"
                "请分成几个文件导入",
                size=size_text(path.stat().st_size), limit=size_text(limits.bytes)))
        yield path.name, kind, None, enumerate(csv.reader(csv_lines(path)), start=1)
        return
    if suffix in WORKBOOKS:
        yield from _workbook_tables(path, suffix, limits)
        return
    raise Refused(say("不支持的文件类型「{value}」，应为 xlsx、xls、ods 或 csv", value=suffix or path.name))


def csv_lines(path):
    """The lines of a csv file as text: UTF-8 (with or without BOM) or GBK/GB18030, read as they come.

    The encoding is that of the first line beyond ASCII; a later line in another encoding (a GBK file
    with a row appended in UTF-8) raises Refused naming that line, instead of turning into mojibake.
    """
    encoding = None
    with open(path, "rb") as handle:
        for number, raw in enumerate(handle, start=1):
            if number == 1 and raw.startswith(b"\xef\xbb\xbf"):
                raw = raw[3:]
                encoding = "utf-8"
            if raw.isascii():
                yield raw.decode("ascii")
                continue
            utf8 = _decoded(raw, "utf-8")
            if encoding is None:
                encoding = "utf-8" if utf8 is not None else "gb18030"
            if encoding == "utf-8":
                if utf8 is None:
                    raise Refused(say("第{number}行的编码与前面的行不同（前面是 UTF-8，"
                        "这一行不是），文件可能由两种编码的内容拼接而成；"
                        "请整个文件另存为同一种编码",
                        number=number), number)
                yield utf8
                continue
            if utf8 is not None:
                raise Refused(say("第{number}行的编码与前面的行不同（前面是 GBK，"
                    "这一行是 UTF-8），文件可能由两种编码的内容拼接而成；"
                    "请整个文件另存为同一种编码",
                    number=number), number)
            text = _decoded(raw, "gb18030")
            if text is None:
                raise Refused(say("第{number}行的编码无法识别，请另存为 UTF-8 或 "
                    "GBK 编码的 CSV",
                    number=number), number)
            yield text


def _decoded(raw, encoding):
    try:
        return raw.decode(encoding)
    except UnicodeDecodeError:
        return None


def _unpacked_size(path):
    """The bytes an xlsx or ods file's parts take once unpacked, as its zip directory states them."""
    try:
        with zipfile.ZipFile(path) as archive:
            return sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError):
        return None


_DIMENSION = re.compile(rb'<(?:\w+:)?dimension\s+ref="[A-Z]+\d+(?::[A-Z]+(\d+))?"')


def _sheet_rows(path):
    """The most rows one sheet of an xlsx file holds, found before the sheet is loaded: its
    <dimension> when it states one, else its <row> elements counted as the part unpacks (a
    megabyte at a time, so the count takes no memory); None for a file that is not a zip."""
    most = 0
    try:
        with zipfile.ZipFile(path) as archive:
            for info in archive.infolist():
                if not (info.filename.startswith("xl/worksheets/") and info.filename.endswith(".xml")):
                    continue
                with archive.open(info) as sheet:
                    head = sheet.read(4096)
                    match = _DIMENSION.search(head)
                    if match and match.group(1):
                        most = max(most, int(match.group(1)))
                        continue
                    count, tail, chunk = 0, b"", head
                    while chunk:
                        text = tail + chunk
                        count += text.count(b"<row ") + text.count(b"<row>")
                        # the last 4 bytes go on: a "<row " cut by the chunk's end is whole next time,
                        # and 4 bytes cannot hold a whole one already counted
                        tail = text[-4:]
                        chunk = sheet.read(1 << 20)
                    most = max(most, count)
    except (zipfile.BadZipFile, OSError, RuntimeError, EOFError, zlib.error):
        return None
    return most


def _workbook_tables(path, suffix, limits):
    from python_calamine import CalamineWorkbook, SheetTypeEnum
    label = suffix.lstrip(".")
    if suffix == ".xls":
        size = path.stat().st_size  # an xls file is not compressed
    else:
        size = _unpacked_size(path)
        if size is None:
            raise Refused(say("无法读取此 {label} 文件（不是有效的 {label} 文件）"
                "，请确认文件未损坏",
                label=label))
    if size > limits.bytes:
        raise Refused(say("此文件解压后有 {size}，超过一次导入的上限 {limit}，"
            "请分成几个文件导入",
            size=size_text(size), limit=size_text(limits.bytes)))
    rows = _sheet_rows(path) if suffix in (".xlsx", ".xlsm") else None
    if rows is not None and rows > limits.rows + HEADER_ROOM:
        raise Refused(say("此文件的工作表有 {rows} 行，超过一次导入的上限 {limit} "
            "行，请分成几个文件导入",
            rows=rows, limit=limits.rows))
    try:
        workbook = CalamineWorkbook.from_path(str(path))
    except Exception as error:  # a damaged or mislabelled file: calamine raises several kinds
        advice = "，或在 Excel 中另存为 xlsx" if suffix == ".xls" else ""
        raise Refused(say("无法读取此 {label} 文件（{error_type}），请确认文件未损坏{advice}",
            label=label, error_type=type(error).__name__, advice=advice)) from None
    try:
        names = [meta.name for meta in workbook.sheets_metadata
                 if meta.typ == SheetTypeEnum.WorkSheet] or list(workbook.sheet_names)
        single_default = len(names) == 1 and kind_named(names[0]) is None
        for name in names:
            try:
                sheet = workbook.get_sheet_by_name(name)
            except Exception as error:
                raise Refused(say("无法读取工作表「{name}」（{error_type}），请确认文件未损坏",
                    name=name, error_type=type(error).__name__)) from None
            if sheet.start is None:
                continue  # an empty sheet (Sheet2, Sheet3 of a new workbook) holds nothing
            if sheet.height > limits.rows + HEADER_ROOM:
                raise Refused(say("工作表「{name}」有 {height} 行，超过一次导入的上限 "
                    "{rows} 行，请分成几个文件导入",
                    name=name, height=sheet.height, rows=limits.rows))
            kind = kind_named(name)
            if kind is None and single_default:
                kind = kind_named(path.stem)
            first = sheet.start[0] + 1
            yield f"{path.name} › {name}", kind, name, enumerate(sheet.iter_rows(), start=first)
    finally:
        workbook.close()
