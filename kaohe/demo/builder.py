"""The demo generator: units, reporters, publications, and a year of items and what happened to them, in chunks."""

import datetime
import math
import random
from collections import Counter

from kaohe.core.domain.errors import KaoheError
from kaohe.core.domain.vocab import URGENT_DEADLINE_HOURS, is_adopted
from kaohe.demo.city import (
    BUREAU_EXTRAS,
    CATEGORY_ADOPTION,
    CATEGORY_NEGATIVE,
    CATEGORY_WEIGHTS,
    CHUNK,
    CITY,
    CITY_SHAPE,
    CODE_PREFIX,
    COUNTIES,
    COUNTY_PUBLISHER,
    DEFAULT_ITEMS,
    DEFAULT_UNITS,
    DIRECT_POINTS,
    ENVIRONMENT_EVENTS,
    ENVIRONMENT_TOPICS,
    GENERAL_TOPICS,
    GIVEN,
    INSTRUCTION_SHARE_OF_ADOPTED,
    JOINT_SHARE,
    KIND_ACTIVITY,
    KIND_ADOPTION,
    KIND_PROVINCIAL,
    LEADERS,
    LEVEL_RANK,
    MODES,
    NUMBERS,
    PLACE_SYLLABLES,
    PRIOR_YEAR_SHARE,
    PROBLEMS,
    PUBLICATIONS,
    RISKS,
    SEVERITY_WEIGHTS,
    SURNAMES,
    TITLES,
    TOPICS,
    URGENT_EVENTS,
    YEAR,
    DemoUnit,
    interleaved_departments,
    shares,
)


