"""Recalculation: run a scheme's rule sets over a period, rank, award, and store a score run."""

import contextlib
import gc
import json
import logging
import os
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from marshmallow import ValidationError
from peewee import OperationalError

from kaohe.core.domain.errors import KaoheError, RecalcError
from kaohe.core.domain.periods import parse_period
from kaohe.core.domain.progress import NoProgress, no_progress
from kaohe.core.domain.vocab import (
    CENT,
    TIE_BREAK_TIERS,
    ZERO,
    fmt,
    money,
    percent,
    pool_label,
    to_cents,
)
from kaohe.core.reads.data import ITEM_ROWS, PeriodData, by_ids
from kaohe.core.scoring.contract import Flag, Line, Tally, Veto
from kaohe.core.storage import revision
from kaohe.core.storage.db import bulk_insert, db, is_sqlite
from kaohe.core.storage.models import (
    Item,
    ParameterVersion,
    Reporter,
    ReporterResult,
    Scheme,
    ScoreLine,
    ScoreRun,
    Unit,
    UnitResult,
    now,
)
from kaohe.core.storage.schemes import current_version

log = logging.getLogger("kaohe.engine")

RATE_PLACES = Decimal("0.0001")
TIER_OF_LEVEL = {level: tier for tier, _label, levels in TIE_BREAK_TIERS for level in levels}


@dataclass
class UnitTotal:
    """One unit's result in a run (before or after storing)."""
    unit: int
    code: str
    name: str
    pool: str
    points: Decimal = ZERO
    yuan: Decimal = ZERO
    submitted: int = 0
    adopted: int = 0
    adoption_rate: Decimal = Decimal("0.0000")
    national: int = 0
    provincial: int = 0
    city: int = 0
    rank: int = 0
    tie_break: str = ""
    converted: Decimal | None = None
    vetoed: bool = False
    veto_reason: str = ""
    award_rank: int | None = None
    award_note: str = ""


@dataclass
class ReporterTotal:
    reporter: int
    code: str
    name: str
    unit: int
    points: Decimal = ZERO
    yuan: Decimal = ZERO
    rank: int = 0
    vetoed: bool = False
    veto_reason: str = ""
    award_rank: int | None = None
    award_note: str = ""


@dataclass
class Outcome:
    """Everything a recalculation computed; `run` is set once it is stored."""
    scheme: object
    period: object
    version: object
    units: dict  # unit id -> UnitTotal
    reporters: dict  # reporter id -> ReporterTotal
    lines: list  # tuples in STORED_LINE order
    ruleset_versions: dict
    fingerprint: str
    seconds: float = 0.0
    run: object = None
    flags: list = field(default_factory=list)

    def ranking(self, pool=None):
        rows = sorted(self.units.values(), key=lambda u: (u.pool, u.rank))
        return [u for u in rows if pool is None or u.pool == pool]


# The columns of a stored score line, in the order the engine builds them.
STORED_LINE = ("unit", "reporter", "item", "ruleset", "rule", "kind", "points", "yuan", "ref",
               "explanation")


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
        self._statistics(totals)
        self._rank(totals)
        self._convert(totals)
        self._apply_vetoes(totals, reporter_totals, vetoes)
        self._award_units(totals)
        self._award_reporters(reporter_totals)
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

    # ------------------------------------------------------------ statistics, ranks, awards

    def _statistics(self, totals):
        data = self.data
        for uid, count in data.submission_counts.items():
            total = totals.get(uid)
            if total is not None:
                total.submitted = count
        for uid, count in data.adopted_counts.items():
            total = totals.get(uid)
            if total is not None:
                total.adopted = count
        for (uid, level), count in data.tier_counts.items():
            tier = TIER_OF_LEVEL.get(level)
            total = totals.get(uid)
            if tier is not None and total is not None:
                setattr(total, tier, getattr(total, tier) + count)
        for total in totals.values():
            if total.submitted:
                total.adoption_rate = (Decimal(total.adopted) / Decimal(total.submitted)).quantize(
                    RATE_PLACES)

    def _rank(self, totals):
        rank_units(totals)

    def _convert(self, totals):
        conversion = self.config.get("conversion") or {}
        if not conversion.get("enabled"):
            return
        maximum = money(conversion.get("max_points", "4"))
        best = defaultdict(lambda: ZERO)
        for total in totals.values():
            best[total.pool] = max(best[total.pool], total.points)
        for total in totals.values():
            top = best[total.pool]
            total.converted = money(total.points / top * maximum) if top > 0 and total.points > 0 \
                else ZERO

    def _apply_vetoes(self, totals, reporter_totals, vetoes):
        for veto in vetoes:
            if veto.unit is not None:
                total = totals[veto.unit]
                total.vetoed = True
                total.veto_reason = _join(total.veto_reason, veto.explanation)
            if veto.reporter is not None:
                total = reporter_totals.get(veto.reporter)
                if total is None:
                    r = self.data.reporters[veto.reporter]
                    total = reporter_totals[veto.reporter] = ReporterTotal(
                        veto.reporter, r.code, r.name, r.unit)
                total.vetoed = True
                total.veto_reason = _join(total.veto_reason, veto.explanation)

    def _award_units(self, totals):
        awards = self.config.get("awards") or {}
        quotas = awards.get("units") or {}
        default = int(awards.get("default_units", 3))
        pools = defaultdict(list)
        for total in totals.values():
            pools[total.pool].append(total)
        for pool, members in pools.items():
            quota = int(quotas.get(pool, default))
            members.sort(key=lambda t: t.rank)
            given = 0
            for total in members:
                if total.vetoed:
                    total.award_note = f"一票否决，不参加评先：{total.veto_reason}"
                elif total.points <= 0:
                    total.award_note = "总分不为正，不参加评先"
                elif given < quota:
                    given += 1
                    total.award_rank = given
                    total.award_note = f"{pool_label(pool)}先进单位第{given}名"

    def _award_reporters(self, reporter_totals):
        quota = int((self.config.get("awards") or {}).get("reporters", 10))
        ranked = sorted(reporter_totals.values(), key=lambda r: (-r.points, r.code))
        given = 0
        for position, total in enumerate(ranked, 1):
            total.rank = position
            if total.vetoed:
                total.award_note = f"一票否决，不参加评先：{total.veto_reason}"
            elif total.points <= 0:
                total.award_note = "得分不为正，不参加评先"
            elif given < quota:
                given += 1
                total.award_rank = given
                total.award_note = f"先进个人第{given}名"


