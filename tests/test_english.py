"""English mode (issue #13): every word the panel takes from the core — rule sets, parameter labels,
units, rows, columns and choices, rule kinds, import kinds' headers, reports — has its English in
the catalogue, and the panel's pages in English leave no Chinese but data (names, titles, a
scheme's own words), the articles parameters rest on (依据) and the words the files themselves
hold: a run's explanations, tie-breaks and award notes are said in English too."""

import html
import re
from html.parser import HTMLParser

import pytest
from babel.messages.pofile import read_po
from marshmallow import fields

from kaohe.admin.i18n import LANGUAGES
from kaohe.core.domain.params import inner_schema, kind_of
from kaohe.core.exchange.kinds import KINDS
from kaohe.core.exchange.reports.catalog import REPORTS
from kaohe.core.runs.store import recalculate
from kaohe.core.storage.models import (
    ParameterVersion,
    Publication,
    Reporter,
    RunSentence,
    Scheme,
    ScoreLine,
    Unit,
    UnitResult,
)
from kaohe.core.storage.schemes import current_version
from tests.admin_support import app, auth, client, form_values, world  # noqa: F401 (fixtures)

HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
CATALOGUE = "admin/translations/en/LC_MESSAGES/messages.po"


def english():
    from pathlib import Path
    with open(Path(__file__).resolve().parent.parent / CATALOGUE, "rb") as source:
        return {m.id: m.string for m in read_po(source) if m.id}


# ---------------------------------------------------------------- what the core says

def field_words(field, found, sources):
    """The label, unit, choices, rows and columns of `field` and of the fields under it."""
    meta = field.metadata
    for key in ("label", "unit"):
        if meta.get(key):
            found.add(meta[key])
    for key in ("choices", "rows", "cols"):
        found.update(text for text in (meta.get(key) or {}).values() if text)
    if meta.get("source"):
        sources.add(meta["source"])
    inner = inner_schema(field)
    if inner is not None:
        for sub in inner.fields.values():
            field_words(sub, found, sources)
    elif isinstance(field, fields.List):
        field_words(field.inner, found, sources)


def schema_words(registry):
    """(every word of the built-in rule sets' and rule kinds' schemas, titles and descriptions,
    every 依据 quotation of them)."""
    found, sources = set(), set()
    for name, ruleset in registry.rulesets.items():
        assert registry.ruleset_plugin[name].source == "builtin"
        found.update({ruleset.title, ruleset.description})
        found.update((getattr(ruleset, "facts", None) or {}).values())
        for field in ruleset.params_schema().fields.values():
            field_words(field, found, sources)
    for kind in registry.rule_kinds.values():
        found.update({kind.title, kind.description})
        for field in kind.params_schema().fields.values():
            field_words(field, found, sources)
    found.discard("")
    return found, sources


def test_every_word_of_the_built_in_schemas_has_its_english(registry):
    words, _sources = schema_words(registry)
    assert len(registry.rulesets) >= 5 and len(registry.rule_kinds) >= 10
    assert {"省政府信息采用计分", "采用计分（按刊物级别和采用形式）", "国家级全文采用", "小时", "元",
            "按篇平均"} <= words  # titles, labels, a grid's cell, units, a rule kind
    catalogue = english()
    assert sorted(w for w in words if not catalogue.get(w, "").strip()) == []


def test_every_import_kind_and_report_has_its_english():
    words = {kind.label for kind in KINDS.values()}
    words |= {header for kind in KINDS.values() for _name, header in kind.columns}
    words |= {report.title for report in REPORTS.values()}
    words |= {report.period_hint for report in REPORTS.values()}
    catalogue = english()
    assert sorted(w for w in words if not catalogue.get(w, "").strip()) == []
    assert catalogue["稿件编号"] and catalogue["每季度通报"] == "Quarterly notification"


# ---------------------------------------------------------------- the pages in English

