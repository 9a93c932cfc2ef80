"""`provincial` 省政府信息采用计分: points for adoptions by publication level and form, and for instructions."""

from marshmallow import ValidationError, fields

from kaohe.plugins import (
    FORMS,
    LEVELS,
    ParamsSchema,
    Preset,
    bare_name,
    choice,
    grid,
    hookimpl,
    joint_split,
    points,
    records,
    say,
    table,
)

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
        raise ValidationError(say("刊物名称不能为空"))


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


class Provincial(Preset):
    """A preset of the rule kinds: an `item_points` table (the publication overrides first,
    then the level × form grid) and `instruction_points` once per level."""
    name = "provincial"
    title = "省政府信息采用计分"
    version = "1.0"
    description = ("按刊物级别和采用形式计分（国家级、省级、市级；全文、综合、简讯、上报），"
                   "特定刊物可单独设定分值；领导批示按批示领导级别每篇每级计一次。")
    params_schema = ProvincialParams

    def rows(self, params):
        table = [{"publications": [o["publication"]], "levels": [o["level"]], "forms": [o["form"]],
                  "points": str(o["points"])} for o in params["publication_overrides"]]
        table += [{"levels": [level], "forms": [form], "points": str(value)}
                  for level, by_form in params["adoption"].items()
                  for form, value in by_form.items()]
        return [
            {"kind": "item_points", "name": "adoption", "label": "采用计分", "source": SOURCE,
             "params": {"counts": "adoption", "accumulate": params["accumulate"], "table": table}},
            {"kind": "instruction_points", "name": "instruction", "label": "领导批示计分",
             "source": SOURCE, "params": {"once": "per_level", "levels": {
                 level: str(value) for level, value in params["instruction"].items()}}},
        ]


@hookimpl
def kaohe_rulesets():
    return [Provincial()]
