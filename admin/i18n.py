"""Languages of the panel: Chinese (zh_Hans_CN) by default, English on a switch kept in the session."""

from flask import Blueprint, redirect, request, session, url_for
from flask_babel import Babel, lazy_gettext

LANGUAGES = {"zh_Hans_CN": "中文", "en": "English"}

bp = Blueprint("kaohe_i18n", __name__)


def select_locale():
    chosen = session.get("lang")
    return chosen if chosen in LANGUAGES else "zh_Hans_CN"


@bp.route("/lang/<code>")
def switch(code):
    """Switch the panel's language and go back where the user was."""
    if code in LANGUAGES:
        session["lang"] = code
    target = request.referrer or ""
    if not target.startswith(request.host_url):
        target = url_for("admin.index")
    return redirect(target)


def init_app(app):
    Babel(app, locale_selector=select_locale)
    app.register_blueprint(bp)

    @app.context_processor
    def languages():
        return {"kaohe_languages": LANGUAGES, "kaohe_locale": select_locale()}


# The vocabularies' labels, translatable (core.vocab holds the Chinese words used in explanations).
def vocab_label(vocabulary, code):
    from core import vocab
    table = {"kind": vocab.UNIT_KINDS, "level": vocab.LEVELS, "form": vocab.FORMS,
             "category": vocab.CATEGORIES, "severity": vocab.SEVERITIES,
             "status": vocab.URGENT_STATUSES}[vocabulary]
    from flask_babel import gettext
    text = table.get(code)
    return gettext(text) if text else (code or "")


def lazy(text):
    return lazy_gettext(text)