def rank_units(totals):
    """Rank UnitTotals within their pools (setting `rank` and `tie_break`), as every run does.

    Ties in points are broken by more national, then provincial, then city adoptions, then the
    adoption rate, then the unit code; the deciding criterion is written in `tie_break`.
    """
    pools = defaultdict(list)
    for total in totals.values():
        pools[total.pool].append(total)
    for members in pools.values():
        members.sort(key=_rank_key)
        for position, total in enumerate(members, 1):
            total.rank = position
        for above, below in zip(members, members[1:]):
            if above.points == below.points:
                reason = _tie_reason(above, below)
                below.tie_break = f"与{above.name}同分（{fmt(above.points)}分），{reason}，排其后"
                if not above.tie_break:
                    above.tie_break = f"与{below.name}同分，{reason}，排其前"


def _rank_key(total):
    return (-total.points, -total.national, -total.provincial, -total.city, -total.adoption_rate,
            total.code)


def _tie_reason(above, below):
    for attr, label, _levels in TIE_BREAK_TIERS:
        a, b = getattr(above, attr), getattr(below, attr)
        if a != b:
            return f"{label}采用{a}篇多于{b}篇"
    if above.adoption_rate != below.adoption_rate:
        return (f"采用率{percent(above.adoption_rate)}高于{percent(below.adoption_rate)}")
    return f"各项相同，按单位代码 {above.code} 先于 {below.code}"



def _amount_words(points, yuan):
    parts = []
    if points or not yuan:
        parts.append(f"{fmt(points)}分")
    if yuan:
        parts.append(f"{fmt(yuan)}元")
    return "、".join(parts)


def _join(old, new):
    return f"{old}；{new}" if old else new



# ---------------------------------------------------------------- the public calls

def enabled_rulesets(config):
    """The entries of a configuration's rule sets that are switched on, in their order."""
    return [e for e in config.get("rulesets") or [] if e.get("enabled", True)]


def compute(registry, scheme, period=None, config=None, data=None, on_step=None):
    """Compute a scheme's results for a period without storing anything (a preview).

    `on_step`, if given, is called with 1 after each enabled rule set and after the ranking.
    """
    period = _period_of(scheme, period)
    version = current_version(scheme)
    return _outcome(registry, scheme, period, version, config, data, keep_lines=True,
                    on_step=on_step)


def preview(registry, scheme, period=None, config=None, before_config=None):
    """(before, after) outcomes of a parameter change, from one read of the period's rows.

    `before_config` defaults to the scheme's current parameters, `config` (the change) too.
    Nothing is stored and no score line is built: each outcome has the units' and reporters'
    totals, ranks and awards (the same as :func:`compute` gives) and an empty ``lines``.
    """
    period = _period_of(scheme, period)
    version = current_version(scheme)
    data = _preview_data(scheme, period)
    before = _outcome(registry, scheme, period, version, before_config, data, keep_lines=False)
    after = _outcome(registry, scheme, period, version, config, data, keep_lines=False)
    return before, after


