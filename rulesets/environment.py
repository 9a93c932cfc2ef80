"""`environment` 环保系统政务信息考核与奖励办法: adoptions, instructions, depth, solicitations, quotas, direct points."""

import datetime
from collections import defaultdict

from kaohe.core.storage.models import Item
from kaohe.plugins import (
    CATEGORIES,
    FORMS,
    LEVELS,
    Flag,
    Line,
    ParamsSchema,
    RuleSet,
    choice,
    fmt,
    grid,
    hookimpl,
    integer,
    is_adopted,
    joint_split,
    now,
    points,
    table,
)

from .common import (
    ZERO,
    adoption_lines,
    adoption_tallies,
    date_words,
    instruction_lines,
    instruction_tallies,
    tallied_lines,
)

SOURCE = "省环保系统政务信息考核与奖励办法"

ADOPTION_DEFAULTS = {
    "ministry": {"full": 30, "combined": 10},
    "national": {"full": 50, "combined": 20},
    "provincial": {"full": 20, "combined": 5},
    "provincial_dept": {"full": 5, "combined": 2},
}
INSTRUCTION_DEFAULTS = {"national": 100, "ministry": 40, "provincial": 30, "provincial_dept": 10}
DEPTH_DEFAULTS = {"research": 5, "problem": 5, "synthesis": 5}


class EnvironmentParams(ParamsSchema):
    adoption = grid(LEVELS, FORMS, ADOPTION_DEFAULTS, label="采用计分（按刊物级别和采用形式）",
                    source=f"{SOURCE}第三条：生态环境部全文30分、综合10分，国办全文50分、综合20分，"
                           "省政府全文20分、综合5分，省生态环境厅《环保信息》全文5分、综合2分")
    instruction = table(LEVELS, INSTRUCTION_DEFAULTS,
                        label="领导批示计分（按批示领导级别，每级每篇计一次）",
                        source=f"{SOURCE}第四条：国家领导100分，部领导40分，省领导30分，厅领导10分")
    accumulate = choice({"sum": "累加计分", "max": "按最高一次计分"}, "sum",
                        label="一篇稿件多次采用", source=f"{SOURCE}第三条")
    depth_bonus = table(CATEGORIES, DEPTH_DEFAULTS, label="深度信息加分（按稿件类别，每篇采用后加一次）",
                        source=f"{SOURCE}第五条：调研、问题、综合类信息被采用，每篇另加5分")
    solicitation_answer = points(5, label="按时报送约稿信息加分",
                                 source=f"{SOURCE}第六条：截止日期前报送约稿信息，每篇加5分")
    solicitation_missed = points(5, label="约稿未按时报送扣分（填正数）",
                                 source=f"{SOURCE}第六条：截止日期前未报送约稿信息的单位，扣5分")
    per_item_yuan = points(100, unit="元", label="报送任务奖惩（每篇）",
                           source=f"{SOURCE}第八条：全年报送超出任务每篇奖励100元，少报每篇扣罚100元")
    watch_months = integer(3, minimum=1, unit="个月", label="直报点连续采用为零提示（月数）",
                           source=f"{SOURCE}第九条：直报点连续3个月以上采用为零的，建议调整")
    joint_split = joint_split()


def today():
    """The schemes' calendar day (China Standard Time); months after it are not watched yet."""
    return now().date()


