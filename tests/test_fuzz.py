"""The importer fuzzed: random and malformed rows never crash it and never leave a partial write."""

import csv
import datetime
import io
import string
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from kaohe.core.exchange.importer import ImportReport, import_files, import_records
from kaohe.core.exchange.kinds import KINDS
from kaohe.core.exchange.reading import ImportFailed
from tests import factories as f

FUZZ = settings(max_examples=100, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow, HealthCheck.data_too_large])

# Text that has broken importers before: control characters, NUL, bidi overrides, combining
# marks, characters outside the BMP, full-width digits, spreadsheet formulas, SQL, huge cells.
ODD_TEXT = st.sampled_from([
    "", " ", "\u3000", "\x00", "\x00KH", "\t", "\r\n", "\u202e县化开", "e\u0301", "𠀋𠀋", "🙂",
    "１２３", "二〇二五年三月", "=1+1", "@SUM(A1)", "-1", "'=cmd", "' OR 1=1 --", "NULL", "None",
    "NaN", "inf", "1e309", "-0", "0.000001", "99999999999999999999", "2025-02-30", "2025-13-01",
    "2025/3/8", "2025-03-08 25:61", "9999-12-31", "0001-01-01", "是", "否", "真", "未知",
    "\ufeffKH", "K" * 65, "甲" * 70000, "\ud7ff", "\uffff", "KH,CS", "KH；CS", "KH\nCS",
])
TEXT = st.one_of(ODD_TEXT, st.text(max_size=40), st.text(alphabet=string.printable, max_size=12))
CELL = st.one_of(
    TEXT, st.none(), st.booleans(), st.integers(min_value=-2**70, max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True), st.decimals(allow_nan=False, places=3),
    st.dates(min_value=datetime.date(1900, 1, 1), max_value=datetime.date(9999, 12, 31)),
    st.datetimes(min_value=datetime.datetime(1900, 1, 1)),
    st.sampled_from(["KH", "CS", "R1", "SZB", "2025-0001", "2025-03-08", "省", "全文", "较大"]),
)
KIND_NAMES = sorted(KINDS)


def snapshot(database):
    return {table: [tuple(row) for row in
                    database.execute_sql(f'SELECT * FROM "{table}" ORDER BY 1').fetchall()]
            for table in sorted(database.get_tables())}


@st.composite
def table(draw):
    """A kind, a header (its columns shuffled, some missing, maybe a stranger) and rows.

    Most rows are the kind's good template row with a cell or two replaced by something odd,
    so the odd values reach the checks and the writes behind a row that is otherwise fine; the
    rest are random through and through.
    """
    kind = KINDS[draw(st.sampled_from(KIND_NAMES))]
    good = {header: value for (_, header), value in zip(kind.columns, kind.example)}
    headers = list(draw(st.permutations(list(good))))
    drop = draw(st.integers(min_value=0, max_value=2))
    headers = headers[:len(headers) - drop] if draw(st.integers(0, 3)) == 0 else headers
    if draw(st.integers(min_value=0, max_value=4)) == 0:
        headers.append(draw(st.sampled_from(["备注", "", "单位代码", "\x00", "列" * 300])))
    rows = []
    for number in range(draw(st.integers(min_value=0, max_value=5))):
        if draw(st.integers(min_value=0, max_value=4)) == 0:
            width = len(headers) + draw(st.integers(min_value=-1, max_value=2))
            rows.append(draw(st.lists(CELL, min_size=max(0, width), max_size=max(0, width))))
            continue
        row = [good.get(header, "") for header in headers]
        if number and row and draw(st.booleans()):
            row[0] = f"{row[0]}-{number}"  # another row, not the same key again
        odd = draw(st.dictionaries(st.integers(min_value=0, max_value=max(0, len(row) - 1)), CELL,
                                   max_size=2)) if draw(st.booleans()) else {}
        for position, value in odd.items():
            if row:
                row[position] = value
        rows.append(row)
    return kind, headers, rows


def csv_cell(value):
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat(sep=" ") if isinstance(value, datetime.datetime) else value.isoformat()
    return "" if value is None else str(value)