class Texts(HTMLParser):
    """The text a reader sees on a page, and the attribute values a browser shows or says
    (titles, labels, placeholders, options, values), scripts left out."""

    SHOWN = {"title", "aria-label", "placeholder", "label", "value", "alt", "data-busy",
             "data-kaohe-confirm", "data-placeholder", "data-browse", "data-empty"}

    def __init__(self):
        super().__init__()
        self.pieces, self._skip = [], 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._skip += 1
        attrs = dict(attrs)
        if tag == "option" or attrs.get("type") in ("hidden", "checkbox"):
            attrs.pop("value", None)  # a code sent back, not shown
        self.pieces.extend(v for k, v in attrs.items() if k in self.SHOWN and v)

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip and data.strip():
            self.pieces.append(data.strip())


def without_file_notes(page):
    """The import page without its file-format notes, which quote the Chinese words a file may
    hold (全文/综合…, 2025年3月8日, 120篇), and without the sheet and file names it accepts."""
    page = re.sub(r'(<div class="card-body" id="import-help">.*?)<ul>.*?</ul>', r"\1", page, flags=re.S)
    return page


def data_words(registry):
    """The Chinese a page may show as it is: the data, the explanations, the articles quoted, the
    scheme's own text values, the sheet and file names an import accepts, the languages' names."""
    allowed = set(LANGUAGES.values())
    allowed |= {u.name for u in Unit.select()} | {r.name for r in Reporter.select()}
    allowed |= {p.name for p in Publication.select()}
    from kaohe.core.storage.models import Item
    allowed |= {i.title for i in Item.select()}
    for scheme in Scheme.select():
        allowed |= {scheme.name, scheme.title or ""}
    for version in ParameterVersion.select():
        allowed |= {version.reason or "", version.author or ""}
        allowed |= set(config_texts(registry, version.config))
    # What a run stored as text is said in English through the sentences it kept (RunSentence):
    # only a run stored without them (before they were kept) may show its texts in Chinese.
    said = RunSentence.select(RunSentence.run).distinct()
    allowed |= {line.explanation for line in ScoreLine.select().where(ScoreLine.run.not_in(said))}
    for result in UnitResult.select().where(UnitResult.run.not_in(said)):
        allowed |= {result.tie_break, result.veto_reason, result.award_note, result.grade}
    allowed |= schema_words(registry)[1]
    for kind in KINDS.values():  # the names of sheets and files: what the importer reads
        allowed |= {kind.label, *kind.aliases}
    allowed.discard("")
    return sorted(allowed, key=len, reverse=True)


def config_texts(registry, config):
    """The text values of a configuration: typed names (publications in overrides), award titles,
    the rows' own names, labels and sources."""
    for key in ("unit_title", "reporter_title"):
        yield str((config.get("awards") or {}).get(key) or "")
    for entry in config.get("rulesets", []):
        ruleset = registry.rulesets.get(entry["name"])
        if ruleset is not None:
            yield from values_of(ruleset.params_schema(), entry.get("params") or {}, registry)


def values_of(schema, values, registry):
    for name, field in schema.fields.items():
        value = values.get(name)
        kind = kind_of(field)
        if kind == "rules":
            for row in value or []:
                yield from (str(row.get(k) or "") for k in ("name", "label", "source"))
                rule_kind = registry.rule_kinds.get(row.get("kind"))
                if rule_kind is not None:
                    yield from values_of(rule_kind.params_schema(), row.get("params") or {}, registry)
        elif isinstance(value, dict) and inner_schema(field) is not None:
            yield from values_of(inner_schema(field), value, registry)
        elif isinstance(value, list):
            inner = inner_schema(field)
            for one in value:
                if isinstance(one, dict) and inner is not None:
                    yield from values_of(inner, one, registry)
                elif isinstance(one, str) and not (field.inner.metadata.get("choices")
                                                   or field.metadata.get("choices")):
                    yield one
        elif isinstance(value, str) and kind == "text":
            yield value


