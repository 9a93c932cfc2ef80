"""The honest anchor: the year's unit totals and score lines of 市政府系统 computed by DuckDB.

The same work as Kaohe's recalculation of `provincial`, `county_bonus` and `urgent_penalty` —
each member unit's points with its submitted / adopted / tier counts, and every unit score line
with its sentence stored by one `INSERT … SELECT` — done by a columnar engine over the same
database: the tables are read out of the SQLite file into Arrow (ADBC's SQLite driver, in C),
queried by DuckDB and the lines written into a DuckDB file. `check` compares the totals and the
counts with Kaohe's stored run, unit by unit, to the cent, and the number of lines.

Needs the benchmark extra: `pip install -e '.[bench]'` (DuckDB, pyarrow, adbc-driver-sqlite).
It runs in a process of its own (`run_in_child`): ADBC's driver brings its own copy of SQLite, and
two copies of SQLite in one process break each other's file locks on the same database.
"""

import json
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

from kaohe.core.domain.vocab import FORMS_SHORT, LEVELS, SEVERITIES, TIE_BREAK_TIERS

# The columns each rule needs, read out of the SQLite file.
TABLES = {
    "adoption": "SELECT id, item_id, publication_id, adopted_on, form FROM adoption",
    "publication": "SELECT id, name, level FROM publication",
    "instruction": "SELECT id, item_id, leader_level, leader, instructed_on FROM instruction",
    "item": "SELECT id, submitted_on, negative FROM item",
    "item_unit": "SELECT item_id, unit_id FROM item_unit",
    "scheme_unit": "SELECT scheme_id, unit_id FROM scheme_unit",
    "unit": "SELECT id, kind FROM unit",
    "unit_fact": "SELECT unit_id, year, kind, value FROM unit_fact",
    "urgent_report": "SELECT id, no, unit_id, title, severity, occurred_at, reported_at, status, "
                     "misreported FROM urgent_report",
}


def available():
    """None when DuckDB and the Arrow reader are installed, else why not (the `bench` extra).
    Only looked up, not imported: this process keeps to one copy of SQLite."""
    import importlib.util
    missing = [name for name in ("duckdb", "pyarrow", "adbc_driver_sqlite")
               if importlib.util.find_spec(name) is None]
    if missing:
        return f"缺少基准测试依赖 {', '.join(missing)}（pip install -e '.[bench]'）"
    return None


def _cents(value):
    return int((Decimal(str(value)) * 100).to_integral_value())


def _quote(text):
    return "'" + str(text).replace("'", "''") + "'"


def _words_table(name, mapping):
    rows = ", ".join(f"({_quote(k)}, {_quote(v)})" for k, v in mapping.items())
    return f"CREATE TEMP TABLE {name}(code VARCHAR, words VARCHAR); INSERT INTO {name} VALUES {rows};"


def read_tables(sqlite_path):
    """The tables as Arrow, read out of the SQLite file."""
    import adbc_driver_sqlite.dbapi
    tables = {}
    with adbc_driver_sqlite.dbapi.connect(str(sqlite_path)) as conn:
        with conn.cursor() as cursor:
            for name, sql in TABLES.items():
                cursor.execute(sql)
                tables[name] = cursor.fetch_arrow_table()
    return tables


