"""The house: one installed name, and layers that point one way with no cycles between modules.

docs/architecture.md draws the layers; this test holds the code to the drawing. Every import is
counted, those inside functions too, so a cycle cannot hide behind a function-level import.
"""

import ast
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FOLDERS = {"kaohe": "kaohe", "core": "kaohe.core", "plugins": "kaohe.plugins",
           "rulesets": "kaohe.rulesets", "admin": "kaohe.admin"}

# Lowest first: a module may import from its own layer and the ones before it, never after.
LAYERS = (
    ("kaohe.core.domain", "the domain's words and rules"),
    ("kaohe.core.storage", "storage"),
    ("kaohe.core.reads", "a period's data"),
    ("kaohe.core.scoring", "scoring"),
    ("kaohe.core.runs", "runs"),
    ("kaohe.core.exchange", "exchange formats"),
    ("kaohe.plugins", "the plugin contract"),
    ("kaohe.rulesets", "the built-in rule sets"),
    ("kaohe.admin", "the panel and the API"),
    ("kaohe.demo", "the demo"),
    ("kaohe.cli", "the command"),
    ("kaohe.__main__", "python -m kaohe"),
)


def _modules():
    """{module name: path} of every source module of the installed package."""
    found = {}
    for folder, package in FOLDERS.items():
        for path in sorted((ROOT / folder).rglob("*.py")):
            parts = path.relative_to(ROOT / folder).with_suffix("").parts
            if parts[-1] == "__init__":
                parts = parts[:-1]
            found[".".join((package,) + parts)] = path
    return found


MODULES = _modules()


def _imports(name, path):
    """The kaohe modules `name` imports, anywhere in its file."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    targets = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join(anchor + ([base] if base else []))
            for alias in node.names:
                sub = f"{base}.{alias.name}"
                targets.add(sub if sub in MODULES else base)
    return {t for t in targets if t.split(".")[0] == "kaohe" and t != name}


GRAPH = {name: _imports(name, path) for name, path in MODULES.items()}


def _layer(name):
    for index, (prefix, _words) in enumerate(LAYERS):
        if name == prefix or name.startswith(prefix + "."):
            return index
    return -1  # kaohe and kaohe.core themselves: package roots, below everything


def test_every_module_has_a_layer():
    assert [n for n in MODULES if _layer(n) < 0 and n not in ("kaohe", "kaohe.core")] == []


def test_layers_point_one_way():
    upward = sorted(f"{a} → {b} ({LAYERS[_layer(b)][1]} is above {LAYERS[_layer(a)][1]})"
                    for a, targets in GRAPH.items() for b in targets
                    if b in MODULES and _layer(b) > _layer(a) >= 0)
    assert upward == []


def test_the_rule_sets_use_only_the_plugin_contract():
    """No exception: the built-in rule sets' previews come from the rule kinds' declarations,
    so none of them names a model column (the last hand-written tallies went with issue #11)."""
    reached = {f"{a} → {b}" for a, targets in GRAPH.items() if a.startswith("kaohe.rulesets")
               for b in targets if not b.startswith(("kaohe.plugins", "kaohe.rulesets"))}
    assert reached == set()


def test_no_cycles_between_modules():
    """Tarjan's strongly connected components over every import edge."""
    index, low, stack, on_stack, cycles = {}, {}, [], set(), []

    def visit(node):
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in GRAPH.get(node, ()):
            if target not in MODULES:
                continue
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 5000))
    for name in MODULES:
        if name not in index:
            visit(name)
    assert cycles == []


def test_no_source_module_is_over_500_lines():
    long = {str(p.relative_to(ROOT)): n for p in MODULES.values()
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > 500}
    assert long == {}


def test_every_module_says_what_it_holds():
    bare = [str(p.relative_to(ROOT)) for p in MODULES.values()
            if p.stat().st_size and ast.get_docstring(ast.parse(p.read_text(encoding="utf-8"))) is None]
    assert bare == []


def test_test_modules_do_not_import_each_other():
    """What tests share lives in support modules (tests/*_support.py, conftest.py), not in tests."""
    tests = ROOT / "tests"
    found = []
    for path in sorted(tests.rglob("test_*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = ([alias.name for alias in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            found += [f"{path.relative_to(ROOT)} → {name}" for name in names
                      if name.split(".")[0] == "tests" and name.split(".")[-1].startswith("test_")]
    assert found == []


def test_the_wheel_installs_one_name_only(tmp_path):
    """The wheel holds the package kaohe and its metadata, nothing else at the top level."""
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps",
                    "-w", str(tmp_path), str(ROOT)],
                   check=True, capture_output=True)
    (wheel,) = tmp_path.glob("kaohe-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
    tops = {name.split("/")[0] for name in names}
    assert {t for t in tops if not t.endswith((".dist-info", ".data"))} == {"kaohe"}
    for expected in ("kaohe/core/storage/models/__init__.py", "kaohe/rulesets/provincial.py",
                     "kaohe/admin/templates/kaohe/ranking.html", "kaohe/cli/__init__.py",
                     "kaohe/core/exchange/templates/reports/notification.html",
                     "kaohe/admin/translations/en/LC_MESSAGES/messages.mo"):
        assert expected in names
    assert not [n for n in names if n.startswith("kaohe/tests/") or "/tests/" in n]


def test_the_compiled_english_catalogue_matches_its_source():
    """messages.mo is what `pybabel compile` makes of messages.po (merges rebuild it)."""
    from babel.messages.mofile import read_mo
    from babel.messages.pofile import read_po
    folder = ROOT / "admin" / "translations" / "en" / "LC_MESSAGES"
    with open(folder / "messages.po", "rb") as source, open(folder / "messages.mo", "rb") as built:
        po, mo = read_po(source), read_mo(built)
    wanted = {m.id: m.string for m in po if m.id and m.string and not m.fuzzy}
    compiled = {m.id: m.string for m in mo if m.id}
    assert compiled == wanted


def test_every_message_of_the_panel_has_its_english():
    """What `pybabel extract` finds in the panel's code and templates is all in the English catalogue."""
    from babel.messages.extract import extract_from_dir
    from babel.messages.pofile import read_po
    with open(ROOT / "admin" / "translations" / "en" / "LC_MESSAGES" / "messages.po", "rb") as source:
        english = {m.id: m.string for m in read_po(source) if m.id}
    methods = [("**.py", "python"), ("templates/**.html", "jinja2")]
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None, "L": None}
    found = {message if isinstance(message, str) else message[0]
             for _file, _line, message, _comments, _context in extract_from_dir(
                 ROOT / "admin", method_map=methods, keywords=keywords)}
    missing = sorted(m for m in found if m and not english.get(m))
    assert missing == []


def test_what_the_benchmarks_import_from_kaohe_exists():
    """`make bench` is not run by CI: its imports of Kaohe (function-level ones too) are checked
    here, so that a name moved inside Kaohe cannot break a fresh benchmark run unseen."""
    import importlib
    missing = []
    for path in sorted((ROOT / "benchmarks").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("kaohe"):
                module = importlib.import_module(node.module)
                missing.extend(f"{path.name}:{node.lineno} {node.module}.{alias.name}"
                               for alias in node.names if not hasattr(module, alias.name)
                               and not _is_module(f"{node.module}.{alias.name}"))
    assert missing == []


def _is_module(name):
    import importlib.util
    try:
        return importlib.util.find_spec(name) is not None
    except ModuleNotFoundError:
        return False
