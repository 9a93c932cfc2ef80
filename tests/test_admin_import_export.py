"""The panel's 导入数据 and 导出数据 pages: check then confirm, every bad row listed, downloads, roles."""

import csv
import io
import re

import pytest
from openpyxl import Workbook, load_workbook

from kaohe.core.runs.results import publish
from kaohe.core.runs.store import recalculate
from kaohe.core.storage.models import Adoption, Item, ItemUnit, Reporter, Unit
from tests import factories as f
from tests.admin_support import app, auth, client, form_values, world  # noqa: F401 (fixtures)
from tests.import_support import _check, _counts, _csv_bytes, _errors, _token, _uploads  # noqa: F401 (fixtures and helpers)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"




def _xlsx_bytes(sheets):
    workbook = Workbook()
    workbook.remove(workbook.active)
    for title, rows in sheets.items():
        sheet = workbook.create_sheet(title)
        for row in rows:
            sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()












GOOD_ITEMS = [["稿件编号", "标题", "报送日期", "报送单位", "作者", "类别"],
              ["N-1", "常山县新经验", "2025-05-06", "C01", "R01", "经验"],
              ["N-2", "两县联合报送", "2025-05-07", "C01、C02", "", "动态"]]


def _good_files():
    adoptions = _xlsx_bytes({"采用": [["item", "publication", "issue", "adopted_on", "form"],
                                      ["N-1", "P01", "2025年第20期", "2025-05-10", "全文"],
                                      ["B-1", "P02", "2025年第21期", "2025-05-11", "综合"]]})
    return [("稿件.csv", _csv_bytes(GOOD_ITEMS)), ("采用情况.xlsx", adoptions)]


# ---------------------------------------------------------------- import

def test_dry_run_shows_counts_and_writes_nothing_then_confirm_writes_all(app, client, auth, world):
    auth.login("clerk")
    items, adoptions = Item.select().count(), Adoption.select().count()
    body = _check(client, _good_files())
    assert "检查通过，尚未写入任何数据" in body
    assert _counts(body, "items") == (2, 0, 0)
    assert _counts(body, "adoptions") == (2, 0, 0)
    assert (Item.select().count(), Adoption.select().count()) == (items, adoptions)
    assert len(_uploads(app)) == 1  # kept under the token until the confirmation

    token = _token(body)
    body = client.post("/import/confirm", data={"token": token}).data.decode()
    assert "导入完成，已全部写入" in body
    assert _counts(body, "items") == (2, 0, 0)
    assert (Item.select().count(), Adoption.select().count()) == (items + 2, adoptions + 2)
    joint = Item.get(Item.no == "N-2")
    units = (Unit.select(Unit.code).join(ItemUnit, on=(ItemUnit.unit == Unit.id))
             .where(ItemUnit.item == joint).order_by(ItemUnit.position))
    assert [unit.code for unit in units] == ["C01", "C02"]
    assert Adoption.select().join(Item).where(Item.no == "N-1").get().issue == "2025年第20期"
    assert _uploads(app) == []  # deleted once imported

    # The same files again: nothing new, the rows are matched by their numbers.
    body = _check(client, _good_files())
    assert _counts(body, "items") == (0, 0, 2)
    # The token is used up: confirming twice imports nothing more.
    refused = client.post("/import/confirm", data={"token": token}, follow_redirects=True)
    assert "这次检查已过期或不属于当前账号" in refused.data.decode()


def test_a_bad_file_lists_every_bad_row_writes_nothing_and_cannot_be_confirmed(app, client, auth, world):
    auth.login("clerk")
    items = Item.select().count()
    rows = [["稿件编号", "标题", "报送日期", "报送单位"],
            ["N-1", "好的一行", "2025-05-06", "C01"],
            ["N-2", "日期不对", "2025-13-45", "C01"],
            ["N-3", "单位不存在", "2025-05-06", "<script>alert(1)</script>"],
            ["", "缺编号", "2025-05-06", "C01"]]
    body = _check(client, [("稿件.csv", _csv_bytes(rows)),
                           ("<img src=x onerror=alert(1)>.csv", _csv_bytes(rows))])
    assert "检查未通过" in body
    errors = _errors(body)
    found = {(source, row, column) for source, row, column, _message in errors}
    assert ("稿件.csv", "3", "报送日期") in found
    assert ("稿件.csv", "4", "报送单位") in found
    assert ("稿件.csv", "5", "稿件编号") in found
    assert not any(row == "2" for source, row, _c, _m in errors if source == "稿件.csv")
    # The reasons are Chinese; a cell or a file name holding markup is shown as text.
    messages = {(row, column): message for source, row, column, message in errors
                if source == "稿件.csv"}
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in messages[("4", "报送单位")]
    assert re.search(r"[\u4e00-\u9fff]", messages[("3", "报送日期")])
    assert ("&lt;img src=x onerror=alert(1)&gt;.csv", "—", "—") in found
    assert "<script>alert(1)</script>" not in body and "<img src=x" not in body
    assert f"共 {len(errors)} 处问题" in body
    # Nothing written, nothing kept, nothing to confirm.
    assert Item.select().count() == items
    assert 'id="confirm-form"' not in body
    assert _uploads(app) == []
    with client.session_transaction() as session:
        assert "kaohe_import" not in session


