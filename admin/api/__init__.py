"""The JSON API under /api/v1: token authentication, the import's schemas for writes, results for reads."""

from . import jobs, openapi, views  # noqa: F401 (importing them registers their routes on the blueprint)
from .base import PREFIX, bp

__all__ = ["PREFIX", "bp", "init_app"]


def init_app(app):
    """Register the API on `app`, exempt from CSRF: it authenticates by token only, never by session."""
    if "kaohe_registry" not in app.extensions:
        from kaohe.plugins.manager import build_registry
        app.extensions["kaohe_registry"] = build_registry(
            plugins_dir=app.config.get("KAOHE_PLUGINS_DIR"),
            entry_points=app.config.get("KAOHE_ENTRY_POINTS", True))
    csrf = app.extensions.get("csrf")
    if csrf is not None:
        csrf.exempt(bp)
    app.register_blueprint(bp)