def chinese_left(page, allowed):
    """The pieces of `page` that still hold Chinese once the allowed words are taken out."""
    reader = Texts()
    reader.feed(page)
    left = []
    for piece in reader.pieces:
        rest = piece
        for text in allowed:
            if text in rest:
                rest = rest.replace(text, " ")
        if HAN.search(rest):
            left.append(piece)
    return sorted(set(left))


@pytest.fixture
def english_pages(client, auth, world, registry):
    """The pages of issue #13 in English mode, with a run of the world's scheme to show."""
    scheme = world["scheme"]
    run = recalculate(registry, scheme, author="test").run
    auth.login("admin")
    client.get("/lang/en")
    pages = {page: client.get(page).data.decode() for page in (
        f"/schemes/{scheme.id}/tune", "/plugins/", "/import/", "/export/", "/report-tables/",
        f"/results/?scheme={scheme.id}", f"/results/run/{run.id}/",
        f"/results/run/{run.id}/unit/{world['changshan'].id}")}
    pages["/import/"] = without_file_notes(pages["/import/"])
    return pages


def test_english_pages_leave_no_chinese_but_data_explanations_and_sources(english_pages, registry):
    allowed = data_words(registry)
    left = {page: chinese_left(body, allowed) for page, body in english_pages.items()}
    assert {page: words for page, words in left.items() if words} == {}
    tune = english_pages[next(p for p in english_pages if p.endswith("/tune"))]
    for words in ("Provincial government adoption points", "Adoption points (by publication level "
                  "and form) (points)", "First report deadline (after the occurrence, by severity) "
                  "(hours)", "National", "Full text", "Based on: "):
        assert words in tune, words
    assert "Adjustments (office records)" in tune  # a rule kind's title, offered to add
    assert "Item no. / no" in english_pages["/import/"] or "Item number / no" in english_pages["/import/"]
    assert "Quarterly notification (a quarter, e.g. 2025-Q1)" in english_pages["/report-tables/"]
    assert "admin (Administrator)" in english_pages["/plugins/"]  # not 「admin（Administrator）」


def test_the_copied_preset_speaks_english_and_reads_back_its_own_words(client, auth, world, registry):
    """Copying a preset into rule rows in English mode: the cards say their kinds, labels and
    lists of words in English, the rows' own labels (data) stay as they are; the page saved as
    shown stores the very rows the preset gives, its English words read back as their codes."""
    scheme = world["scheme"]
    auth.login("admin")
    client.get("/lang/en")
    values = form_values(client.get(f"/schemes/{scheme.id}/tune").data.decode(), "tune-form")
    values.update(action="preset.copy:provincial", period="2025")
    body = client.post(f"/schemes/{scheme.id}/tune", data=values).data.decode()
    assert "Item points (points table)" in body and "0 units change" in body
    shown = form_values(body, "tune-form")
    assert shown["p.scheme_rules.rules.0.params.table.0.levels"] == "Provincial"
    assert shown["p.scheme_rules.rules.0.params.table.0.forms"] == "Full text"
    assert shown["p.scheme_rules.rules.0.label"] == "采用计分"  # the row's own words: data
    rows = {v for k, v in shown.items() if k.endswith((".label", ".name", ".source"))}
    # The preview's words of a change of rule rows are sentences of the core, said in English
    # around the rows' own labels (data).
    changes = re.search(r'<p class="small mb-2">Changes: (.*?)</p>', body, re.S).group(1)
    assert "Scheme rules · " in changes and "Yes → No" in changes
    assert ("Scheme rules · Rules that score 「Instruction points」</span> (none) → added as no. 2: "
            "Instruction points 「Instruction points」 (instruction, points): Instruction points (by leader "
            "level): National 100.00, Provincial 50.00, City 10.00") in html.unescape(changes)
    left = chinese_left(body, sorted(set(data_words(registry)) | rows, key=len, reverse=True))
    assert left == [], "\n".join(left)
    shown.update(action="save", reason="copy the preset")
    assert client.post(f"/schemes/{scheme.id}/tune", data=shown).status_code == 302
    saved = next(e for e in current_version(scheme).config["rulesets"] if e["name"] == "scheme_rules")
    provincial = registry.rulesets["provincial"]
    wanted = provincial.scheme_rows(provincial.dump_params(provincial.default_params()))
    assert saved["params"]["rules"][0]["params"]["table"][0]["levels"] == ["provincial"]
    assert [r["params"] for r in saved["params"]["rules"]] == [r["params"] for r in wanted]


