"""The panel's import as a clerk meets it: office files, a preview of what changes, warnings, the first
errors with the whole list as xlsx, bounded uploads, and the recalculation offered afterwards."""

import io
import re
from pathlib import Path

from openpyxl import load_workbook

from kaohe.core.storage.models import Item, ScoreRun
from tests.admin_support import app, auth, client, form_values, world  # noqa: F401 (fixtures)
from tests.import_support import _check, _counts, _csv_bytes, _errors, _token, _uploads

OFFICE = Path(__file__).parent / "fixtures" / "office"
ITEMS = ["稿件编号", "标题", "报送日期", "报送单位", "作者", "类别"]


def test_an_ods_and_an_xls_file_check_and_import_from_the_panel(app, client, auth, world):
    auth.login("clerk")
    for name in ("三月数据.ods", "三月数据.xls"):
        body = _check(client, [(name, (OFFICE / name).read_bytes())])
        assert "检查通过，尚未写入任何数据" in body, name
    assert _counts(body, "items") == (5, 0, 0)
    body = client.post("/import/confirm", data={"token": _token(body)}).data.decode()
    assert "导入完成，已全部写入" in body
    assert Item.get(Item.no == "2025-0003").submitted_on.isoformat() == "2025-03-08"


def test_the_check_lists_new_rows_and_old_and_new_values(app, client, auth, world):
    auth.login("clerk")
    rows = [ITEMS, ["A-1", "常山县经验（修订）", "2025-03-02", "c01", "R01", "经验类"],
            ["N-9", "<b>新</b>稿件", "20250305", "Ｃ０２", "", ""]]
    body = _check(client, [("稿件.csv", _csv_bytes(rows))])
    assert _counts(body, "items") == (1, 1, 0)
    changes = re.findall(r'<tr class="change">.*?<td class="column">(.*?)</td><td class="old"><del>(.*?)</del></td>'
                         r'<td class="new"><strong>(.*?)</strong></td>', body, re.S)
    assert changes == [("标题", "&lt;script&gt;alert(1)&lt;/script&gt;常山县经验", "常山县经验（修订）"),
                       ("类别", "动态", "经验")]
    new = re.search(r'<tr class="new-row">(.*?)</tr>', body, re.S).group(1)
    assert re.findall(r"<td[^>]*>(.*?)</td>", new) == [
        "稿件.csv 第3行", "N-9", "&lt;b&gt;新&lt;/b&gt;稿件", "2025-03-05", "C02", "", "动态", "否", "", ""]
    assert "<b>新</b>" not in body


def test_template_examples_and_early_adoptions_are_warnings_and_still_import(app, client, auth, world):
    auth.login("clerk")
    items = [["稿件编号", "标题", "报送日期", "报送单位"], ["N-1", "新稿件", "2025-05-06", "C01"]]
    adoptions = [["稿件编号", "刊物代码", "期号", "采用日期", "采用形式"], ["N-1", "P01", "第1期", "2025-05-01", "全文"]]
    units = [["单位代码", "单位名称", "单位类型"], ["330824", "开化县", "县区"]]
    body = _check(client, [("稿件.csv", _csv_bytes(items)), ("采用.csv", _csv_bytes(adoptions)),
                           ("单位.csv", _csv_bytes(units))])
    assert "检查通过" in body
    warnings = re.findall(r'<tr class="import-warning"><td>(.*?)</td><td class="text-right">(.*?)</td>'
                          r'<td>(.*?)</td><td class="message">(.*?)</td></tr>', body)
    assert warnings == [
        ("单位.csv", "2", "—", "这一行是导入模板的示例行（单位代码 330824），导入后会作为真实数据写入；"
                              "如不需要，请删除这一行后重新检查"),
        ("采用.csv", "2", "采用日期", "采用日期 2025-05-01 早于稿件「N-1」的报送日期 2025-05-06，请核对日期"),
    ]
    body = client.post("/import/confirm", data={"token": _token(body)}).data.decode()
    assert "导入完成，已全部写入" in body


