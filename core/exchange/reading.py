"""Reading import files (sheets of xlsx, xls and ods workbooks, csv files) into checked records and row errors."""

import unicodedata
from array import array
from collections import defaultdict
from dataclasses import dataclass, field
from itertools import chain
from pathlib import Path

from marshmallow import ValidationError

from kaohe.core.domain.errors import KaoheError
from kaohe.core.domain.sentences import listing, say
from kaohe.core.exchange.files import Limits, Refused, tables
from kaohe.core.exchange.kinds import FORMULA_STARTS, KINDS, NOTE_PATTERN, fold, kind_names_text

MAX_LISTED = 200


@dataclass(frozen=True)
class RowError:
    """One problem of an import: where (file or "workbook › sheet", row, column as written) and what."""
    source: str
    row: int | None
    column: str | None
    message: str

    def __str__(self):
        source, row, column, message = self.source, self.row, self.column, self.message
        if row and column:
            return say("{source} 第{row}行「{column}」：{message}", source=source, row=row, column=column,
                       message=message)
        if row:
            return say("{source} 第{row}行：{message}", source=source, row=row, message=message)
        if column:
            return say("{source}「{column}」：{message}", source=source, column=column, message=message)
        return say("{source}：{message}", source=source, message=message)


class ImportFailed(KaoheError):
    """The files had problems; nothing was written. `errors` lists every one of them."""

    def __init__(self, errors):
        self.errors = list(errors)
        lines = [say("导入失败，共 {n} 处错误，没有写入任何数据：", n=len(self.errors))]
        lines += [str(error) for error in self.errors[:MAX_LISTED]]
        if len(self.errors) > MAX_LISTED:
            lines.append(say("另有{n}处错误", n=len(self.errors) - MAX_LISTED))
        super().__init__(listing(lines, "\n"))


@dataclass(slots=True)
class Record:
    """One good row: its place in the files and its checked values (slots: a million are held)."""
    source: str
    row: int
    columns: dict  # field -> header as written
    data: dict
    key: tuple = None  # the natural key as rows are matched (set when the record is added)

    def where(self):
        return say("{source} 第{row}行", source=self.source, row=self.row)


class Place:
    """Where a row is in the files (what a duplicate names), without the row's values."""
    __slots__ = ("row", "source")

    def __init__(self, source, row):
        self.source, self.row = source, row

    def where(self):
        return say("{source} 第{row}行", source=self.source, row=self.row)


class Written:
    """The rows of a kind an import has already written (new ones) or met (stored ones it changed
    or found unchanged), with their places in the files, in a few bytes a row: the rows can be
    forgotten once written, and a later row of the same key is still found a duplicate.

    New rows are those with an id above `since` (the highest before the import's first insert;
    the transaction holds the write lock), kept as the place of each row of each chunk inserted.
    """
    __slots__ = ("bits", "chunks", "ids", "names", "rows", "since", "sources")

    def __init__(self):
        self.since = None
        self.chunks = []  # (highest id before a chunk was inserted, its rows' row numbers, sources)
        self.bits = bytearray()  # bit `id` set: a stored row met
        self.ids, self.rows, self.sources = array("q"), array("q"), array("H")  # of the stored rows met
        self.names = {}  # source -> its number in `sources`

    def inserted(self, since, records):
        """The rows `records` were inserted, in order, with ids above `since`."""
        if self.since is None:
            self.since = since
        self.chunks.append((since, array("q", (r.row for r in records)),
                            array("H", (self._number(r.source) for r in records))))

    def met(self, ident, record):
        byte = ident >> 3
        if byte >= len(self.bits):
            self.bits.extend(bytes(byte + 1 - len(self.bits) + (len(self.bits) >> 1)))
        self.bits[byte] |= 1 << (ident & 7)
        self.ids.append(ident)
        self.rows.append(record.row)
        self.sources.append(self._number(record.source))

    def _number(self, source):
        return self.names.setdefault(source, len(self.names))

    def __contains__(self, ident):
        if self.since is not None and ident > self.since:
            return True
        byte = ident >> 3
        return byte < len(self.bits) and bool(self.bits[byte] & (1 << (ident & 7)))

    def place(self, ident, ids_after):
        """The Place of the row with this id, None when it is not one of them; `ids_after(since,
        count)` gives the first `count` ids above `since`, in order (asked only for a row of this
        import found again: a duplicate, which fails the import)."""
        if ident not in self:
            return None
        names = list(self.names)
        if self.since is not None and ident > self.since:
            since, rows, sources = next(c for c in reversed(self.chunks) if c[0] < ident)
            ids = ids_after(since, len(rows))
            if ident not in ids:
                return None  # a row another writer added meanwhile (PostgreSQL), not this import's
            at = ids.index(ident)
        else:
            rows, sources, at = self.rows, self.sources, self.ids.index(ident)
        return Place(names[sources[at]], rows[at])


