"""The security headers of every answer: the CSP (with this answer's script nonce), no framing,
no sniffing, the referrer kept to this site, and no caching of the panel's pages."""

import secrets

from flask import g, request

# What a page may load and who may frame it: this site only, and nobody frames the panel.
# Scripts: the site's files and the inline blocks that carry this answer's nonce (Flask-Admin
# writes it on its own, see csp_nonce), no inline handler (the few that
# Flask-Admin writes are overridden in admin/templates/admin/). Styles may be inline: Flask-Admin
# and the panel use style attributes, which run nothing.
PANEL_POLICY = ("default-src 'self'; script-src 'self' 'nonce-%s'; style-src 'self' 'unsafe-inline'; "
                "img-src 'self' data:; font-src 'self' data:; object-src 'none'; base-uri 'none'; "
                "form-action 'self'; frame-ancestors 'none'")
API_POLICY = "default-src 'none'; frame-ancestors 'none'"


def csp_nonce():
    """This answer's script nonce (one per request)."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(18)
    return g.csp_nonce


def init_app(app):
    @app.after_request
    def security_headers(response):
        headers = response.headers
        api = request.path.startswith("/api/")
        headers.setdefault("Content-Security-Policy", API_POLICY if api else PANEL_POLICY % csp_nonce())
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Referrer-Policy", "same-origin")
        if not api and request.endpoint not in ("static", "admin.static"):
            headers.setdefault("Cache-Control", "no-store")
        return response
