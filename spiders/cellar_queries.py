"""The SPARQL queries the Cellar spider sends, one per purpose.

Cellar (Virtuoso) stores CELEX numbers and procedure codes as ``xsd:string`` literals: a pattern
with an untyped ``"32024L1760"`` matches nothing there, so every value is written typed
(``"32024L1760"^^xsd:string``, ``"2022/0051/COD"^^xsd:string``). EuroVoc concepts are matched by
URI. Each query orders its rows (``ORDER BY``) so that ``LIMIT``/``OFFSET`` pages are stable, and
keeps only what changed (``cmr:lastModificationDate``) since the last successful run of that
same query. Values are validated identifiers, written by ``_literal``/``_uri`` only.

The queries are run by a real SPARQL engine (rdflib) over a small CDM graph in the tests.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from policytrack.identifiers import eurovoc_uri, normalise_celex
from policytrack.timeutil import utc_text

from .parsers.sparql import procedure_code

PAGE = 1000  # rows per page; a shorter page is the last one
# Works about a watched concept, on a first run: only those changed in the last year (a concept
# such as "human rights" is about thousands of older works).
FIRST_RUN_WINDOW = timedelta(days=365)
_PREFIXES = (
    "PREFIX cdm: <http://publications.europa.eu/ontology/cdm#>\n"
    "PREFIX cmr: <http://publications.europa.eu/ontology/cdm/cmr#>\n"
    "PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>\n"
)
_SAFE = re.compile(r"^[0-9A-Za-z()/\-_]+$")


@dataclass(frozen=True)
class Query:
    """One purpose: its name, the values it asks about, and its text for a page since a time."""

    name: str
    values: tuple[str, ...]
    build: Callable[[Sequence[str], datetime | None, int, int], str]
    first_run_window: timedelta | None = None

    @property
    def index(self) -> str:
        """The crawl state's key of this query: a changed watch list is a new query, asked in full."""
        digest = hashlib.sha1("\n".join(sorted(self.values)).encode()).hexdigest()[:10]
        return f"sparql:{self.name}:{digest}"

    def text(self, since: datetime | None, offset: int, limit: int = PAGE, *, now: datetime | None = None) -> str:
        if since is None and self.first_run_window is not None and now is not None:
            since = now - self.first_run_window
        return self.build(sorted(self.values), since, offset, limit)


def _literal(value: str) -> str:
    if not _SAFE.match(value):
        raise ValueError(f"not a value for a query: {value!r}")
    return f'"{value}"^^xsd:string'


def _uri(value: str) -> str:
    if not value.startswith("http://eurovoc.europa.eu/") or not _SAFE.match(value.rsplit("/", 1)[-1]):
        raise ValueError(f"not a EuroVoc concept URI: {value!r}")
    return f"<{value}>"


def _since(since: datetime | None) -> str:
    if since is None:
        return ""
    return f'  FILTER (?modified >= "{utc_text(since)}"^^xsd:dateTime)\n'


def _page(name: str, body: str, order: str, offset: int, limit: int) -> str:
    # The first line names the query and page (recordings match a POSTed query by it).
    return (
        f"# policytrack: {name} (offset {offset})\n{_PREFIXES}{body}ORDER BY {order}\nLIMIT {limit} OFFSET {offset}\n"
    )


def watched_acts(celex: Sequence[str], since: datetime | None, offset: int, limit: int = PAGE) -> str:
    values = " ".join(_literal(normalise_celex(c)) for c in celex)
    return _page(
        "watched-acts",
        "SELECT DISTINCT ?celex ?modified WHERE {\n"
        f"  VALUES ?celex {{ {values} }}\n"
        "  ?work cdm:resource_legal_id_celex ?celex ;\n"
        "        cmr:lastModificationDate ?modified .\n"
        f"{_since(since)}"
        "}\n",
        "?celex ?modified",
        offset,
        limit,
    )


def citing_or_amending(celex: Sequence[str], since: datetime | None, offset: int, limit: int = PAGE) -> str:
    values = " ".join(_literal(normalise_celex(c)) for c in celex)
    return _page(
        "citing-or-amending",
        "SELECT DISTINCT ?celex ?modified ?relation WHERE {\n"
        f"  VALUES ?watched {{ {values} }}\n"
        "  VALUES ?relation { cdm:resource_legal_amends_resource_legal cdm:work_cites_work }\n"
        "  ?act cdm:resource_legal_id_celex ?watched .\n"
        "  ?work ?relation ?act ;\n"
        "        cdm:resource_legal_id_celex ?celex ;\n"
        "        cmr:lastModificationDate ?modified .\n"
        f"{_since(since)}"
        "}\n",
        "?celex ?relation ?modified",
        offset,
        limit,
    )


def about_concepts(concepts: Sequence[str], since: datetime | None, offset: int, limit: int = PAGE) -> str:
    values = " ".join(_uri(eurovoc_uri(c)) for c in concepts)
    return _page(
        "about-concepts",
        "SELECT DISTINCT ?celex ?modified WHERE {\n"
        f"  VALUES ?concept {{ {values} }}\n"
        "  ?work cdm:work_is_about_concept_eurovoc ?concept ;\n"
        "        cdm:resource_legal_id_celex ?celex ;\n"
        "        cmr:lastModificationDate ?modified .\n"
        # Acts and preparatory documents (CELEX sectors 3 and 5), not case law or national measures.
        '  FILTER (STRSTARTS(STR(?celex), "3") || STRSTARTS(STR(?celex), "5"))\n'
        f"{_since(since)}"
        "}\n",
        "?celex ?modified",
        offset,
        limit,
    )


def watched_procedures(procedures: Sequence[str], since: datetime | None, offset: int, limit: int = PAGE) -> str:
    values = " ".join(_literal(procedure_code(p)) for p in procedures)
    return _page(
        "watched-procedures",
        "SELECT DISTINCT ?procedure ?modified WHERE {\n"
        f"  VALUES ?procedure {{ {values} }}\n"
        "  ?dossier cdm:procedure_code_interinstitutional_reference_procedure ?procedure ;\n"
        "           cmr:lastModificationDate ?modified .\n"
        f"{_since(since)}"
        "}\n",
        "?procedure ?modified",
        offset,
        limit,
    )


def queries(celex: Sequence[str], procedures: Sequence[str], concepts: Sequence[str]) -> list[Query]:
    """The queries of a watch list, in the order they are sent (one at a time: the endpoint is
    slow, and a work that needs its text is met first by the query that says so)."""
    out = [
        Query("watched-acts", tuple(celex), watched_acts),
        Query("citing-or-amending", tuple(celex), citing_or_amending),
        Query("about-concepts", tuple(concepts), about_concepts, FIRST_RUN_WINDOW),
        Query("watched-procedures", tuple(procedures), watched_procedures),
    ]
    return [q for q in out if q.values]
