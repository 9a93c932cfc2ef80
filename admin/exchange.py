"""The panel's 导入数据 and 导出数据 pages: files checked, then imported all or nothing; downloads."""

import io
import json
import re
import secrets
import shutil
import time
import zipfile
from pathlib import Path

from flask import abort, current_app, flash, redirect, render_template, request, send_file, session, url_for
from flask_admin import expose
from flask_babel import gettext as _
from flask_login import current_user

from kaohe.core.domain.errors import KaoheError
from kaohe.core.exchange import exporter, import_templates, importer, sheets
from kaohe.core.exchange.files import Limits, size_text
from kaohe.core.exchange.kinds import KINDS
from kaohe.core.exchange.reading import ImportFailed
from kaohe.core.runs import results
from kaohe.core.storage import changes, policy
from kaohe.core.storage.models import Scheme, ScoreRun, Unit

from .i18n import DEFAULT_LOCALE, select_locale, stored_words, word
from .views.base import KaoheView
from .views.common import chosen_scheme, ruleset_titles

STAFF = policy.STAFF
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_TYPES = {"utf-8": "text/csv; charset=utf-8", "gbk": "text/csv; charset=gb18030"}

UPLOAD_LIMIT = 20 * 1024 * 1024  # MAX_CONTENT_LENGTH unless the instance config sets its own
UPLOAD_FOLDER = "uploads"  # under the instance folder, one sub-folder per check
CHECK_LIFETIME = 30 * 60  # seconds a check may wait for its confirmation (KAOHE_IMPORT_TTL)
MAX_FILES = 20
SESSION_KEY = "kaohe_import"
ERRORS_KEY = "kaohe_import_errors"
ERRORS_FOLDER = "import-errors"  # under the instance folder: <token>.xlsx and <token>.json
SHOWN_ERRORS = 200  # the page lists the first errors; the whole list is a download
META = "upload.json"
TOKEN = re.compile(r"[A-Za-z0-9_-]{32,64}")


# ---------------------------------------------------------------- uploads kept for the confirmation

def _uploads():
    return Path(current_app.instance_path) / UPLOAD_FOLDER


def _lifetime():
    return current_app.config.get("KAOHE_IMPORT_TTL", CHECK_LIFETIME)


def _clean_name(raw):
    """The file name as the clerk gave it (稿件.csv stays 稿件.csv), without folders or control marks."""
    name = (raw or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if ch.isprintable()).strip().lstrip(".")
    return name[-120:] or "file"


def _sweep():
    """Delete the uploads of checks nobody confirmed in time."""
    root = _uploads()
    if not root.is_dir():
        return
    limit = time.time() - _lifetime()
    for folder in root.iterdir():
        if folder.is_dir() and folder.stat().st_mtime < limit:
            shutil.rmtree(folder, ignore_errors=True)


def _store(uploads):
    """Save the uploaded files under a fresh random token; return the token, folder and file paths."""
    _sweep()
    token = secrets.token_urlsafe(32)
    folder = _uploads() / token
    folder.mkdir(parents=True, mode=0o700)
    names = []
    for number, upload in enumerate(uploads, start=1):
        place = folder / str(number)  # each file in its own folder: two 稿件.csv do not collide
        place.mkdir()
        name = _clean_name(upload.filename)
        upload.save(place / name)
        names.append(f"{number}/{name}")
    meta = {"user": current_user.id, "created": time.time(), "files": names}
    (folder / META).write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
    return token, folder, [folder / name for name in names]


