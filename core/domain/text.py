"""Plain-text output: tables whose columns line up with Chinese text, and JSON of amounts and dates."""

import json
import unicodedata
from decimal import Decimal

import click


def json_default(value):
    """Amounts as text with two places, dates and times in ISO form (for `json.dumps(default=)`)."""
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if hasattr(value, "isoformat"):
        return value.isoformat()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def echo_json(value):
    """Print `value` as indented JSON, Chinese as it is, amounts with two places."""
    click.echo(json.dumps(value, ensure_ascii=False, indent=2, default=json_default))


def _width(text):
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in str(text))


def render_table(headers, rows):
    """A plain-text table whose columns line up with Chinese text too."""
    table = [list(map(str, headers))] + [[str(c) for c in row] for row in rows]
    widths = [max(_width(row[i]) for row in table) for i in range(len(headers))]
    lines = []
    for n, row in enumerate(table):
        lines.append("  ".join(cell + " " * (widths[i] - _width(cell)) for i, cell in enumerate(row)).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)
