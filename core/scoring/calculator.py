"""The calculator: runs a scheme's enabled rule sets over a period's data and adds up their results."""

from decimal import ROUND_HALF_UP, Decimal

from marshmallow import ValidationError

from kaohe.core.domain.errors import KaoheError, RecalcError
from kaohe.core.domain.progress import NoProgress
from kaohe.core.domain.vocab import (
    CENT,
    ZERO,
    fmt,
    money,
)
from kaohe.core.reads.data import PeriodData
from kaohe.core.reads.rows import ITEM_ROWS
from kaohe.core.scoring.contract import Flag, Line, Tally, Veto
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
from kaohe.core.scoring.totals import ReporterTotal, UnitTotal
from kaohe.core.storage.schemes import enabled_rulesets


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

    def enabled(self):
        return enabled_rulesets(self.config)

    def run(self):
        data = self.data
        units = data.units
        if not units:
            raise RecalcError(f"考核方案「{self.scheme.name}」没有成员单位")
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
                raise RecalcError(f"规则集「{name}」的参数有误：{error.messages}", ruleset=name) from error
            results = self._compute(ruleset, params, tallied=not self.keep_lines)
            self._distribute(name, params.get("joint_split", "equal"), results, totals,
                             reporter_totals, lines, vetoes)
            self.on_step(1)
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
                where = f"在稿件 {item.no if item else item_id} 上"
            raise RecalcError(f"{self._who(name)}{where}出错：{type(error).__name__}: {error}；"
                              f"本次计算未保存，已有结果保持不变", ruleset=name, item=item_id) from error

    def _who(self, name):
        """规则集「x」, and the plugin it came from when that plugin is named otherwise."""
        info = getattr(self.registry, "ruleset_plugin", {}).get(name)
        return f"规则集「{name}」" if info is None or info.name == name else \
            f"规则集「{name}」（插件「{info.name}」）"

    def _bad(self, name, result, reason):
        item = getattr(result, "item", None)
        where = f"（稿件 {self.data.items[item].no}）" if item in self.data.items else ""
        raise RecalcError(f"{self._who(name)}返回了无效的计分行{where}：{reason}；本次计算未保存，"
                          f"已有结果保持不变", ruleset=name, item=item)

    def _check_line(self, name, line):
        if type(line.points) is not Decimal or type(line.yuan) is not Decimal:
            self._bad(name, line, f"分值应为 Decimal，实际为 {type(line.points).__name__}/"
                                  f"{type(line.yuan).__name__}")
        if not line.points.is_finite() or not line.yuan.is_finite():
            self._bad(name, line, "分值不是有限的数")
        if not isinstance(line.explanation, str) or not line.explanation.strip():
            self._bad(name, line, "缺少中文说明（explanation）")
        if not isinstance(line.rule, str) or not line.rule:
            self._bad(name, line, "缺少规则名（rule）")
        if line.item is not None and line.item not in self.data.items:
            self._bad(name, line, f"稿件 id {line.item!r} 不在本期数据中")
        if line.unit is not None and line.unit not in self.data.units:
            self._bad(name, line, f"单位 id {line.unit!r} 不是本方案的成员单位")
        if line.reporter is not None and line.reporter not in self.data.reporters:
            self._bad(name, line, f"信息员 id {line.reporter!r} 不属于本方案的成员单位")
        if line.item is None and line.unit is None and line.reporter is None:
            self._bad(name, line, "没有指明计给哪个稿件、单位或信息员")
        if line.to_authors and line.item is None:
            self._bad(name, line, "to_authors 需要指明稿件")

    def _distribute(self, name, joint_split, results, totals, reporter_totals, lines, vetoes):
        """Turn a rule set's results into stored lines, split joint reports, add up the totals.

        With ``keep_lines`` false (a preview) the totals are the same but no line is built.
        """
        named = {r.item for r in results if getattr(r, "item", None) is not None}
        # The period's items are read only when a result names one: tallies and unit lines
        # (a preview's, or a rule set's that scores urgent reports) need no item row.
        items = self.data.items if named else {}
        if not named.issubset(items):
            self.data.load_items(named)
        reporters = self.data.reporters
        members = self.data.members
        units = self.data.units
        keep = self.keep_lines
        append = lines.append
        equal = joint_split == "equal"
        # The checks of _check_line, inlined for the common case; a line failing any of them goes
        # through _check_line, which names the fault. Amounts already checked to be Decimals are
        # rounded with quantize directly (what money() does for them).
        _Decimal, _str = Decimal, str
        cent, half_up = CENT, ROUND_HALF_UP

        def credit_reporter(rid, points, yuan):
            total = reporter_totals.get(rid)
            if total is None:
                r = reporters[rid]
                total = reporter_totals[rid] = ReporterTotal(rid, r.code, r.name, r.unit)
            total.points += points
            total.yuan += yuan

        for result in results:
            kind = type(result)
            if kind is Line:
                p, y, item_id = result.points, result.yuan, result.item
                unit, reporter, text = result.unit, result.reporter, result.explanation
                if not (type(p) is _Decimal and type(y) is _Decimal and p.is_finite()
                        and y.is_finite() and type(text) is _str and text.strip()
                        and type(result.rule) is _str and result.rule
                        and (item_id is None or item_id in items)
                        and (unit is None or unit in units)
                        and (reporter is None or reporter in reporters)
                        and (item_id is not None or (unit is not None or reporter is not None)
                             and not result.to_authors)):
                    self._check_line(name, result)
                points, yuan = p.quantize(cent, half_up), y.quantize(cent, half_up)
                if unit is not None:
                    if keep:
                        append((unit, reporter, item_id, name, result.rule, "score",
                                points, yuan, result.ref, text))
                    total = totals[unit]
                    total.points += points
                    total.yuan += yuan
                    if reporter is not None:
                        credit_reporter(reporter, points, yuan)
                elif reporter is not None:
                    if keep:
                        append((None, reporter, item_id, name, result.rule, "score",
                                points, yuan, result.ref, text))
                    credit_reporter(reporter, points, yuan)
                elif result.to_authors:
                    authors = [a for a in items[item_id].authors if a in reporters]
                    if not authors:
                        continue
                    n = len(authors)
                    p_share, y_share = money(points / n), money(yuan / n)
                    if n > 1 and keep:
                        text += f"（作者{n}人，各{_amount_words(p_share, y_share)}）"
                    for rid in authors:
                        if keep:
                            append((None, rid, item_id, name, result.rule, "score", p_share,
                                    y_share, result.ref, text))
                        credit_reporter(rid, p_share, y_share)
                else:
                    item = items[item_id]
                    item_units = item.units
                    n = len(item_units)
                    if n > 1 and equal:
                        p_share = (points / n).quantize(cent, half_up)
                        y_share = (yuan / n).quantize(cent, half_up)
                        if keep:
                            text = f"{text}（合报{n}家，各{_amount_words(p_share, y_share)}）"
                    else:
                        p_share, y_share = points, yuan
                        if n > 1 and keep:
                            text = f"{text}（合报{n}家，每家全额计分）"
                    for uid in item_units:
                        if uid not in members:
                            continue
                        if keep:
                            append((uid, None, item_id, name, result.rule, "score", p_share,
                                    y_share, result.ref, text))
                        total = totals[uid]
                        total.points += p_share
                        total.yuan += y_share
                    if points and item.authors:
                        authors = [a for a in item.authors if a in reporters]
                        if authors:
                            share = (points / len(authors)).quantize(cent, half_up)
                            for rid in authors:
                                total = reporter_totals.get(rid)
                                if total is None:
                                    r = reporters[rid]
                                    total = reporter_totals[rid] = ReporterTotal(
                                        rid, r.code, r.name, r.unit)
                                total.points += share
                                total.yuan += ZERO
            elif kind is Tally:
                self._credit_tally(name, result, equal, totals, credit_reporter)
            elif kind is Veto:
                if not result.explanation or (result.unit is None and result.reporter is None):
                    self._bad(name, result, "一票否决需要说明，并指明单位或信息员")
                if result.unit is not None and result.unit not in self.data.units:
                    self._bad(name, result, f"单位 id {result.unit!r} 不是本方案的成员单位")
                if result.reporter is not None and result.reporter not in reporters:
                    self._bad(name, result, f"信息员 id {result.reporter!r} 不属于本方案的成员单位")
                vetoes.append(result)
                if keep:
                    append((result.unit, result.reporter, None, name, result.rule, "veto", ZERO,
                            ZERO, result.ref, result.explanation))
            elif kind is Flag:
                if not result.explanation or result.unit not in self.data.units:
                    self._bad(name, result, "提示需要说明，并指明本方案的成员单位")
                if keep:
                    append((result.unit, None, None, name, result.rule, "flag", ZERO, ZERO,
                            result.ref, result.explanation))
            else:
                self._bad(name, result, f"应为 Line、Veto 或 Flag，实际为 {kind.__name__}")

    def _credit_tally(self, name, tally, equal, totals, credit_reporter):
        """Add `count` lines' worth to one unit or reporter, as _distribute does line by line."""
        if self.keep_lines:
            self._bad(name, tally, "Tally 只用于预览（RuleSet.tallies），compute 应返回 Line")
        p, y, count = tally.points, tally.yuan, tally.count
        if not (type(p) is Decimal and type(y) is Decimal and p.is_finite() and y.is_finite()):
            self._bad(name, tally, "分值应为有限的 Decimal")
        if type(count) is not int or count < 0 or type(tally.share_of) is not int \
                or tally.share_of < 1 or type(tally.authors) is not int or tally.authors < 1:
            self._bad(name, tally, "count 应为非负整数，share_of 与 authors 应为正整数")
        if (tally.unit is None) == (tally.reporter is None):
            self._bad(name, tally, "一个 Tally 应指明单位或信息员之一")
        points, yuan = p.quantize(CENT, ROUND_HALF_UP), y.quantize(CENT, ROUND_HALF_UP)
        if tally.unit is not None:
            if tally.unit not in self.data.units:
                self._bad(name, tally, f"单位 id {tally.unit!r} 不是本方案的成员单位")
            n = tally.share_of
            if n > 1 and equal:
                points = (points / n).quantize(CENT, ROUND_HALF_UP)
                yuan = (yuan / n).quantize(CENT, ROUND_HALF_UP)
            total = totals[tally.unit]
            total.points += points * count
            total.yuan += yuan * count
        else:
            if tally.reporter not in self.data.reporters:
                self._bad(name, tally, f"信息员 id {tally.reporter!r} 不属于本方案的成员单位")
            if points and count:  # authors share an item line's points, never its 元
                share = (points / tally.authors).quantize(CENT, ROUND_HALF_UP)
                credit_reporter(tally.reporter, share * count, ZERO)


def _amount_words(points, yuan):
    parts = []
    if points or not yuan:
        parts.append(f"{fmt(points)}分")
    if yuan:
        parts.append(f"{fmt(yuan)}元")
    return "、".join(parts)
