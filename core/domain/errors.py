"""The errors Kaohe raises for its users: each carries a message in Chinese that says what to fix.

A message made by `say` (kaohe.core.domain.sentences) is kept as that Sentence: `str(error)` is
its Chinese text, `error.sentence` the Sentence a surface may say in its reader's language.
"""

from kaohe.core.domain.sentences import sentence_of


class KaoheError(Exception):
    """A problem the user can fix; its message is shown as it is."""

    @property
    def sentence(self):
        """The message as it was given: a Sentence (template and parameters) or plain text."""
        return sentence_of(self)


class NotFound(KaoheError):
    pass


class RecalcError(KaoheError):
    """A recalculation failed; nothing was stored."""

    def __init__(self, message, ruleset=None, item=None):
        super().__init__(message)
        self.ruleset = ruleset
        self.item = item


class PluginError(KaoheError):
    """A plugin could not be loaded or used; the message names the plugin."""

    def __init__(self, message, plugin=None):
        super().__init__(message)
        self.plugin = plugin


class ParameterError(KaoheError):
    """Parameter values were refused; `messages` maps each field path to its reasons."""

    def __init__(self, message, messages=None):
        super().__init__(message)
        self.messages = messages or {}