def lines_sql(config, scheme_id, year):
    """The SELECT giving every member unit's score lines of the year (rule set, rule, cents, text)."""
    params = {entry["name"]: entry["params"] for entry in config["rulesets"] if entry["enabled"]}
    prov, bonus, urgent = params["provincial"], params["county_bonus"], params["urgent_penalty"]
    cases = []
    for override in prov["publication_overrides"]:
        name = override["publication"].strip().strip("《》").strip()
        cases.append(f"WHEN bare = {_quote(name)} AND p.level = {_quote(override['level'])} "
                     f"AND a.form = {_quote(override['form'])} THEN {_cents(override['points'])}")
    for level, forms in prov["adoption"].items():
        for form, value in forms.items():
            if _cents(value):
                cases.append(f"WHEN p.level = {_quote(level)} AND a.form = {_quote(form)} "
                             f"THEN {_cents(value)}")
    instruction_cases = " ".join(f"WHEN {_quote(level)} THEN {_cents(value)}"
                                 for level, value in prov["instruction"].items() if _cents(value))
    deadline = " ".join(f"WHEN {_quote(s)} THEN {int(Decimal(str(h)) * 3600)}"
                        for s, h in urgent["deadlines"].items())
    deduct = {k: _cents(v) for k, v in urgent["deductions"].items()}
    start, end = f"DATE '{year}-01-01'", f"DATE '{year}-12-31'"
    negative_bonus, top_bonus, top_rank = (_cents(bonus["negative_bonus"]), _cents(bonus["top_bonus"]),
                                           int(bonus["top_rank"]))
    equal = {"provincial": prov.get("joint_split", "equal") == "equal",
             "county_bonus": bonus.get("joint_split", "equal") == "equal"}
    split = ("CASE WHEN n > 1 AND {eq} THEN (2 * cents + n) // (2 * n) ELSE cents END")
    joint_words = ("CASE WHEN n > 1 AND {eq} THEN '（合报' || n || '家，各' || fmt(share) || '分）' "
                   "WHEN n > 1 THEN '（合报' || n || '家，每家全额计分）' ELSE '' END")
    return f"""
    WITH members AS (SELECT unit_id FROM scheme_unit WHERE scheme_id = {scheme_id}),
    joint AS (SELECT item_id, COUNT(*)::BIGINT AS n FROM item_unit GROUP BY item_id),
    adopted AS (
        SELECT a.id, a.item_id,
               '《' || trim(trim(trim(p.name), '《》')) || '》（' || lv.words || '）' || fs.words
                 || CASE WHEN a.form <> 'forwarded' THEN '采用' ELSE '' END AS words,
               CASE {' '.join(cases)} ELSE 0 END AS cents
        FROM (SELECT *, CAST(adopted_on AS DATE) AS day FROM adoption) a
        JOIN (SELECT *, trim(trim(trim(name), '《》')) AS bare FROM publication) p
          ON p.id = a.publication_id
        JOIN level_words lv ON lv.code = p.level JOIN form_words fs ON fs.code = a.form
        WHERE a.day BETWEEN {start} AND {end}),
    first_instruction AS (
        SELECT item_id, leader_level, arg_min(id, (CAST(instructed_on AS DATE), id)) AS id,
               arg_min(leader, (CAST(instructed_on AS DATE), id)) AS leader,
               MIN(CAST(instructed_on AS DATE)) AS day
        FROM instruction WHERE CAST(instructed_on AS DATE) <= {end} GROUP BY item_id, leader_level),
    first_adoption AS (
        SELECT item_id, MIN(CAST(adopted_on AS DATE)) AS day FROM adoption
        WHERE form <> 'forwarded' GROUP BY item_id),
    item_lines AS (
        SELECT 'provincial' AS ruleset, 'adoption' AS rule, item_id, cents, 'adoption:' || id AS ref,
               words || '，计' || fmt(cents) || '分' AS text
        FROM adopted WHERE cents <> 0
        UNION ALL
        SELECT 'provincial', 'instruction', f.item_id, c.cents, 'instruction:' || f.id,
               CASE WHEN coalesce(f.leader, '') <> '' THEN f.leader || '（' || lv.words || '领导）'
                    ELSE lv.words || '领导' END
               || year(f.day) || '年' || month(f.day) || '月' || day(f.day) || '日批示，计'
               || fmt(c.cents) || '分'
        FROM first_instruction f JOIN level_words lv ON lv.code = f.leader_level,
             LATERAL (SELECT CASE f.leader_level {instruction_cases} ELSE 0 END AS cents) c
        WHERE f.day >= {start} AND c.cents <> 0
        UNION ALL
        SELECT 'county_bonus', 'negative_feedback', fa.item_id, {negative_bonus}, 'negative:' || fa.item_id,
               '负反馈信息' || year(fa.day) || '年' || month(fa.day) || '月' || day(fa.day)
               || '日首次被采用，加' || fmt({negative_bonus}) || '分'
        FROM first_adoption fa JOIN item i ON i.id = fa.item_id
        WHERE {negative_bonus} <> 0 AND fa.day BETWEEN {start} AND {end} AND i.negative <> 0),
    shared AS (
        SELECT l.*, j.n,
               CASE WHEN l.ruleset = 'provincial'
                    THEN {split.format(eq='true' if equal['provincial'] else 'false')}
                    ELSE {split.format(eq='true' if equal['county_bonus'] else 'false')} END AS share
        FROM item_lines l JOIN joint j USING (item_id)),
    urgent AS (
        SELECT r.*, CAST(r.occurred_at AS TIMESTAMP) AS occurred, CAST(r.reported_at AS TIMESTAMP) AS reported,
               '紧急信息「' || coalesce(nullif(r.title, ''), r.no) || '」（' || sv.words || '，发生于'
               || strftime(CAST(r.occurred_at AS TIMESTAMP), '%Y') || '年'
               || month(CAST(r.occurred_at AS TIMESTAMP)) || '月' || day(CAST(r.occurred_at AS TIMESTAMP))
               || '日' || strftime(CAST(r.occurred_at AS TIMESTAMP), '%H:%M') || '）' AS event,
               CASE r.severity {deadline} END AS limit_s
        FROM urgent_report r JOIN severity_words sv ON sv.code = r.severity
        WHERE CAST(r.occurred_at AS TIMESTAMP) >= TIMESTAMP '{year}-01-01'
          AND CAST(r.occurred_at AS TIMESTAMP) < TIMESTAMP '{year + 1}-01-01'
          AND r.unit_id IN (SELECT unit_id FROM members)),
    failures AS (
        SELECT unit_id, id, event, CASE
                 WHEN status = 'concealed' THEN 'concealed' WHEN status = 'missed' THEN 'missed'
                 WHEN reported IS NULL THEN 'missed'
                 WHEN reported > occurred + to_seconds(limit_s) THEN 'late' END AS failure,
               CASE WHEN status = 'concealed' THEN '瞒报' WHEN status = 'missed' THEN '漏报'
                 WHEN reported IS NULL THEN '没有首报时间，按漏报'
                 ELSE '首报于' || CASE WHEN CAST(reported AS DATE) = CAST(occurred AS DATE)
                                      THEN strftime(reported, '%H:%M')
                                      ELSE year(reported) || '年' || month(reported) || '月'
                                           || day(reported) || '日' || strftime(reported, '%H:%M') END
                      || '，超过' || fmt(limit_s * 100 // 3600) || '小时时限，迟报' END AS words
        FROM urgent
        UNION ALL
        SELECT unit_id, id, event, 'misreported', '误报' FROM urgent WHERE misreported <> 0),
    deductions AS (
        SELECT f.unit_id, f.failure, -d.cents AS cents, 'urgent:' || f.id AS ref,
               f.event || f.words || '扣' || fmt(d.cents) || '分' AS text
        FROM failures f JOIN (VALUES ('late', {deduct['late']}), ('missed', {deduct['missed']}),
                                     ('concealed', {deduct['concealed']}),
                                     ('misreported', {deduct['misreported']})) d(failure, cents)
          USING (failure)
        WHERE d.cents <> 0)
    SELECT iu.unit_id, s.ruleset, s.rule, s.item_id, s.share AS cents, s.ref,
           s.text || CASE WHEN s.ruleset = 'provincial'
                          THEN {joint_words.format(eq='true' if equal['provincial'] else 'false')}
                          ELSE {joint_words.format(eq='true' if equal['county_bonus'] else 'false')} END
             AS text
    FROM shared s JOIN item_unit iu USING (item_id) JOIN members m ON m.unit_id = iu.unit_id
    UNION ALL
    SELECT u.id, 'county_bonus', 'top_list', NULL, {top_bonus},
           'fact:' || u.id || ':provincial_county_rank:{year}',
           '{year}年全省县域排名第' || CAST(f.value AS INTEGER) || '位，进入前{top_rank}位，加'
           || fmt({top_bonus}) || '分'
    FROM unit u JOIN members m ON m.unit_id = u.id
    JOIN unit_fact f ON f.unit_id = u.id AND f.year = {year} AND f.kind = 'provincial_county_rank'
    WHERE u.kind = 'county' AND {top_bonus} <> 0 AND CAST(f.value AS INTEGER) <= {top_rank}
    UNION ALL
    SELECT unit_id, 'urgent_penalty', failure, NULL, cents, ref, text FROM deductions
    """


