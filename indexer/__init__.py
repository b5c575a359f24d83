"""Search backends: the embedded SQLite FTS5 default and Elasticsearch, behind one interface.

``open_backend(settings)`` gives the backend the configuration chooses. Nothing here imports
``spiders``: the index is built from the store.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .base import Backend, Facet, Hit, SearchResult, SectionHit  # noqa: F401
from .errors import IndexerError, QueryError  # noqa: F401

if TYPE_CHECKING:
    from policytrack.config import Settings

INDEX_FILE = "index.sqlite3"


def open_backend(settings: Settings, *, must_exist: bool = False) -> Backend:
    """The backend named by ``settings.index.backend`` (``embedded`` or ``elasticsearch``).

    ``must_exist`` (for readers: search, the digest's saved searches): an embedded index that
    was never built is an error saying how to build it, not an empty file made on the spot that
    answers every query with nothing. (Elasticsearch says so at the first search.)
    """
    kind = settings.index.backend
    if kind == "embedded":
        from .embedded import EmbeddedBackend

        path = settings.data_dir / INDEX_FILE
        if must_exist and not path.is_file():
            raise IndexerError(f"there is no search index at {path}: build it with `policytrack index`")
        return EmbeddedBackend(path)
    if kind == "elasticsearch":
        from .elastic import ElasticBackend

        ix = settings.index
        return ElasticBackend(
            ix.es_url,
            ix.es_index,
            username=ix.es_username,
            password=ix.es_password,
            api_key=ix.es_api_key,
            request_timeout=ix.es_timeout,
        )
    raise IndexerError(f"unknown search backend {kind!r}; use 'embedded' or 'elasticsearch'")
