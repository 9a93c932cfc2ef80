"""First contact with `kaohe`: --version, reset-password, --format json, Chinese usage errors, start-up errors."""

import json
import socket

import pytest

from kaohe.admin.auth import check_password
from kaohe.core.storage.models import AuditLog, User
from tests import factories as f


@pytest.fixture
def scored(kaohe, database):
    """One county with one provincial full adoption (20 points), a scheme and one run."""
    unit = f.unit("KH", "开化县")
    item = f.item([unit], "2025-03-01", no="2025-0001", title="开化县推进河长制")
    f.adoption(item, f.publication("SZB", "provincial", "《专报信息》"), "2025-03-10", "full")
    assert kaohe("scheme", "create", "S", "--year", "2025", "--rulesets", "provincial")[0] == 0
    return unit


def test_version(kaohe):
    from importlib.metadata import version
    code, out, _ = kaohe("--version")
    assert code == 0 and out == f"kaohe {version('kaohe')}\n"


def test_every_listing_command_speaks_json(kaohe, scored):
    code, out, _ = kaohe("recalc", "S", "--period", "2025-03", "--format", "json")
    recalc = json.loads(out)
    assert code == 0 and recalc["scheme"] == "S" and recalc["period"] == "2025-03"
    assert recalc["units"] == 1 and recalc["lines"] == 1 and recalc["period_title"] == "2025年3月"
    runs = json.loads(kaohe("runs", "S", "--format", "json")[1])
    assert [(r["id"], r["period"], r["status"], r["lines"]) for r in runs] == \
        [(recalc["run"], "2025-03", "未发布", 1)]
    assert runs[0]["ruleset_versions"] == {"provincial": runs[0]["ruleset_versions"]["provincial"]}
    assert json.loads(kaohe("scheme", "list", "--format", "json")[1]) == \
        [{"name": "S", "year": 2025, "units": 1, "parameter_version": 1}]
    versions = json.loads(kaohe("scheme", "versions", "S", "--format", "json")[1])
    assert [(v["number"], v["author"]) for v in versions] == [(1, "kaohe")]
    ranking = json.loads(kaohe("ranking", "S", "--period", "2025-03", "--format", "json")[1])
    assert "20.00" in json.dumps(ranking)


def test_reset_password_shows_a_new_password_once_and_logs_it(kaohe, database):
    from kaohe.admin.auth import create_user
    user = create_user("admin", "old-password-1", "admin")
    User.update(active=False).where(User.id == user.id).execute()
    code, out, _ = kaohe("reset-password", "admin")
    assert code == 0
    lines = out.rstrip().splitlines()
    assert lines[-1].startswith("====") and "新密码（只显示这一次" in lines[-3]
    password = lines[-2].strip()
    assert len(password) >= 12
    refreshed = User.get_by_id(user.id)
    assert check_password(refreshed, password) and not check_password(refreshed, "old-password-1")
    assert refreshed.active
    assert AuditLog.select().where(AuditLog.action == "account.password").count() == 1


def test_reset_password_from_stdin_and_for_a_missing_account(kaohe, database, monkeypatch):
    import io
    from kaohe.admin.auth import create_user
    user = create_user("clerk", "old-password-1", "clerk")
    monkeypatch.setattr("sys.stdin", io.StringIO("brand-new-pass\n"))
    code, out, _ = kaohe("reset-password", "clerk", "--stdin")
    assert code == 0 and "brand-new-pass" not in out
    assert check_password(User.get_by_id(user.id), "brand-new-pass")
    code, _, err = kaohe("reset-password", "nobody")
    assert code == 1 and err == "错误：没有用户名为「nobody」的账号（kaohe create-user 可新建）\n"