# The rows of the period last previewed, kept while the data's revision holds: an administrator
# tunes by previewing one value after another, and at a province's scale reading the period is
# most of a preview's time. One period at a time (it can take hundreds of MB), for a while.
_PREVIEW_DATA = {}
_PREVIEW_LOCK = threading.Lock()


def _preview_seconds():
    try:
        return float(os.environ.get("KAOHE_PREVIEW_CACHE_SECONDS", "900"))
    except ValueError:
        return 900.0


def _preview_data(scheme, period):
    """The period's rows for a preview: those of the previous preview when no data has changed.

    The revision is read before any row, so a change committed while the rows are read can only
    make the next preview read them again, never reuse rows older than their revision. Not
    inside a transaction: its uncommitted changes may still be rolled back.
    """
    seconds = _preview_seconds()
    stamp = None if seconds <= 0 or db.in_transaction() else revision.current()
    if stamp is None:
        return PeriodData(scheme.id, period, scheme.year)
    key = (str(db.obj.database), stamp, scheme.id, scheme.year, period.label)
    moment = time.monotonic()
    with _PREVIEW_LOCK:
        entry = _PREVIEW_DATA.get(key)
        if entry is not None and entry[0] > moment:
            _PREVIEW_DATA[key] = (moment + seconds, entry[1])
            return entry[1]
        _PREVIEW_DATA.clear()
        data = PeriodData(scheme.id, period, scheme.year)
        _PREVIEW_DATA[key] = (moment + seconds, data)
        return data


def forget_previews():
    """Drop the rows kept for previews (tests, or to free the memory at once)."""
    with _PREVIEW_LOCK:
        _PREVIEW_DATA.clear()


def _outcome(registry, scheme, period, version, config, data, keep_lines, on_step=None):
    started = time.perf_counter()
    config = config if config is not None else version.config
    calculator = Calculator(registry, scheme, period, config, data=data, keep_lines=keep_lines,
                            on_step=on_step)
    with _collector_paused():
        totals, reporter_totals, lines, versions = calculator.run()
        extra = json.dumps({"config": config, "versions": versions, "period": period.label,
                            "members": sorted(calculator.data.members)}, sort_keys=True).encode()
        fingerprint = calculator.data.fingerprint(extra)
    outcome = Outcome(scheme, period, version, totals, reporter_totals, lines, versions,
                      fingerprint)
    outcome.seconds = time.perf_counter() - started
    return outcome


