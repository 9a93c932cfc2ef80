"""The API's routes: write items, adoptions, instructions and urgent reports; recalculate; read results."""

from collections import defaultdict

from flask import current_app, request
from werkzeug.routing import Map, Rule

from kaohe.core.domain.periods import parse_period
from kaohe.core.domain.vocab import ZERO
from kaohe.core.runs.awarding import veto_text
from kaohe.core.exchange.importer import import_records
from kaohe.core.exchange.schemas import AdoptionSchema, InstructionSchema, ItemSchema, UrgentReportSchema
from kaohe.core.runs import results
from kaohe.core.runs.store import recalculate
from kaohe.core.storage.db import db
from kaohe.core.storage.models import (
    Adoption,
    Instruction,
    Item,
    ItemAuthor,
    ItemUnit,
    Publication,
    Reporter,
    Scheme,
    Solicitation,
    Unit,
    UrgentReport,
)
from kaohe.core.storage.schemes import current_version, get_scheme

from .base import (
    ALL_ROLES,
    INVALID,
    SCORE_READERS,
    STAFF,
    WRITERS,
    ApiError,
    bp,
    current_user,
    is_reporter,
    load_body,
    load_query,
    operation,
    records_body,
    reply,
)
from .schemas import (
    AwardsSchema,
    ItemDetailSchema,
    ItemPageSchema,
    ItemQuerySchema,
    NotificationQuerySchema,
    NotificationSchema,
    RankingQuerySchema,
    RankingSchema,
    RecalcResultSchema,
    RecalcSchema,
    ReportQuerySchema,
    ReportSchema,
    RunQuerySchema,
    SchemeListSchema,
    UnitLinesSchema,
    WriteReportSchema,
)

FALLBACK = "fallback"
ONE_OR_MANY = "请求体可以是一条记录（对象），也可以是记录的列表（数组）；列表全部通过才写入，有一条不通过则都不写入。"


def _own_unit():
    return Unit.get_by_id(current_user().unit_id)


def _units_of_items(nos):
    """{item no: [unit codes]} of the stored items among `nos`."""
    found = defaultdict(list)
    query = (Item.select(Item.no, Unit.code).join(ItemUnit, on=(ItemUnit.item == Item.id))
             .join(Unit, on=(ItemUnit.unit == Unit.id)).where(Item.no.in_(list(set(nos))))
             .order_by(Item.no, ItemUnit.position).tuples())
    for no, code in query:
        found[no].append(code)
    return found


def _write(kind_name, schema_class, check_reporter):
    """One write: every record checked, the reporter's unit limits applied, then all written or none."""
    records, loaded = records_body(schema_class)
    with db.atomic():
        if is_reporter():
            check_reporter(loaded, _own_unit())
        report = import_records(kind_name, records)
    counts = report.counts.get(kind_name, {"created": 0, "updated": 0, "unchanged": 0})
    return reply(WriteReportSchema().dump(counts))


# ---------------------------------------------------------------- items and what became of them

def _reporter_items(loaded, unit):
    for data in loaded:
        if unit.code not in data["units"]:
            raise ApiError(403, f"单位信息员只能报送本单位的稿件：稿件「{data['no']}」的报送单位中没有"
                                f"本单位（{unit.name}，{unit.code}）")
    for no, codes in _units_of_items([d["no"] for d in loaded]).items():
        if unit.code not in codes:
            raise ApiError(403, f"稿件「{no}」是其他单位报送的，单位信息员不能修改")


def _reporter_item_records(what):
    def check(loaded, unit):
        nos = [d["item"] for d in loaded]
        for no, codes in _units_of_items(nos).items():
            if unit.code not in codes:
                raise ApiError(403, f"单位信息员只能登记本单位稿件的{what}：稿件「{no}」不是"
                                    f"本单位（{unit.name}）报送的")
    return check


@bp.route("/items", methods=["POST"])
@operation(summary="报送稿件", tag="稿件", roles=WRITERS, body=ItemSchema, many=True,
           response=WriteReportSchema,
           description="按稿件编号新增或更新（更新时各字段以本次提交为准）。单位信息员只能报送本单位"
                       "（含合报）的稿件，也不能修改其他单位的稿件。" + ONE_OR_MANY)
def post_items():
    return _write("items", ItemSchema, _reporter_items)


