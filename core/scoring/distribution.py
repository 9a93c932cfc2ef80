"""Distribution: a rule set's results become stored lines and are added to the units' and reporters' totals."""

from decimal import ROUND_HALF_UP, Decimal

from kaohe.core.domain.errors import RecalcError
from kaohe.core.domain.sentences import Sentence, listing, say
from kaohe.core.domain.vocab import CENT, ZERO, fmt
from kaohe.core.scoring.contract import MAX_AMOUNT, Flag, Line, Tally, Veto
from kaohe.core.scoring.totals import ReporterTotal

_HALF_UP = ROUND_HALF_UP


def _share(amount, n):
    """One of `n` equal shares of an amount already in cents, rounded half up to the cent."""
    return (amount / n).quantize(CENT, _HALF_UP)


def item_unit_shares(item, points, yuan, equal):
    """(points, yuan) each member unit of an item line gets: an equal share of a joint report
    (``joint_split: equal``, rounded half up to the cent) or the whole (``full``)."""
    n = len(item.units)
    if n > 1 and equal:
        return _share(points, n), _share(yuan, n)
    return points, yuan


def amount_words(points, yuan):
    """"10分", "100元" or "10分、100元": how a share is named in a sentence (a Sentence)."""
    parts = []
    if points or not yuan:
        parts.append(say("{amount}{unit}", amount=fmt(points), unit="分"))
    if yuan:
        parts.append(say("{amount}{unit}", amount=fmt(yuan), unit="元"))
    return parts[0] if len(parts) == 1 else listing(parts, "、")