def test_chinese_stays_the_default(client, auth, world, registry):
    scheme = world["scheme"]
    auth.login("admin")
    tune = client.get(f"/schemes/{scheme.id}/tune").data.decode()
    provincial = registry.rulesets["provincial"]
    for field in provincial.params_schema().fields.values():
        assert field.metadata["label"] in tune
    assert provincial.title in tune and provincial.description in tune
    assert "Provincial government adoption points" not in tune
    imports = client.get("/import/").data.decode()
    assert "稿件编号 / no（必填）" in imports


def test_ranking_and_score_line_downloads_speak_the_readers_language(client, auth, world, registry):
    # In English the ranking's and the score lines' columns, the pool and the line type are
    # English, the explanations too (said through the run's sentences); the data export keeps
    # the import format's headers, so that it imports back.
    import csv
    import io
    run = recalculate(registry, world["scheme"], "2025", author="test").run
    auth.login("clerk")
    client.get("/lang/en")
    lines = list(csv.reader(io.StringIO(client.get(
        f"/export/run?run={run.id}&what=lines&format=csv").data.decode("utf-8-sig"))))
    catalogue = english()
    assert lines[0] == [catalogue[h] for h in (
        "单位代码", "单位名称", "信息员编号", "信息员", "稿件编号", "标题", "规则集", "规则", "类型", "得分",
        "奖惩（元）", "说明")]
    assert {row[7] for row in lines[1:]} == {"Adoption points（adoption）"}
    assert {row[8] for row in lines[1:]} == {catalogue["计分"]}
    assert "《省政府信息》 (Provincial), Full text: 20 points" in {row[11] for row in lines[1:]}
    ranking = list(csv.reader(io.StringIO(client.get(
        f"/export/run?run={run.id}&what=ranking&format=csv").data.decode("utf-8-sig"))))
    assert ranking[0][:4] == [catalogue[h] for h in ("单位代码", "单位名称", "考核组别", "名次")]
    assert {row[2] for row in ranking[1:]} == {catalogue["县(市、区)"], catalogue["市直部门"]}
    data = client.get("/export/data?kind=units&format=csv").data.decode("utf-8-sig")
    assert data.splitlines()[0].startswith("单位代码,单位名称")
    client.get("/lang/zh_Hans_CN")
    lines = client.get(f"/export/run?run={run.id}&what=lines&format=csv").data.decode("utf-8-sig")
    assert lines.splitlines()[0].startswith("单位代码,单位名称")  # Chinese stays the default


# ---------------------------------------------------------------- the core's sentences

MADE_FROM_MESSAGES = ("core/exchange/cells.py:",)  # Cell.make_error: say(a cell's error message)


