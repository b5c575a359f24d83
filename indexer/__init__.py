"""Search backends: the embedded SQLite FTS5 default and Elasticsearch, behind one interface.

``open_backend(settings)`` gives the backend the configuration chooses. Nothing here imports
``spiders``: the index is built from the store.
"""

from __future__ import annotations

from .base import Backend, Facet, Hit, SearchResult  # noqa: F401
