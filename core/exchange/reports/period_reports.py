"""Reports read from a period's run: the quarterly notification, urgent-report performance, target completion."""

from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

from kaohe.core.domain.sentences import a_word, listing, say
from kaohe.core.domain.vocab import (
    SEVERITIES,
    URGENT_DEADLINE_HOURS,
    URGENT_FAILURES,
    percent,
    pool_label,
)
from kaohe.core.exchange.reports.common import issuer_of
from kaohe.core.exchange.reports.tabular import period_of, report, run_for, section
from kaohe.core.runs.results import ranking
from kaohe.core.scoring.rules.urgent_kinds import failures_of
from kaohe.core.storage.db import fetch_rows
from kaohe.core.storage.models import (
    Item,
    ItemUnit,
    SchemeUnit,
    ScoreLine,
    Solicitation,
    SolicitationUnit,
    Target,
    Unit,
    UrgentFollowUp,
    UrgentReport,
)
from kaohe.core.storage.schemes import enabled_rulesets


def completion(done, target):
    """Done as a whole percentage of the target, half up: 83 of 50 → 「166%」; no target → 「—」."""
    if not target:
        return "—"
    value = (Decimal(done) * 100 / Decimal(target)).quantize(Decimal("1"), ROUND_HALF_UP)
    return f"{value}%"


def _members(scheme):
    return [uid for (uid,) in fetch_rows(SchemeUnit.select(SchemeUnit.unit)
                                         .where(SchemeUnit.scheme == scheme))]


# ---------------------------------------------------------------- 每季度通报

def quarterly_notification(scheme, quarter):
    """每季度通报: each unit's quarter from the quarter's run, the units that reported nothing,
    and the solicitations a solicited unit did not answer by the due date."""
    period = period_of(scheme, quarter, ("quarter",), "季度通报")
    run = run_for(scheme, period)
    rows = ranking(run)
    figures = [[a_word(pool_label(r.pool)), r.rank, r.unit.name, r.submitted, r.adopted,
                percent(r.adoption_rate) if r.submitted else "—", r.points] for r in rows]
    silent = [[a_word(pool_label(r.pool)), r.unit.code, r.unit.name] for r in rows if r.submitted == 0]
    missed = missed_solicitations(scheme, period)
    quarter_no = period.label.rsplit("Q", 1)[-1]
    return report(
        "quarterly", say("{issuer}{year}年第{quarter}季度政务信息工作通报", issuer=issuer_of(scheme),
                         year=period.year, quarter=int(quarter_no)),
        scheme, period, run, [
            section(say("各单位本季度报送采用情况"), ["考核组别", "组内名次", "单位", "报送（篇）", "采用（篇）",
                                            "采用率", "得分"], figures, [12, 8, 22, 9, 9, 9, 10],
                    amounts=(7,)),
            section(say("本季度未报送信息的单位（{n}家）", n=len(silent)), ["考核组别", "单位代码", "单位"],
                    silent, [14, 12, 30]),
            section(say("未按时应约的约稿（{n}次）", n=len(missed)), ["约稿编号", "题目", "截止日期", "未应约单位"],
                    missed, [12, 36, 12, 30]),
        ],
        notes=[say("报送、采用和得分取自本季度的计算结果；约稿应约情况按现在的数据统计：约稿所点名的单位在截止日期"
                   "（含）前没有报送答复该约稿的稿件，即为未按时应约。")])