def counts_sql(scheme_id, year):
    """Each member unit's submitted, adopted and tier counts of the year, as Kaohe ranks by them."""
    start, end = f"DATE '{year}-01-01'", f"DATE '{year}-12-31'"
    tiers = " ".join(f"WHEN p.level IN ({', '.join(_quote(level) for level in levels)}) THEN '{tier}'"
                     for tier, _label, levels in TIE_BREAK_TIERS)
    return f"""
    WITH members AS (SELECT unit_id FROM scheme_unit WHERE scheme_id = {scheme_id}),
    submitted AS (SELECT id FROM item WHERE CAST(submitted_on AS DATE) BETWEEN {start} AND {end}),
    adopted_by_end AS (SELECT DISTINCT item_id FROM adoption
                       WHERE form <> 'forwarded' AND CAST(adopted_on AS DATE) <= {end}),
    tiers AS (SELECT iu.unit_id, CASE {tiers} END AS tier, COUNT(*) AS n
              FROM adoption a JOIN publication p ON p.id = a.publication_id
              JOIN item_unit iu ON iu.item_id = a.item_id
              WHERE a.form <> 'forwarded' AND CAST(a.adopted_on AS DATE) BETWEEN {start} AND {end}
              GROUP BY ALL)
    SELECT m.unit_id,
           (SELECT COUNT(*) FROM item_unit iu JOIN submitted s ON s.id = iu.item_id
            WHERE iu.unit_id = m.unit_id) AS submitted,
           (SELECT COUNT(*) FROM item_unit iu JOIN submitted s ON s.id = iu.item_id
            JOIN adopted_by_end a ON a.item_id = iu.item_id WHERE iu.unit_id = m.unit_id) AS adopted,
           coalesce((SELECT n FROM tiers t WHERE t.unit_id = m.unit_id AND t.tier = 'national'), 0),
           coalesce((SELECT n FROM tiers t WHERE t.unit_id = m.unit_id AND t.tier = 'provincial'), 0),
           coalesce((SELECT n FROM tiers t WHERE t.unit_id = m.unit_id AND t.tier = 'city'), 0)
    FROM members m
    """