class Distribution:
    """Hands one rule set's results to their receivers (see :class:`Line` for who receives what).

    Joint reports are split among all of an item's units and authors, members or not; only the
    member units and the members' reporters are credited (the others' shares are not handed on).
    With ``keep_lines`` false (a preview) the totals are the same but no line is built.
    """

    def __init__(self, calculator, name, joint_split, totals, reporter_totals, lines, vetoes):
        data = calculator.data
        self.calculator, self.name = calculator, name
        self.equal = joint_split == "equal"
        self.totals, self.reporter_totals = totals, reporter_totals
        self.lines, self.vetoes = lines, vetoes
        self.keep = calculator.keep_lines
        self.units, self.members, self.reporters = data.units, data.members, data.reporters
        self.items = {}
        self.data = data
        self.scored = calculator.scored_adoptions  # "adoption:12" -> {(rule set, rule)}
        # The sentences of joint reports' and authors' shares, made once per (sentence, how
        # many, shares): a line's sentence is itself shared by the lines of one kind of adoption.
        self.shared = {}

    def run(self, results):
        """Credit and record the rule set's `results` (a list, emptied as it is read)."""
        named = {r.item for r in results if getattr(r, "item", None) is not None}
        # The period's items are read only when a result names one: tallies and unit lines
        # (a preview's, or a rule set's that scores urgent reports) need no item row.
        if named:
            self.items = self.data.items
            if not named.issubset(self.items):
                self.data.load_items(named)
        handlers = {Line: self.line, Tally: self.tally, Veto: self.veto, Flag: self.flag}
        # Each result is let go of once it is handled: at a million items a rule set's results
        # are a third of a million objects that the lines built from them would otherwise
        # double, at the run's peak of memory.
        for index, result in enumerate(results):
            results[index] = None
            handler = handlers.get(type(result))
            if handler is None:
                self.bad(result, f"应为 Line、Veto 或 Flag，实际为 {type(result).__name__}")
            handler(result)

    # ------------------------------------------------------------ crediting

    def credit_unit(self, uid, points, yuan):
        total = self.totals[uid]
        total.points += points
        total.yuan += yuan

    def credit_reporter(self, rid, points, yuan):
        total = self.reporter_totals.get(rid)
        if total is None:
            r = self.reporters[rid]
            total = self.reporter_totals[rid] = ReporterTotal(rid, r.code, r.name, r.unit)
        total.points += points
        total.yuan += yuan

    def store(self, unit, reporter, item, result, points, yuan, text, kind="score"):
        self.lines.append((unit, reporter, item, self.name, result.rule, kind, points, yuan,
                           result.ref, text))

    # ------------------------------------------------------------ lines

    def line(self, result):
        p, y, item_id = result.points, result.yuan, result.item
        unit, reporter, text = result.unit, result.reporter, result.explanation
        # The checks of check_line, inlined for the common case; a line failing any of them goes
        # through check_line, which names the fault.
        if not (type(p) is Decimal and type(y) is Decimal and p.is_finite() and y.is_finite()
                and -MAX_AMOUNT <= p <= MAX_AMOUNT and -MAX_AMOUNT <= y <= MAX_AMOUNT
                and (type(text) is Sentence or type(text) is str) and text.strip()
                and type(result.rule) is str and result.rule
                and (item_id is None or item_id in self.items)
                and (unit is None or unit in self.units)
                and (reporter is None or reporter in self.reporters)
                and (item_id is not None or (unit is not None or reporter is not None)
                     and not result.to_authors)):
            self.check_line(result)
        points, yuan = p.quantize(CENT, _HALF_UP), y.quantize(CENT, _HALF_UP)
        if unit is not None:
            if self.keep:
                self.store(unit, reporter, item_id, result, points, yuan, text)
            self.credit_unit(unit, points, yuan)
            if reporter is not None:
                self.credit_reporter(reporter, points, yuan)
        elif reporter is not None:
            if self.keep:
                self.store(None, reporter, item_id, result, points, yuan, text)
            self.credit_reporter(reporter, points, yuan)
        elif result.to_authors:
            self.to_authors(result, self.items[item_id], points, yuan, text)
        else:
            if self.keep and (points or yuan) and result.ref[:9] == "adoption:":
                self.scored.setdefault(result.ref, set()).add((self.name, result.rule))
            self.to_item_units(result, self.items[item_id], points, yuan, text)

    def to_authors(self, result, item, points, yuan, text):
        """A line for the item's authors: each of them gets 1/n, n counting every author."""
        n = len(item.authors)
        credited = [a for a in item.authors if a in self.reporters]
        if not credited:
            return
        p_share, y_share = _share(points, n), _share(yuan, n)
        if n > 1 and self.keep:
            key = (text, "authors", n, p_share, y_share)
            said = self.shared.get(key)
            if said is None:
                said = self.shared[key] = say("{line}（作者{n}人，各{share}）", line=text, n=n,
                                              share=amount_words(p_share, y_share))
            text = said
        for rid in credited:
            if self.keep:
                self.store(None, rid, item.id, result, p_share, y_share, text)
            self.credit_reporter(rid, p_share, y_share)

    def to_item_units(self, result, item, points, yuan, text):
        """An item line: split among the item's units as `joint_split` says, and its points
        among all its authors for the individual ranking (members' reporters credited)."""
        n = len(item.units)
        p_share, y_share = item_unit_shares(item, points, yuan, self.equal)
        if n > 1 and self.keep:
            key = (text, n, p_share, y_share)
            said = self.shared.get(key)
            if said is None:
                said = self.shared[key] = say("{line}（合报{n}家，各{share}）", line=text, n=n,
                                              share=amount_words(p_share, y_share)) \
                    if self.equal else say("{line}（合报{n}家，每家全额计分）", line=text, n=n)
            text = said
        members = self.members
        for uid in item.units:
            if uid in members:
                if self.keep:
                    self.store(uid, None, item.id, result, p_share, y_share, text)
                self.credit_unit(uid, p_share, y_share)
        if points and item.authors:
            share = _share(points, len(item.authors))
            for rid in item.authors:
                if rid in self.reporters:
                    self.credit_reporter(rid, share, ZERO)

    # ------------------------------------------------------------ tallies, vetoes, flags

    def tally(self, tally):
        """Add `count` lines' worth to one unit or reporter, as :meth:`line` does line by line."""
        if self.keep:
            self.bad(tally, "Tally 只用于预览（RuleSet.tallies），compute 应返回 Line")
        p, y, count = tally.points, tally.yuan, tally.count
        if not (type(p) is Decimal and type(y) is Decimal and p.is_finite() and y.is_finite()):
            self.bad(tally, "分值应为有限的 Decimal")
        if abs(p) > MAX_AMOUNT or abs(y) > MAX_AMOUNT:
            self.bad(tally, f"分值超出范围：{p} 分、{y} 元（每一行的绝对值不能超过 {MAX_AMOUNT}）")
        if type(count) is not int or count < 0 or type(tally.share_of) is not int \
                or tally.share_of < 1 or type(tally.authors) is not int or tally.authors < 1:
            self.bad(tally, "count 应为非负整数，share_of 与 authors 应为正整数")
        if (tally.unit is None) == (tally.reporter is None):
            self.bad(tally, "一个 Tally 应指明单位或信息员之一")
        points, yuan = p.quantize(CENT, _HALF_UP), y.quantize(CENT, _HALF_UP)
        if tally.unit is not None:
            if tally.unit not in self.units:
                self.bad(tally, f"单位 id {tally.unit!r} 不是本方案的成员单位")
            n = tally.share_of
            if n > 1 and self.equal:
                points, yuan = _share(points, n), _share(yuan, n)
            self.credit_unit(tally.unit, points * count, yuan * count)
        else:
            if tally.reporter not in self.reporters:
                self.bad(tally, f"信息员 id {tally.reporter!r} 不属于本方案的成员单位")
            if points and count:  # authors share an item line's points, never its 元
                self.credit_reporter(tally.reporter, _share(points, tally.authors) * count, ZERO)

    def veto(self, result):
        if not result.explanation or (result.unit is None and result.reporter is None):
            self.bad(result, "一票否决需要说明，并指明单位或信息员")
        if result.unit is not None and result.unit not in self.units:
            self.bad(result, f"单位 id {result.unit!r} 不是本方案的成员单位")
        if result.reporter is not None and result.reporter not in self.reporters:
            self.bad(result, f"信息员 id {result.reporter!r} 不属于本方案的成员单位")
        self.vetoes.append(result)
        if self.keep:
            self.store(result.unit, result.reporter, None, result, ZERO, ZERO, result.explanation,
                       kind="veto")

    def flag(self, result):
        if not result.explanation or result.unit not in self.units:
            self.bad(result, "提示需要说明，并指明本方案的成员单位")
        if self.keep:
            self.store(result.unit, None, None, result, ZERO, ZERO, result.explanation,
                       kind="flag")

    # ------------------------------------------------------------ faults

    def bad(self, result, reason):
        item = getattr(result, "item", None)
        items = self.data.items
        where = say("（稿件 {item}）", item=items[item].no) if item in items else ""
        raise RecalcError(say("{who}返回了无效的计分行{where}：{reason}；本次计算未保存，"
            "已有结果保持不变",
            who=self.calculator.who(self.name), where=where, reason=reason), ruleset=self.name, item=item)

    def check_line(self, line):
        if type(line.points) is not Decimal or type(line.yuan) is not Decimal:
            self.bad(line, f"分值应为 Decimal，实际为 {type(line.points).__name__}/"
                           f"{type(line.yuan).__name__}")
        if not line.points.is_finite() or not line.yuan.is_finite():
            self.bad(line, "分值不是有限的数")
        if abs(line.points) > MAX_AMOUNT or abs(line.yuan) > MAX_AMOUNT:
            self.bad(line, f"分值超出范围：{line.points} 分、{line.yuan} 元（每一行的绝对值不能超过 {MAX_AMOUNT}）")
        if not isinstance(line.explanation, str) or not line.explanation.strip():
            self.bad(line, "缺少中文说明（explanation）")
        if not isinstance(line.rule, str) or not line.rule:
            self.bad(line, "缺少规则名（rule）")
        if line.item is not None and line.item not in self.data.items:
            self.bad(line, f"稿件 id {line.item!r} 不在本期数据中")
        if line.unit is not None and line.unit not in self.units:
            self.bad(line, f"单位 id {line.unit!r} 不是本方案的成员单位")
        if line.reporter is not None and line.reporter not in self.reporters:
            self.bad(line, f"信息员 id {line.reporter!r} 不属于本方案的成员单位")
        if line.item is None and line.unit is None and line.reporter is None:
            self.bad(line, "没有指明计给哪个稿件、单位或信息员")
        if line.to_authors and line.item is None:
            self.bad(line, "to_authors 需要指明稿件")