def missed_solicitations(scheme, period):
    """[约稿编号, 题目, 截止日期, 单位…] of the solicitations due in the period with a solicited
    member unit that submitted no answering item by the due date."""
    members = set(_members(scheme))
    due = list(Solicitation.select().where(Solicitation.due_on.between(period.start, period.end))
               .order_by(Solicitation.due_on, Solicitation.no))
    found = []
    for solicitation in due:
        asked = [uid for (uid,) in fetch_rows(SolicitationUnit.select(SolicitationUnit.unit)
                                              .where(SolicitationUnit.solicitation == solicitation))
                 if uid in members]
        answered = {uid for (uid,) in fetch_rows(
            ItemUnit.select(ItemUnit.unit).join(Item, on=(ItemUnit.item == Item.id))
            .where((Item.solicitation == solicitation) & (Item.submitted_on <= solicitation.due_on)))}
        late = [uid for uid in asked if uid not in answered]
        if late:
            names = dict(fetch_rows(Unit.select(Unit.id, Unit.name).where(Unit.id.in_(late))))
            found.append([solicitation.no, solicitation.title, solicitation.due_on.isoformat(),
                          listing(names[uid] for uid in sorted(late, key=lambda u: names[u]))])
    return found


# ---------------------------------------------------------------- 紧急重大信息报送情况通报

