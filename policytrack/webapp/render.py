"""Pages of the app, rendered with the static site's Jinja2 templates (``site/templates/app/``
extend the site's ``base.html``) and its stylesheet, autoescaped like every site page.

The site's templates link with the ``rel`` filter; here it sends the stylesheet and the header's
search box to the app itself and every other link (home, topics, dossiers) to the static site
at ``[site] base_url``, so the app can live on another host or under another path.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jinja2 import pass_context
from markupsafe import Markup, escape
from starlette.requests import Request
from starlette.responses import HTMLResponse

from ..config import Settings
from ..urls import absolute
from ..website.render import make_environment
from . import csrf

# Paths of the site's templates that the app answers itself.
_APP_PATHS = {"search/": "search"}


@pass_context
def _rel(ctx: Any, path: str) -> str:
    app_root = ctx["app_root"]
    if path.startswith("static/"):
        return app_root + path
    if path in _APP_PATHS:
        return app_root + _APP_PATHS[path]
    return absolute(ctx["site"]["base_url"], path)


def highlight(snippet: str) -> Markup:
    """A snippet with «matches» as ``<mark>`` elements; all the text is escaped."""
    out: list[str] = []
    rest = snippet
    while "«" in rest:
        before, _, after = rest.partition("«")
        match, found, rest = after.partition("»")
        out.append(str(escape(before)))
        out.append(f"<mark>{escape(match)}</mark>" if found else str(escape(match)))
    out.append(str(escape(rest)))
    return Markup("".join(out))


def plain(snippet: str) -> str:
    """A snippet without its match marks (CSV, feeds)."""
    return snippet.replace("«", "").replace("»", "")


class Pages:
    def __init__(self, settings: Settings, templates: Path) -> None:
        self.settings = settings
        self.env = make_environment(templates)
        self.env.auto_reload = False  # templates are package data: no stat() per page
        self.env.filters.update(rel=_rel, highlight=highlight)
        self.site = {
            "title": settings.site.title,
            "base_url": settings.site.base_url,
            "topics": settings.topics,
            "app_url": settings.site.app_url,
        }

    def app_root(self, request: Request) -> str:
        """The app's own path prefix, "/" or e.g. "/app/" behind a proxy that strips it."""
        return (request.scope.get("root_path") or "").rstrip("/") + "/"

    def render(
        self,
        request: Request,
        template: str,
        *,
        title: str,
        status: int = 200,
        private: bool = False,
        headers: dict[str, str] | None = None,
        **context: Any,
    ) -> HTMLResponse:
        """``private``: the page holds a form token or something about one subscriber; no cache
        keeps it."""
        now = request.app.state.policytrack.services.clock()
        secret = self.settings.digest.secret
        html = self.env.get_template(template).render(
            site=self.site,
            page={"title": title, "path": "app/"},
            app_root=self.app_root(request),
            csrf_field=lambda: Markup(
                f'<input type="hidden" name="{csrf.FIELD}" value="{escape(csrf.form_token(request, secret, now))}">'
            ),
            **context,
        )
        response = HTMLResponse(html, status_code=status, headers=headers)
        if private:
            response.headers["cache-control"] = "no-store"
        csrf.set_cookie(request, response)
        return response