def _item_records(items):
    """The items as ItemSchema dumps them: codes for units, authors and the solicitation."""
    ids = [item.id for item in items]
    units, authors = defaultdict(list), defaultdict(list)
    if ids:
        for item_id, code in (ItemUnit.select(ItemUnit.item, Unit.code).join(Unit)
                              .where(ItemUnit.item.in_(ids))
                              .order_by(ItemUnit.item, ItemUnit.position).tuples()):
            units[item_id].append(code)
        for item_id, code in (ItemAuthor.select(ItemAuthor.item, Reporter.code).join(Reporter)
                              .where(ItemAuthor.item.in_(ids))
                              .order_by(ItemAuthor.item, ItemAuthor.position).tuples()):
            authors[item_id].append(code)
    solicitations = dict(Solicitation.select(Solicitation.id, Solicitation.no)
                         .where(Solicitation.id.in_([i.solicitation_id for i in items
                                                     if i.solicitation_id])).tuples())
    return [{"no": item.no, "title": item.title, "submitted_on": item.submitted_on,
             "units": units[item.id], "reporters": authors[item.id], "category": item.category,
             "negative": item.negative, "solicitation": solicitations.get(item.solicitation_id)}
            for item in items]


@bp.route("/items", methods=["GET"])
@operation(summary="查询稿件", tag="稿件", roles=WRITERS, query=ItemQuerySchema,
           response=ItemPageSchema,
           description="按报送日期、稿件编号排列，分页。单位信息员只能查询本单位的稿件。")
