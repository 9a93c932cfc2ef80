"""The panel's import pages driven as a browser would: files posted, the check's page read back."""

import csv
import io
import re
from pathlib import Path

from tests.admin_support import form_values


def _csv_bytes(rows, encoding="utf-8-sig"):
    buffer = io.StringIO(newline="")
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue().encode(encoding)


def _check(client, files):
    """POST the files to the dry run; return the page."""
    data = {"files": [(io.BytesIO(content), name) for name, content in files]}
    response = client.post("/import/check", data=data, content_type="multipart/form-data")
    assert response.status_code == 200, response.data.decode()[:500]
    return response.data.decode()


def _token(body):
    return form_values(body, "confirm-form")["token"]


def _counts(body, kind):
    match = re.search(r'<tr data-kind="%s">\s*<td>[^<]*</td>\s*<td class="text-right created">(\d+)</td>'
                      r'\s*<td class="text-right updated">(\d+)</td>\s*'
                      r'<td class="text-right unchanged">(\d+)</td>' % kind, body)
    assert match, f"no count row for {kind}"
    return tuple(int(n) for n in match.groups())


def _errors(body):
    """The error table's rows as (source, row, column, message), HTML as written."""
    return re.findall(r'<td class="source">(.*?)</td>\s*<td class="row-number text-right">(.*?)</td>\s*'
                      r'<td class="column">(.*?)</td>\s*<td class="message">(.*?)</td>', body, re.S)


def _uploads(app):
    folder = Path(app.instance_path) / "uploads"
    return sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []
