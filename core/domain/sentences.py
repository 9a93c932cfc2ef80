"""The core's sentences: Chinese text, as it always was, that also remembers how it was made.

Kaohe speaks Chinese. A sentence with parameters (an error, a refusal, an import problem, the words
of a change) is made by :func:`say` from one template and its parameters::

    say("第{row}行的编码无法识别", row=3)  # == "第3行的编码无法识别"

The result is a :class:`Sentence`, a ``str`` whose value is that Chinese text: logs, the command,
the API and every existing comparison see the very text an f-string gave. It also keeps
``.template`` and ``.params``, so a surface that speaks another language (the panel in English)
looks the template up in its catalogue and formats the translation with the same parameters,
each parameter said in that language too. The template is the one definition of the sentence.

Templates use ``str.format`` (``{value:.2f}`` works); name every placeholder, and compute values
before (``period_title=period.title``, not ``{period.title}``), so that a translation can use them.
The core imports no translation machinery: it only keeps what was said.
"""

from decimal import Decimal


class Sentence(str):
    """Chinese text made from a template and parameters (see :func:`say`), or a list of pieces
    joined by a separator (see :func:`listing`)."""

    template = None  # the Chinese template, the key of its translations
    params = None  # {name: value}: a value may be a Sentence too
    parts = None  # for a listing: the pieces, each a str or a Sentence
    separator = None

    def __new__(cls, text, template=None, params=None):
        made = super().__new__(cls, text)
        if template is not None:
            made.template = template
            made.params = params or {}
        return made

    def __reduce__(self):
        return (_rebuilt, (str(self), self.template, self.params, self.parts, self.separator))

    def __repr__(self):
        # The text's own repr: a run's digests (core/runs/summary.py) hash the repr of its line
        # rows, and must not change when an explanation is a Sentence rather than a str.
        return str.__repr__(self)


def _rebuilt(text, template, params, parts, separator):
    made = Sentence(text, template, params)
    if parts is not None:
        made.parts, made.separator = list(parts), separator
    return made


def say(template, /, **params):
    """The Chinese sentence `template` formatted with `params` (str.format), as a Sentence."""
    return Sentence(template.format(**params), template, params)


def listing(parts, separator="、", empty=""):
    """Pieces joined by `separator` ("、" between the words of a list, "；" between clauses),
    as a Sentence whose pieces a translation says one by one; `empty` when there is none."""
    parts = list(parts)
    if not parts:
        return empty
    made = Sentence(separator.join(parts))
    made.parts, made.separator = parts, separator
    return made


def sentence_of(error):
    """The Sentence an exception was raised with, or its text."""
    args = getattr(error, "args", ())
    if len(args) == 1 and isinstance(args[0], Sentence):
        return args[0]
    return str(error)


def recast(sentence, **changes):
    """The Sentence `sentence` said again with some of its parameters changed."""
    params = {**sentence.params, **changes}
    return Sentence(sentence.template.format(**params), sentence.template, params)


# ---------------------------------------------------------------- a sentence kept in a table

def stored_form(sentence):
    """(template, params) of a Sentence as JSON can hold them, for a table that keeps what a run
    said (RunSentence): a listing is ("", {"parts": […], "separator": "、"}); a parameter is a
    str, a number, a Decimal as {"decimal": "1.50"} or a nested sentence as {"template": …,
    "params": …} (a listing as {"parts": …, "separator": …}). :func:`said_again` reverses it."""
    if sentence.parts is not None:
        return "", {"parts": [_stored_value(p) for p in sentence.parts], "separator": sentence.separator}
    return sentence.template, {name: _stored_value(v) for name, v in sentence.params.items()}


def _stored_value(value):
    if isinstance(value, Sentence):
        if value.parts is not None:
            return {"parts": [_stored_value(p) for p in value.parts], "separator": value.separator}
        if value.template is not None:
            return {"template": value.template,
                    "params": {name: _stored_value(v) for name, v in value.params.items()}}
        return str(value)
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    if isinstance(value, Decimal):
        return {"decimal": str(value)}
    return str(value)  # a date or another value: as its text


def said_again(text, template, params):
    """The Sentence `text` rebuilt from what :func:`stored_form` gave; plain text (a Sentence
    without a template) when the parts no longer make that text (a changed row, a template or a
    parameter that does not format as it did), so that what is said from it is never other than
    the stored text."""
    try:
        if template:
            rebuilt = Sentence(text, template, {name: _rebuilt_value(v) for name, v in params.items()})
            made = template.format(**rebuilt.params)
        elif params and "parts" in params:
            rebuilt = Sentence(text)
            rebuilt.parts = [_rebuilt_value(p) for p in params["parts"]]
            rebuilt.separator = params.get("separator") or ""
            made = rebuilt.separator.join(map(str, rebuilt.parts))
        else:
            return Sentence(text)
    except (KeyError, IndexError, ValueError, TypeError, AttributeError):
        return Sentence(text)
    return rebuilt if made == text else Sentence(text)


def words_of(text):
    """How `text` was said, as one JSON value for a column beside it (AuditLog.summary_words,
    RecalcJob.message_words): {"template": …, "params": …} of a Sentence, {"parts": …,
    "separator": …} of a listing (the form of a nested sentence in :func:`stored_form`); None
    for plain text, which has nothing to keep. :func:`said_from` reverses it."""
    if not isinstance(text, Sentence) or (text.template is None and text.parts is None):
        return None
    return _stored_value(text)


def said_from(text, words):
    """The Sentence `text` said again from :func:`words_of`'s value; `text` as it is when there
    are no words (plain text, a row written before they were kept) or when they no longer make
    exactly `text` (see :func:`said_again`)."""
    if not words or not isinstance(words, dict):
        return text
    if "parts" in words:
        return said_again(text, "", words)
    return said_again(text, words.get("template") or "", words.get("params") or {})


def _rebuilt_value(value):
    if isinstance(value, dict):
        if "decimal" in value:
            return Decimal(value["decimal"])
        try:
            if "parts" in value:
                return listing([_rebuilt_value(p) for p in value["parts"]], value.get("separator") or "")
            if "template" in value:
                params = {n: _rebuilt_value(v) for n, v in value["params"].items()}
                return Sentence(value["template"].format(**params), value["template"], params)
        except (KeyError, IndexError, ValueError, TypeError):
            return ""
    return value


def a_word(text, key=None):
    """A word of the core's vocabularies (a level, a form, a pool, 合计) where data sits beside it
    (a report's cell): a Sentence without parameters, so that a surface speaking another language
    says it from its catalogue, while a plain str beside it is data (a unit's name) and is left as
    it is. `key` is the word its translation is found under when the shown word is ambiguous
    (「综合」 the form is said as 「综合采用」, not as the category 「综合」)."""
    if not text:
        return text
    return Sentence(text, key, {}) if key else Sentence(text)
