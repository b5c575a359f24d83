"""``policytrack serve``: a small web application over the search index, for lobbyists.

Search (HTML, JSON, Atom, CSV) with facets and highlighted passages, subscriptions with double
opt-in, preferences and saved searches, and the digest's one-click unsubscribe (RFC 8058).
It reads the core, the index's interface, the site's templates and stylesheet, and the digest's
subscriber book, tokens and SMTP code; the command line opens the backend and the store and
hands them over (``Services``). See docs/app.md.
"""

from __future__ import annotations

from .app import create_app
from .errors import WebappError
from .services import Services

__all__ = ["Services", "WebappError", "create_app"]