def _claimed(token):
    """The folder and file paths of this session's own, unexpired check, or None."""
    if not token or not TOKEN.fullmatch(token) or session.get(SESSION_KEY) != token:
        return None
    folder = _uploads() / token
    try:
        meta = json.loads((folder / META).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if meta.get("user") != current_user.id:
        return None
    if time.time() - float(meta.get("created", 0)) > _lifetime():
        _discard(folder, token)
        return None
    return folder, [folder / name for name in meta.get("files", [])]


def _discard(folder, token=None):
    shutil.rmtree(folder, ignore_errors=True)
    if token is not None and session.get(SESSION_KEY) == token:
        session.pop(SESSION_KEY, None)


def _kinds_help():
    """For the page's explanation: each kind's sheet names and columns (required ones marked)."""
    rows = []
    for kind in KINDS.values():
        fields = kind.schema().fields
        names = [kind.label] + [a for a in kind.aliases if a != kind.label] + [kind.name]
        rows.append({"kind": kind, "names": list(dict.fromkeys(names)),
                     "columns": [(header, name, fields[name].required)
                                 for name, header in kind.columns]})
    return rows


def _counts(report):
    return [(KINDS[name], count) for name, count in report.counts.items()]


def _limits():
    return Limits.from_settings(current_app.config)


def _errors_workbook(errors):
    """Every problem of a check as an xlsx workbook: file › sheet, row, column, problem."""
    table = exporter.Table(_("导入问题"), [_("文件 › 工作表"), _("行号"), _("列"), _("问题")],
                           [[e.source, e.row, word(e.column) or "", word(e.message)] for e in errors])
    return exporter.write_tables([table], "xlsx")


def _error_lists():
    return Path(current_app.instance_path) / ERRORS_FOLDER


def _keep_errors(errors):
    """Keep the whole list of problems of a failed check for its download (the uploads are gone)."""
    folder = _error_lists()
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    limit = time.time() - _lifetime()
    for old in folder.iterdir():
        if old.stat().st_mtime < limit:
            old.unlink(missing_ok=True)
    previous = session.get(ERRORS_KEY)
    if previous and TOKEN.fullmatch(previous):
        for suffix in (".xlsx", ".json"):
            (folder / f"{previous}{suffix}").unlink(missing_ok=True)
    token = secrets.token_urlsafe(32)
    (folder / f"{token}.xlsx").write_bytes(_errors_workbook(errors))
    (folder / f"{token}.json").write_text(json.dumps({"user": current_user.id, "created": time.time()}),
                                          encoding="utf-8")
    session[ERRORS_KEY] = token
    return token


def _kept_errors(token):
    """The path of this session's own, unexpired list of problems, or None."""
    if not token or not TOKEN.fullmatch(token) or session.get(ERRORS_KEY) != token:
        return None
    folder = _error_lists()
    try:
        meta = json.loads((folder / f"{token}.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    path = folder / f"{token}.xlsx"
    if meta.get("user") != current_user.id or time.time() - float(meta.get("created", 0)) > _lifetime() \
            or not path.is_file():
        return None
    return path


def _recalc_offer(report):
    """The schemes and periods to recalculate after an import: the months its rows' dates fall in."""
    years = sorted({int(month[:4]) for month in report.months})
    schemes = list(Scheme.select().where(Scheme.year.in_(years)).order_by(Scheme.id)) if years else []
    if not schemes:
        schemes = list(Scheme.select().order_by(Scheme.id.desc()).limit(5))
    periods = list(report.months) + sorted({month[:4] for month in report.months}, reverse=True)
    if not periods and schemes:
        periods = [str(schemes[0].year)]
    return {"schemes": schemes, "periods": periods}


def _limit_uploads(state):
    """Limit request bodies to UPLOAD_LIMIT unless the instance config chose a limit itself."""
    if state.app.config.get("MAX_CONTENT_LENGTH") is None:
        state.app.config["MAX_CONTENT_LENGTH"] = UPLOAD_LIMIT


def _limit_text():
    """The upload limit in words: "20 MB" (or in KB when smaller than a megabyte)."""
    limit = current_app.config.get("MAX_CONTENT_LENGTH") or UPLOAD_LIMIT
    if limit >= 1024 * 1024:
        return f"{limit // (1024 * 1024)} MB"
    return f"{max(1, limit // 1024)} KB"


def _too_large(error):
    message = _("上传的文件太大：一次最多 %(size)s。请把数据分成几个文件分别导入。", size=_limit_text())
    return render_template("kaohe/error.html", code=413, message=message), 413


class ImportView(KaoheView):
    """Upload xlsx or csv files, see every problem or what would change, then import all or nothing.

    Unit reporters are refused: an import may change any unit's rows, and this page does not
    limit a file to one unit's items.
    """

    roles = STAFF

    def create_blueprint(self, admin):
        blueprint = super().create_blueprint(admin)
        blueprint.register_error_handler(413, _too_large)
        blueprint.record_once(_limit_uploads)
        return blueprint

    def inaccessible_callback(self, name, **kwargs):
        if current_user.is_authenticated and current_user.is_reporter:
            message = _("单位信息员不能在面板中导入文件，因为一个文件可能改动其他单位的数据。"
                        "请在“稿件”页面逐条报送，或把文件交给录入员导入。")
            return render_template("kaohe/error.html", code=403, message=message), 403
        return super().inaccessible_callback(name, **kwargs)

    def _page(self, **context):
        context.setdefault("errors", None)
        context.setdefault("error_count", len(context["errors"] or ()))
        context.setdefault("report", None)
        context.setdefault("recalc", None)
        limits = _limits()
        return self.render("kaohe/import.html", kinds=_kinds_help(),
                           limit=_limit_text(), max_files=MAX_FILES, limits=limits,
                           limits_size=size_text(limits.bytes),
                           lifetime_minutes=_lifetime() // 60, **context)

    @expose("/")
    def index(self):
        return self._page()

    @expose("/check", methods=["POST"])
    def check(self):
        uploads = [upload for upload in request.files.getlist("files") if upload and upload.filename]
        if not uploads:
            flash(_("请先选择要导入的文件（xlsx、xls、ods 或 csv）。"), "error")
            return redirect(url_for(".index"))
        if len(uploads) > MAX_FILES:
            flash(_("一次最多上传 %(n)d 个文件，请分批导入。", n=MAX_FILES), "error")
            return redirect(url_for(".index"))
        previous = session.get(SESSION_KEY)
        if previous and TOKEN.fullmatch(previous):
            _discard(_uploads() / previous, previous)
        token, folder, paths = _store(uploads)
        names = [path.name for path in paths]
        try:
            report = importer.import_files(paths, dry_run=True, limits=_limits())
        except ImportFailed as failed:
            _discard(folder)
            return self._page(errors=failed.errors[:SHOWN_ERRORS], error_count=len(failed.errors),
                              errors_token=_keep_errors(failed.errors), names=names)
        except KaoheError as error:
            _discard(folder)
            flash(word(error), "error")
            return redirect(url_for(".index"))
        session[SESSION_KEY] = token
        return self._page(report=report, counts=_counts(report), names=names, token=token)

    @expose("/confirm", methods=["POST"])
    def confirm(self):
        token = request.form.get("token", "")
        claimed = _claimed(token)
        if claimed is None:
            flash(_("这次检查已过期或不属于当前账号，没有导入任何数据。请重新上传文件并检查。"), "error")
            return redirect(url_for(".index"))
        folder, paths = claimed
        names = [path.name for path in paths]
        try:
            with changes.acting(current_user.username, "panel"):  # on record as this account's import
                # checked again: the data may have changed since
                report = importer.import_files(paths, limits=_limits())
        except ImportFailed as failed:
            _discard(folder, token)
            return self._page(errors=failed.errors[:SHOWN_ERRORS], error_count=len(failed.errors),
                              errors_token=_keep_errors(failed.errors), names=names, changed=True)
        except KaoheError as error:
            _discard(folder, token)
            flash(word(error), "error")
            return redirect(url_for(".index"))
        _discard(folder, token)
        return self._page(report=report, counts=_counts(report), names=names, done=True,
                          recalc=_recalc_offer(report))

    @expose("/errors/<token>.xlsx")
    def errors_xlsx(self, token):
        """The whole list of problems of this session's last failed check."""
        path = _kept_errors(token)
        if path is None:
            abort(404)
        return send_file(io.BytesIO(path.read_bytes()), mimetype=XLSX,
                         as_attachment=True, download_name="导入问题清单.xlsx")

    @expose("/cancel", methods=["POST"])
    def cancel(self):
        token = request.form.get("token", "")
        claimed = _claimed(token)
        if claimed is not None:
            _discard(claimed[0], token)
        flash(_("已取消导入，上传的文件已删除。"), "info")
        return redirect(url_for(".index"))

    @expose("/template.xlsx")
    def template_xlsx(self):
        return send_file(io.BytesIO(import_templates.template_workbook()), mimetype=XLSX,
                         as_attachment=True, download_name="导入模板.xlsx")

    @expose("/template/<kind>.csv")
    def template_csv(self, kind):
        found = KINDS.get(kind)
        if found is None:
            abort(404)
        return _csv_file(io.BytesIO(import_templates.template_csv(found.name)), "utf-8",
                         f"{found.label}.csv")


# ---------------------------------------------------------------- exports

def _format():
    fmt = request.args.get("format", "xlsx")
    encoding = request.args.get("encoding", "utf-8")
    if fmt not in ("xlsx", "csv") or encoding not in CSV_TYPES:
        abort(400)
    return fmt, encoding


def _in_the_readers_words(table, columns=(), run=None, stored=()):
    """A ranking or score-line table with its headers (and the words in `columns`, and in
    `stored` the texts `run` stored: explanations, vetoes, tie-breaks) in the panel's language.
    Data exports keep the import format's own headers, so that they import back.
    In Chinese, the panel's default, the table is the core's own: its rows are not walked again."""
    from dataclasses import replace
    from functools import lru_cache
    if select_locale() == DEFAULT_LOCALE:
        return table
    said_of = lru_cache(maxsize=None)(word)  # a few words, a million rows
    said_stored = lru_cache(maxsize=None)(stored_words(run)) if stored else None  # a few thousand
    columns = (*columns, *stored)

    def rows():
        for row in table.rows:
            row = list(row)
            for index in columns:
                if isinstance(row[index], str):
                    row[index] = (said_stored if index in stored else said_of)(row[index])
            yield row
    return replace(table, title=word(table.title), headers=[word(h) for h in table.headers],
                   rows=rows() if columns else table.rows)


def _download(tables, fmt, encoding, stem):
    """The tables as a download, written into a temporary file as they are read (memory while
    small, disk after) and streamed out from it: memory does not grow with the rows."""
    out = exporter.spooled_tables(tables, fmt, encoding)
    if fmt == "xlsx":
        return send_file(out, mimetype=XLSX, as_attachment=True, download_name=f"{stem}.xlsx")
    return _csv_file(out, encoding, f"{stem}.csv")


def _csv_file(out, encoding, filename):
    """A csv download whose Content-Type names the encoding it is really in."""
    response = send_file(out, mimetype="text/csv", as_attachment=True, download_name=filename)
    response.headers["Content-Type"] = CSV_TYPES[encoding]
    return response


class ExportView(KaoheView):
    """Download the data in the import format, a run's ranking, and its score lines.

    Staff export everything. Viewers export the rankings and score lines of published runs;
    unit reporters the score lines of their own unit in published runs, nothing else.
    """

    roles = frozenset({"admin", "clerk", "viewer", "reporter"})

    @expose("/")
    def index(self):
        scheme = chosen_scheme(required=False)
        runs = []
        if scheme is not None:
            runs = [run for run in results.runs_of(scheme) if policy.may_export_run(current_user, run)]
        units = [] if current_user.is_reporter else list(Unit.select().order_by(Unit.code))
        return self.render("kaohe/export.html", scheme=scheme,
                           schemes=list(Scheme.select().order_by(Scheme.id)), runs=runs,
                           units=units, kinds=list(KINDS.values()),
                           may_export_data=policy.may_export_data(current_user))

    @expose("/data")
    def data(self):
        if not policy.may_export_data(current_user):
            abort(403)
        fmt, encoding = _format()
        try:
            kinds = exporter.resolve_kinds(request.args.getlist("kind"))
        except KaoheError as error:
            flash(word(error), "error")
            return redirect(url_for(".index"))
        if fmt == "csv" and len(kinds) > 1:
            out = sheets.spooled()
            with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
                for kind in kinds:
                    with archive.open(f"{kind.label}.csv", "w", force_zip64=True) as member:
                        exporter.write_tables_to([exporter.data_table(kind)], "csv", member, encoding)
            out.seek(0)
            return send_file(out, mimetype="application/zip", as_attachment=True,
                             download_name="数据导出-csv.zip")
        stem = kinds[0].label if len(kinds) == 1 else "数据导出"
        return _download([exporter.data_table(kind) for kind in kinds], fmt, encoding, stem)

    @expose("/run")
    def run_file(self):
        try:
            run = ScoreRun.get_or_none(ScoreRun.id == int(request.args.get("run", "")))
        except ValueError:
            run = None
        if run is None:
            abort(404)
        what = request.args.get("what", "ranking")
        if what not in ("ranking", "lines"):
            abort(400)
        fmt, encoding = _format()
        if not policy.may_export_run(current_user, run):
            abort(403)
        stem = f"{run.scheme.name}-{run.period}-第{run.id}次计算"
        if not run.published:
            stem += "（未发布）"
        if what == "ranking":
            if not policy.may_export_ranking(current_user, run):
                abort(403)
            return _download([_in_the_readers_words(exporter.ranking_table(run), (2,), run, (13, 14))],
                             fmt, encoding,
                             stem + "-排名")
        unit = None
        raw = request.args.get("unit", "")
        if raw:
            try:
                unit = Unit.get_or_none(Unit.id == int(raw))
            except ValueError:
                unit = None
            if unit is None:
                abort(404)
        if unit is None and current_user.is_reporter:  # a reporter's lines are its unit's
            unit = Unit.get_or_none(Unit.id == current_user.unit_id)
        if not policy.may_export_lines(current_user, run, unit.id if unit else None):
            abort(403)
        labels = {key: word(label) for key, label in exporter.rule_labels(
            current_app.extensions["kaohe_registry"], run.parameter_version.config).items()}
        table = _in_the_readers_words(exporter.lines_table(run, unit, ruleset_titles(), labels), (8,),
                                      run, (11,))
        return _download([table], fmt, encoding,
                         stem + (f"-{unit.name}-计分明细" if unit else "-计分明细"))