@pytest.mark.parametrize("args, chinese, english", [
    (("recalc",), "错误：缺少参数 NAME。", "Error: Missing argument 'NAME'."),
    (("runs", "S", "--bogus"), "错误：没有选项 --bogus。", "No such option"),
    (("runs", "S", "--perio", "2025"), "是否想用 --period", "Did you mean"),
    (("rnus",), "错误：没有子命令 rnus，是否想用 runs。", "No such command"),
    (("runs", "S", "--format", "xml"), "--format 的值「xml」无效，应为 'table', 'json' 之一", "Invalid value"),
    (("publish", "S", "five"), "的值「five」不是整数", "is not a valid integer"),
    (("runs", "S", "extra"), "多余的参数：extra", "unexpected extra argument"),
])
def test_usage_errors_are_in_chinese_with_the_english_beside(kaohe, database, args, chinese, english):
    code, out, err = kaohe(*args)
    assert code == 2 and out == ""
    assert err.startswith("用法 Usage: kaohe ")
    assert "查看帮助 Help: kaohe" in err and chinese in err and english in err


def test_a_bad_database_url_is_one_line(kaohe):
    code, _, err = kaohe("--database", "foo://x", "runs", "S")
    assert code == 1 and err.count("\n") == 1
    assert err.startswith("错误：数据库地址「foo://x」无法使用") and "postgresql://" in err


def test_an_unreachable_database_is_one_line_without_its_password(kaohe):
    code, _, err = kaohe("--database", "postgresql://u:secret@127.0.0.1:1/x", "runs", "S")
    assert code == 1 and err.count("\n") == 1
    assert err.startswith("错误：无法连接或读取数据库 postgresql://u:***@127.0.0.1:1/x") and "secret" not in err


def test_an_uninitialised_database_says_init_db(kaohe, tmp_path):
    code, _, err = kaohe("--database", f"sqlite:///{tmp_path / 'empty.sqlite3'}", "runs", "S")
    assert code == 1 and err.count("\n") == 1 and "kaohe init-db" in err


@pytest.mark.parametrize("dev", [False, True])
def test_a_busy_port_is_one_line(kaohe, database, dev):
    busy = socket.socket()
    busy.bind(("127.0.0.1", 0))
    busy.listen(1)
    port = busy.getsockname()[1]
    try:
        code, _, err = kaohe("serve", "--port", port, *(["--dev"] if dev else []))
    finally:
        busy.close()
    assert code == 1 and err.count("\n") == 1
    assert err.startswith(f"错误：端口 {port} 已被占用") and f"--port {port + 1}" in err


def test_bootstrap_shows_the_password_last_in_a_box(kaohe, database, monkeypatch):
    f.unit("KH", "开化县")  # a database in use: no demo data is built
    code, out, _ = kaohe("bootstrap")
    assert code == 0
    lines = out.rstrip().splitlines()
    assert lines[-1].startswith("====") and "初始密码" in lines[-4] and lines[-5].startswith("====")
    password = lines[-3].strip()
    assert check_password(User.get(User.username == "admin"), password)
    assert out.index("已有单位数据") < out.index(password)


def test_scheme_set_describes_the_change_in_the_schemas_words(kaohe, scored):
    code, out, _ = kaohe("scheme", "set", "S", "provincial.accumulate", "max", "--reason", "只计最高一次")
    assert code == 0
    assert "（省政府信息采用计分 · " in out and "：累加计分 → 按最高一次计分）" in out


def test_an_unwritable_instance_folder_is_one_line(kaohe, database, tmp_path, monkeypatch):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the instance folder should be", encoding="utf-8")
    monkeypatch.setenv("KAOHE_INSTANCE_PATH", str(blocker / "instance"))
    monkeypatch.delenv("KAOHE_SECRET_KEY", raising=False)
    code, _, err = kaohe("serve", "--port", 1)
    assert code == 1 and err.count("\n") == 1
    assert err.startswith("错误：无法准备实例目录：") and "KAOHE_INSTANCE_PATH" in err


def test_a_group_without_a_command_shows_its_help(kaohe, database):
    code, out, err = kaohe("scheme")
    assert code == 2 and "考核方案：创建、查看、调整参数" in err and "错误" not in err
