"""Search backends: the embedded SQLite FTS5 default and Elasticsearch, behind one interface.

``open_backend(settings)`` gives the backend the configuration chooses. Nothing here imports
``spiders``: the index is built from the store.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .base import Backend, Facet, Hit, SearchResult  # noqa: F401
from .errors import IndexerError, QueryError  # noqa: F401

if TYPE_CHECKING:
    from policytrack.config import Settings

INDEX_FILE = "index.sqlite3"


def open_backend(settings: Settings) -> Backend:
    """The backend named by ``settings.index.backend`` (``embedded`` or ``elasticsearch``)."""
    kind = settings.index.backend
    if kind == "embedded":
        from .embedded import EmbeddedBackend

        return EmbeddedBackend(settings.data_dir / INDEX_FILE)
    if kind == "elasticsearch":
        from .elastic import ElasticBackend

        ix = settings.index
        return ElasticBackend(
            ix.es_url, ix.es_index, username=ix.es_username, password=ix.es_password, api_key=ix.es_api_key
        )
    raise IndexerError(f"unknown search backend {kind!r}; use 'embedded' or 'elasticsearch'")
