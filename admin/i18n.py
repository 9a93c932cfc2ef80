"""Languages of the panel: Chinese (zh_Hans_CN) by default, English on a switch kept in the session.

The core speaks Chinese only: a rule set's title, a parameter's label, a vocabulary's words, an
import kind's headers and a report's title are Chinese strings of their own modules. The panel says
them in the clerk's language at render time through :func:`word`, which looks each one up in the
catalogue (translations/en/LC_MESSAGES/messages.po). They are not extracted from the panel's code,
so `pybabel update` would mark them obsolete: add them by hand; tests/test_english.py walks every
schema, import kind and report and fails on a word the catalogue lacks.

The core's sentences with parameters (errors, refusals, import problems, the words of a change)
are Sentences (kaohe.core.domain.sentences.say): Chinese text that keeps its template and
parameters. `word` says one from its template's translation, keyed by the Chinese template, with
its parameters said too; tests/test_english.py finds every `say("…")` and fails on one the
catalogue lacks or whose placeholders differ. What a run stores as text (score-line
explanations, tie-breaks, veto reasons, award notes) is said through the sentences the run kept
with it (RunSentence, see :func:`stored_words`); a run stored before they were kept shows its
texts in Chinese. An audit entry's summary and a recalculation job's message are kept with how
they were said too (AuditLog.summary_words, RecalcJob.message_words; see :func:`stored_word`); an
entry or a job written before schema version 9 shows its text in Chinese. The documents (the
monthly and quarterly notifications, the award documents and the further reports, printable and
xlsx) are said in the panel's language by their renderers, given `word` (see
:func:`document_language`), their stored texts through :func:`kept_sentences`. What stays Chinese
in English mode: the command and the API, and the documents they write.
"""

import re
from pathlib import Path

from flask import Blueprint, has_request_context, redirect, request, session, url_for
from flask_babel import Babel, gettext
from flask_babel import lazy_gettext as L

from kaohe.core.domain.sentences import Sentence, said_from, sentence_of

DEFAULT_LOCALE = "zh_Hans_CN"
LANGUAGES = {DEFAULT_LOCALE: "中文", "en": "English"}

bp = Blueprint("kaohe_i18n", __name__)


# Whoever answers some requests in a language of their own (the API, by Accept-Language): each
# is called with no argument and gives a locale, or None for a request that is not theirs.
REQUEST_LOCALES = []


def select_locale():
    for chooser in REQUEST_LOCALES:
        chosen = chooser()
        if chosen is not None:
            return chosen
    chosen = session.get("lang")
    return chosen if chosen in LANGUAGES else DEFAULT_LOCALE


@bp.route("/lang/<code>")
def switch(code):
    """Switch the panel's language and go back where the user was."""
    if code in LANGUAGES:
        session["lang"] = code
    target = request.referrer or ""
    if not target.startswith(request.host_url):
        target = url_for("admin.index")
    return redirect(target)


# Kaohe's wording of Flask-Admin's own messages (domain "admin"): translations/zh_Hans_CN/admin.po.
PANEL_TRANSLATIONS = str(Path(__file__).parent / "translations")


def use_panel_words_for_flask_admin():
    """Read Kaohe's catalog of Flask-Admin's messages after Flask-Admin's own, so that ours win.

    Flask-Admin's `Admin(translations_path=…)` is merged *before* its catalog, whose stale
    Chinese lacks “Failed to create record.” and says “选中的”; Flask-Babel merges directories in
    order, a later one overriding, so our directory goes last in Flask-Admin's domain.
    """
    from flask_admin import babel as admin_babel
    directories = admin_babel.domain._translation_directories
    if PANEL_TRANSLATIONS not in directories:
        directories.append(PANEL_TRANSLATIONS)
        admin_babel.domain.cache.clear()


# How the separators of a listing (kaohe.core.domain.sentences.listing) read in English.
SEPARATORS = {"、": ", ", "，": ", ", "；": "; ", "：": ": ", "。": ". ", "与": " and ", "　": " "}


def word(text):
    """A Chinese word of the core (a label, a title, a unit, a vocabulary's word) in the panel's
    language; unchanged in Chinese, outside a request and when the catalogue lacks it.

    A Sentence of the core (`say(template, **params)`) is said from its template: in English the
    template's translation formatted with its parameters, each text parameter said through `word`
    too (a column's label, a nested sentence); a listing piece by piece. An exception is said
    from the Sentence it was raised with.
    """
    if isinstance(text, BaseException):
        text = sentence_of(text)
    if not text or not isinstance(text, str) or not has_request_context():
        return text
    if select_locale() == DEFAULT_LOCALE:  # the core's Chinese words are their own msgids
        return str(text) if isinstance(text, Sentence) else text
    if isinstance(text, Sentence):
        return _sentence(text)
    return gettext(text)


def _sentence(sentence):
    """A Sentence in the panel's (non-default) language; its Chinese when its translation does
    not fit its parameters."""
    if sentence.parts is not None:
        separator = SEPARATORS.get(sentence.separator, sentence.separator)
        return separator.join(str(word(part)) for part in sentence.parts)
    if sentence.template is None:
        return gettext(str(sentence))
    params = {name: word(value) if isinstance(value, str) else value
              for name, value in sentence.params.items()}
    try:
        return singular(gettext(sentence.template).format(**params))
    except (KeyError, IndexError, ValueError):
        return str(sentence)


