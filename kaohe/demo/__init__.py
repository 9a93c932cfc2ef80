"""Demo data: one fictional city (清江市) by default, or a province of any size, from one generator.

`build_demo(registry)` fills an empty database with a year of a city's information work: its
counties, departments, townships, direct points and environmental bureaus, their reporters, the
publications of every level, about 9,000 items with adoptions, instructions, urgent reports,
solicitations, facts and targets, and two schemes over them (市政府系统 and 环保系统).
`build_demo(registry, units=1000, items=1_000_000)` builds a province of that size with the same
proportions: the rows are generated in chunks and written with `kaohe.core.storage.db.bulk_insert`.
Every random choice comes from one `random.Random(seed)`: the same seed gives the same rows.
"""

import time

from kaohe.core.domain.errors import KaoheError
from kaohe.core.domain.progress import no_progress
from kaohe.core.domain.vocab import UNIT_KINDS
from kaohe.core.storage.db import bulk_insert, db, is_postgres, refresh_statistics
from kaohe.core.storage.models import (
    Adoption,
    Instruction,
    Item,
    ItemAuthor,
    ItemUnit,
    Publication,
    Reporter,
    Solicitation,
    SolicitationUnit,
    Target,
    Unit,
    UnitFact,
    UrgentReport,
)
from kaohe.core.storage.schemes import create_scheme
from kaohe.demo.builder import DemoBuilder
from kaohe.demo.city import (
    CITY,
    CITY_POOLS,
    CITY_RULESETS,
    CITY_SCHEME,
    ENVIRONMENT_RULESETS,
    ENVIRONMENT_SCHEME,
    PUBLICATIONS,
    YEAR,
)


def _reset_sequences(models):
    """After rows were written with their ids, move PostgreSQL's id sequences past them."""
    if not is_postgres():
        return
    for model in models:
        table = model._meta.table_name
        db.execute_sql(f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), "
                       f"COALESCE((SELECT MAX(id) FROM \"{table}\"), 1))")


def build_demo(registry, units=None, items=None, seed=2025, progress=None):
    """Fill an empty database with demo data and create the two demo schemes.

    Returns ``{"text": Chinese summary, "schemes": [scheme names], "counts": {name: number}}``.
    Raises KaoheError when the database already holds units or items.
    """
    present = [label for model, label in ((Unit, "单位"), (Item, "稿件"), (Publication, "刊物"))
               if model.select().exists()]
    if present:
        raise KaoheError(f"数据库中已有{'、'.join(present)}数据，演示数据只能生成在空数据库上；"
                         f"请用 --database 指定一个新的数据库")
    started = time.perf_counter()
    progress = progress or no_progress
    builder = DemoBuilder(units=units, items=items, seed=seed)
    counts = builder.counts
    with db.atomic():
        bulk_insert(Unit, ["id", "code", "name", "kind", "pool", "sector", "parent"],
                    builder.make_units())
        reporters = builder.make_reporters()
        bulk_insert(Reporter, ["id", "code", "name", "unit"], reporters)
        bulk_insert(Publication, ["id", "code", "name", "level", "issuer"],
                    builder.make_publications())
        solicitations, links, answers = builder.make_solicitations()
        bulk_insert(Solicitation, ["id", "no", "title", "issued_on", "due_on"], solicitations)
        bulk_insert(SolicitationUnit, ["solicitation", "unit"], links)
        with progress("生成演示稿件", builder.item_count) as bar:
            for chunk in builder.items(answers):
                rows_item, rows_unit, rows_author, rows_adoption, rows_instruction = chunk
                bulk_insert(Item, ["id", "no", "title", "submitted_on", "category", "negative",
                                   "solicitation", "created_at"], rows_item)
                bulk_insert(ItemUnit, ["item", "unit", "position"], rows_unit)
                bulk_insert(ItemAuthor, ["item", "reporter", "position"], rows_author)
                bulk_insert(Adoption, ["item", "publication", "issue", "adopted_on", "form"],
                            rows_adoption)
                bulk_insert(Instruction, ["item", "leader_level", "leader", "instructed_on"],
                            rows_instruction)
                bar.update(len(rows_item))
        bulk_insert(UrgentReport, ["no", "unit", "title", "severity", "occurred_at", "reported_at",
                                   "status", "misreported", "reporter"],
                    builder.make_urgent_reports())
        facts = builder.make_facts()
        bulk_insert(UnitFact, ["unit", "year", "kind", "value"], facts)
        targets = builder.make_targets()
        bulk_insert(Target, ["unit", "year", "submit_target", "adopt_target"], targets)
        _reset_sequences([Unit, Reporter, Publication, Solicitation, Item])
        create_scheme(registry, CITY_SCHEME, YEAR, list(CITY_RULESETS), pools=list(CITY_POOLS),
                      title=f"{CITY}{YEAR}年度市政府系统政务信息考核", author="kaohe demo")
        create_scheme(registry, ENVIRONMENT_SCHEME, YEAR, list(ENVIRONMENT_RULESETS),
                      pools=["bureau"], title=f"{CITY}{YEAR}年度环保系统政务信息考核",
                      author="kaohe demo")
    refresh_statistics()
    counts["units"] = len(builder.units)
    counts["reporters"] = len(reporters)
    counts["publications"] = len(PUBLICATIONS)
    counts["facts"] = len(facts)
    counts["targets"] = len(targets)
    for kind in UNIT_KINDS:
        counts.setdefault(f"units_{kind}", 0)
    for outcome, n in builder.failures.items():
        counts[f"urgent_{outcome}"] = n
    seconds = time.perf_counter() - started
    return {"text": _summary(registry, builder, counts, seconds), "schemes": [CITY_SCHEME, ENVIRONMENT_SCHEME],
            "counts": dict(counts), "seconds": seconds}


