"""The rule sets and plugins page: what is loaded, from where, and which plugins failed and why."""

from flask_admin import expose

from kaohe.core.storage.policy import STAFF

from .base import KaoheView


class PluginsView(KaoheView):
    roles = STAFF

    @expose("/")
    def index(self):
        registry = self.admin.app.extensions["kaohe_registry"]
        rows = []
        for name, ruleset in registry.rulesets.items():
            info = registry.ruleset_plugin.get(name)
            rows.append({"ruleset": ruleset, "plugin": info})
        return self.render("kaohe/plugins.html", rows=rows, problems=registry.problems,
                           plugins=registry.plugins)