@dataclass
class Batch:
    """Everything read from the files of one import, kind by kind, with the problems found.

    An import reads, checks and writes its rows a chunk at a time (`read_chunks`): `records` and
    `partial` hold the chunk's rows, and once a chunk is written its keys are forgotten too
    (`writing`; `written` knows its rows by id). Before that — a dry run, or once a problem is
    found and nothing more is written — the keys of every row read stay in `seen` and `first`.
    """
    records: dict = field(default_factory=lambda: defaultdict(list))
    errors: list = field(default_factory=list)
    seen: dict = field(default_factory=lambda: defaultdict(set))  # kind -> keys, good or not
    first: dict = field(default_factory=dict)  # (kind, key) -> the Record or Place that gave it first
    partial: dict = field(default_factory=lambda: defaultdict(list))  # bad rows' good cells
    broken: set = field(default_factory=set)  # kinds whose sheet could not be read
    ids: dict = field(default_factory=lambda: defaultdict(dict))  # kind -> {code: id}
    kinds: list = field(default_factory=list)  # kinds met, in file order
    stored: dict = field(default_factory=dict)  # (kind, id) -> stored values of a row to update
    writing: bool = False  # the chunks are written as they are checked (see above)
    written: dict = field(default_factory=lambda: defaultdict(Written))  # kind -> Written
    met: dict = field(default_factory=lambda: defaultdict(list))  # kind -> [(id, unchanged record)]
    dates: dict = field(default_factory=dict)  # folded item number -> submitted_on, of unwritten rows
    listed: set = field(default_factory=set)  # the kinds of the tables read_chunks found
    read: int = 0  # good rows read, over all the chunks
    last: bool = False  # the chunk in the batch is the last

    sources: list = field(default_factory=list)  # tables in the order read
    limits: Limits = field(default_factory=Limits)
    rows_read: int = 0
    stopped: bool = False  # the row limit was reached: nothing more is read

    def fail(self, source, row, column, message):
        self.errors.append(RowError(source, row, column, message))

    def sorted_errors(self):
        """The errors file by file, row by row (reference errors join their rows)."""
        order = {}
        for source in self.sources + [error.source for error in self.errors]:
            order.setdefault(source, len(order))
        return sorted(self.errors, key=lambda error: (order[error.source], error.row or 0))


def _unquote(text):
    """Take off the ' an export put before text that would run as a formula."""
    if len(text) > 1 and text[0] == "'" and text[1] in FORMULA_STARTS + "'":
        return text[1:]
    return text


def _cell(value):
    if isinstance(value, str):
        value = _unquote(value)
        return value if value.strip() else None
    return value


def _filled(cells):
    return any(_cell(value) is not None for value in cells)


def _header_field(kind, text):
    name = NOTE_PATTERN.sub("", unicodedata.normalize("NFKC", text)).strip().strip("*").strip()
    for field_name, header in kind.columns:
        if name == header or name.lower() == field_name:
            return field_name
    return None


HEADER_SEARCH = 10  # the header may follow a title block of up to this many filled rows


def _known_headers(kind, cells):
    return sum(1 for value in cells
               if isinstance(value, str) and value.strip() and _header_field(kind, value.strip()))


def _find_header(kind, rows):
    """The header row among the first filled rows (a title block or merged title may stand above it).

    Returns (header row number, header cells, the rows after it); None for a table with no filled row.
    The header is the first row that names at least two of the kind's columns; failing that, the
    first filled row (whose unknown names are then reported).
    """
    looked = []
    for number, cells in rows:
        if not _filled(cells):
            continue
        looked.append((number, cells))
        if _known_headers(kind, cells) >= 2:
            return number, cells, rows
        if len(looked) == HEADER_SEARCH:
            break
    if not looked:
        return None
    number, cells = looked[0]
    return number, cells, chain(looked[1:], rows)


