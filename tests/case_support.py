"""What the real-scheme case tests share: import a case's data and scheme document, compare with expected.json."""

import json
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CASES = ROOT / "tests" / "data" / "schemes"  # the shared cases, as copied for the tests
D = Decimal


def reproduce(kaohe, registry, folder, document):
    """Import the case's data and its scheme document with the commands an office runs, then
    recalculate every period of expected.json and compare each unit's points (元, grade) with
    `kaohe ranking --format json`."""
    expected = json.loads((folder / "expected.json").read_text(encoding="utf-8"))
    code, out, err = kaohe("import", folder / "data")
    assert code == 0, out + err
    code, out, err = kaohe("scheme", "import", document)
    assert code == 0, out + err
    name = expected["scheme"]
    for period, want in expected["periods"].items():
        code, out, err = kaohe("recalc", name, "--period", period)
        assert code == 0, out + err
        code, out, err = kaohe("ranking", name, "--period", period, "--format", "json")
        rows = {r["unit"]: r for r in json.loads(out)}
        assert {c: D(str(r["points"])) for c, r in rows.items()} == \
            {c: D(v) for c, v in want["points"].items()}, period
        for key, field in (("yuan", "yuan"), ("grades", "grade"), ("rank", "rank"),
                           ("ranks", "rank")):
            if key in want:
                got = {c: (D(str(r[field])) if key == "yuan" else r.get(field))
                       for c, r in rows.items() if c in want[key]}
                assert got == {c: (D(v) if key == "yuan" else v) for c, v in want[key].items()}, \
                    (period, key)