# "1 points" → "1 point": a template's English says its counts and amounts in the plural.
_ONE = re.compile(r"(?<![\d.,])([+\-−]?1) (point|item|unit|run|report|adoption|instruction|"
                  r"solicitation|author|piece|time|day|hour|month|quarter|row|version|reporter|"
                  r"incident)s\b")


def singular(text):
    return _ONE.sub(r"\1 \2", text)


class StoredWords:
    """Says the texts a run stored (explanations, tie-breaks, veto reasons, award notes, grades)
    in the panel's language: ``said(text)``; ``said.sentence(text)`` is the Sentence the run
    kept for a text (the text itself when none), ``said.award(run, result)`` the award wording."""

    def __init__(self, sentences=None):
        self.sentences = sentences  # {text: Sentence}; None in Chinese (nothing to look up)

    def sentence(self, text):
        if not self.sentences or not text:
            return text
        return self.sentences.get(text, text)

    def __call__(self, text):
        if self.sentences is None or not text:
            return text
        return word(self.sentences.get(text, text))  # (a text it kept none of: a word, or as it is)

    def award(self, run, result):
        from kaohe.core.runs.awarding import award_wording
        return self(award_wording(run, result, self.sentence)) if self.sentences is not None \
            else award_wording(run, result)


def stored_words(run, texts=None):
    """A :class:`StoredWords` for the texts `run` stored that a page shows: in English their
    sentences are read from the run's RunSentence rows (one query for all of `texts`) and said
    through :func:`word`; in Chinese, outside a request, the texts are shown as they are and
    nothing is read; `texts` None reads all the run's sentences (for an export, whose rows are
    not known beforehand). A run stored before sentences were kept has none: its texts stay
    Chinese."""
    if not has_request_context() or select_locale() == DEFAULT_LOCALE:
        return StoredWords()
    from kaohe.core.runs.results import stored_sentences
    return StoredWords(stored_sentences(run, texts))


def stored_word(text, words):
    """A text stored with how it was said (an audit entry's summary and its `summary_words`, a
    job's message and its `message_words`) in the panel's language. In Chinese, and outside a
    request, the text as it is: nothing is rebuilt. In English the sentence its words make
    (kaohe.core.domain.sentences.said_from), said through :func:`word`, when they make exactly
    the stored text; else the text (a plain word still found in the catalogue, or Chinese)."""
    if not text or not has_request_context() or select_locale() == DEFAULT_LOCALE:
        return text
    return word(said_from(text, words))


def document_language():
    """What a document's renderer takes to speak the panel's language (core/exchange/reports/
    documents.py): in English ``{"words": word, "lang": "en"}``; in Chinese nothing, the
    documents as they are."""
    if not has_request_context() or select_locale() == DEFAULT_LOCALE:
        return {}
    return {"words": word, "lang": "en"}


def kept_sentences(run, texts):
    """For a document builder's `stored`: the Sentences `run` kept for `texts` (one query), as a
    lookup text → Sentence (the text itself in Chinese, where nothing is read)."""
    return stored_words(run, texts).sentence


def words(mapping):
    """A {code: Chinese word} mapping with its words in the panel's language."""
    return {code: word(text) for code, text in (mapping or {}).items()}


def init_app(app):
    Babel(app, locale_selector=select_locale)
    use_panel_words_for_flask_admin()
    app.register_blueprint(bp)
    app.jinja_env.filters["word"] = word

    @app.context_processor
    def languages():
        return {"kaohe_languages": LANGUAGES, "kaohe_locale": select_locale()}


# The words of the vocabularies and of the tuning form's settings, shown through variables
# (`_(UNIT_KINDS[code])`); listed here so that the message extractor puts them in the catalog.
VOCABULARY_WORDS = (
    L("县(市、区)"),
    L("市直部门"),
    L("乡镇/街道"),
    L("信息直报点"),
    L("系统内单位"),
    L("处室"),
    L("国家级"),
    L("部委"),
    L("省级"),
    L("省直厅局"),
    L("市级"),
    L("县级"),
    L("全文采用"),
    L("综合采用"),
    L("简讯采用"),
    L("上报"),
    L("动态"),
    L("经验"),
    L("问题"),
    L("建议"),
    L("调研"),
    L("综合"),
    L("预警"),
    L("特别重大"),
    L("重大"),
    L("较大"),
    L("一般"),
    L("已报"),
    L("漏报"),
    L("瞒报"),
    L("管理员"),
    L("录入员"),
    L("单位信息员"),
    L("查阅者"),
    L("财政政法"),
    L("工业"),
    L("城建"),
    L("农业"),
    L("社会事业"),
    L("流通金融"),
    L("涉外"),
    L("其他组别先进单位名额"),
    L("先进个人名额"),
    L("折算为目标责任考核分值"),
    L("折算满分"),
    # the audit log's actions (core/storage/audit.py ACTIONS)
    L("创建考核方案"),
    L("调整方案成员单位"),
    L("保存参数版本"),
    L("发布计算结果"),
    L("创建账号"),
    L("修改账号"),
    L("删除账号"),
    L("修改密码"),
    L("签发接口令牌"),
    L("吊销接口令牌"),
)