def _prepare(con, tables):
    for name, table in tables.items():
        con.register(name, table)
    con.execute(_words_table("level_words", LEVELS))
    con.execute(_words_table("form_words", FORMS_SHORT))
    con.execute(_words_table("severity_words", SEVERITIES))
    # fmt(cents): 20, 10.5, 3.33, as kaohe.core.domain.vocab.fmt prints an amount.
    con.execute("""CREATE MACRO fmt(c) AS
        CASE WHEN c % 100 = 0 THEN CAST(c // 100 AS VARCHAR)
             ELSE rtrim(CAST(CAST(c AS DECIMAL(18, 0)) / 100 AS DECIMAL(18, 2))::VARCHAR, '0') END""")


def run(sqlite_path, store_path, config, scheme_id, year):
    """Read, total, store: returns the seconds of each step, the totals and the line count."""
    import duckdb
    seconds = {}
    started = time.perf_counter()
    tables = read_tables(sqlite_path)
    seconds["read"] = time.perf_counter() - started
    store_path.unlink(missing_ok=True)
    con = duckdb.connect(str(store_path))
    _prepare(con, tables)
    select = lines_sql(config, scheme_id, year)
    started = time.perf_counter()
    totals = {unit: [int(points), 0, 0, 0, 0, 0] for unit, points in con.execute(
        f"SELECT m.unit_id, coalesce(SUM(l.cents), 0) FROM scheme_unit m LEFT JOIN ({select}) l "
        f"ON l.unit_id = m.unit_id WHERE m.scheme_id = {scheme_id} GROUP BY m.unit_id").fetchall()}
    for unit, *counts in con.execute(counts_sql(scheme_id, year)).fetchall():
        totals[unit][1:] = [int(c) for c in counts]
    seconds["query"] = time.perf_counter() - started
    started = time.perf_counter()
    con.execute("CREATE TABLE score_line (unit_id BIGINT, ruleset VARCHAR, rule VARCHAR, "
                "item_id BIGINT, points BIGINT, ref VARCHAR, explanation VARCHAR)")
    con.execute(f"INSERT INTO score_line {select}")
    con.execute("CHECKPOINT")
    seconds["store"] = time.perf_counter() - started
    lines = con.execute("SELECT COUNT(*) FROM score_line").fetchone()[0]
    con.close()
    return seconds, totals, lines


