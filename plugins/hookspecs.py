"""The hook specifications of Kaohe's plugin contract; their docstrings are the reference."""

from pluggy import HookspecMarker

hookspec = HookspecMarker("kaohe")


# ---------------------------------------------------------------- rule sets

@hookspec
def kaohe_rulesets():
    """Register rule sets.

    Called once, when the plugin manager is built (at the start of every `kaohe` command and of
    the panel), before anything is scored.

    Takes no arguments.

    Returns a list of :class:`plugins.RuleSet` instances. Every rule set's ``name`` must be
    unique across all plugins; a duplicate, a missing title or version, or a parameter schema
    whose defaults do not load is reported against the plugin that returned it, and that plugin
    is not loaded.
    """


@hookspec
def kaohe_rule_kinds():
    """Register rule kinds: kinds of rule an office configures by parameters, without code.

    Called once, when the plugin manager is built, before anything is scored.

    Takes no arguments.

    Returns a list of :class:`plugins.RuleKind` instances. Every kind's ``name`` must be unique
    across all plugins; a scheme's ``scheme_rules`` rows name a kind by it, and the panel shows a
    plugin's kinds like the built-in ones. A duplicate name, a missing title, or a parameter
    schema whose defaults do not load is reported against the plugin, which is not loaded.
    """


# ---------------------------------------------------------------- the command and the panel

@hookspec
def kaohe_commands(cli):
    """Add subcommands to the ``kaohe`` command.

    Called once when the ``kaohe`` command starts, after the built-in subcommands exist.

    ``cli`` is the top-level :class:`click.Group`; call ``cli.add_command(...)`` or decorate
    functions with ``@cli.command()``. The database is configured before any subcommand runs.

    Returns nothing.
    """


@hookspec
def kaohe_admin_views(app):
    """Add pages to the admin panel.

    Called once by ``admin.create_app`` after the built-in views exist.

    ``app`` is the Flask application (its ``extensions["kaohe_admin"]`` is the Flask-Admin
    instance). Views are shown to logged-in users; give them ``roles`` (a set of role names,
    e.g. ``{"admin", "clerk"}``) to restrict them further.

    Returns a list of Flask-Admin ``BaseView`` instances (may be empty).
    """


# ---------------------------------------------------------------- score runs

@hookspec
def kaohe_run_stored(run, scheme):
    """Be told that a score run has been stored.

    Called after the run's transaction has committed, once per stored run (not for previews).

    ``run`` is the :class:`kaohe.core.storage.models.ScoreRun`; ``scheme`` its :class:`kaohe.core.storage.models.Scheme`.
    Use it to notify another system; an exception here is logged and does not undo the run.

    Returns nothing.
    """