class DemoBuilder:
    """Generates the demo rows for one seed and size and writes them (see :func:`build_demo`)."""

    def __init__(self, units=None, items=None, seed=2025):
        self.unit_count = DEFAULT_UNITS if units is None else int(units)
        self.item_count = DEFAULT_ITEMS if items is None else int(items)
        if self.unit_count < 10:
            raise KaoheError(f"演示数据至少需要10个单位（指定了{self.unit_count}个）")
        if self.item_count < 500:
            raise KaoheError(f"演示数据至少需要500篇稿件（指定了{self.item_count}篇）")
        self.seed = seed
        self.rng = random.Random(seed)
        self.counts = Counter()
        self.units = []
        self.publications = {}
        self.failures = Counter()
        first = datetime.date(YEAR - 1, 12, 1)
        self.days = [first + datetime.timedelta(days=n) for n in range(560)]
        self.iso = [d.isoformat() for d in self.days]
        self.year_start = self.days.index(datetime.date(YEAR, 1, 1))
        self.year_end = self.days.index(datetime.date(YEAR, 12, 31))

    # ------------------------------------------------------------ units and reporters

    def _place(self, used, length=2):
        rng = self.rng
        for _ in range(200):
            name = "".join(rng.sample(PLACE_SYLLABLES, length))
            if name not in used:
                used.add(name)
                return name
        return self._place(used, length + 1)

    def make_units(self):
        counts = shares(self.unit_count, CITY_SHAPE)
        departments = interleaved_departments()
        cities = max(1, round(self.unit_count / DEFAULT_UNITS),
                     math.ceil(counts["department"] / len(departments)),
                     math.ceil(counts["direct_point"] / len(DIRECT_POINTS)))
        used = {name[:-1] for name in COUNTIES} | {CITY[:-1]}
        city_names = [CITY] + [self._place(used) + "市" for _ in range(cities - 1)]
        single = cities == 1

        def prefix(city):
            return "市" if single else city_names[city]

        def add(kind, name, city, sector=None, parent=None, subject=None, topics=GENERAL_TOPICS):
            seq = self.counts[f"units_{kind}"] = self.counts[f"units_{kind}"] + 1
            width = max(3, len(str(counts[kind])))
            unit = DemoUnit(len(self.units) + 1, f"{CODE_PREFIX[kind]}{seq:0{width}d}", name, kind,
                         sector, parent, city, subject or name, topics)
            self.units.append(unit)
            return unit

        by_city = {c: [] for c in range(cities)}
        for j in range(counts["county"]):
            city, local = j % cities, j // cities
            if city == 0 and local < len(COUNTIES):
                name = COUNTIES[local]
            else:
                name = self._place(used) + self.rng.choice(("县", "县", "县", "区", "市"))
            by_city[city].append(add("county", name, city))
        for j in range(counts["department"]):
            city, local = j % cities, j // cities
            base, sector = departments[local % len(departments)]
            if local >= len(departments):
                base = f"{base}（{local // len(departments) + 1}）"
            topics = TOPICS[sector] + GENERAL_TOPICS[:4]
            add("department", prefix(city) + base, city, sector=sector, topics=topics)
        town_used = set()
        all_counties = [u for u in self.units if u.kind == "county"]
        for j in range(counts["township"]):
            city, local = j % cities, j // cities
            parents = by_city[city] or all_counties
            parent = parents[local % len(parents)] if parents else None
            suffix = "街道" if parent is not None and parent.name.endswith("区") else \
                self.rng.choice(("镇", "镇", "乡"))
            town = self._place(town_used) + suffix
            name = f"{parent.name}{town}" if parent is not None else town
            add("township", name, city, parent=parent.id if parent else None, subject=name)
        for j in range(counts["direct_point"]):
            city, local = j % cities, j // cities
            add("direct_point", prefix(city) + DIRECT_POINTS[local % len(DIRECT_POINTS)], city)
        for j in range(counts["bureau"]):
            city, local = j % cities, j // cities
            counties = by_city[city]
            if local == 0:
                name = f"{prefix(city)}生态环境局"
            elif local <= len(counties):
                name = f"{counties[local - 1].name}生态环境分局"
            else:
                extra = local - 1 - len(counties)
                name = prefix(city) + BUREAU_EXTRAS[extra % len(BUREAU_EXTRAS)]
                if extra >= len(BUREAU_EXTRAS):
                    name += f"（{extra // len(BUREAU_EXTRAS) + 1}）"
            add("bureau", name, city, topics=ENVIRONMENT_TOPICS)
        self.cities = city_names

        rng = self.rng
        peers = {}
        for unit in self.units:
            peers.setdefault((unit.kind, unit.city), []).append(unit.id)
            unit.activity = KIND_ACTIVITY[unit.kind] * rng.uniform(0.5, 1.5)
            unit.quality = rng.uniform(0.6, 1.4)
        for unit in self.units:
            unit.peers = tuple(p for p in peers[(unit.kind, unit.city)] if p != unit.id)
        return [(u.id, u.code, u.name, u.kind, u.kind, u.sector, u.parent) for u in self.units]

    def make_reporters(self):
        rng = self.rng
        rows = []
        for unit in self.units:
            for _ in range(rng.choices((1, 2, 3), (30, 45, 25))[0]):
                rid = len(rows) + 1
                name = rng.choice(SURNAMES) + "".join(rng.choices(GIVEN, k=rng.choice((1, 2, 2))))
                rows.append((rid, f"R{rid:06d}", name, unit.id))
                unit.reporters.append(rid)
        return rows

    def make_publications(self):
        rows = []
        for pid, (code, name, level, issuer) in enumerate(PUBLICATIONS, 1):
            self.publications[(name, level)] = pid
            rows.append((pid, code, name, level, issuer))
        return rows

    # ------------------------------------------------------------ solicitations

    def make_solicitations(self):
        """A few solicitations, and the (day, unit, solicitation) of the items that answer them."""
        rng = self.rng
        city_units = [u for u in self.units if u.kind in ("county", "department")]
        bureaus = [u for u in self.units if u.kind == "bureau"]
        rows, links, answers = [], [], {}
        for sid in range(1, max(3, self.item_count // 1500) + 1):
            pool = bureaus if sid % 5 == 0 and bureaus else city_units
            topic = rng.choice(ENVIRONMENT_TOPICS if pool is bureaus else GENERAL_TOPICS)
            issued = rng.randrange(self.year_start + 31, self.year_end - 40)
            due = issued + rng.randrange(10, 21)
            rows.append((sid, f"YG{YEAR}{sid:04d}", f"关于报送{topic}情况的约稿通知",
                         self.iso[issued], self.iso[due]))
            for unit in rng.sample(pool, min(len(pool), rng.randrange(3, 7))):
                links.append((sid, unit.id))
                if rng.random() < 0.75:
                    day = due + rng.randrange(1, 6) if rng.random() < 0.15 else \
                        rng.randrange(issued + 1, due + 1)
                    answers.setdefault(day, []).append((unit, sid))
        self.counts["solicitations"] = len(rows)
        self.counts["solicitation_answers"] = sum(len(a) for a in answers.values())
        return rows, links, answers

    # ------------------------------------------------------------ items and what became of them

    def _day_counts(self, regular):
        """How many regular items each day gets: working days mostly, a few at weekends."""
        rng = self.rng
        prior = max(1, round(self.item_count * PRIOR_YEAR_SHARE))
        holidays = {datetime.date(YEAR, 1, 1), *(datetime.date(YEAR, 1, 28) + datetime.timedelta(d)
                                                 for d in range(8)),
                    datetime.date(YEAR, 4, 4), *(datetime.date(YEAR, 5, 1) + datetime.timedelta(d)
                                                 for d in range(5)),
                    *(datetime.date(YEAR, 10, 1) + datetime.timedelta(d) for d in range(8))}
        weights = []
        for index in range(self.year_start, self.year_end + 1):
            day = self.days[index]
            weight = 0.05 if day in holidays or day.weekday() >= 5 else 1.0
            weights.append(weight * (1.15 if day.month in (3, 6, 9, 11, 12) else 1.0))
        counts = Counter()
        late_december = [i for i in range(self.year_start - 12, self.year_start)
                         if self.days[i].weekday() < 5]
        for index in rng.choices(late_december, k=prior):
            counts[index] += 1
        rest = regular - prior
        total = sum(weights)
        exact = [rest * w / total for w in weights]
        floors = [int(x) for x in exact]
        order = sorted(range(len(exact)), key=lambda i: -(exact[i] - floors[i]))
        for i in order[:rest - sum(floors)]:
            floors[i] += 1
        for offset, n in enumerate(floors):
            counts[self.year_start + offset] += n
        self.counts["items_prior_year"] = prior
        return counts

    def _title(self, unit, category, topic, day):
        rng = self.rng
        template = rng.choice(TITLES[category])
        quarter = ("一季度", "上半年", "前三季度", f"1—{day.month}月")[min(3, (day.month - 1) // 3)]
        return template.format(s=unit.subject, t=topic, n=rng.choice(NUMBERS), k=rng.choice(MODES),
                               p=rng.choice(PROBLEMS), r=rng.choice(RISKS), q=quarter)

    def _adopt(self, item_id, unit, category, index, prior, adoptions, instructions):
        """Adopt one item at one or several levels; maybe add instructions. Returns True if adopted."""
        rng = self.rng
        random_ = rng.random
        pubs = self.publications
        made = []  # (publication id, level, form, day index)

        def add(name, level, form, lag_low, lag_high):
            day = index + rng.randrange(lag_low, lag_high)
            if prior and day < self.year_start:
                day = self.year_start + rng.randrange(1, 20)
            made.append((pubs[(name, level)], level, form, day))
            return day

        def pick_form(full, combined):
            r = random_()
            return "full" if r < full else "combined" if r < full + combined else "brief"

        if unit.kind == "bureau":
            add("环保信息", "provincial_dept", "full" if random_() < 0.4 else "combined", 2, 20)
            if random_() < 0.15:
                add("环境信息", "ministry", "full" if random_() < 0.35 else "combined", 7, 40)
                if random_() < 0.08:
                    add("政务信息", "national", pick_form(0.3, 0.5), 10, 45)
            if random_() < 0.06:
                add("专报信息", "provincial", pick_form(0.35, 0.45), 5, 25)
            if random_() < 0.2:
                add("清江信息", "city", pick_form(0.3, 0.45), 1, 10)
        else:
            if unit.name == COUNTY_PUBLISHER and random_() < 0.4:
                add("青山信息", "county", pick_form(0.5, 0.3), 1, 6)
            if random_() < 0.15:
                add("专报信息", "city", "full", 1, 8)
            else:
                add("清江信息", "city", pick_form(0.3, 0.45), 1, 10)
            if random_() < KIND_PROVINCIAL[unit.kind]:
                r = random_()
                if r < 0.6:
                    add("专报信息", "provincial", pick_form(0.35, 0.45), 3, 25)
                else:
                    add("昨日要情" if r < 0.85 else "政务工作交流", "provincial",
                        "full" if random_() < 0.7 else "combined", 2, 20)
                if random_() < 0.06:
                    add("政务信息", "national", pick_form(0.3, 0.5), 10, 45)
            elif random_() < 0.12:
                add("专报信息", "provincial", "forwarded", 1, 6)
        adopted = False
        for pid, level, form, day in made:
            adoptions.append((item_id, pid, f"{self.days[day].year}年第{day % 97 + 1}期",
                              self.iso[day], form))
            adopted = adopted or is_adopted(form)
        self.counts["adoptions"] += len(made)
        levels = {level for _, level, form, _ in made if is_adopted(form)}
        if len(levels) > 1:
            self.counts["items_adopted_at_several_levels"] += 1
        if adopted and random_() < INSTRUCTION_SHARE_OF_ADOPTED:
            top = max((m for m in made if is_adopted(m[2])), key=lambda m: LEVEL_RANK[m[1]])
            level = top[1]
            if level == "national" and random_() < 0.5:
                level = "provincial"
            elif level == "provincial" and random_() < 0.55:
                level = "city"
            elif level == "ministry" and random_() < 0.4:
                level = "provincial_dept"
            day = top[3] + rng.randrange(1, 15)
            leader = rng.choice(LEADERS[level]).format(x=rng.choice(SURNAMES))
            instructions.append((item_id, level, leader, self.iso[day]))
            self.counts["instructions"] += 1
            if random_() < 0.15:  # a second leader at the same level: only the earliest counts
                other = rng.choice(LEADERS[level]).format(x=rng.choice(SURNAMES))
                if other == leader:
                    other = f"{other}（再批）"
                instructions.append((item_id, level, other, self.iso[day + rng.randrange(1, 10)]))
                self.counts["instructions"] += 1
        return adopted

    def items(self, answers):
        """Yield (items, item_units, item_authors, adoptions, instructions) chunk by chunk."""
        rng = self.rng
        random_ = rng.random
        units = self.units
        by_id = {u.id: u for u in units}
        unit_ids = [u.id for u in units]
        cum, running = [], 0.0
        for unit in units:
            running += unit.activity
            cum.append(running)
        categories = list(CATEGORY_WEIGHTS)
        category_cum = []
        running = 0
        for name in categories:
            running += CATEGORY_WEIGHTS[name]
            category_cum.append(running)
        answered = sum(len(a) for a in answers.values())
        day_counts = self._day_counts(self.item_count - answered)
        rows_item, rows_unit, rows_author, rows_adoption, rows_instruction = [], [], [], [], []
        item_id = 0
        counts = self.counts
        for index in sorted(set(day_counts) | set(answers)):
            day = self.days[index]
            iso = self.iso[index]
            prior = day.year < YEAR
            planned = answers.get(index, [])
            n = day_counts.get(index, 0)
            picked = [(u, sid) for u, sid in planned] + [
                (by_id[uid], None) for uid in rng.choices(unit_ids, cum_weights=cum, k=n)]
            cats = rng.choices(categories, cum_weights=category_cum, k=len(picked))
            for (unit, sid), category in zip(picked, cats):
                item_id += 1
                members = [unit.id]
                if unit.peers and random_() < JOINT_SHARE:
                    members.append(rng.choice(unit.peers))
                    if len(unit.peers) > 1 and random_() < 0.2:
                        third = rng.choice(unit.peers)
                        if third not in members:
                            members.append(third)
                    counts["joint_items"] += 1
                negative = random_() < CATEGORY_NEGATIVE[category]
                counts["negative_items"] += negative
                topic = rng.choice(unit.topics)
                rows_item.append((item_id, f"{day.year}{item_id:07d}",
                                  self._title(unit, category, topic, day), iso, category, negative,
                                  sid, f"{iso} {rng.randrange(8, 18):02d}:{rng.randrange(60):02d}:00"))
                for position, uid in enumerate(members):
                    rows_unit.append((item_id, uid, position))
                authors = [rng.choice(unit.reporters)]
                if random_() < 0.3:
                    partner = by_id[members[-1]] if len(members) > 1 else unit
                    other = rng.choice(partner.reporters)
                    if other not in authors:
                        authors.append(other)
                for position, rid in enumerate(authors):
                    rows_author.append((item_id, rid, position))
                chance = KIND_ADOPTION[unit.kind] * CATEGORY_ADOPTION[category] * unit.quality
                if prior:
                    chance = max(chance, 0.5)
                if random_() < chance and self._adopt(item_id, unit, category, index, prior,
                                                      rows_adoption, rows_instruction):
                    counts["adopted_items"] += 1
                if len(rows_item) >= CHUNK:
                    yield rows_item, rows_unit, rows_author, rows_adoption, rows_instruction
                    rows_item, rows_unit, rows_author, rows_adoption, rows_instruction = \
                        [], [], [], [], []
        if rows_item:
            yield rows_item, rows_unit, rows_author, rows_adoption, rows_instruction
        counts["items"] = item_id

    # ------------------------------------------------------------ urgent reports, facts, targets

    def make_urgent_reports(self):
        """Urgent reports, mostly in time; a few late, missed, concealed or wrong (some vetoing)."""
        rng = self.rng
        total = max(36, self.item_count // 250)
        weights = {"county": 45, "township": 25, "department": 15, "bureau": 15}
        candidates = [u for u in self.units if u.kind in weights]
        counties = [u for u in self.units if u.kind == "county"]
        unit_weights = [weights[u.kind] for u in candidates]
        severities = [s for s, _ in SEVERITY_WEIGHTS]
        severity_weights = [w for _, w in SEVERITY_WEIGHTS]
        first_county = next(u for u in self.units if u.kind == "county")
        first_department = next((u for u in self.units if u.kind == "department"), first_county)
        first_bureau = next((u for u in self.units if u.kind == "bureau"), first_county)
        # The first few are set so that every demo shows each failure and a veto in both schemes.
        scripted = [(first_county, "II", "late"), (first_department, "IV", "concealed"),
                    (first_county, "III", "missed"), (first_department, "IV", "misreported"),
                    (first_bureau, "III", "late"), (first_bureau, "I", "late_misreported")]
        rows = []
        for number in range(1, total + 1):
            if number <= len(scripted):
                unit, severity, outcome = scripted[number - 1]
            else:
                unit = rng.choices(candidates, unit_weights)[0]
                severity = rng.choices(severities, severity_weights)[0]
                outcome = rng.choices(
                    ("in_time", "late", "missed", "concealed", "misreported", "late_misreported"),
                    (84, 8, 3, 1.5, 3, 0.5))[0]
            day = rng.randrange(self.year_start, self.year_end + 1)
            occurred = datetime.datetime.combine(self.days[day], datetime.time(
                rng.randrange(24), rng.randrange(60)))
            deadline = URGENT_DEADLINE_HOURS[severity] * 60
            status, reported, misreported = "reported", None, outcome.endswith("misreported")
            if outcome in ("in_time", "misreported"):
                reported = occurred + datetime.timedelta(minutes=rng.randrange(10, deadline))
            elif outcome.startswith("late"):
                reported = occurred + datetime.timedelta(minutes=deadline + rng.randrange(20, 600))
            else:
                status = outcome
            self.failures[outcome] += 1
            events = ENVIRONMENT_EVENTS if unit.kind == "bureau" else URGENT_EVENTS
            where = unit.name if unit.kind in ("county", "township") else \
                rng.choice(counties or [unit]).name  # a department reports from its field
            title = f"{where}发生{rng.choice(events)}"
            reporter = rng.choice(unit.reporters)
            rows.append((f"JJ{YEAR}{number:06d}", unit.id, title, severity,
                         occurred.isoformat(" "), reported.isoformat(" ") if reported else None,
                         status, misreported, reporter))
        self.counts["urgent_reports"] = len(rows)
        return rows

    def make_facts(self):
        """The provincial county rank of every county: distinct ranks, some in the top 50."""
        rng = self.rng
        counties = [u for u in self.units if u.kind == "county"]
        ranks = rng.sample(range(1, max(100, 2 * len(counties)) + 1), len(counties))
        if min(ranks) > 50:
            ranks[0] = rng.randrange(1, 51)
        if max(ranks) <= 50 and len(ranks) > 1:
            ranks[-1] = rng.randrange(51, 101)
        self.counts["counties_in_top_50"] = sum(1 for r in ranks if r <= 50)
        return [(u.id, YEAR, "provincial_county_rank", str(r)) for u, r in zip(counties, ranks)]

    def make_targets(self):
        """Every unit's yearly quota: around what it is expected to write, rounded to fives."""
        rng = self.rng
        total = sum(u.activity for u in self.units)
        rows = []
        for unit in self.units:
            expected = self.item_count * unit.activity / total
            submit = max(5, int(round(expected * rng.uniform(0.8, 1.25) / 5)) * 5)
            rows.append((unit.id, YEAR, submit, max(1, int(round(submit * 0.25)))))
        return rows
