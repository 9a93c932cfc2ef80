"""The API a generated client can trust: schemathesis, with every check, against the app in-process,
and the attacks that once answered a 500 or the HTML login, one by one."""

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import GenerationMode

from kaohe.core.storage.models import User
from kaohe.core.storage.schemes import create_scheme
from kaohe.core.storage.tokens import issue_token
from tests import factories as f

SCHEME = "市政府系统"

# `make test`: 10 examples per operation and kind (positive, negative), the examples and fuzzing
# phases (about 10 s). .ci/run runs it again deeper, KAOHE_CONTRACT_EXAMPLES=60 with every phase,
# the coverage phase's boundary values too (the huge integers and odd strings found there once).
DEEP = "KAOHE_CONTRACT_EXAMPLES" in os.environ
EXAMPLES = int(os.environ.get("KAOHE_CONTRACT_EXAMPLES", "10"))


# The panel app as it runs (CSRF on) over the office of DOMAIN.md's example: two counties, a
# department, two publications, an item with an adoption, a scheme; an administrator's token.
@pytest.fixture
def contract(database, registry, tmp_path):
    from kaohe.admin import create_app
    from kaohe.admin.api.openapi import build_spec
    app = create_app({"TESTING": True, "SECRET_KEY": "test-only",
                      "KAOHE_PLUGINS_DIR": str(tmp_path / "no-plugins"), "KAOHE_ENTRY_POINTS": False,
                      "KAOHE_RECALC_PER_ACCOUNT": 3})
    kh, cs = f.unit("KH", "开化县"), f.unit("CS", "常山县")
    f.unit("FG", "市发改委", kind="department", sector="工业")
    f.reporter("R1", kh, "张三")
    provincial = f.publication("SZB", "provincial", "专报信息")
    f.publication("GB", "national", "国办信息")
    f.adoption(f.item([kh, cs], "2025-03-02", no="2025-0001"), provincial, "2025-03-10", "full")
    create_scheme(registry, SCHEME, 2025, ["provincial", "county_bonus", "urgent_penalty"])
    admin = User.create(username="admin", password_hash="!", role="admin")
    with app.app_context():
        spec = build_spec(app)
    return app, spec, issue_token(admin)


@pytest.fixture
def api_schema(contract):
    app, spec, _token = contract
    schema = schemathesis.openapi.from_dict(spec)
    schema.app = app
    schema.config.generation.update(modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
    schema.config.phases.coverage.enabled = DEEP
    # A record can pass its schema and still be refused with 422 for what no schema states: it
    # names a unit, item or publication that does not exist, or breaks a rule between its fields
    # (首报时间早于发生时间). So 422 is an expected answer to valid data too; every other check
    # is as schemathesis has it.
    schema.config.checks.positive_data_acceptance.expected_statuses = [
        "2XX", "3XX", "401", "403", "404", "409", "422", "429"]
    return schema


schema = schemathesis.pytest.from_fixture("api_schema")


@pytest.fixture
def token(contract):
    return contract[2]


# Every check schemathesis has (call_and_validate runs them all), on positive and negative data.
@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
def test_no_input_makes_the_api_fail_or_break_its_document(case, token):
    case.call_and_validate(headers={"Authorization": f"Bearer {token}"})


# ---------------------------------------------------------------- the attacks, one by one

def call(contract, method, path, **kwargs):
    app, _spec, token = contract
    return app.test_client().open(path, method=method, headers={"Authorization": f"Bearer {token}"},
                                  **kwargs)


@pytest.mark.parametrize("path", [
    "/api/v1/items?page=99999999999999999999999",
    "/api/v1/items?per_page=99999999999999999999999",
    f"/api/v1/schemes/{SCHEME}/ranking?run=99999999999999999999999",
    f"/api/v1/schemes/{SCHEME}/units/KH/lines?run=99999999999999999999999",
    f"/api/v1/schemes/{SCHEME}/awards?run=99999999999999999999999",
])
def test_huge_integers_are_refused_not_a_500(contract, path):
    response = call(contract, "GET", path)
    assert response.status_code == 422
    assert response.get_json()["error"] == "数据有误"


@pytest.mark.parametrize("method, path, status", [
    ("TRACE", "/api/v1/items", 405),
    ("TRACE", "/api/v1/schemes", 405),
    ("CONNECT", "/api/v1/items", 405),
    ("GET", "/api/v1/items/2025%0A0001", 404),
    ("GET", "/api/v1/nothing-here", 404),
])
def test_odd_methods_and_paths_answer_json_not_the_login_page(contract, method, path, status):
    response = call(contract, method, path)
    assert response.status_code == status
    assert response.mimetype == "application/json"
    assert "error" in response.get_json()


def test_trace_says_which_methods_are_allowed(contract):
    response = call(contract, "TRACE", "/api/v1/items")
    assert response.get_json() == {"error": "此接口不支持 TRACE 请求，可用：GET、POST"}


def test_an_rfc3339_time_is_accepted(contract):
    response = call(contract, "POST", "/api/v1/urgent-reports", json={
        "no": "E-1", "unit": "KH", "title": "突发事件", "severity": "II", "occurred_at": "2025-03-20T08:00:00+08:00",
        "reported_at": "2025-03-20T00:30:00Z"})
    assert response.status_code == 200, response.get_json()
    from kaohe.core.storage.models import UrgentReport
    report = UrgentReport.get(UrgentReport.no == "E-1")
    assert str(report.occurred_at) == "2025-03-20 08:00:00"
    assert str(report.reported_at) == "2025-03-20 08:30:00"  # 00:30 UTC is 08:30 Beijing time


def test_the_document_states_the_constraints_the_server_enforces(contract):
    _app, spec, _token = contract
    parameters = {p["name"]: p for p in spec["paths"]["/api/v1/items"]["get"]["parameters"]}
    assert parameters["page"]["schema"]["minimum"] == 1 and "maximum" in parameters["page"]["schema"]
    assert parameters["per_page"]["schema"]["maximum"] == 500
    item = spec["components"]["schemas"]["Item"]["properties"]
    assert item["no"]["minLength"] == 1 and "{1,64}" in item["no"]["pattern"]
    urgent = spec["components"]["schemas"]["UrgentReport"]["properties"]
    assert {"I", "II", "III", "IV"} <= set(urgent["severity"]["enum"])
    assert "date-time" in str(urgent["occurred_at"])