def test_after_an_import_a_recalculate_button_recalculates_the_month(app, client, auth, world):
    auth.login("clerk")
    rows = [ITEMS, ["N-1", "五月稿件", "2025-05-06", "C01", "", ""]]
    body = client.post("/import/confirm", data={"token": _token(_check(client, [("稿件.csv", _csv_bytes(rows))]))}
                       ).data.decode()
    assert "下一步：重新计算" in body
    assert "kaohe recalc" not in body
    form = form_values(body, "recalc-form")
    assert form["scheme"] == str(world["scheme"].id)
    assert form["period"] == "2025-05"
    assert re.findall(r'<option value="([^"]+)">', body.split('id="recalc-period"')[1].split("</select>")[0]) == [
        "2025-05", "2025"]
    assert 'action="/results/recalc"' in body
    runs = ScoreRun.select().count()
    response = client.post("/results/recalc", data=form)
    assert response.status_code == 302
    run = ScoreRun.select().order_by(ScoreRun.id.desc()).get()
    assert ScoreRun.select().count() == runs + 1
    assert (run.period, run.scheme.id) == ("2025-05", world["scheme"].id)


def test_many_errors_show_the_first_two_hundred_and_the_whole_list_downloads(app, client, auth, world):
    auth.login("clerk")
    rows = [ITEMS] + [[f"X-{n}", "标题", "不是日期", "C01", "", ""] for n in range(450)]
    body = _check(client, [("稿件.csv", _csv_bytes(rows))])
    assert "共 450 处问题" in body
    assert len(_errors(body)) == 200
    assert "下面列出前 200 处（共 450 处）" in body
    link = re.search(r'id="errors-xlsx" href="([^"]+)"', body).group(1)
    assert _uploads(app) == []  # the uploads are gone; only the list of problems is kept
    response = client.get(link)
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    sheet = load_workbook(io.BytesIO(response.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("文件 › 工作表", "行号", "列", "问题")
    assert len(rows) == 451
    assert rows[450] == ("稿件.csv", 451, "报送日期", "「不是日期」不是有效的日期，应为 2025-03-08 的形式")
    # another account, or this one after logging in again elsewhere, cannot fetch it
    auth.logout()
    auth.login("admin")
    assert client.get(link).status_code == 404


def test_an_upload_beyond_the_row_limit_stops_at_the_limit(app, client, auth, world):
    app.config["KAOHE_IMPORT_MAX_ROWS"] = 50
    auth.login("clerk")
    rows = [ITEMS] + [[f"X-{n}", "标题", "2025-05-06", "C01", "", ""] for n in range(80)]
    body = _check(client, [("稿件.csv", _csv_bytes(rows))])
    errors = _errors(body)
    assert errors == [("稿件.csv", "52", "—", "数据行超过一次导入的上限 50 行，后面的行没有检查；请分成几批导入")]
    assert "一次最多导入 50 行数据" in body


def test_an_upload_beyond_the_byte_limit_once_unpacked_is_refused_unread(app, client, auth, world):
    app.config["KAOHE_IMPORT_MAX_BYTES"] = 10_000
    auth.login("clerk")
    body = _check(client, [("三月数据.xlsx", (OFFICE / "三月数据.xlsx").read_bytes())])
    errors = _errors(body)
    assert len(errors) == 1
    assert errors[0][0] == "三月数据.xlsx"
    assert re.fullmatch(r"此文件解压后有 \d+ KB，超过一次导入的上限 9 KB，请分成几个文件导入", errors[0][3])


def test_the_import_page_in_english(app, client, auth, world):
    auth.login("clerk")
    client.get("/lang/en")
    rows = [ITEMS, ["A-1", "常山县经验（修订）", "2025-03-02", "C01", "R01", "经验"]]
    body = _check(client, [("稿件.csv", _csv_bytes(rows))])
    assert "Old value" in body and "New value" in body
