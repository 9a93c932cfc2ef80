"""The API's routes: write and review items, adoptions, instructions and urgent reports; recalculate; read results.

Who may write and read what is core/storage/policy.py's (the panel asks the same functions).
"""

from collections import defaultdict

from flask import current_app, request

from kaohe.core.domain.periods import parse_period
from kaohe.core.domain.sentences import listing, say, sentence_of
from kaohe.core.exchange.importer import import_records
from kaohe.core.exchange.schemas import (
    AdoptionSchema,
    FollowUpSchema,
    InstructionSchema,
    ItemSchema,
    UrgentReportSchema,
)
from kaohe.core.runs import results
from kaohe.core.runs.awarding import veto_text
from kaohe.core.storage import changes, policy, review
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
    UrgentFollowUp,
    UrgentReport,
)
from kaohe.core.storage.schemes import current_version, get_scheme

from .base import (
    ALL_ROLES,
    FALLBACK,
    INVALID,
    SCORE_READERS,
    WRITERS,
    ApiError,
    allowed_methods,
    bp,
    current_user,
    is_reporter,
    load_body,
    load_query,
    not_allowed,
    operation,
    records_body,
    reply,
)
from .schemas import (
    AwardsSchema,
    ItemDetailSchema,
    ItemPageSchema,
    ItemQuerySchema,
    ItemStateSchema,
    NotificationQuerySchema,
    NotificationSchema,
    RankingQuerySchema,
    RankingSchema,
    ReportQuerySchema,
    ReportSchema,
    ReviewSchema,
    RunQuerySchema,
    SchemeListSchema,
    UnitLinesSchema,
    WriteReportSchema,
)

ONE_OR_MANY = "请求体可以是一条记录（对象），也可以是记录的列表（数组）；列表全部通过才写入，有一条不通过则都不写入。"


def _own_unit():
    return Unit.get_by_id(current_user().unit_id)


def _write(kind_name, schema_class, check=None, model=None):
    """One write: every record checked, the ownership policy applied, then all written or none.

    `check(account, records, loaded)` may refuse (policy.Refused, answered 403) or return the
    records as they are to be written. A single record sent with `If-Match: "<version>"` is
    refused (409) when the stored row has moved on since that version.
    """
    records, loaded = records_body(schema_class)
    account = current_user()
    try:
        with changes.acting(account.username, "api"), db.atomic():
            if model is not None:
                policy.check_write(account, model)
            if check is not None:
                records = check(account, records, loaded)
            _check_version(model, loaded)
            report = import_records(kind_name, records)
            if kind_name == "items" and not policy.is_staff(account):
                _submitted(account, [d["no"] for d in loaded])
    except policy.Refused as refused:
        raise ApiError(403, sentence_of(refused)) from None
    except changes.StaleEdit as stale:
        raise ApiError(409, sentence_of(stale)) from None
    counts = report.counts.get(kind_name, {"created": 0, "updated": 0, "unchanged": 0})
    return reply(WriteReportSchema().dump(counts))


def _check_version(model, loaded):
    """Refuse a single record whose `If-Match` version is not the stored row's."""
    wanted = (request.headers.get("If-Match") or "").strip().strip('"').removeprefix("W/").strip('"')
    if not wanted or len(loaded) != 1 or model not in (Item, UrgentReport):
        return
    if not wanted.isdigit() or len(wanted) > 9:
        raise ApiError(400, say("If-Match 应为记录的版本号，例如 \"3\""))
    stored = model.get_or_none(model.no == loaded[0]["no"])
    if stored is not None and stored.version != int(wanted):
        raise changes.stale_edit(stored, int(wanted))


def _submitted(account, nos):
    """A reporter's items wait for review after each (re)submission."""
    for item in Item.select().where(Item.no.in_(nos) & (Item.state != "pending")):
        item.state = "pending"
        item.save()


# ---------------------------------------------------------------- items and what became of them

def _reporter_items(account, records, loaded):
    """A reporter's items: its own unit's, their other units and authors kept as stored."""
    if policy.is_staff(account):
        return records
    nos = [d["no"] for d in loaded]
    stored = {item.no: item for item in Item.select().where(Item.no.in_(nos))}
    unit_codes = {code for d in loaded for code in d["units"]}
    reporter_codes = {code for d in loaded for code in d["reporters"]}
    units = {u.code: u for u in Unit.select().where(Unit.code.in_(list(unit_codes)))}
    reporters = {r.code: r for r in Reporter.select().where(Reporter.code.in_(list(reporter_codes)))}
    written = []
    for record, data in zip(records, loaded):
        item = stored.get(data["no"])
        policy.check_item_change(account, item)
        unknown_units = [c for c in data["units"] if c not in units]
        unknown_reporters = [c for c in data["reporters"] if c not in reporters]
        if item is None and unknown_units:
            written.append(record)  # the importer names the unknown codes
            continue
        kept_units, kept_reporters = policy.item_links(
            account, item, [units[c] for c in data["units"] if c in units],
            [reporters[c] for c in data["reporters"] if c in reporters], no=data["no"])
        written.append({**record, "units": [u.code for u in kept_units],
                        "reporters": [r.code for r in kept_reporters] + unknown_reporters})
    return written


@bp.route("/items", methods=["POST"])
@operation(summary="报送稿件", tag="稿件", roles=WRITERS, body=ItemSchema, many=True,
           response=WriteReportSchema,
           description="按稿件编号新增或更新（更新时各字段以本次提交为准）。单位信息员只能报送本单位"
                       "（含合报）的稿件，也不能修改其他单位的稿件；信息员报送的稿件待审核，审核入库后"
                       "不能再改；合报稿件中其他单位和作者保持不变。单条提交可带 If-Match: \"版本号\"，"
                       "记录已被他人修改时答 409。" + ONE_OR_MANY)
