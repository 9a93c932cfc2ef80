"""`kaohe scheme …`: create schemes, show and set their parameters, list and restore versions."""


import click

from kaohe.cli.base import CONTEXT, cli, echo_json, pass_state, render_table
from kaohe.core.domain.params import leaves, value_words
from kaohe.core.domain.vocab import UNIT_KINDS
from kaohe.core.storage import schemes


@cli.group(context_settings=CONTEXT)
def scheme():
    """考核方案：创建、查看、调整参数。Schemes: create, show, tune."""


@scheme.command("create")
@click.argument("name")
@click.option("--year", type=int, required=True, help="考核年度。Scheme year.")
@click.option("--rulesets", required=True,
              help="启用的规则集，按顺序，逗号分隔。Enabled rule sets in order, comma-separated.")
@click.option("--units", help="成员单位代码，逗号分隔（默认全部）。Member unit codes (default all).")
@click.option("--pools", help="只包含这些考核组别的单位。Only units of these pools.")
@click.option("--title", default="", help="方案标题。Title.")
@pass_state
def scheme_create(state, name, year, rulesets, units, pools, title):
    """创建考核方案。Create a scheme."""
    created = schemes.create_scheme(
        state.registry, name, year, _split(rulesets), units=_split(units), pools=_split(pools),
        title=title, author="kaohe")
    count = created.unit_links.count()
    click.echo(f"已创建考核方案「{created.name}」（{year}年，{count}家单位，规则集：{rulesets}）")


def _split(text):
    if not text:
        return None
    return [part.strip() for part in text.replace("，", ",").split(",") if part.strip()]


@scheme.command("list")
@click.option("--format", "fmt_", type=click.Choice(["table", "json"]), default="table",
              help="输出格式。Output format.")
def scheme_list(fmt_):
    """列出考核方案。List schemes."""
    from kaohe.core.storage.models import Scheme
    rows = [(s.name, s.year, s.unit_links.count(), schemes.current_version(s).number)
            for s in Scheme.select().order_by(Scheme.id)]
    if fmt_ == "json":
        echo_json([{"name": n, "year": y, "units": u, "parameter_version": v} for n, y, u, v in rows])
        return
    click.echo(render_table(["方案", "年度", "单位数", "参数版本"], rows))


@scheme.command("show")
@click.argument("name")
@click.option("--format", "fmt_", type=click.Choice(["table", "json"]), default="table")
@pass_state
def scheme_show(state, name, fmt_):
    """查看方案的规则集与全部参数。Show a scheme's rule sets and parameters."""
    found = schemes.get_scheme(name)
    version = schemes.current_version(found)
    if fmt_ == "json":
        echo_json({"name": found.name, "year": found.year, "version": version.number,
                   "units": [u.unit.code for u in found.unit_links], "config": version.config})
        return
    click.echo(f"考核方案：{found.name}（{found.year}年，{found.unit_links.count()}家单位）")
    click.echo(f"参数版本：第{version.number}版，{version.created_at:%Y-%m-%d %H:%M} "
               f"{version.author}：{version.reason}")
    for entry in version.config["rulesets"]:
        ruleset = state.registry.rulesets.get(entry["name"])
        state_text = "启用" if entry.get("enabled", True) else "停用"
        if ruleset is None:
            click.echo(f"\n[{state_text}] {entry['name']}（未加载：参数按原样列出）")
            for path, value in _leaves(entry["params"], entry["name"]):
                click.echo(f"  {path} = {value}")
            continue
        click.echo(f"\n[{state_text}] {ruleset.title}（{entry['name']}）")
        for leaf in leaves(ruleset.params_schema(), entry["params"] or {}):
            click.echo(f"  {leaf.label}：{value_words(leaf.field, leaf.value)}"
                       f"    [{entry['name']}.{'.'.join(leaf.path)}]")
    awards = version.config["awards"]
    click.echo("\n评先名额：" + "，".join(f"{UNIT_KINDS.get(k, k)} {v}" for k, v in
                                     awards["units"].items()) + f"，先进个人 {awards['reporters']}")
    conversion = version.config["conversion"]
    click.echo("折算：" + (f"满分 {conversion['max_points']} 分" if conversion["enabled"] else "不折算"))


def _leaves(value, path):
    if isinstance(value, dict):
        for key, sub in value.items():
            yield from _leaves(sub, f"{path}.{key}")
    elif isinstance(value, list):
        for n, sub in enumerate(value):
            yield from _leaves(sub, f"{path}.{n}")
    else:
        yield path, value


