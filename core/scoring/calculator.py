"""The calculator: runs a scheme's enabled rule sets over a period's data and adds up their results."""

from marshmallow import ValidationError

from kaohe.core.domain.errors import KaoheError, RecalcError
from kaohe.core.domain.progress import NoProgress
from kaohe.core.domain.sentences import listing, say
from kaohe.core.reads.data import PeriodData
from kaohe.core.reads.rows import ITEM_ROWS
from kaohe.core.scoring.distribution import Distribution
from kaohe.core.scoring.ranking import (
    apply_vetoes,
    award_reporters,
    award_units,
    convert,
    count_statistics,
    grade_reporters,
    grade_units,
    rank_units,
)
from kaohe.core.scoring.totals import UnitTotal
from kaohe.core.storage.schemes import enabled_rulesets, flat_messages


def _item_in_traceback(error):
    """The item a failing rule set was working on, found among its frames' variables."""
    tb = error.__traceback__
    frames = []
    while tb is not None:
        frames.append(tb.tb_frame)
        tb = tb.tb_next
    for frame in reversed(frames):
        for value in frame.f_locals.values():
            if isinstance(value, ITEM_ROWS):
                return value.item if hasattr(value, "item") else value.id
    return None


def double_scoring(scored):
    """Warnings for rules (of different rule sets, or rows of one) that gave points for the same
    adoption: e.g. `environment` enabled beside `provincial` scores every adoption twice."""
    pairs = {}
    for ref, rules in scored.items():
        if len(rules) > 1:
            key = tuple(sorted(rules))
            pairs[key] = pairs.get(key, 0) + 1
    return [say("{rules}对同一采用重复计分（{n}次），请确认是否应同时启用", n=n,
                rules=listing((say("规则集「{ruleset}」的规则「{rule}」", ruleset=s, rule=r) for s, r in key), "与"))
            for key, n in sorted(pairs.items())]


class Calculator:
    """Computes one scheme's results for one period from a configuration (nothing is stored)."""

    def __init__(self, registry, scheme, period, config, data=None, keep_lines=True, on_step=None):
        self.registry = registry
        self.on_step = on_step or NoProgress().update  # 1 after each rule set, and the ranking
        self.keep_lines = keep_lines  # False: totals, ranks and awards only (a preview)
        self.scheme = scheme
        self.period = period
        self.config = config
        self.data = data or PeriodData(scheme.id, period, scheme.year)
        self.scored_adoptions = {}  # filled while lines are kept: which rules scored each adoption
        self.warnings = []

    def enabled(self):
        return enabled_rulesets(self.config)

    def run(self):
        data = self.data
        units = data.units
        if not units:
            raise RecalcError(say("考核方案「{scheme}」没有成员单位", scheme=self.scheme.name))
        # The ranking's counts, read while the rule sets work; a preview's rule sets count the
        # adoptions by unit themselves (PeriodData.adoption_tally), which gives the tiers too.
        data.prefetch_counts(data.PREFETCHED if self.keep_lines else
                             ("submission_counts", "adopted_counts"))
        totals = {uid: UnitTotal(uid, u.code, u.name, u.pool) for uid, u in units.items()}
        reporter_totals = {}
        lines = []
        vetoes = []
        versions = {}
        for entry in self.enabled():
            name = entry["name"]
            ruleset = self.registry.ruleset(name)
            versions[name] = ruleset.version
            try:
                params = ruleset.load_params(entry.get("params"))
            except ValidationError as error:
                said = "；".join(f"{path}：{'，'.join(words)}"
                                 for path, words in flat_messages(error.messages, name))
                raise RecalcError(say("规则集「{ruleset}」的参数有误：{said}",
                    ruleset=ruleset.title, said=said), ruleset=name) from error
            results = self._compute(ruleset, params, tallied=not self.keep_lines)
            Distribution(self, name, params.get("joint_split", "equal"), totals,
                         reporter_totals, lines, vetoes).run(results)
            self.on_step(1)
        self.warnings = double_scoring(self.scored_adoptions)
        count_statistics(totals, data)
        rank_units(totals)
        convert(totals, self.config)
        apply_vetoes(totals, reporter_totals, vetoes, data.reporters)
        award_units(totals, self.config)
        award_reporters(reporter_totals, self.config)
        grade_units(totals, self.config, data.period)
        grade_reporters(reporter_totals, self.config, data.period)
        self.on_step(1)
        return totals, reporter_totals, lines, versions

    # ------------------------------------------------------------ running one rule set

    def _compute(self, ruleset, params, tallied=False):
        """The rule set's results; for a preview (`tallied`) its tallies when it offers them."""
        name = ruleset.name
        try:
            if tallied:
                results = ruleset.tallies(self.data, params)
                if results is not None:
                    return list(results)
            return list(ruleset.compute(self.data, params) or ())
        except KaoheError:
            raise
        except Exception as error:
            item_id = _item_in_traceback(error)
            where = ""
            if item_id is not None:
                item = self.data.items.get(item_id)
                where = say("在稿件 {item} 上", item=item.no if item else item_id)
            raise RecalcError(say("{who}{where}出错：{error_type}: {error}；本次计算未保存，"
                "已有结果保持不变",
                who=self.who(name), where=where, error_type=type(error).__name__, error=error),
                ruleset=name, item=item_id) from error

    def who(self, name):
        """规则集「x」, and the plugin it came from when that plugin is named otherwise."""
        info = getattr(self.registry, "ruleset_plugin", {}).get(name)
        return say("规则集「{name}」", name=name) if info is None or info.name == name else \
            say("规则集「{name}」（插件「{plugin}」）", name=name, plugin=info.name)