def xlsx_cell(value):
    """openpyxl refuses control characters in text; Excel would never store them either."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    if isinstance(value, str):
        return ILLEGAL_CHARACTERS_RE.sub("", value)[:32767]
    if isinstance(value, float) and (value != value or value in (float("inf"), float("-inf"))):
        return str(value)
    if isinstance(value, int) and abs(value) >= 2**53:
        return str(value)
    if isinstance(value, Decimal):
        return float(value)
    return value


@pytest.fixture
def world(database):
    """The rows the template rows refer to, so a good row imports and an odd one stands out."""
    home = f.unit("330824", "开化县")
    f.unit("KH", "常山县")
    f.reporter("R330824-01", home, "李明")
    zb = f.publication("ZJZB", "provincial", "专报信息")
    f.solicitation([home], "2025-03-20", no="YG2025-03")
    item = f.item([home], "2025-03-01", no="2025-0001")
    f.adoption(item, zb, "2025-03-10", issue="1")
    return database


def check(database, call):
    """The import either succeeds or fails with located Chinese messages, having written nothing."""
    before = snapshot(database)
    try:
        report = call()
    except ImportFailed as failed:
        assert failed.errors, "ImportFailed without any error"
        for error in failed.errors:
            assert isinstance(error.message, str) and error.message.strip()
            assert str(error).strip()
        assert str(failed).startswith("导入失败")
        assert snapshot(database) == before, "a failed import left rows behind"
        return "failed"
    assert isinstance(report, ImportReport)
    return "ok"


@FUZZ
@given(data=table(), bom=st.booleans(), encoding=st.sampled_from(["utf-8", "gb18030", "junk"]))
@example(data=(KINDS["units"], ["单位代码", "单位名称", "单位类型", "考核组别"],
               [["330825", "开\x00化县", "县区", "县区"]]), bom=False, encoding="utf-8")  # NUL: PostgreSQL
def test_random_csv_files(world, tmp_path_factory, data, bom, encoding):
    kind, headers, rows = data
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(headers)
    for row in rows:
        writer.writerow([csv_cell(v) for v in row])
    text = buffer.getvalue()
    if encoding == "junk":
        raw = b"\xff\xfe\xfa" + text.encode("utf-8", "surrogatepass")[:200] + b"\x81\x30"
    elif encoding == "gb18030":
        raw = text.encode("gb18030", "replace")
    else:
        raw = ("\ufeff" if bom else "").encode() + text.encode("utf-8", "surrogatepass")
    path = tmp_path_factory.mktemp("csv") / f"{kind.label}.csv"
    path.write_bytes(raw)
    check(world, lambda: import_files([path]))


@FUZZ
@given(data=table(), sheet_name=st.sampled_from(["kind", "Sheet1", "未知", "'='"]))
def test_random_xlsx_workbooks(world, tmp_path_factory, data, sheet_name):
    from openpyxl import Workbook
    kind, headers, rows = data
    book = Workbook()
    sheet = book.active
    sheet.title = kind.label if sheet_name == "kind" else sheet_name
    sheet.append([xlsx_cell(h) for h in headers])
    for row in rows:
        sheet.append([xlsx_cell(v) for v in row])
    path = tmp_path_factory.mktemp("xlsx") / "数据.xlsx"
    book.save(path)
    check(world, lambda: import_files([path]))


def test_a_damaged_workbook_and_unknown_files_fail_clearly(world, tmp_path):
    broken = tmp_path / "稿件.xlsx"
    broken.write_bytes(b"PK\x03\x04 not really a zip")
    old = tmp_path / "稿件.xls"
    old.write_bytes(b"\xd0\xcf\x11\xe0")
    nameless = tmp_path / "随便.csv"
    nameless.write_text("a,b\n1,2\n", encoding="utf-8")
    before = snapshot(world)
    with pytest.raises(ImportFailed) as failed:
        import_files([broken, old, nameless])
    messages = [e.message for e in failed.value.errors]
    assert any("无法读取此 xlsx 文件" in m for m in messages)
    assert any("另存为 xlsx" in m for m in messages)
    assert any("看出数据种类" in m for m in messages)
    assert snapshot(world) == before


JSON_VALUE = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), TEXT),
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(TEXT, inner, max_size=3)),
    max_leaves=6)


@st.composite
def api_rows(draw):
    """Rows as the JSON API would receive them: the kind's fields with any JSON value, or junk."""
    kind = KINDS[draw(st.sampled_from(KIND_NAMES))]
    names = [name for name, _ in kind.columns]
    row = st.dictionaries(st.sampled_from(names + ["id", "extra", ""]), st.one_of(CELL.filter(
        lambda v: not isinstance(v, (datetime.date, Decimal))), JSON_VALUE), max_size=len(names) + 1)
    return kind.name, draw(st.lists(row, min_size=1, max_size=5))


@FUZZ
@given(data=api_rows())
@example(data=("adoptions", [{}]))
@example(data=("items", [{"no": "2025-0009", "title": "标\x00题", "submitted_on": "2025-03-08",
                          "units": ["330824"]}]))
def test_random_api_rows(world, data):
    kind_name, rows = data
    check(world, lambda: import_records(kind_name, rows))