def test_a_check_of_another_user_or_an_expired_one_is_refused(app, client, auth, world):
    auth.login("clerk")
    token = _token(_check(client, _good_files()))
    items = Item.select().count()

    # Another session (the same clerk in another browser) does not hold the token.
    other = app.test_client()
    other.post("/login", data={"username": "clerk", "password": "correct-horse-1"})
    body = other.post("/import/confirm", data={"token": token}, follow_redirects=True).data.decode()
    assert "这次检查已过期或不属于当前账号" in body

    # Another user in this very session: the check belongs to the clerk.
    auth.logout()
    auth.login("admin")
    body = client.post("/import/confirm", data={"token": token}, follow_redirects=True).data.decode()
    assert "这次检查已过期或不属于当前账号" in body
    assert Item.select().count() == items

    # Expired: refused, and its files deleted.
    auth.logout()
    auth.login("clerk")
    app.config["KAOHE_IMPORT_TTL"] = -1
    body = client.post("/import/confirm", data={"token": token}, follow_redirects=True).data.decode()
    assert "这次检查已过期或不属于当前账号" in body
    assert Item.select().count() == items
    assert _uploads(app) == []


def test_confirm_checks_again_and_imports_nothing_when_the_data_changed(app, client, auth, world):
    auth.login("clerk")
    rows = [["稿件编号", "标题", "报送日期", "报送单位", "作者"],
            ["N-9", "作者随后被删除", "2025-05-06", "C01", "R09"]]
    temporary = f.reporter("R09", world["changshan"], "临时")
    body = _check(client, [("稿件.csv", _csv_bytes(rows))])
    temporary.delete_instance()
    body = client.post("/import/confirm", data={"token": _token(body)}).data.decode()
    assert "确认导入时重新检查发现问题" in body
    assert ("稿件.csv", "2", "作者") in {e[:3] for e in _errors(body)}
    assert Item.get_or_none(Item.no == "N-9") is None
    assert _uploads(app) == []


def test_the_forms_need_their_csrf_token(app, client, auth, world):
    auth.login("clerk")
    app.config["WTF_CSRF_ENABLED"] = True
    page = client.get("/import/").data.decode()
    csrf_token = form_values(page, "upload-form")["csrf_token"]
    files = [(io.BytesIO(_csv_bytes(GOOD_ITEMS)), "稿件.csv")]
    response = client.post("/import/check", data={"files": files}, content_type="multipart/form-data")
    assert response.status_code == 400
    files = [(io.BytesIO(_csv_bytes(GOOD_ITEMS)), "稿件.csv")]
    body = client.post("/import/check", data={"files": files, "csrf_token": csrf_token},
                       content_type="multipart/form-data").data.decode()
    values = form_values(body, "confirm-form")
    assert values["csrf_token"] and values["token"]
    assert client.post("/import/confirm", data={"token": values["token"]}).status_code == 400
    assert Item.get_or_none(Item.no == "N-1") is None
    body = client.post("/import/confirm", data=values).data.decode()
    assert "导入完成" in body and Item.get_or_none(Item.no == "N-1") is not None


def test_uploads_over_the_limit_are_refused_in_chinese(app, client, auth, world):
    auth.login("clerk")
    app.config["MAX_CONTENT_LENGTH"] = 2000
    response = client.post("/import/check", data={"files": [(io.BytesIO(b"x" * 5000), "稿件.csv")]},
                           content_type="multipart/form-data")
    assert response.status_code == 413
    assert "上传的文件太大：一次最多 1 KB。" in response.data.decode()
    assert _uploads(app) == []