def _duration(report_):
    if report_.reported_at is None:
        return "—"
    minutes = int((report_.reported_at - report_.occurred_at).total_seconds() // 60)
    return say("{hours}小时{minutes:02d}分", hours=minutes // 60, minutes=minutes % 60) if minutes >= 0 else "—"


URGENT_KINDS = ("urgent_reports", "urgent_item_deduction")  # the rule kinds that judge urgent reports


def urgent_deadlines(config):
    """The first-report deadlines (hours by severity) the run's configuration judged urgent
    reports by — the `urgent_penalty` rule set's or a scheme's own urgent rule row's — with the
    defaults for what it does not say; None when no enabled rule judges urgent reports."""
    for entry in enabled_rulesets(config):
        params = entry.get("params") or {}
        found = [params.get("deadlines")] if entry.get("name") == "urgent_penalty" else [
            (row.get("params") or {}).get("deadlines") for row in params.get("rules") or ()
            if isinstance(row, dict) and row.get("kind") in URGENT_KINDS]
        if found:
            hours = dict(URGENT_DEADLINE_HOURS)
            hours.update({k: Decimal(str(v)) for k, v in (found[0] or {}).items()})
            return hours
    return None


def urgent_notification(scheme, period):
    """紧急重大信息报送情况通报: each incident of the period with its failures (迟报、漏报、瞒报、
    轻报、谎报、误报, judged as the run's rules judge them: the same `failures_of`, with the run's
    deadlines), the deduction and veto the run's lines gave it, its follow-up reports (续报), and
    each unit's counts."""
    period = period_of(scheme, period, None, "紧急信息通报")
    run = run_for(scheme, period)
    members = _members(scheme)
    reports_ = list(UrgentReport.select(UrgentReport, Unit).join(Unit)
                    .where(UrgentReport.unit.in_(members)
                           & (UrgentReport.occurred_at >= period.start_at)
                           & (UrgentReport.occurred_at < period.end_at))
                    .order_by(UrgentReport.occurred_at, UrgentReport.no))
    found = defaultdict(lambda: {"points": Decimal("0.00"), "veto": False})
    for ref, kind, points in fetch_rows(
            ScoreLine.select(ScoreLine.ref, ScoreLine.kind, ScoreLine.points)
            .where((ScoreLine.run == run) & ScoreLine.ref.startswith("urgent:")
                   & ScoreLine.unit.is_null(False))):
        head = ref.split(":")[1]
        if not head.isdigit():
            continue
        entry = found[int(head)]
        if kind == "veto":
            entry["veto"] = True
        else:
            entry["points"] += Decimal(points) / 100
    config = run.parameter_version.config
    deadlines = urgent_deadlines(config)
    follow_ups = defaultdict(int)
    for report_id, _id in fetch_rows(
            UrgentFollowUp.select(UrgentFollowUp.report, UrgentFollowUp.id)
            .where(UrgentFollowUp.report.in_([r.id for r in reports_]))):
        follow_ups[report_id] += 1
    incidents, per_unit = [], defaultdict(lambda: defaultdict(int))
    deductions = defaultdict(lambda: Decimal("0.00"))
    for r in reports_:
        entry = found.get(r.id, {"points": Decimal("0.00"), "veto": False})
        failures = [] if deadlines is None else [
            failure for failure, _ in failures_of(r, deadlines[r.severity])]
        words = listing([a_word(URGENT_FAILURES[f]) for f in failures], empty=a_word("按时报送"))
        if entry["veto"]:
            words = say("{judged}，一票否决", judged=words)
        incidents.append([r.no, r.unit.name, r.title, a_word(SEVERITIES.get(r.severity, r.severity)),
                          f"{r.occurred_at:%Y-%m-%d %H:%M}",
                          f"{r.reported_at:%Y-%m-%d %H:%M}" if r.reported_at else "—",
                          _duration(r), words, entry["points"], follow_ups.get(r.id, 0)])
        counts = per_unit[r.unit.name]
        counts["total"] += 1
        counts["on_time"] += 0 if failures else 1
        for failure in failures:
            counts[failure] += 1
        deductions[r.unit.name] += entry["points"]
    units = [[name, c["total"], c["on_time"], *(c[f] for f in URGENT_FAILURES), deductions[name]]
             for name, c in sorted(per_unit.items())]
    notes = [say("迟报、漏报、瞒报、轻报、谎报、误报按本期计算所用的紧急信息规则认定（首报时限取其参数），扣分取自本期计算"
                 "结果；续报为首报之后对同一事件的后续报告。")]
    if deadlines is None:
        notes.insert(0, say("本考核方案没有启用紧急信息计分规则，所以没有迟报等认定和扣分。"))
    return report(
        "urgent", say("{issuer}紧急重大信息报送情况通报（{period}）", issuer=issuer_of(scheme), period=period.title),
        scheme, period, run, [
            section(say("各单位紧急信息报送情况"), ["单位", "事件（起）", "按时报送",
                                           *URGENT_FAILURES.values(), "扣分"],
                    units, [22, 9, 9, 7, 7, 7, 7, 7, 7, 9], amounts=(10,)),
            section(say("紧急信息明细（{n}起）", n=len(incidents)),
                    ["事件编号", "单位", "事件", "级别", "发生时间", "首报时间", "用时", "认定", "扣分", "续报（次）"],
                    incidents, [12, 16, 28, 8, 16, 16, 10, 16, 8, 8], amounts=(9,)),
        ], notes=notes)


# ---------------------------------------------------------------- 完成目标任务

def target_completion(scheme, period=None):
    """完成目标任务: each unit's submissions and adoptions in the period's run against its yearly
    targets, as whole percentages (83 of 50 → 166%)."""
    period = period_of(scheme, period, None, "目标任务完成情况")
    run = run_for(scheme, period)
    targets = {t.unit_id: t for t in Target.select().where(Target.year == period.year)}
    rows = []
    for r in ranking(run):
        target = targets.get(r.unit_id)
        submit = target.submit_target if target else 0
        adopt = target.adopt_target if target else 0
        rows.append([a_word(pool_label(r.pool)), r.unit.name, submit or a_word("未下达"), r.submitted,
                     completion(r.submitted, submit), adopt or a_word("未下达"), r.adopted,
                     completion(r.adopted, adopt)])
    return report(
        "targets", say("{issuer}政务信息目标任务完成情况（{period}）", issuer=issuer_of(scheme), period=period.title),
        scheme, period, run, [
            section(say("各单位完成目标任务情况"), ["考核组别", "单位", "报送任务（篇）", "报送（篇）", "完成报送任务",
                                           "采用任务（篇）", "采用（篇）", "完成采用任务"], rows,
                    [12, 22, 10, 9, 10, 10, 9, 10]),
        ], notes=[say("报送、采用篇数取自本期计算结果；任务为年度目标任务（单位事实之外单独导入）。完成比例 = 完成数 ÷ 任务数，"
                      "四舍五入到整数百分比。")])