def _header_columns(source, kind, header_row, header, batch):
    """{position: field} and {field: header as written} of a header row; None after reporting problems."""
    columns = {}
    written = {}
    failed = False
    for position, value in enumerate(header):
        value = _cell(value)
        text = "" if value is None else str(value).strip()
        if not text:
            continue
        name = _header_field(kind, text)
        if name is None:
            failed = True
            expected = "、".join(h for _, h in kind.columns)
            batch.fail(source, header_row, text, say("未知的列名「{text}」，{kind}的列应为：{expected}",
                                                           text=text, kind=kind.label, expected=expected))
        elif name in written:
            failed = True
            batch.fail(source, header_row, text, say("列「{text}」与列「{other}」重复", text=text,
                                                           other=written[name]))
        else:
            columns[position] = name
            written[name] = text
    for name, header_text in kind.columns:
        if name not in written and schema_of(kind).fields[name].required:
            failed = True
            batch.fail(source, header_row, header_text, say("缺少必填的列「{header}」", header=header_text))
    return None if failed else (columns, written)


def _read_table(source, kind, rows, batch, size=None):
    """Check one table's header and rows as they are read; good rows become Records of the batch.

    A generator: it yields each time the batch holds `size` good rows of the kind (None: never),
    for them to be checked against the database and written; it returns whether the table had
    a filled row. A kind whose rows name rows of the same kind (a unit's parent) is read whole.
    """
    found = _find_header(kind, rows)
    if found is None:
        return False
    header_row, header, rows = found
    header_columns = _header_columns(source, kind, header_row, header, batch)
    if header_columns is None:
        batch.broken.add(kind.name)
        return True
    columns, written = header_columns
    if kind.name not in batch.kinds:
        batch.kinds.append(kind.name)
    load = loader_of(kind, cleaned=True)
    if kind.name in kind.refs.values():
        size = None
    named, limit = columns.get, batch.limits.rows
    for number, cells in rows:
        data = {}
        unnamed = ()
        for position, value in enumerate(cells):
            if value.__class__ is str:
                if not value:
                    continue
                # stripped here as the schema's drop_blanks would (its loader is spared the pass)
                value = (_unquote(value) if value[0] == "'" else value).strip()
                if not value:
                    continue
            elif value is None:
                continue
            name = named(position)
            if name is None:
                unnamed += (position,)
            else:
                data[name] = value
        if not data and not unnamed:
            continue  # a blank row
        batch.rows_read += 1
        if batch.rows_read > limit:
            batch.fail(source, number, None,
                       say("数据行超过一次导入的上限 {rows} 行，后面的行没有检查；请分成几批导入",
                           rows=batch.limits.rows))
            batch.stopped = True
            return True
        for position in unnamed:
            batch.fail(source, number, say("第{n}列", n=position + 1), say("此列有数据但没有列名"))
        bad = bool(unnamed)
        try:
            loaded = load(data)
        except ValidationError as error:
            for name, messages in sorted(error.messages.items(), key=lambda m: _order(kind, m[0])):
                column = written.get(name) or (kind.header(name) if name in dict(kind.columns) else None)
                for message in flatten_messages(messages):
                    batch.fail(source, number, column, message)
            remember_key(kind, error.valid_data or {}, batch)
            batch.partial[kind.name].append(Record(source, number, written, error.valid_data or {}))
            continue
        if bad:
            remember_key(kind, loaded, batch)
            continue
        add_record(kind, Record(source, number, written, loaded), batch)
        if size is not None and len(batch.records[kind.name]) >= size:
            yield
    return True


_SCHEMA_CACHE = {}


def schema_of(kind):
    if kind.name not in _SCHEMA_CACHE:
        _SCHEMA_CACHE[kind.name] = kind.schema()
    return _SCHEMA_CACHE[kind.name]


_LOADER_CACHE = {}


def loader_of(kind, cleaned=False):
    """The kind's schema's row loader (KindSchema.row_loader): what `load` gives, row after row;
    `cleaned`: for rows whose texts are stripped and none blank."""
    if (kind.name, cleaned) not in _LOADER_CACHE:
        _LOADER_CACHE[(kind.name, cleaned)] = schema_of(kind).row_loader(cleaned)
    return _LOADER_CACHE[(kind.name, cleaned)]


def _order(kind, name):
    names = [n for n, _ in kind.columns]
    return names.index(name) if name in names else len(names)