def test_the_templates_download_and_import_cleanly(app, client, auth, world):
    auth.login("clerk")
    response = client.get("/import/template.xlsx")
    assert response.status_code == 200 and response.mimetype == XLSX
    workbook = load_workbook(io.BytesIO(response.data))
    assert workbook["稿件"]["A1"].value == "稿件编号"
    body = _check(client, [("导入模板.xlsx", response.data)])
    assert _counts(body, "items") == (1, 0, 0) and _counts(body, "units") == (1, 0, 0)
    client.post("/import/cancel", data={"token": _token(body)})
    assert _uploads(app) == []

    page = client.get("/import/").data.decode()
    links = re.findall(r'href="(/import/template/[a-z_]+\.csv)"', page)
    assert len(links) == 13
    files = []
    for link in links:
        response = client.get(link)
        assert response.status_code == 200 and response.mimetype == "text/csv"
        assert response.data.startswith("\ufeff".encode("utf-8"))
        name = re.search(r"filename\*=UTF-8''(.+)", response.headers["Content-Disposition"]).group(1)
        from urllib.parse import unquote
        files.append((unquote(name), response.data))
    body = _check(client, files)
    assert _counts(body, "items") == (1, 0, 0)
    body = client.post("/import/confirm", data={"token": _token(body)}).data.decode()
    assert "导入完成" in body
    item = Item.get(Item.no == "2025-0001")
    assert item.title == "开化县多措并举推进农村生活污水治理"
    assert Reporter.get(Reporter.code == "R330824-01").unit.code == "330824"
    assert client.get("/import/template/nothing.csv").status_code == 404


def test_the_page_explains_the_formats(client, auth, world):
    auth.login("clerk")
    body = client.get("/import/").data.decode()
    assert "合计不超过20 MB" in body
    for text in ("工作表名称识别数据种类", "中文或英文字段名", "顿号", "2025-03-08 14:30",
                 "稿件编号 / no", "GBK", "enctype=\"multipart/form-data\""):
        assert text in body, text


# ---------------------------------------------------------------- export

@pytest.fixture
def runs(world, registry):
    """A published run of 2025 and a trial (unpublished) run of 2025-Q1."""
    published = recalculate(registry, world["scheme"], "2025", author="test").run
    publish(published, user="admin")
    trial = recalculate(registry, world["scheme"], "2025-Q1", author="test").run
    return published, trial


