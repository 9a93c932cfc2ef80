"""Conditions a rule row can name: what the data holds about an item, an adoption, an instruction or a unit."""

import datetime

from marshmallow import ValidationError, fields, validate

from kaohe.core.domain.params import BOOLEAN_ERRORS, LIST_ERRORS, ParamsSchema, _meta
from kaohe.core.domain.sentences import say
from kaohe.core.domain.vocab import CATEGORIES, FORMS, LEVELS, UNIT_KINDS
from kaohe.core.scoring.rules.sources import bare_name


def words(label, options=None, source=""):
    """A list of words (code names of `options` when given, else free words such as tags)."""
    inner = fields.String(validate=validate.OneOf(
        list(options), error="应为以下之一：" + "、".join(f"{k}（{v}）" for k, v in options.items()))
        if options else validate.Length(min=1, max=100, error="应为1到100个字"))
    return fields.List(inner, load_default=list, error_messages=LIST_ERRORS,
                       metadata=_meta(label, "", source, type="words", choices=options or {}))


def yes_no(label, source=""):
    """是/否/不限: None is "any"."""
    return fields.Boolean(load_default=None, allow_none=True, error_messages=BOOLEAN_ERRORS,
                          metadata=_meta(label, "", source, type="boolean"))


def _a_date(text):
    try:
        datetime.date.fromisoformat(str(text))
    except ValueError:
        raise ValidationError(say("日期格式应为 2025-03-08")) from None


class Condition(ParamsSchema):
    """What an event must be for a rule row to count it; an empty list means any."""
    levels = words("刊物级别", LEVELS)
    publications = words("刊物名称")
    forms = words("采用形式", FORMS)
    categories = words("稿件类别", CATEGORIES)
    tags = words("稿件标签（任一）")
    unit_kinds = words("单位类型", UNIT_KINDS)
    pools = words("考核组别")
    leader_levels = words("批示领导级别", LEVELS)
    leader_titles = words("批示领导（职务含以下任一词，如 秘书长）")
    leader_titles_not = words("批示领导（职务不含以下任何词）")
    negative = yes_no("负反馈")
    solicited = yes_no("约稿")
    from_date = fields.String(load_default=None, allow_none=True, validate=_a_date,
                              metadata=_meta("起始日期", "", "", type="date"))
    to_date = fields.String(load_default=None, allow_none=True, validate=_a_date,
                            metadata=_meta("截止日期", "", "", type="date"))


def condition(label="适用条件", source=""):
    """A parameter holding a :class:`Condition` (every check empty by default: any)."""
    return fields.Nested(Condition, load_default=lambda: Condition().load({}),
                         metadata=_meta(label, "", source, type="condition"))


class Match:
    """A loaded condition, tested against the data's rows (the checks it names, nothing else)."""

    def __init__(self, when, data):
        self.when, self.data = when or {}, data
        self.from_date = _day(self.when.get("from_date"))
        self.to_date = _day(self.when.get("to_date"))

    def _has(self, key):
        return bool(self.when.get(key))

    def item(self, item):
        w = self.when
        if w.get("categories") and item.category not in w["categories"]:
            return False
        if w.get("tags") and not set(getattr(item, "tags", ())) & set(w["tags"]):
            return False
        if w.get("negative") is not None and bool(item.negative) != w["negative"]:
            return False
        if w.get("solicited") is not None and (item.solicitation is not None) != w["solicited"]:
            return False
        if self._has("unit_kinds") or self._has("pools"):
            units = self.data.units
            if not any(self.unit(units[u]) for u in item.units if u in units):
                return False
        return True

    def unit(self, unit):
        w = self.when
        if w.get("unit_kinds") and unit.kind not in w["unit_kinds"]:
            return False
        return not (w.get("pools") and unit.pool not in w["pools"])

    def publication(self, publication, form):
        w = self.when
        if w.get("levels") and publication.level not in w["levels"]:
            return False
        if w.get("forms") and form not in w["forms"]:
            return False
        return not (w.get("publications") and bare_name(publication.name)
                    not in {bare_name(n) for n in w["publications"]})

    def leader(self, level, title=""):
        """The instruction's leader: its level, and the words of its title (批示领导, e.g.
        市政府副秘书长 李某) that the row asks for or excludes."""
        w, title = self.when, title or ""
        if w.get("leader_levels") and level not in w["leader_levels"]:
            return False
        if w.get("leader_titles") and not any(word in title for word in w["leader_titles"]):
            return False
        return not any(word in title for word in w.get("leader_titles_not") or ())

    def day(self, day):
        return not ((self.from_date and day < self.from_date)
                    or (self.to_date and day > self.to_date))


def _day(text):
    return datetime.date.fromisoformat(text) if text else None