@contextlib.contextmanager
def _collector_paused():
    """Pause the cyclic garbage collector while a run builds millions of rows that hold no cycles.

    Each collection walks every live container, so with a million items loaded the collector
    would run hundreds of times over an ever larger heap: a third of a run's time at that size.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _period_of(scheme, period):
    period = parse_period(period if period is not None else scheme.year)
    if period.year != scheme.year:
        raise KaoheError(f"期间 {period.label} 不在考核方案「{scheme.name}」的年度 {scheme.year} 内")
    return period


def recalculate(registry, scheme, period=None, author="", note="", progress=None):
    """Compute and store a score run in one transaction; on any failure nothing is stored.

    `progress(label, total)`, if given, makes a context whose ``update(n)`` is told how far the
    scoring (one step per rule set, one for the ranking) and then the storing (rows) have got:
    ``kaohe recalc`` draws its progress bars with it.
    """
    progress = progress or no_progress
    started = time.perf_counter()
    stamp = None if db.in_transaction() else revision.current()  # before any row is read
    steps = len(enabled_rulesets(current_version(scheme).config)) + 1
    with progress("计分", steps) as bar:
        outcome = compute(registry, scheme, period, on_step=bar.update)
    try:
        with _storing(stamp, outcome):
            run = ScoreRun.create(
                scheme=scheme, period=outcome.period.label, period_start=outcome.period.start,
                period_end=outcome.period.end, parameter_version=outcome.version,
                ruleset_versions=outcome.ruleset_versions, fingerprint=outcome.fingerprint,
                created_by=author, created_at=now(), note=note, line_count=len(outcome.lines))
            rows = len(outcome.lines) + len(outcome.units) + len(outcome.reporters)
            with _collector_paused(), progress("保存", rows) as bar:
                _store(run, outcome, on_rows=bar.update)
            run.seconds = Decimal(str(round(time.perf_counter() - started, 3)))
            run.save(only=[ScoreRun.seconds])
    except OperationalError as error:
        # SQLite lets one writer at a time; another run or an import held it past busy_timeout.
        if "locked" not in str(error) and "busy" not in str(error):
            raise
        raise RecalcError("数据库正忙：另一次计算或导入正在写入，等待超时；"
                          "本次计算未保存，已有结果保持不变，请稍后再试") from error
    outcome.run = run
    outcome.seconds = time.perf_counter() - started
    try:
        registry.hook.kaohe_run_stored(run=run, scheme=scheme)
    except Exception:  # a listener's failure must not undo a stored run
        log.exception("a kaohe_run_stored hook failed for run %s", run.id)
    return outcome



@contextlib.contextmanager
def _storing(stamp, outcome):
    """The transaction a run is stored in, its references checked once for the whole run.

    SQLite checks a row's foreign keys as it is inserted: for a province's run that is a third
    of a million lookups of items, units and reporters that the run has just read. When the data
    revision taken before reading is unchanged once the write lock is held, every row the run
    names still exists, so the checks are switched off for the transaction; when it moved (a
    clerk saved an item meanwhile), the references are looked up in one batch per table and a
    deleted one fails the run, naming it. On PostgreSQL the same batch check names what was
    deleted, and the database still checks each row; inside a caller's transaction (where the
    pragma cannot change) only the database checks.
    """
    fast = stamp is not None and is_sqlite()  # (no stamp inside a caller's transaction)
    if fast:
        db.execute_sql("PRAGMA foreign_keys = OFF")
    try:
        # On SQLite the write lock first, so that nothing changes after the check.
        with db.atomic(lock_type="IMMEDIATE") if fast else db.atomic():
            if stamp is not None:
                _check_references(outcome, data_changed=revision.current() != stamp)
            yield
    finally:
        if fast:
            db.execute_sql("PRAGMA foreign_keys = ON")


def _check_references(outcome, data_changed):
    """Fail unless the scheme, the parameter version and (when the data changed) every unit,
    reporter and item the run names still exist."""
    gone = []
    if not Scheme.select().where(Scheme.id == outcome.scheme.id).exists() or \
            not ParameterVersion.select().where(ParameterVersion.id == outcome.version.id).exists():
        gone.append("考核方案或其参数版本")
    if data_changed:
        named = {Unit: set(outcome.units), Reporter: set(outcome.reporters), Item: set()}
        for unit, reporter, item, *_rest in outcome.lines:
            if unit is not None:
                named[Unit].add(unit)
            if reporter is not None:
                named[Reporter].add(reporter)
            if item is not None:
                named[Item].add(item)
        words = {Unit: "单位", Reporter: "信息员", Item: "稿件"}
        for model, ids in named.items():
            found = {r[0] for r in by_ids(model.select(model.id), model.id, sorted(ids))}
            missing = sorted(ids - found)
            if missing:
                shown = "、".join(map(str, missing[:5])) + ("等" if len(missing) > 5 else "")
                gone.append(f"{words[model]}（id {shown}）")
    if gone:
        raise RecalcError(f"计算期间{'、'.join(gone)}已被删除；本次计算未保存，已有结果保持不变，"
                          f"请重新计算")


def _store(run, outcome, on_rows=None):
    run_id = run.id
    unit_rows = [
        (run_id, t.unit, t.pool, to_cents(t.points), to_cents(t.yuan), t.rank, t.submitted, t.adopted,
         str(t.adoption_rate), t.national, t.provincial, t.city, t.tie_break,
         None if t.converted is None else to_cents(t.converted), t.vetoed, t.veto_reason,
         t.award_rank, t.award_note)
        for t in outcome.units.values()
    ]
    bulk_insert(UnitResult, ["run", "unit", "pool", "points", "yuan", "rank", "submitted",
                             "adopted", "adoption_rate", "national", "provincial", "city",
                             "tie_break", "converted", "vetoed", "veto_reason", "award_rank",
                             "award_note"], unit_rows, on_rows=on_rows)
    reporter_rows = [
        (run_id, r.reporter, to_cents(r.points), to_cents(r.yuan), r.rank, r.vetoed, r.veto_reason,
         r.award_rank, r.award_note)
        for r in outcome.reporters.values()
    ]
    bulk_insert(ReporterResult, ["run", "reporter", "points", "yuan", "rank", "vetoed",
                                 "veto_reason", "award_rank", "award_note"], reporter_rows,
                on_rows=on_rows)
    line_rows = [
        (run_id, unit, reporter, item, ruleset, rule, kind, to_cents(points), to_cents(yuan),
         ref, text)
        for unit, reporter, item, ruleset, rule, kind, points, yuan, ref, text in outcome.lines
    ]
    bulk_insert(ScoreLine, ["run", "unit", "reporter", "item", "ruleset", "rule", "kind", "points",
                            "yuan", "ref", "explanation"], line_rows, on_rows=on_rows)