def _summary(registry, builder, counts, seconds):
    kinds = "、".join(f"{UNIT_KINDS[k]}{counts[f'units_{k}']}个" for k in UNIT_KINDS
                      if counts.get(f"units_{k}"))
    place = CITY if len(builder.cities) == 1 else f"全省{len(builder.cities)}个市"
    items = counts["items"]
    adopted = counts["adopted_items"]
    failures = builder.failures
    lines = [
        f"已生成{place}{YEAR}年度演示数据（种子 {builder.seed}，用时{seconds:.1f}秒）：",
        f"  单位{counts['units']}个（{kinds}），信息员{counts['reporters']}人，"
        f"刊物{counts['publications']}种；",
        f"  稿件{items}篇（其中{YEAR - 1}年12月报送{counts['items_prior_year']}篇），"
        f"合报{counts['joint_items']}篇，负反馈{counts['negative_items']}篇；",
        f"  被采用稿件{adopted}篇（{adopted * 100 // max(1, items)}%），采用记录{counts['adoptions']}条，"
        f"多级采用{counts['items_adopted_at_several_levels']}篇，领导批示{counts['instructions']}条；",
        f"  紧急信息{counts['urgent_reports']}起（迟报{failures['late'] + failures['late_misreported']}、"
        f"漏报{failures['missed']}、瞒报{failures['concealed']}、"
        f"误报{failures['misreported'] + failures['late_misreported']}），"
        f"约稿{counts['solicitations']}次（应约稿件{counts['solicitation_answers']}篇）；",
        f"  县区全省排名{counts['facts']}条（前50名{counts['counties_in_top_50']}个），"
        f"目标任务{counts['targets']}条；",
        f"  考核方案：{CITY_SCHEME}（{_titles(registry, CITY_RULESETS)}），"
        f"{ENVIRONMENT_SCHEME}（{_titles(registry, ENVIRONMENT_RULESETS)}）。",
    ]
    return "\n".join(lines)


def _titles(registry, names):
    """The rule sets as a clerk reads them: their titles, not their code names."""
    return "、".join(registry.rulesets[name].title for name in names)