def said_templates():
    """{template: where} of every sentence the core, the rule sets and the plugin contract make:
    the literal first argument of each `say(…)` call (found without running anything), the
    messages of the import's cells (made into sentences by `Cell.make_error`) and the parameter
    fields' messages."""
    import ast
    from pathlib import Path

    from kaohe.core.domain import params
    from kaohe.core.exchange import cells, scheme_cells  # noqa: F401 (their cells are walked)
    root = Path(__file__).resolve().parent.parent
    found = {}
    for folder in ("core", "rulesets", "plugins", "admin/api"):
        for path in sorted((root / folder).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "say":
                    first = node.args[0] if node.args else None
                    where = f"{path.relative_to(root)}:{node.lineno}"
                    if where.startswith(MADE_FROM_MESSAGES):
                        continue
                    assert isinstance(first, ast.Constant) and isinstance(first.value, str), \
                        f"{where}: say() takes its template as a literal, so that it can be found"
                    found.setdefault(first.value, where)

    def subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)
    for cell in subclasses(cells.Cell):
        for cls in cell.__mro__:
            for message in vars(cls).get("default_error_messages", {}).values():
                if HAN.search(message):
                    found.setdefault(message, f"{cell.__module__}.{cell.__name__}")
    for name, value in vars(params).items():
        if name.endswith("_ERRORS") and isinstance(value, dict):
            found.update({m: f"params.{name}" for m in value.values() if HAN.search(m)})
    return found


def placeholders(template):
    import string
    return sorted({name for _text, name, _spec, _conv in string.Formatter().parse(template)
                   if name is not None})


def test_every_sentence_of_the_core_has_its_english_with_the_same_placeholders():
    templates = said_templates()
    assert len(templates) > 250
    assert {"{source} 第{row}行「{column}」：{message}", "分值和金额至少填写一项", "新增第{n}条：{row}",
            "「{value}」不是有效的日期，应为 2025-03-08 的形式"} <= set(templates)
    catalogue = english()
    assert sorted(f"{t}  ({where})" for t, where in templates.items()
                  if not catalogue.get(t, "").strip()) == []
    assert sorted(t for t in templates if placeholders(catalogue[t]) != placeholders(t)) == []
    assert sorted(t for t in templates if HAN.search(catalogue[t].replace("「", "").replace("」", ""))
                  and not re.search(r"稿件\.csv|市政府系统|是|否|分|元|、|；", catalogue[t])) == []


def test_a_sentence_is_its_chinese_text_and_says_its_english_from_the_same_template(app):
    import pickle

    from flask import session

    from kaohe.admin.i18n import word
    from kaohe.core.domain.errors import KaoheError
    from kaohe.core.domain.sentences import Sentence, listing, say
    from kaohe.core.exchange.reading import RowError

    column = say("第{n}列", n=3)
    made = say("{what}：{column} {points:.2f} 分（U+{code:04X}）", what="分值", column=column,
               points=2.5, code=7)
    assert made == "分值：第3列 2.50 分（U+0007）" and type(str(made)) is str
    assert isinstance(made, Sentence) and made.template.startswith("{what}")
    assert made.params["column"] is column
    again = pickle.loads(pickle.dumps(made))
    assert again == made and again.template == made.template and again.params["points"] == 2.5
    error = KaoheError(say("考核方案「{name}」已存在", name="测试方案"))
    assert str(error) == "考核方案「测试方案」已存在" and error.sentence.params == {"name": "测试方案"}
    assert KaoheError("纯文字").sentence == "纯文字"
    listed = listing([say("第{row}行", row=2), "分值"])
    assert listed == "第2行、分值" and listing([], empty="（无）") == "（无）"
    problem = RowError("加减分.csv", 2, "分值", say("分值和金额至少填写一项"))
    assert str(problem) == "加减分.csv 第2行「分值」：分值和金额至少填写一项"
    assert word(error) == str(error) and word(made) is made  # outside a request: as it is
    with app.test_request_context():
        assert word(error) == "考核方案「测试方案」已存在"
        assert word(problem.message) == "分值和金额至少填写一项"
    with app.test_request_context():
        session["lang"] = "en"
        assert word(error) == "Scheme 「测试方案」 already exists"
        assert word(str(problem)) == \
            "加减分.csv, row 2, 「Points」: Give the points or the amount, at least one of them"
        assert word(listed) == "row 2, Points"
        assert word(say("{year}年{month}月", year=2025, month=3)) == "2025-03"
        # a template the catalogue lacks: its Chinese, its parameters still said
        assert word(say("未收录的句子「{x}」", x="分值")) == "未收录的句子「Points」"
        assert word(say("第 {run} 次计算已经发布", run=7)) == "Run 7 is already published"


