"""`environment` 环保系统政务信息考核与奖励办法: a preset of the rule kinds (adoptions, instructions,
depth, solicitations, quota money, direct points' watch)."""

from kaohe.plugins import (
    CATEGORIES,
    FORMS,
    LEVELS,
    ParamsSchema,
    Preset,
    choice,
    grid,
    hookimpl,
    integer,
    joint_split,
    points,
    table,
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


def _article(field):
    """The article a parameter rests on (its `source`), for the row it fills."""
    return EnvironmentParams._declared_fields[field].metadata["source"]


class Environment(Preset):
    """A preset of the rule kinds: an `item_points` table (level × form), `instruction_points`
    once per level, a first-adoption `item_points` table by category (depth), two `solicitation`
    rows, a whole-year `quota` in 元 and an `adoption_watch` of the direct points."""
    name = "environment"
    title = "环保系统政务信息考核与奖励办法"
    version = "1.1"
    description = ("环保系统的采用计分（生态环境部、国办、省政府、省生态环境厅刊物）与领导批示计分；"
                   "调研、问题、综合类信息被采用另加分；约稿按时报送加分、未报送扣分；"
                   "全年报送数与报送任务相比按篇奖惩（元）；信息直报点连续数月采用为零时提示调整。")
    params_schema = EnvironmentParams

    def rows(self, params):
        adoption = [{"levels": [level], "forms": [form], "points": str(value)}
                    for level, by_form in params["adoption"].items()
                    for form, value in by_form.items()]
        depth = [{"categories": [category], "points": str(value),
                  "label": f"{CATEGORIES[category]}类深度信息"}
                 for category, value in params["depth_bonus"].items() if value]
        per_item = str(params["per_item_yuan"])
        return [
            {"kind": "item_points", "name": "adoption", "label": "采用计分",
             "source": _article("adoption"),
             "params": {"counts": "adoption", "accumulate": params["accumulate"], "table": adoption}},
            {"kind": "instruction_points", "name": "instruction", "label": "领导批示计分",
             "source": _article("instruction"), "params": {"once": "per_level", "levels": {
                 level: str(value) for level, value in params["instruction"].items()}}},
            {"kind": "item_points", "name": "depth", "label": "深度信息加分",
             "source": _article("depth_bonus"),
             "params": {"counts": "first_adoption", "table": depth}},
            {"kind": "solicitation", "name": "solicitation_answer", "label": "按时报送约稿",
             "source": _article("solicitation_answer"),
             "params": {"answer": str(params["solicitation_answer"])}},
            {"kind": "solicitation", "name": "solicitation_missed", "label": "约稿未按时报送",
             "source": _article("solicitation_missed"),
             "params": {"missed": str(params["solicitation_missed"])}},
            {"kind": "quota", "name": "quota", "label": "报送任务奖惩", "unit": "元",
             "source": _article("per_item_yuan"),
             "params": {"measure": "submissions", "target_from": "targets", "periods": ["year"],
                        "per_missing": per_item, "per_extra": per_item}},
            {"kind": "adoption_watch", "name": "direct_point_watch", "label": "直报点连续采用为零",
             "source": _article("watch_months"),
             "params": {"months": params["watch_months"], "advice": "建议调整直报点",
                        "when": {"unit_kinds": ["direct_point"]}}},
        ]


@hookimpl
def kaohe_rulesets():
    return [Environment()]
