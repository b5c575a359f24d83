"""The backend interface every search backend implements (and the contract tests check)."""

from __future__ import annotations

import abc
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime

from policytrack.model import Document, Note, Procedure

Item = Document | Procedure | Note


@dataclass(frozen=True)
class SectionHit:
    """A part of a document that matched (``indexer/sections.py``): its label as people cite it
    ("Article 3(1), point (g)(ii)"), the anchor of that part (the official XHTML id, also its id
    on the site's document page), its kind and a snippet around the first match."""

    label: str
    anchor: str
    kind: str
    snippet: str = ""  # matches marked by « and », like Hit.snippet


@dataclass(frozen=True)
class Hit:
    id: str
    kind: str
    title: str
    score: float
    snippet: str = ""  # HTML-free text with matches marked by « and » (escaped by the renderer)
    doc_type: str = ""
    date: str = ""
    url: str = ""
    procedure: str | None = None
    celex: str | None = None
    topics: tuple[str, ...] = ()
    # The parts of a document that match too (articles and annexes first, then recitals; at
    # most sections.SHOWN of them, out of sections_total): ``section`` and ``anchor`` are the
    # first one's label ("Article 3(1), point (g)(ii)") and anchor. Empty for a hit on an item
    # without sections, or when no single part holds the whole query.
    section: str = ""
    anchor: str = ""
    sections: tuple[SectionHit, ...] = ()
    sections_total: int = 0


@dataclass(frozen=True)
class Facet:
    name: str
    counts: tuple[tuple[str, int], ...]


@dataclass(frozen=True)
class SearchResult:
    query: str
    total: int
    hits: tuple[Hit, ...]
    facets: tuple[Facet, ...] = ()
    page: int = 1
    per_page: int = 20


SORTS = ("relevance", "date", "oldest")
MAX_PER_PAGE = 1000


def check_paging(page: int, per_page: int, sort: str) -> None:
    """The arguments every backend's ``search`` checks the same way."""
    from .errors import IndexerError

    if not isinstance(page, int) or page < 1:
        raise IndexerError(f"page must be 1 or more, got {page!r}")
    if not isinstance(per_page, int) or not 1 <= per_page <= MAX_PER_PAGE:
        raise IndexerError(f"per_page must be between 1 and {MAX_PER_PAGE}, got {per_page!r}")
    if sort not in SORTS:
        raise IndexerError(f"sort must be one of {', '.join(SORTS)}, got {sort!r}")


class Backend(abc.ABC):
    """A search index built from stored items. Implementations: embedded, elasticsearch."""

    name: str

    @property
    def target(self) -> str:
        """Which index this is (backend and where it lives): the key of its watermark in the store."""
        return self.name

    @abc.abstractmethod
    def index(self, items: Iterable[tuple[Item, datetime]], *, rebuild: bool = False) -> int:
        """Add or replace items (each with its last-changed time); return how many were indexed."""

    @abc.abstractmethod
    def delete(self, ids: Iterable[str]) -> None:
        """Remove items by id."""

    @abc.abstractmethod
    def search(
        self,
        query: str,
        *,
        page: int = 1,
        per_page: int = 20,
        facets: bool = False,
        changed_since: datetime | None = None,
        sort: str = "relevance",
    ) -> SearchResult:
        """Run a query in policytrack's query language (README, "Query language").

        ``sort``: relevance (BM25; date order when the query has no words), date (newest
        first) or oldest. ``facets``: counts per topic, type, author, year, procedure_type,
        stage and player over all matches, in that order. ``changed_since``: only items whose stored
        version changed at or after that moment. Raises QueryError (with the position) on a
        malformed query and IndexerError on bad paging or an unreachable backend.
        """

    @abc.abstractmethod
    def count(self) -> int:
        """How many items the index holds."""

    def ids(self, query: str, *, changed_since: datetime | None = None) -> Iterator[str]:
        """Every matching id (the digest uses this for saved searches)."""
        page = 1
        while True:
            result = self.search(query, page=page, per_page=500, changed_since=changed_since)
            yield from (h.id for h in result.hits)
            if page * 500 >= result.total or not result.hits:
                return
            page += 1

    def close(self) -> None:  # noqa: B027  # an optional hook, not abstract: most backends hold nothing
        """Release connections."""

    def __enter__(self) -> Backend:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
