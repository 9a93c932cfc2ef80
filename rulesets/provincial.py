"""`provincial` 省政府信息采用计分: points for adoptions by publication level and form, and for instructions."""

import itertools

from marshmallow import ValidationError, fields

from kaohe.plugins import (
    FORMS,
    LEVELS,
    ParamsSchema,
    RuleSet,
    choice,
    grid,
    hookimpl,
    joint_split,
    points,
    records,
    table,
)

from .common import adoption_lines, adoption_tallies, bare_name, instruction_lines, instruction_tallies

__all__ = ["Provincial", "bare_name", "kaohe_rulesets"]

SOURCE = "省政府办公厅政务信息采用计分办法（参照连云港、六安、衢州、广元、梅州通行标准）"

ADOPTION_DEFAULTS = {
    "national": {"full": 50, "combined": 20, "brief": 10, "forwarded": 10},
    "provincial": {"full": 20, "combined": 5, "brief": 3, "forwarded": 2},
    "city": {"full": 5, "combined": 2, "brief": 1, "forwarded": 0},
}
INSTRUCTION_DEFAULTS = {"national": 100, "provincial": 50, "city": 10, "county": 0}
OVERRIDE_DEFAULTS = [
    {"publication": "政务工作交流", "level": "provincial", "form": "full", "points": "30"},
    {"publication": "昨日要情", "level": "provincial", "form": "full", "points": "10"},
    {"publication": "专报信息", "level": "city", "form": "full", "points": "10"},
]


def _named(text):
    """A publication override must name a publication (marshmallow ignores a validator's False)."""
    if not bare_name(text):
        raise ValidationError("刊物名称不能为空")


class OverrideSchema(ParamsSchema):
    """One publication whose points for one form differ from its level's row."""
    publication = fields.String(required=True, validate=_named,
                                error_messages={"required": "必须填写刊物名称"},
                                metadata={"label": "刊物名称", "unit": "", "source": SOURCE})
    level = choice(LEVELS, "provincial", label="级别", source=SOURCE)
    form = choice(FORMS, "full", label="采用形式", source=SOURCE)
    points = points(0, label="分值", source=SOURCE)


class ProvincialParams(ParamsSchema):
    adoption = grid(LEVELS, FORMS, ADOPTION_DEFAULTS, label="采用计分（按刊物级别和采用形式）",
                    source=SOURCE)
    publication_overrides = records(
        OverrideSchema, OVERRIDE_DEFAULTS, label="特定刊物分值",
        source=f"{SOURCE}：《政务工作交流》全文30分，《昨日要情》全文10分，市《专报信息》全文10分")
    instruction = table(LEVELS, INSTRUCTION_DEFAULTS, label="领导批示计分（按批示领导级别，每级每篇计一次）",
                        source=SOURCE)
    accumulate = choice({"sum": "累加计分", "max": "按最高一次计分"}, "sum",
                        label="一篇稿件多次采用", source=SOURCE)
    joint_split = joint_split()


class Provincial(RuleSet):
    name = "provincial"
    title = "省政府信息采用计分"
    version = "1.0"
    description = ("按刊物级别和采用形式计分（国家级、省级、市级；全文、综合、简讯、上报），"
                   "特定刊物可单独设定分值；领导批示按批示领导级别每篇每级计一次。")
    params_schema = ProvincialParams

    def adoption_points(self, params, publication, form):
        for override in params["publication_overrides"]:
            if (override["level"] == publication.level and override["form"] == form
                    and bare_name(override["publication"]) == bare_name(publication.name)):
                return override["points"]
        return params["adoption"][publication.level][form]

    def compute(self, data, params):
        yield from adoption_lines(data, params["accumulate"],
                                  lambda publication, form: self.adoption_points(params, publication, form))
        yield from instruction_lines(data, params["instruction"])

    def tallies(self, data, params):
        if params["accumulate"] != "sum":
            return None  # only an item's best adoption counts: that needs them one by one
        return itertools.chain(
            adoption_tallies(data, lambda publication, form: self.adoption_points(
                params, publication, form)),
            instruction_tallies(data, params["instruction"]))


@hookimpl
def kaohe_rulesets():
    return [Provincial()]