def child(sqlite_path, store_path, job_path):
    """In a fresh process (no other SQLite): one anchor run; prints seconds, totals and lines."""
    job = json.loads(Path(job_path).read_text(encoding="utf-8"))
    seconds, totals, lines = run(Path(sqlite_path), Path(store_path), job["config"], job["scheme"],
                                 job["year"])
    print(json.dumps({"seconds": seconds, "totals": {str(k): v for k, v in totals.items()},
                      "lines": lines}))


def run_in_child(bench, sqlite_path, store_path, config, scheme_id, year):
    """`run` in a fresh process started as `bench --child-anchor`: (seconds, totals, lines)."""
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False, encoding="utf-8") as job:
        json.dump({"config": config, "scheme": scheme_id, "year": year}, job, default=str)
    try:
        done = subprocess.run([sys.executable, str(bench), "--child-anchor", str(sqlite_path),
                               str(store_path), job.name], capture_output=True, text=True, check=False)
    finally:
        Path(job.name).unlink(missing_ok=True)
    if done.returncode:
        raise SystemExit(f"DuckDB 锚点子进程失败：\n{done.stderr}")
    found = json.loads(done.stdout.strip().splitlines()[-1])
    return found["seconds"], {int(k): v for k, v in found["totals"].items()}, found["lines"]


def kaohe_totals(database, run_id):
    """The stored run's unit results: unit → [points (cents), submitted, adopted, national, provincial, city]."""
    rows = database.execute_sql(
        f"SELECT unit_id, points, submitted, adopted, national, provincial, city FROM unit_result "
        f"WHERE run_id = {database.param}", (run_id,)).fetchall()
    return {row[0]: [int(v) for v in row[1:]] for row in rows}


def kaohe_line_count(database, run_id):
    return database.execute_sql(
        f"SELECT COUNT(*) FROM score_line WHERE run_id = {database.param} AND unit_id IS NOT NULL "
        f"AND kind = 'score'", (run_id,)).fetchone()[0]


FIELDS = ("得分", "报送数", "采用数", "国家级采用", "省级采用", "市级采用")


def check(kaohe, anchor):
    """Fail loudly unless every unit's points and counts are the same in both, to the cent."""
    wrong = []
    for unit in sorted(set(kaohe) | set(anchor)):
        ours, theirs = kaohe.get(unit), anchor.get(unit)
        if ours != theirs:
            wrong.append((unit, ours, theirs))
    if wrong:
        lines = "\n".join(f"  单位 id {u}: Kaohe {k}，DuckDB {d}（{'、'.join(FIELDS)}）"
                          for u, k, d in wrong[:20])
        raise SystemExit(f"Kaohe 的单位结果与 DuckDB 锚点不一致（{len(wrong)}个单位）：\n{lines}")
    return len(kaohe)


def same_sentences(database, run_id, store_path):
    """How many of Kaohe's unit score lines the anchor stored alike: unit, source, cents, sentence."""
    import duckdb
    con = duckdb.connect(str(store_path), read_only=True)
    theirs = set(con.execute("SELECT unit_id, ref, points, explanation FROM score_line").fetchall())
    con.close()
    ours = database.execute_sql(
        f"SELECT unit_id, ref, points, explanation FROM score_line WHERE run_id = {database.param} "
        "AND unit_id IS NOT NULL AND kind = 'score'", (run_id,))
    return sum(1 for row in ours if tuple(row) in theirs)