class Environment(RuleSet):
    name = "environment"
    title = "环保系统政务信息考核与奖励办法"
    version = "1.0"
    description = ("环保系统的采用计分（生态环境部、国办、省政府、省生态环境厅刊物）与领导批示计分；"
                   "调研、问题、综合类信息被采用另加分；约稿按时报送加分、未报送扣分；"
                   "全年报送数与报送任务相比按篇奖惩（元）；信息直报点连续数月采用为零时提示调整。")
    params_schema = EnvironmentParams

    @staticmethod
    def adoption_points(params, publication, form):
        return params["adoption"][publication.level][form]

    def compute(self, data, params):
        yield from adoption_lines(data, params["accumulate"],
                                  lambda publication, form: self.adoption_points(params, publication, form))
        yield from instruction_lines(data, params["instruction"])
        yield from self.depth_bonus(data, params)
        yield from self.solicitations(data, params)
        yield from self.quota_money(data, params)
        yield from self.direct_point_watch(data, params)

    def tallies(self, data, params):
        if params["accumulate"] != "sum":
            return None  # only an item's best adoption counts: that needs them one by one
        return self._tallies(data, params)

    def _tallies(self, data, params):
        """compute's totals, the item lines counted in SQL; the direct points' watch only
        flags (no points), so a preview leaves it out."""
        yield from adoption_tallies(data, lambda publication, form: self.adoption_points(
            params, publication, form))
        yield from instruction_tallies(data, params["instruction"])
        depth = params["depth_bonus"]
        if any(depth.values()):
            firsts = data.tally("first_adoptions_by_category", data.first_adoption_query()
                                .select_extend(Item.category.alias("category")), keys=("category",))
            yield from tallied_lines("depth", firsts, lambda key: depth.get(key[0]))
        bonus = params["solicitation_answer"]
        if bonus:
            on_time = data.tally("solicitation_answers_on_time", data.solicitation_answer_query())
            yield from tallied_lines("solicitation_answer", on_time, lambda key: bonus)
        yield from self.missed_solicitations(data, params, data.solicitations_due,
                                             data.solicitation_answers_due)
        yield from self.quota_money(data, params)

    def depth_bonus(self, data, params):
        """Once per item of a bonus category, in the period of its first adoption."""
        items = data.items
        for item_id, first in sorted(data.first_adoption_on.items()):
            if not data.period.contains(first):
                continue
            item = items[item_id]
            value = params["depth_bonus"].get(item.category)
            if not value:
                continue
            yield Line("depth", f"{CATEGORIES[item.category]}类信息{date_words(first)}被采用，"
                                f"深度信息加{fmt(value)}分",
                       points=value, item=item_id, ref=f"depth:{item_id}")

    def solicitations(self, data, params):
        solicitations = data.solicitations
        bonus, deduction = params["solicitation_answer"], params["solicitation_missed"]
        if bonus:
            for item_id in data.solicitation_items:
                item = data.items[item_id]
                solicitation = solicitations.get(item.solicitation)
                if solicitation is None or item.submitted_on > solicitation.due_on:
                    continue
                yield Line("solicitation_answer",
                           f"按时报送约稿「{solicitation.title}」（截止{date_words(solicitation.due_on)}），"
                           f"加{fmt(bonus)}分",
                           points=bonus, item=item_id,
                           ref=f"solicitation:{solicitation.id}:item:{item_id}")
        yield from self.missed_solicitations(data, params, solicitations,
                                             data.solicitation_answers if deduction else {})

    def missed_solicitations(self, data, params, solicitations, answers):
        """A deduction for each member unit a solicitation due in the period asked, that did
        not answer it by its due date."""
        deduction, period = params["solicitation_missed"], data.period
        if not deduction:
            return
        for solicitation in solicitations.values():
            if not period.contains(solicitation.due_on):
                continue
            answered = {unit_id for unit_id, day in answers.get(solicitation.id, ())
                        if day <= solicitation.due_on}
            for unit_id in solicitation.units:
                if unit_id not in data.units or unit_id in answered:
                    continue
                yield Line("solicitation_missed",
                           f"约稿「{solicitation.title}」截止{date_words(solicitation.due_on)}"
                           f"未报送，扣{fmt(deduction)}分",
                           points=-deduction, unit=unit_id,
                           ref=f"solicitation:{solicitation.id}:unit:{unit_id}")

    def quota_money(self, data, params):
        """Submissions above or below the yearly target, in 元: only in a whole-year run."""
        per_item = params["per_item_yuan"]
        if not data.period.is_full_year or not per_item:
            return
        submitted = data.submission_counts
        for unit_id, target in sorted(data.targets.items()):
            if unit_id not in data.units:
                continue
            count = submitted.get(unit_id, 0)
            difference = count - target.submit_target
            if not difference:
                continue
            yuan = per_item * difference
            if difference > 0:
                outcome = f"超出{difference}篇，奖励{fmt(yuan)}元"
            else:
                outcome = f"少{-difference}篇，扣罚{fmt(-yuan)}元"
            yield Line("quota", f"全年报送{count}篇，报送任务{target.submit_target}篇，{outcome}",
                       points=ZERO, yuan=yuan, unit=unit_id, ref=f"target:{unit_id}:{data.year}")

    def direct_point_watch(self, data, params):
        """Flag each direct point with a run of N or more months without an adoption."""
        period = data.period
        last_day = min(period.end, today())
        months = [(y, m) for y, m in period.months() if datetime.date(y, m, 1) <= last_day]
        watched = [u for u in data.units.values() if u.kind == "direct_point"]
        if not months or not watched:
            return
        adopted = defaultdict(int)
        items = data.items
        for adoption in data.adoptions:
            if not is_adopted(adoption.form):
                continue
            month = (adoption.adopted_on.year, adoption.adopted_on.month)
            for unit_id in items[adoption.item].units:
                adopted[(unit_id, month)] += 1
        needed = params["watch_months"]
        for unit in watched:
            run = []
            for month in months + [None]:
                if month is not None and not adopted[(unit.id, month)]:
                    run.append(month)
                    continue
                if len(run) >= needed:
                    (year, first), (_, last) = run[0], run[-1]
                    yield Flag("direct_point_watch",
                               f"{year}年{first}月至{last}月连续{len(run)}个月采用为零，建议调整直报点",
                               unit=unit.id, ref=f"direct_point:{unit.id}:{year}-{first:02d}")
                run = []


@hookimpl
def kaohe_rulesets():
    return [Environment()]