ADJUSTMENTS = ["单位代码", "日期", "分值", "金额", "事由"]


def test_an_import_with_bad_rows_says_each_problem_in_english(client, auth, world):
    import io
    auth.login("clerk")
    client.get("/lang/en")
    rows = [ADJUSTMENTS, ["C01", "2025-03-05", "", "", "表扬"], ["C01", "2025-13-01", "3", "", "表扬"],
            ["C09", "2025-03-06", "2", "", "表扬"]]
    files = {"files": [(io.BytesIO(csv_bytes(rows)), "加减分.csv")]}
    body = client.post("/import/check", data=files, content_type="multipart/form-data").data.decode()
    table = re.search(r'<table class="table table-sm table-striped mb-0" id="error-table">(.*?)</table>',
                      body, re.S).group(1)
    cells = [[re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
             for row in re.findall(r"<tr[^>]*>(.*?)</tr>", table, re.S)]
    assert [row for row in cells if row] == [
        ["加减分.csv", "2", "Points", "Give the points or the amount, at least one of them"],
        ["加减分.csv", "3", "Date", "「2025-13-01」 is not a valid date; write it as 2025-03-08"],
        ["加减分.csv", "4", "Unit code",
         "Unit code 「C09」 does not exist (neither in the database nor in the files of this import)"],
    ]
    client.get("/lang/zh_Hans_CN")
    body = client.post("/import/check", data={"files": [(io.BytesIO(csv_bytes(rows[:2])), "加减分.csv")]},
                       content_type="multipart/form-data").data.decode()
    assert "分值和金额至少填写一项" in body and "Give the points" not in body


def csv_bytes(rows):
    import csv
    import io
    buffer = io.StringIO(newline="")
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue().encode("utf-8-sig")


def test_a_refusal_to_delete_a_unit_in_use_is_said_in_english(client, auth, world, registry):
    recalculate(registry, world["scheme"], author="test")
    unit = world["kaihua"]
    auth.login("admin")
    client.get("/lang/en")
    page = client.post("/units/delete/", data={"id": unit.id}, follow_redirects=True).data.decode()
    page = html.unescape(page)
    assert ("Unit 「开化县」 appears in 1 saved run(s) and cannot be deleted: deleting it would change "
            "those results. If it no longer takes part, remove it from the scheme's member units.") in page
    assert Unit.get_or_none(Unit.id == unit.id) is not None
    client.get("/lang/zh_Hans_CN")
    page = client.post("/units/delete/", data={"id": unit.id}, follow_redirects=True).data.decode()
    assert "单位「开化县」出现在1次已保存的计算结果中，不能删除" in page


def test_a_parameter_versions_changes_are_said_in_english(client, auth, world, registry):
    import copy

    from kaohe.core.storage.schemes import save_config
    scheme = world["scheme"]
    config = copy.deepcopy(current_version(scheme).config)
    provincial = next(e for e in config["rulesets"] if e["name"] == "provincial")
    provincial["params"]["adoption"]["provincial"]["full"] = "25"
    provincial["enabled"] = False
    save_config(registry, scheme, config, author="admin", reason="2025年新办法")
    auth.login("admin")
    client.get("/lang/en")
    page = client.get(f"/schemes/{scheme.id}/versions").data.decode()
    texts = Texts()
    texts.feed(page)
    assert ["Provincial government adoption points · Enabled", ": Yes → No",
            "Provincial government adoption points · Adoption points (by publication level and form) · "
            "Provincial, full text", ": 20.00 → 25.00"] == [
        piece for piece in texts.pieces if piece.startswith(("Provincial", ": "))]
    client.get("/lang/zh_Hans_CN")
    page = client.get(f"/schemes/{scheme.id}/versions").data.decode()
    assert "省政府信息采用计分 · 启用" in page