# ---------------------------------------------------------------- the JSON API over HTTP

WRITES = {"/items": "items", "/adoptions": "adoptions", "/instructions": "instructions",
          "/urgent-reports": "urgent"}


@pytest.fixture
def api(world, registry, tmp_path):
    """The panel app as it runs, and a clerk's and a unit reporter's tokens."""
    from kaohe.admin import create_app
    from kaohe.core.storage.models import Unit, User
    from kaohe.core.storage.schemes import create_scheme
    from kaohe.core.storage.tokens import issue_token
    create_scheme(registry, "市政府系统", 2025, ["provincial"])
    tokens = {role: issue_token(User.create(username=role, password_hash="!", role=role,
                                            unit=Unit.get(Unit.code == "330824") if role == "reporter" else None))
              for role in ("clerk", "reporter")}
    app = create_app({"TESTING": True, "SECRET_KEY": "test-only",
                      "KAOHE_PLUGINS_DIR": str(tmp_path / "no-plugins"), "KAOHE_ENTRY_POINTS": False})
    return app.test_client(), tokens


def answered_clearly(database, send):
    """No 500; a refusal is JSON with a readable message and leaves every table as it was."""
    before = snapshot(database)
    response = send()
    assert response.status_code < 500, response.get_data(as_text=True)[:500]
    body = response.get_json(silent=True)
    if response.status_code >= 400:
        assert isinstance(body, dict) and isinstance(body.get("error"), str) and body["error"].strip(), \
            response.get_data(as_text=True)[:500]
        assert snapshot(database) == before, "a refused request left rows behind"
    return response.status_code


@st.composite
def api_bodies(draw):
    """A write's path and a body: good template records with odd values, or JSON of any shape."""
    path = draw(st.sampled_from(sorted(WRITES)))
    kind = KINDS[WRITES[path]]
    good = {name: value for (name, _), value in zip(kind.columns, kind.example)}
    if "units" in good:
        good["units"] = [good["units"]]
    if "reporters" in good:
        good["reporters"] = [good["reporters"]]
    good = {k: v for k, v in good.items() if v != ""}
    if draw(st.integers(min_value=0, max_value=3)) == 0:
        return path, draw(JSON_VALUE)
    records = []
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        record = dict(good)
        for name, value in draw(st.dictionaries(st.sampled_from(list(good) + ["id", "额外"]),
                                                st.one_of(JSON_VALUE, CELL.filter(
                                                    lambda v: isinstance(v, (str, int, bool)) or v is None)),
                                                max_size=2)).items():
            record[name] = value
        records.append(record)
    return path, records[0] if len(records) == 1 and draw(st.booleans()) else records


@FUZZ
@given(data=api_bodies(), role=st.sampled_from(["clerk", "reporter"]))
@example(data=("/items", {"no": "2025-0009", "title": "标\x00题", "submitted_on": "2025-03-08",
                          "units": ["330824"]}), role="clerk")
def test_random_api_writes(api, world, data, role):
    client, tokens = api
    path, body = data
    answered_clearly(world, lambda: client.post(
        "/api/v1" + path, json=body, headers={"Authorization": f"Bearer {tokens[role]}"}))


@FUZZ
@given(raw=st.one_of(st.binary(max_size=200), TEXT.map(lambda t: t.encode("utf-8", "surrogatepass"))),
       content_type=st.sampled_from(["application/json", "text/plain", "application/x-www-form-urlencoded",
                                     "application/json; charset=gbk", ""]),
       path=st.sampled_from(sorted(WRITES) + ["/schemes/市政府系统/recalc"]))
def test_malformed_api_requests(api, world, raw, content_type, path):
    client, tokens = api
    answered_clearly(world, lambda: client.post(
        "/api/v1" + path, data=raw, headers={"Authorization": f"Bearer {tokens['clerk']}",
                                             "Content-Type": content_type}))


@FUZZ
@given(name=TEXT, code=TEXT, period=st.one_of(TEXT, st.integers()), run=st.one_of(TEXT, st.integers()))
def test_odd_api_reads(api, world, name, code, period, run):
    client, tokens = api
    headers = {"Authorization": f"Bearer {tokens['clerk']}"}
    from urllib.parse import quote
    for url in (f"/api/v1/schemes/{quote(name or '市政府系统', safe='')}/ranking",
                f"/api/v1/schemes/市政府系统/units/{quote(code or 'KH', safe='')}/lines",
                "/api/v1/schemes/市政府系统/awards", "/api/v1/items"):
        answered_clearly(world, lambda: client.get(url, headers=headers,
                                                   query_string={"period": str(period), "run": str(run)}))
