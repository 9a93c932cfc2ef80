"""Options the item rows share: the date that puts an item's points in a period (the event's own,
or the item's 报送日期), and table rows that leave a report out of the counted reports."""

from kaohe.core.domain.params import choice
from kaohe.core.domain.sentences import say
from kaohe.core.domain.vocab import ZERO, is_adopted
from kaohe.core.scoring.contract import Line
from kaohe.core.scoring.rules.sources import adoption_words

DATED_BY = {"event": "按采用、批示本身的日期",
            "submission": "按稿件的报送日期（稿件的全部得分计入其报送所在期间）"}


def dating():
    """The rule row's option: which date puts an adoption's or an instruction's points in a period."""
    return choice(DATED_BY, "event", label="计入期间的日期", source="")


def events_of(data, params):
    """The period's data as the row dates its events: `data` itself, or :class:`BySubmission`."""
    return BySubmission(data) if params.get("dated_by") == "submission" else data


class ItemsPeriod:
    """The period of a :class:`BySubmission` view: every adoption and instruction the view holds
    belongs to the period through its item's submission, whatever its own date, so ``contains``
    holds for each of them; everything else (label, kind, start, end) is the period's."""

    def __init__(self, period):
        self._period = period

    def __getattr__(self, name):
        return getattr(self._period, name)

    def contains(self, day):
        return True


class BySubmission:
    """A period's data whose adoptions and instructions are those of the items submitted in the
    period, whenever they were made: a report scored as a whole falls, with all its points, in the
    period of its 报送日期 (e.g. an instruction after the quarter's end still counts in it).

    Earlier adoptions and instructions do not exist for it: all of an item's events are in its
    period. The rest of the data is the period's own.
    """

    def __init__(self, data):
        self._data = data
        self.period = ItemsPeriod(data.period)

    def __getattr__(self, name):
        return getattr(self._data, name)

    @property
    def adoptions(self):
        return self._data.submitted_adoptions

    @property
    def earlier_adoptions(self):
        return []

    @property
    def first_adoption_on(self):
        return self._data.submitted_first_adoption_on

    @property
    def instructions(self):
        return self._data.submitted_instructions

    def year_adoptions_of(self, item_ids):
        ids = set(item_ids)
        return [a for a in self.adoptions if a.item in ids]


def uncounted_lines(data, rule, match, rows, state, row_matches):
    """The lines of the adoptions whose first matching table row is marked not counted
    (``counted = false``: e.g. a 备查 report below the reporting threshold scores 0): each such
    report is left out of the counted reports (``state.uncounted``, the divisor of a per-item
    average) and gets its row's points, said so. `row_matches(row, publication, form, item)` is
    the table's test; with ``counts = first_adoption`` only an item's first adoption is read."""
    items, publications = data.items, data.publications
    first = rule.params["counts"] == "first_adoption"
    seen = set()
    for adoption in data.adoptions:
        item = items.get(adoption.item)
        if item is None:
            continue
        if first:  # an item's first adoption, when it falls in the period
            if adoption.item in seen or not is_adopted(adoption.form):
                continue
            seen.add(adoption.item)
            day = data.first_adoption_on.get(adoption.item)
            if day != adoption.adopted_on or not data.period.contains(day):
                continue
        publication = publications[adoption.publication]
        if not (match.item(item) and match.day(adoption.adopted_on)
                and match.publication(publication, adoption.form)):
            continue
        row = next((r for r in rows if row_matches(r, publication, adoption.form, item)), None)
        if row is None or row["counted"]:
            continue
        state.uncounted[rule.name].add(item.id)
        adoption_said = adoption_words(publication, adoption.form)
        amount = rule.words(row["points"])
        said = say("{adoption}，{label}，计{amount}，不计入计分稿件篇数", adoption=adoption_said,
                   label=row["label"], amount=amount) if row["label"] else \
            say("{adoption}，计{amount}，不计入计分稿件篇数", adoption=adoption_said, amount=amount)
        yield Line(rule.name, said,
                   *rule.amount(row["points"]), item=item.id,
                   ref=f"adoption:{adoption.id}" if not first else f"{rule.name}:{item.id}")


def counted_rows(rows):
    """The table with its not-counted rows giving nothing (their lines are :func:`uncounted_lines`);
    they still come first where they match, so no later row prices those reports."""
    return [row if row["counted"] else {**row, "points": ZERO} for row in rows]