def post_items():
    return _write("items", ItemSchema, _reporter_items, Item)


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
             "negative": item.negative, "solicitation": solicitations.get(item.solicitation_id),
             "state": item.state, "review_comment": item.review_comment, "version": item.version}
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
            raise ApiError(403, say("单位信息员只能查询本单位的稿件"))
        code = own.code
    query = Item.select()
    if code is not None:
        unit = Unit.get_or_none(Unit.code == code)
        if unit is None:
            raise ApiError(422, INVALID, {"unit": [say("单位代码「{code}」不存在", code=code)]})
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
        raise ApiError(404, say("没有编号为「{no}」的稿件", no=no))
    if not policy.sees_item(current_user(), item):
        raise ApiError(403, say("稿件「{no}」不是本单位报送的，单位信息员不能查看", no=no))
    record = _item_records([item])[0]
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
    return reply(ItemDetailSchema().dump(record), headers={"ETag": f'"{item.version}"'})


@bp.route("/reviews/<path:no>/accept", methods=["POST"])
@operation(summary="审核通过稿件", tag="稿件", roles=tuple(sorted(policy.STAFF)), body=ReviewSchema,
           body_required=False, response=ItemStateSchema, errors=(400, 401, 403, 404, 422),
           description="把待审核（或退回修改）的稿件审核通过、采纳入库；入库后才计入报送数并可登记采用和批示。")
def accept_item(no):
    return _review(no, review.accept, load_body(ReviewSchema, empty_allowed=True))


@bp.route("/reviews/<path:no>/return", methods=["POST"])
@operation(summary="退回稿件", tag="稿件", roles=tuple(sorted(policy.STAFF)), body=ReviewSchema,
           response=ItemStateSchema, errors=(400, 401, 403, 404, 422),
           description="把稿件退回信息员修改，须写明退回意见（comment）；信息员修改后重新报送即回到待审核。")
def return_item(no):
    return _review(no, review.send_back, load_body(ReviewSchema))


def _review(no, decide, body):
    item = Item.get_or_none(Item.no == no)
    if item is None:
        raise ApiError(404, say("没有编号为「{no}」的稿件", no=no))
    account = current_user()
    try:
        with changes.acting(account.username, "api"):
            decide(item, account, body.get("comment", ""))
    except policy.Refused as refused:
        raise ApiError(403 if not policy.may_review(account) else 422, sentence_of(refused)) from None
    return reply(ItemStateSchema().dump(_item_records([item])[0]))


@bp.route("/adoptions", methods=["POST"])
@operation(summary="登记采用", tag="稿件", roles=policy.writers(Adoption), body=AdoptionSchema, many=True,
           response=WriteReportSchema,
           description="按稿件编号、刊物代码、期号新增或更新；只能登记在已审核入库的稿件上。采用是办公室的"
                       "记录，单位信息员不能登记。" + ONE_OR_MANY)
def post_adoptions():
    return _write("adoptions", AdoptionSchema, model=Adoption)


@bp.route("/instructions", methods=["POST"])
@operation(summary="登记领导批示", tag="稿件", roles=policy.writers(Instruction), body=InstructionSchema,
           many=True, response=WriteReportSchema,
           description="同一稿件、批示领导级别、批示领导、批示日期的批示只登记一次；只能登记在已审核入库的"
                       "稿件上。批示是办公室的记录，单位信息员不能登记。" + ONE_OR_MANY)
def post_instructions():
    return _write("instructions", InstructionSchema, model=Instruction)


@bp.route("/urgent-reports", methods=["POST"])
@operation(summary="登记紧急信息", tag="稿件", roles=policy.writers(UrgentReport), body=UrgentReportSchema,
           many=True, response=WriteReportSchema,
           description="按事件编号新增或更新。紧急信息的时间和结果是办公室收到报告的记录，单位信息员不能"
                       "登记或修改。单条提交可带 If-Match: \"版本号\"。" + ONE_OR_MANY)
def post_urgent_reports():
    return _write("urgent", UrgentReportSchema, model=UrgentReport)


@bp.route("/urgent-follow-ups", methods=["POST"])
@operation(summary="登记紧急信息续报", tag="稿件", roles=policy.writers(UrgentFollowUp),
           body=FollowUpSchema, many=True, response=WriteReportSchema,
           description="按事件编号与续报时间新增或更新；事件须已登记。续报是办公室收到报告的记录，"
                       "单位信息员不能登记。" + ONE_OR_MANY)
def post_urgent_follow_ups():
    return _write("follow_ups", FollowUpSchema, model=UrgentFollowUp)


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


# POST /schemes/<name>/recalc and GET /jobs/<id> are in jobs.py: recalculations run as jobs.


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
        raise ApiError(403, say("单位信息员只能查看本单位的计分明细"))
    query_args = load_query(RunQuerySchema)
    unit = Unit.get_or_none(Unit.code == code)
    if unit is None:
        raise ApiError(404, say("找不到单位代码「{code}」", code=code))
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
            raise ApiError(404, say("没有名为「{kind}」的报表；可用：{kinds}", kind=kind,
                                    kinds=listing(REPORTS)))
        query_args = load_query(ReportQuerySchema)
        if is_reporter():
            raise ApiError(403, say("单位信息员只能查看本单位信息员的个人页（/schemes/方案/reporters/编号）"))
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
                raise ApiError(403, say("单位信息员只能查看本单位信息员的个人页"))
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
    allowed = allowed_methods(request.path)
    if allowed:
        raise ApiError(405, not_allowed(allowed))
    raise ApiError(404, say("没有这个接口：{method} {path}", method=request.method, path=request.path))