@scheme.command("set")
@click.argument("name")
@click.argument("path")
@click.argument("value")
@click.option("--reason", required=True, help="修改原因（必填）。Why (required).")
@click.option("--author", default="kaohe", help="修改人。Who.")
@pass_state
def scheme_set(state, name, path, value, reason, author):
    """修改一项参数，生成新的参数版本。Change one parameter; makes a new version.

    \b
    PATH 例 e.g.: provincial.adoption.provincial.full
                 urgent_penalty.deductions.late
                 awards.units.county   conversion.enabled   county_bonus.enabled
    """
    found = schemes.get_scheme(name)
    old = schemes.current_version(found)
    version = schemes.set_param(state.registry, found, path, value, author=author, reason=reason)
    values = {path: (before, after) for path, before, after
              in schemes.compared(state.registry, old.config, version.config)}
    for changed, words, old_words, new_words in schemes.describe_changes(
            state.registry, old.config, version.config):
        before, after = values[changed]
        click.echo(f"{changed}: {before} → {after}  （{words}：{old_words} → {new_words}）")
    click.echo(f"已保存为第{version.number}版参数。Saved as version {version.number}.")


@scheme.command("rulesets")
@click.argument("name")
@click.argument("names")
@click.option("--reason", required=True, help="修改原因（必填）。Why (required).")
@pass_state
def scheme_rulesets(state, name, names, reason):
    """按顺序启用这些规则集，其余停用。Enable these rule sets in order, disable the rest."""
    found = schemes.get_scheme(name)
    version = schemes.set_rulesets(state.registry, found, _split(names), author="kaohe", reason=reason)
    click.echo(f"已保存为第{version.number}版参数。Saved as version {version.number}.")


@scheme.command("versions")
@click.argument("name")
@click.option("--format", "fmt_", type=click.Choice(["table", "json"]), default="table",
              help="输出格式。Output format.")
def scheme_versions(name, fmt_):
    """列出参数版本。List parameter versions."""
    found = schemes.get_scheme(name)
    from kaohe.core.storage.models import ParameterVersion
    rows = [(v.number, f"{v.created_at:%Y-%m-%d %H:%M}", v.author, v.reason)
            for v in found.versions.order_by(ParameterVersion.number)]
    if fmt_ == "json":
        echo_json([{"number": n, "created_at": t, "author": a, "reason": r} for n, t, a, r in rows])
        return
    click.echo(render_table(["版本", "时间", "修改人", "原因"], rows))


@scheme.command("restore")
@click.argument("name")
@click.argument("number", type=int)
@click.option("--reason", default="", help="原因。Why.")
@pass_state
def scheme_restore(state, name, number, reason):
    """恢复某一参数版本（生成新版本）。Restore a parameter version (as a new version)."""
    found = schemes.get_scheme(name)
    version = schemes.restore_version(state.registry, found, number, author="kaohe", reason=reason)
    click.echo(f"已恢复第{number}版，保存为第{version.number}版。Restored as version {version.number}.")


@scheme.command("export")
@click.argument("name")
@click.option("--output", "-o", required=True, type=click.Path(dir_okay=False),
              help="方案文件（TOML）。The scheme document (TOML).")
def scheme_export(name, output):
    """导出整个方案为一个 TOML 方案文件。Export a whole scheme as one TOML document."""
    from pathlib import Path

    from kaohe.core.exchange.scheme_documents import dumps
    found = schemes.get_scheme(name)
    Path(output).write_text(dumps(found), encoding="utf-8")
    click.echo(f"已导出考核方案「{found.name}」（参数第{schemes.current_version(found).number}版）→ {output}")


@scheme.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--reason", default="", help="修改原因（默认：按方案文件导入）。Why.")
@click.option("--author", default="kaohe", help="修改人。Who.")
@pass_state
def scheme_import(state, path, reason, author):
    """按 TOML 方案文件创建或更新方案（全部成功才写入）。Create or update a scheme from a document."""
    from pathlib import Path

    from kaohe.core.exchange.scheme_documents import import_document
    from kaohe.core.storage.migrations import create_tables
    create_tables()
    found, created, version = import_document(state.registry, Path(path).read_bytes(),
                                              author=author, reason=reason)
    number = schemes.current_version(found).number
    if created:
        click.echo(f"已创建考核方案「{found.name}」（{found.year}年，{found.unit_links.count()}家单位，"
                   f"参数第{number}版）")
    elif version is None:
        click.echo(f"考核方案「{found.name}」的参数与方案文件相同，未生成新版本（第{number}版）")
    else:
        click.echo(f"已更新考核方案「{found.name}」，保存为第{number}版参数。Saved as version {number}.")