def list_items():
    query_args = load_query(ItemQuerySchema)
    code = query_args.get("unit")
    if is_reporter():
        own = _own_unit()
        if code is not None and code != own.code:
            raise ApiError(403, "单位信息员只能查询本单位的稿件")
        code = own.code
    query = Item.select()
    if code is not None:
        unit = Unit.get_or_none(Unit.code == code)
        if unit is None:
            raise ApiError(422, INVALID, {"unit": [f"单位代码「{code}」不存在"]})
        query = query.where(Item.id.in_(ItemUnit.select(ItemUnit.item).where(ItemUnit.unit == unit)))
    if query_args.get("from_") is not None:
        query = query.where(Item.submitted_on >= query_args["from_"])
    if query_args.get("to") is not None:
        query = query.where(Item.submitted_on <= query_args["to"])
    total = query.count()
    page, per_page = query_args["page"], query_args["per_page"]
    items = list(query.order_by(Item.submitted_on, Item.no).paginate(page, per_page))
    return reply(ItemPageSchema().dump({
        "items": _item_records(items), "page": page, "per_page": per_page, "total": total,
        "pages": (total + per_page - 1) // per_page}))


@bp.route("/items/<path:no>", methods=["GET"])
@operation(summary="查看一篇稿件及其采用和批示", tag="稿件", roles=WRITERS, response=ItemDetailSchema,
           description="单位信息员只能查看本单位（含合报）的稿件。")
def get_item(no):
    item = Item.get_or_none(Item.no == no)
    if item is None:
        raise ApiError(404, f"没有编号为「{no}」的稿件")
    record = _item_records([item])[0]
    if is_reporter() and _own_unit().code not in record["units"]:
        raise ApiError(403, f"稿件「{no}」不是本单位报送的，单位信息员不能查看")
    record["adoptions"] = [
        {"item": item.no, "publication": code, "issue": issue, "adopted_on": adopted_on, "form": form}
        for code, issue, adopted_on, form in (
            Adoption.select(Publication.code, Adoption.issue, Adoption.adopted_on, Adoption.form)
            .join(Publication).where(Adoption.item == item)
            .order_by(Adoption.adopted_on, Adoption.id).tuples())]
    record["instructions"] = [
        {"item": item.no, "leader_level": i.leader_level, "leader": i.leader,
         "instructed_on": i.instructed_on}
        for i in item.instructions.order_by(Instruction.instructed_on, Instruction.id)]
    return reply(ItemDetailSchema().dump(record))


@bp.route("/adoptions", methods=["POST"])
@operation(summary="登记采用", tag="稿件", roles=WRITERS, body=AdoptionSchema, many=True,
           response=WriteReportSchema,
           description="按稿件编号、刊物代码、期号新增或更新。单位信息员只能登记本单位稿件的采用。"
                       + ONE_OR_MANY)
def post_adoptions():
    return _write("adoptions", AdoptionSchema, _reporter_item_records("采用"))


@bp.route("/instructions", methods=["POST"])
@operation(summary="登记领导批示", tag="稿件", roles=WRITERS, body=InstructionSchema, many=True,
           response=WriteReportSchema,
           description="同一稿件、批示领导级别、批示领导、批示日期的批示只登记一次。单位信息员只能"
                       "登记本单位稿件的批示。" + ONE_OR_MANY)
def post_instructions():
    return _write("instructions", InstructionSchema, _reporter_item_records("领导批示"))


def _reporter_urgent(loaded, unit):
    for data in loaded:
        if data["unit"] != unit.code:
            raise ApiError(403, f"单位信息员只能报送本单位的紧急信息：事件「{data['no']}」的单位是"
                                f"「{data['unit']}」")
    nos = [d["no"] for d in loaded]
    for no, unit_id in (UrgentReport.select(UrgentReport.no, UrgentReport.unit)
                        .where(UrgentReport.no.in_(nos)).tuples()):
        if unit_id != unit.id:
            raise ApiError(403, f"紧急信息「{no}」是其他单位报送的，单位信息员不能修改")


@bp.route("/urgent-reports", methods=["POST"])
@operation(summary="报送紧急信息", tag="稿件", roles=WRITERS, body=UrgentReportSchema, many=True,
           response=WriteReportSchema,
           description="按事件编号新增或更新。单位信息员只能报送本单位的紧急信息。" + ONE_OR_MANY)
def post_urgent_reports():
    return _write("urgent", UrgentReportSchema, _reporter_urgent)


# ---------------------------------------------------------------- schemes, runs and results

@bp.route("/schemes", methods=["GET"])
@operation(summary="列出考核方案", tag="计分", roles=ALL_ROLES, response=SchemeListSchema)
def list_schemes():
    rows = []
    for scheme in Scheme.select().order_by(Scheme.id):
        version = current_version(scheme)
        rows.append({"name": scheme.name, "title": scheme.title, "year": scheme.year,
                     "units": scheme.unit_links.count(), "version": version.number,
                     "rulesets": [e["name"] for e in version.config["rulesets"]
                                  if e.get("enabled", True)]})
    return reply(SchemeListSchema().dump({"schemes": rows}))


@bp.route("/schemes/<name>/recalc", methods=["POST"])
@operation(summary="重新计算", tag="计分", roles=STAFF, body=RecalcSchema, body_required=False,
           response=RecalcResultSchema, errors=(400, 401, 403),
           description="计算并保存一次结果（未发布）；失败时不保存任何结果。请求体可省略，默认计算方案全年。")
def recalc(name):
    scheme = get_scheme(name)
    body = load_body(RecalcSchema, empty_allowed=True)
    period = parse_period(body.get("period") or scheme.year)
    if period.year != scheme.year:
        raise ApiError(422, INVALID, {"period": [f"期间 {period.label} 不在考核方案「{scheme.name}」"
                                                 f"的年度 {scheme.year} 内"]})
    registry = current_app.extensions["kaohe_registry"]
    outcome = recalculate(registry, scheme, period.label, author=current_user().username,
                          note=body.get("note", ""))
    run = outcome.run
    totals = list(outcome.units.values())
    return reply(RecalcResultSchema().dump({
        "run": run.id, "scheme": scheme.name, "period": run.period, "period_title": period.title,
        "units": len(totals), "lines": run.line_count,
        "points": sum((t.points for t in totals), ZERO),
        "yuan": sum((t.yuan for t in totals), ZERO),
        "official": False, "fingerprint": run.fingerprint}))


def _run_of(scheme, query_args):
    return results.pick_run(scheme, query_args.get("period"), query_args.get("run"))


def _header(scheme, run):
    return {"run": run.id, "scheme": scheme.name, "period": run.period,
            "official": results.is_official(run)}


@bp.route("/schemes/<name>/ranking", methods=["GET"])
@operation(summary="查看排名", tag="计分", roles=ALL_ROLES, query=RankingQuerySchema,
           response=RankingSchema,
           description="正式发布的结果优先，没有时用最近一次计算（official 为 false）。单位信息员只看到本单位一行。")
def ranking(name):
    scheme = get_scheme(name)
    query_args = load_query(RankingQuerySchema)
    run = _run_of(scheme, query_args)
    rows = results.ranking(run, query_args.get("pool"))
    if is_reporter():
        rows = [row for row in rows if row.unit_id == current_user().unit_id]
    return reply(RankingSchema().dump({**_header(scheme, run), "rows": [{
        "unit": r.unit.code, "name": r.unit.name, "pool": r.pool, "rank": r.rank,
        "points": r.points, "yuan": r.yuan, "converted": r.converted,
        "adoption_rate": r.adoption_rate, "submitted": r.submitted, "adopted": r.adopted,
        "national": r.national, "provincial": r.provincial, "city": r.city, "vetoed": r.vetoed,
        "veto_reason": r.veto_reason, "tie_break": r.tie_break} for r in rows]}))


@bp.route("/schemes/<name>/units/<code>/lines", methods=["GET"])
@operation(summary="查看一个单位的计分明细", tag="计分", roles=ALL_ROLES, query=RunQuerySchema,
           response=UnitLinesSchema,
           description="每一分从何而来。单位信息员只能查看本单位的明细。")
def unit_lines(name, code):
    scheme = get_scheme(name)
    if is_reporter() and code != _own_unit().code:
        raise ApiError(403, "单位信息员只能查看本单位的计分明细")
    query_args = load_query(RunQuerySchema)
    unit = Unit.get_or_none(Unit.code == code)
    if unit is None:
        raise ApiError(404, f"找不到单位代码「{code}」")
    run = _run_of(scheme, query_args)
    result = results.unit_result(run, unit)
    lines = [line for group in results.unit_lines(run, unit).values() for line in group]
    return reply(UnitLinesSchema().dump({
        **_header(scheme, run), "unit": unit.code, "name": unit.name, "pool": result.pool,
        "rank": result.rank, "points": result.points, "yuan": result.yuan,
        "lines": [{"ruleset": line.ruleset, "rule": line.rule, "kind": line.kind,
                   "item": line.item.no if line.item_id else None,
                   "title": line.item.title if line.item_id else None,
                   "points": line.points, "yuan": line.yuan, "explanation": line.explanation}
                  for line in lines]}))


@bp.route("/schemes/<name>/awards", methods=["GET"])
@operation(summary="查看评先名单", tag="计分", roles=SCORE_READERS, query=RunQuerySchema,
           response=AwardsSchema,
           description="先进单位与先进个人，以及不参加评先的单位和个人。默认用方案年度正式发布的结果，"
                       "没有时用最近一次年度计算（official 为 false）。")
def awards(name):
    scheme = get_scheme(name)
    run = _run_of(scheme, load_query(RunQuerySchema))
    lists = results.awards(run)
    if not parse_period(run.period).is_full_year:  # awards are the year's: none from a month
        lists = {"units": {}, "reporters": [], "excluded_units": [], "excluded_reporters": []}
    unit_codes = dict(Unit.select(Unit.id, Unit.code).tuples())
    return reply(AwardsSchema().dump({
        **_header(scheme, run),
        "units": [{"pool": r.pool, "code": r.unit.code, "name": r.unit.name, "points": r.points,
                   "award_rank": r.award_rank} for rows in lists["units"].values() for r in rows],
        "reporters": [{"code": r.reporter.code, "name": r.reporter.name,
                       "unit": unit_codes.get(r.reporter.unit_id, ""), "points": r.points,
                       "award_rank": r.award_rank} for r in lists["reporters"]],
        "excluded_units": [{"code": r.unit.code, "name": r.unit.name, "reason": _excluded(r)}
                           for r in lists["excluded_units"]],
        "excluded_reporters": [{"code": r.reporter.code, "name": r.reporter.name,
                                "reason": _excluded(r)} for r in lists["excluded_reporters"]]}))


def _excluded(result):
    """Why a unit or reporter is not among the awards, a veto said once."""
    if result.vetoed:
        return f"一票否决，不参加评先：{veto_text(result.veto_reason)}"
    return result.award_note


try:
    from kaohe.core.exchange import reports
except ModuleNotFoundError as missing:  # the reports module is optional for the API
    if missing.name != "kaohe.core.exchange.reports":
        raise
    reports = None

if reports is not None and hasattr(reports, "monthly_notification"):
    @bp.route("/schemes/<name>/notification", methods=["GET"])
    @operation(summary="查看每月通报", tag="计分", roles=SCORE_READERS, query=NotificationQuerySchema,
               response=NotificationSchema, errors=(400, 401, 403, 404),
               description="当月各单位报送、各级采用、得分、年度累计、组内名次和采用率，年内尚无采用的"
                           "单位，以及当月领导批示。1月至当月须都已计算（正式发布的结果优先）。")
    def notification(name):
        scheme = get_scheme(name)
        month = load_query(NotificationQuerySchema)["month"]
        data = reports.monthly_notification(scheme, month,
                                            registry=current_app.extensions["kaohe_registry"])
        data = {**data, "level_columns": [{"key": key, "label": label}
                                          for key, label in data["level_columns"]]}
        return reply(NotificationSchema().dump(data))


if reports is not None:
    from kaohe.core.exchange.reports.catalog import REPORTS, build_report
    from kaohe.core.exchange.reports.counts import reporter_page

    @bp.route("/schemes/<name>/reports/<kind>", methods=["GET"])
    @operation(summary="查看更多报表", tag="计分", roles=SCORE_READERS, query=ReportQuerySchema,
               response=ReportSchema, errors=(400, 401, 403, 404),
               description="kind：" + "、".join(f"{k.name} {k.title}" for k in REPORTS.values())
                           + "。period 为期间（默认方案年度）；reporter 为信息员编号（仅 reporter 个人页）。"
                             "读取计算结果的报表在期间尚未计算时返回 400。")
    def further_report(name, kind):
        scheme = get_scheme(name)
        if kind not in REPORTS:
            raise ApiError(404, f"没有名为「{kind}」的报表；可用：{'、'.join(REPORTS)}")
        query_args = load_query(ReportQuerySchema)
        if is_reporter():
            raise ApiError(403, "单位信息员只能查看本单位信息员的个人页（/schemes/方案/reporters/编号）")
        data = build_report(kind, scheme, query_args.get("period"),
                            reporter=query_args.get("reporter"))
        return reply(ReportSchema().dump(_cells_as_text(data)))

    @bp.route("/schemes/<name>/reporters/<code>", methods=["GET"])
    @operation(summary="信息员个人页", tag="计分", roles=ALL_ROLES, query=ReportQuerySchema,
               response=ReportSchema, errors=(400, 401, 403, 404),
               description="信息员本人的稿件、状态、得分和名次。单位信息员只能查看本单位的信息员。")
    def reporter_report(name, code):
        scheme = get_scheme(name)
        if is_reporter():
            reporter = Reporter.get_or_none(Reporter.code == code)
            if reporter is None or reporter.unit_id != _own_unit().id:
                raise ApiError(403, "单位信息员只能查看本单位信息员的个人页")
        data = reporter_page(scheme, code, load_query(ReportQuerySchema).get("period"))
        return reply(ReportSchema().dump(_cells_as_text(data)))

    def _cells_as_text(data):
        """Points in the rows as two-place strings, as every amount of the API is written."""
        from decimal import Decimal
        sections = [{**part, "rows": [[f"{cell:.2f}" if isinstance(cell, Decimal) else cell
                                       for cell in row] for row in part["rows"]]}
                    for part in data["sections"]]
        return {**data, "sections": sections}


# ---------------------------------------------------------------- the rest of /api/v1

@bp.route("/<path:path>", endpoint=FALLBACK,
          methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
def fallback(path):
    """Any other URL under /api/v1: 405 with the allowed methods when the path exists, else 404."""
    rules = Map([Rule(rule.rule, endpoint=rule.endpoint, methods=rule.methods)
                 for rule in current_app.url_map.iter_rules()
                 if rule.endpoint.startswith(bp.name + ".")
                 and rule.endpoint != f"{bp.name}.{FALLBACK}"])
    allowed = sorted(set(rules.bind("").allowed_methods(request.path)) - {"HEAD", "OPTIONS"})
    if allowed:
        raise ApiError(405, f"此接口不支持 {request.method} 请求，可用：{'、'.join(allowed)}")
    raise ApiError(404, f"没有这个接口：{request.method} {request.path}")