def test_ranking_export_has_the_points_in_csv_and_xlsx(client, auth, world, runs):
    published, _trial = runs
    auth.login("clerk")
    response = client.get(f"/export/run?run={published.id}&what=ranking&format=csv")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.data.startswith("\ufeff".encode("utf-8"))
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert rows[0][:5] == ["单位代码", "单位名称", "考核组别", "名次", "得分"]
    by_code = {row[0]: row for row in rows[1:]}
    assert by_code["C01"][3:5] == ["1", "45.00"] and by_code["C02"][3:5] == ["2", "30.00"]

    response = client.get(f"/export/run?run={published.id}&what=ranking&format=csv&encoding=gbk")
    assert response.headers["Content-Type"] == "text/csv; charset=gb18030"
    assert "常山县" in response.data.decode("gb18030")

    response = client.get(f"/export/run?run={published.id}&what=ranking&format=xlsx")
    assert response.mimetype == XLSX
    sheet = load_workbook(io.BytesIO(response.data)).active
    values = {row[0]: row for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert values["C01"][4] == 45
    assert "%E6%8E%92%E5%90%8D.xlsx" in response.headers["Content-Disposition"]  # …排名.xlsx
    assert client.get(f"/export/run?run={published.id}&format=pdf").status_code == 400


def test_lines_export_of_a_run_or_one_unit_with_explanations(client, auth, world, runs):
    published, _trial = runs
    auth.login("clerk")
    response = client.get(f"/export/run?run={published.id}&what=lines&format=csv")
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert rows[0][-1] == "说明"
    assert {row[0] for row in rows[1:]} == {"C01", "C02"}
    assert all(row[-1] for row in rows[1:])
    assert {row[7] for row in rows[1:]} == {"采用计分（adoption）"}  # the rule in the clerk's words
    kaihua = world["kaihua"]
    response = client.get(f"/export/run?run={published.id}&what=lines&unit={kaihua.id}&format=xlsx")
    sheet = load_workbook(io.BytesIO(response.data)).active
    lines = list(sheet.iter_rows(min_row=2, values_only=True))
    assert lines and {line[0] for line in lines} == {"C02"}
    assert sum(line[9] for line in lines) == 30
    assert client.get(f"/export/run?run={published.id}&what=lines&unit=99999").status_code == 404


def test_data_export_neutralises_formulas_and_zips_several_csv(client, auth, world):
    f.item(world["changshan"], "2025-06-01", no="F-1", title="=1+1")
    auth.login("clerk")
    response = client.get("/export/data?kind=items&format=csv")
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    titles = {row[0]: row[1] for row in rows[1:]}
    assert titles["F-1"] == "'=1+1"
    assert titles["A-1"] == "<script>alert(1)</script>常山县经验"

    response = client.get("/export/data?kind=items&kind=adoptions&format=xlsx")
    workbook = load_workbook(io.BytesIO(response.data))
    assert workbook.sheetnames == ["稿件", "采用"]
    cell = [row for row in workbook["稿件"].iter_rows(min_row=2) if row[0].value == "F-1"][0][1]
    assert cell.value == "'=1+1" and cell.data_type == "s"
    assert workbook["采用"].max_row == 4

    response = client.get("/export/data?kind=items&kind=instructions&format=csv&encoding=gbk")
    assert response.mimetype == "application/zip"
    import zipfile
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    assert sorted(archive.namelist()) == ["批示.csv", "稿件.csv"]
    assert "开化县动态" in archive.read("稿件.csv").decode("gb18030")

    response = client.get("/export/data?format=xlsx")
    assert len(load_workbook(io.BytesIO(response.data)).sheetnames) == 13
    assert client.get("/export/data?kind=nothing", follow_redirects=True).status_code == 200


def test_an_exported_data_file_imports_back_unchanged(client, auth, world):
    f.item(world["changshan"], "2025-06-01", no="F-1", title="=1+1")
    auth.login("clerk")
    content = client.get("/export/data?format=xlsx").data
    body = _check(client, [("导出.xlsx", content)])
    assert _counts(body, "items") == (0, 0, 4)
    assert 'id="confirm-form"' in body


# ---------------------------------------------------------------- roles

@pytest.mark.parametrize("path", ["/import/", "/import/template.xlsx", "/export/", "/export/data",
                                  "/export/run?run=1"])
def test_anonymous_users_are_sent_to_login(client, world, path):
    response = client.get(path)
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    response = client.post("/import/check", data={})
    assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.mark.parametrize("user", ["viewer", "reporter"])
def test_viewers_and_reporters_cannot_import(client, auth, world, user):
    auth.login(user)
    items = Item.select().count()
    for path in ("/import/", "/import/template.xlsx"):
        assert client.get(path).status_code == 403
    files = [(io.BytesIO(_csv_bytes(GOOD_ITEMS)), "稿件.csv")]
    assert client.post("/import/check", data={"files": files},
                       content_type="multipart/form-data").status_code == 403
    assert client.post("/import/confirm", data={"token": "x" * 43}).status_code == 403
    assert Item.select().count() == items
    body = client.get("/import/").data.decode()
    if user == "reporter":
        assert "单位信息员不能在面板中导入文件" in body
    assert 'href="/import/"' not in client.get("/").data.decode()


def test_viewers_export_published_runs_only_and_no_data(client, auth, world, runs):
    published, trial = runs
    auth.login("viewer")
    assert client.get(f"/export/run?run={published.id}&what=ranking").status_code == 200
    assert client.get(f"/export/run?run={published.id}&what=lines&format=csv").status_code == 200
    assert client.get(f"/export/run?run={trial.id}&what=ranking").status_code == 403
    assert client.get("/export/data?kind=items").status_code == 403
    page = client.get("/export/").data.decode()
    assert 'id="data-export-form"' not in page
    assert f'<option value="{published.id}" class="run-option">' in page
    assert f'<option value="{trial.id}" class="run-option">' not in page
    assert "下载排名" in client.get(f"/results/run/{published.id}/").data.decode()
    assert "下载排名" not in client.get(f"/results/run/{trial.id}/").data.decode()


def test_reporters_export_their_own_units_lines_of_published_runs_only(client, auth, world, runs):
    published, trial = runs
    changshan, kaihua = world["changshan"], world["kaihua"]
    auth.login("reporter")
    assert client.get(f"/export/run?run={published.id}&what=ranking").status_code == 403
    assert client.get(f"/export/run?run={published.id}&what=lines&unit={kaihua.id}").status_code == 403
    assert client.get(f"/export/run?run={trial.id}&what=lines&unit={changshan.id}").status_code == 403
    assert client.get("/export/data").status_code == 403
    for query in (f"unit={changshan.id}", ""):  # without a unit: their own
        response = client.get(f"/export/run?run={published.id}&what=lines&format=csv&{query}")
        assert response.status_code == 200
        rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
        assert len(rows) > 1 and {row[0] for row in rows[1:]} == {"C01"}
        assert {row[6] for row in rows[1:]} == {"省政府信息采用计分（provincial）"}  # in words
    page = client.get(f"/results/run/{published.id}/unit/{changshan.id}").data.decode()
    assert "下载本单位计分明细" in page
    page = client.get("/export/").data.decode()
    assert '<option value="ranking">' not in page and 'name="unit"' not in page


def test_the_export_page_and_the_ranking_links_for_staff(client, auth, world, runs):
    published, trial = runs
    auth.login("admin")
    page = client.get("/export/").data.decode()
    assert f'<option value="{trial.id}" class="run-option">' in page and 'id="data-export-form"' in page
    body = client.get(f"/results/run/{trial.id}/").data.decode()
    link = re.search(r'href="(/export/run\?[^"]*what=ranking[^"]*format=csv)"', body).group(1)
    response = client.get(link.replace("&amp;", "&"))
    assert response.status_code == 200
    assert "%EF%BC%88%E6%9C%AA%E5%8F%91%E5%B8%83%EF%BC%89" in response.headers["Content-Disposition"]
