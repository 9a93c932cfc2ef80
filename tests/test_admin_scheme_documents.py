"""The panel downloads a scheme as its TOML document and an administrator uploads one back."""

import io
import tomllib

from kaohe.core.storage.models import ParameterVersion, Scheme
from kaohe.core.storage.schemes import current_version
from tests.admin_support import app, auth, client, world  # noqa: F401 (fixtures)


def test_every_reader_downloads_the_document_and_only_an_admin_uploads(client, auth, world):
    scheme = world["scheme"]
    auth.login("viewer")
    assert 'id="download-document"' in client.get(f"/schemes/{scheme.id}/").data.decode()
    response = client.get(f"/schemes/{scheme.id}/document")
    assert response.status_code == 200 and response.mimetype == "application/toml"
    assert "filename*=UTF-8''%E6%B5%8B%E8%AF%95%E6%96%B9%E6%A1%88.toml" in response.headers["Content-Disposition"]
    document = tomllib.loads(response.data.decode("utf-8"))
    assert document["scheme"] == {"name": "测试方案", "title": "测试考核方案", "year": 2025,
                                  "units": ["C01", "C02", "D01"]}
    assert document["rulesets"] == current_version(scheme).config["rulesets"]
    assert 'id="upload-document"' not in client.get("/schemes/").data.decode()
    refused = client.post("/schemes/document", data={
        "document": (io.BytesIO(response.data), "x.toml")}, content_type="multipart/form-data")
    assert refused.status_code == 403
    auth.logout()

    auth.login("admin")
    assert 'id="upload-document"' in client.get("/schemes/").data.decode()
    changed = response.data.decode("utf-8").replace(
        'full = "20.00"', 'full = "18.00"', 1)
    uploaded = client.post("/schemes/document", data={
        "document": (io.BytesIO(changed.encode("utf-8")), "测试方案.toml"), "reason": "按新办法"},
        content_type="multipart/form-data")
    assert uploaded.status_code == 302 and uploaded.headers["Location"].endswith(f"/schemes/{scheme.id}/")
    version = current_version(scheme)
    assert (version.number, version.author, version.reason) == (2, "admin", "按新办法")
    assert version.config["rulesets"][0]["params"]["adoption"]["provincial"]["full"] == "18.00"
    page = client.get(uploaded.headers["Location"]).data.decode()
    assert "已按方案文件更新考核方案「测试方案」，保存为第2版参数" in page


def test_a_bad_upload_changes_nothing_and_says_why(client, auth, world):
    auth.login("admin")
    before = ParameterVersion.select().count()
    response = client.post("/schemes/document", data={
        "document": (io.BytesIO("[scheme\nname = 1".encode("utf-8")), "坏.toml")},
        content_type="multipart/form-data", follow_redirects=True)
    assert "方案文件未导入：方案文件不是有效的 TOML" in response.data.decode()
    assert ParameterVersion.select().count() == before and Scheme.select().count() == 1


def test_the_ranking_page_shows_grades_where_the_scheme_grades(client, auth, world, registry):
    from kaohe.core.runs.store import recalculate
    from kaohe.core.storage.schemes import save_config
    scheme = world["scheme"]
    run = recalculate(registry, scheme, "2025").run
    auth.login("admin")
    assert 'class="grade"' not in client.get(f"/results/run/{run.id}/").data.decode()
    config = dict(current_version(scheme).config, grades={"units": [{"by": "points", "bands": [
        {"grade": "优", "min": "40"}, {"grade": "一般"}]}]})
    save_config(registry, scheme, config, reason="等次")
    run = recalculate(registry, scheme, "2025").run
    page = client.get(f"/results/run/{run.id}/").data.decode()
    # 常山县 45 ≥ 40 优; 开化县 30 and 市发改委 0 一般 (build_world's hand-computed totals)
    assert page.count('<td class="grade">优</td>') == 1 and page.count('<td class="grade">一般</td>') == 2