def flatten_messages(messages):
    if isinstance(messages, str):
        return [messages]
    if isinstance(messages, dict):
        return [text for value in messages.values() for text in flatten_messages(value)]
    return [text for value in messages for text in flatten_messages(value)]


def key_of(kind, data):
    """A row's natural key as rows are matched: codes compared without regard to case."""
    key = kind.key
    if len(key) == 1:
        value = data.get(key[0])
        return (value.upper() if value.__class__ is str else value,)  # fold, for most kinds
    return tuple(fold(data.get(name)) for name in key)


def remember_key(kind, data, batch):
    """A bad row's key still counts as given, so rows naming it do not add a second complaint."""
    if all(data.get(name) is not None for name in kind.key):
        batch.seen[kind.name].add(key_of(kind, data))


def add_record(kind, record, batch):
    key = record.key = key_of(kind, record.data)
    first = batch.first.get((kind.name, key))
    if first is not None:
        duplicate(kind, record, first, batch)
        return
    batch.first[(kind.name, key)] = record  # a Place once the chunk's rows are let go
    batch.seen[kind.name].add(key)
    batch.records[kind.name].append(record)
    batch.read += 1


def duplicate(kind, record, first, batch):
    """Report `record` as repeating the key of the row at `first` (a Place)."""
    column = record.columns.get(kind.key[0]) or kind.header(kind.key[0])
    place = say("第{row}行", row=first.row) if first.source == record.source else first.where()
    if len(kind.key) == 1:
        message = say("{header}「{value}」与{place}重复", header=kind.header(kind.key[0]),
                      value=record.data.get(kind.key[0]), place=place)
    else:
        # the key's columns the file has (a target's 期间 and 考核方案 may be left out)
        given = [name for name in kind.key if name in record.columns] or kind.key
        names = listing(kind.header(name) for name in given)
        message = say("与{place}重复（{names}都相同）", place=place, names=names)
    batch.fail(record.source, record.row, column, message)


# The order tables are read in: a kind before the kinds that name its rows (the unit kinds that
# units' 单位类型 may name first, then as KINDS lists them), so that a chunk's references are to
# rows already written, or still held, never to rows of a table not yet read.
READ_ORDER = {name: number for number, name in enumerate(
    ["unit_kinds"] + [name for name in KINDS if name != "unit_kinds"])}

CHUNK_ROWS = 5000  # the good rows of a kind checked and written at a time


def read_files(paths, limits=None):
    """Read and check every row of the files as they are read, without looking at the database.

    At most `limits.rows` data rows are read over all the files; a file too large once unpacked is
    refused before it is read.
    """
    batch = Batch(limits=limits or Limits.from_settings())
    for _ in read_chunks(paths, batch, whole=True):
        pass
    return batch


def read_chunks(paths, batch, whole=False):
    """Read and check the rows of the files into `batch`, yielding each time it holds `size` good
    rows of a kind, and once at the end: the caller checks those against the database (and writes
    them) before the next are read, so an import holds a chunk of rows, not its files.

    The tables (csv files, workbook sheets) are listed first, in the order given, then read kind
    by kind in READ_ORDER. At most `batch.limits.rows` data rows are read over all the files.
    `whole`: one chunk of all the rows.
    """
    size = None if whole else CHUNK_ROWS
    listed = []
    for path in paths:
        name = Path(path).name
        try:
            for source, kind, sheet, rows in tables(path, batch.limits):
                if kind is None:
                    if any(_filled(cells) for _, cells in rows):
                        batch.fail(source, None, None,
                                   say("未知的工作表「{sheet}」，工作表名称应为 {names} 之一", sheet=sheet,
                                       names=kind_names_text()))
                    continue
                batch.sources.append(source)
                listed.append((name, source, kind, sheet, rows))
        except Refused as refused:
            batch.fail(name, refused.line, None, refused.message)
    listed.sort(key=lambda table: READ_ORDER[table[2].name])
    batch.listed.update(table[2].name for table in listed)
    for name, source, kind, sheet, rows in listed:
        try:
            if not (yield from _read_table(source, kind, rows, batch, size)) and sheet is None:
                batch.fail(source, None, None, say("文件是空的，第1行应为表头"))
        except Refused as refused:
            batch.fail(name, refused.line, None, refused.message)
        if batch.stopped:
            break
    batch.last = True  # no row is read after these
    yield
