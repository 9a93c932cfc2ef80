"""The blank import templates an office fills in: one workbook of every kind, or one csv file."""

import csv
import datetime
import io
import re

from kaohe.core.domain.errors import KaoheError
from kaohe.core.domain.sentences import say
from kaohe.core.exchange.kinds import KINDS, kind_named, kind_names_text
from kaohe.core.exchange.reading import schema_of


def template_workbook():
    """An xlsx workbook with one sheet per kind: the Chinese headers and one example row."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    workbook = Workbook()
    workbook.remove(workbook.active)
    for kind in KINDS.values():
        sheet = workbook.create_sheet(kind.label)
        sheet.append([header for _, header in kind.columns])
        sheet.append([_template_cell(value) for value in kind.example])
        required = schema_of(kind).fields
        for cell, (name, _) in zip(sheet[1], kind.columns):
            cell.font = Font(bold=required[name].required)
            sheet.column_dimensions[cell.column_letter].width = max(12, 2 * len(cell.value) + 4)
        sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _template_cell(value):
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return datetime.date.fromisoformat(value)
    return value if value != "" else None


def template_csv(kind):
    """A CSV template of one kind (UTF-8 with BOM, which Excel opens correctly)."""
    found = KINDS.get(kind) or kind_named(kind)
    if found is None:
        raise KaoheError(say("未知的数据种类「{kind}」，应为 {names} "
            "之一",
            kind=kind, names=kind_names_text()))
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow([header for _, header in found.columns])
    writer.writerow(found.example)
    return buffer.getvalue().encode("utf-8-sig")
