"""Cellar's machine interface: the SPARQL endpoint's answers, and the addresses of works and
dossiers (whose notices and texts Cellar serves by content negotiation).

Answers are SPARQL 1.1 JSON results (``application/sparql-results+json``): ``head.vars`` and
``results.bindings``, each binding a ``{"type": "typed-literal" | "literal" | "uri", "value"}``.
Cellar stores CELEX numbers and procedure codes as ``xsd:string`` literals, procedure codes
written ``2022/0051/COD``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from policytrack.errors import IdentifierError
from policytrack.identifiers import is_celex, normalise_celex, parse_procedure

from .common import Body, clean, fail, load_json

SPARQL_ENDPOINT = "https://publications.europa.eu/webapi/rdf/sparql"
RESOURCE = "https://publications.europa.eu/resource"
CDM = "http://publications.europa.eu/ontology/cdm#"
KIND = "Cellar SPARQL result"
_WORK_URL = re.compile(r"/resource/celex/([^/?#]+)")
RELATIONS = {f"{CDM}resource_legal_amends_resource_legal": "amends", f"{CDM}work_cites_work": "cites"}


@dataclass(frozen=True)
class Row:
    """One answer row: a work (by CELEX) or a dossier (by procedure), with its last change in
    Cellar, and for works that cite or amend a watched act, which of the two."""

    kind: str  # "celex" or "procedure"
    identifier: str  # canonical: 32024L1760, 2022/0051(COD)
    modified: str  # cmr:lastModificationDate as Cellar writes it
    relation: str = ""  # "amends", "cites" or ""

    @property
    def key(self) -> str:
        """The crawl state's key of this row: a work is fetched again when Cellar changed it."""
        return f"{self.kind}:{self.identifier}#{self.modified}"


def parse_sparql(body: Body, url: str = "") -> list[Row]:
    """SPARQL JSON results → rows with a ``?celex`` or a ``?procedure`` (others are skipped)."""
    return parse_answer(body, url)[0]


def parse_answer(body: Body, url: str = "") -> tuple[list[Row], int]:
    """The rows of an answer, and how many bindings it held: a page holding ``LIMIT`` bindings
    (even if some were not rows of ours) means another page follows."""
    data = load_json(body, url, KIND)
    results = data.get("results") if isinstance(data, dict) else None
    bindings = results.get("bindings") if isinstance(results, dict) else None
    if not isinstance(bindings, list) or not isinstance(data.get("head"), dict):
        raise fail(url, KIND, "not SPARQL JSON results (head, results.bindings)")
    out = []
    for binding in bindings:
        if not isinstance(binding, dict):
            continue
        stamp = _value(binding, "modified")
        relation = RELATIONS.get(_value(binding, "relation"), "")
        celex, procedure = _value(binding, "celex"), _value(binding, "procedure")
        if celex and is_celex(celex):
            out.append(Row("celex", normalise_celex(celex), stamp, relation))
        elif procedure:
            try:
                out.append(Row("procedure", parse_procedure(procedure).canonical, stamp))
            except IdentifierError:
                continue
    return out, len(bindings)


def _value(binding: dict[str, Any], name: str) -> str:
    cell = binding.get(name)
    return clean(cell.get("value")) if isinstance(cell, dict) else ""


def work_url(celex: str) -> str:
    """The work in Cellar: its branch notice and its text are asked for here (``Accept``)."""
    return f"{RESOURCE}/celex/{normalise_celex(celex)}"


def celex_of_work(url: str) -> str | None:
    m = _WORK_URL.search(url or "")
    if not m:
        return None
    try:
        return normalise_celex(unquote(m[1]))
    except IdentifierError:
        return None


def dossier_url(reference: str) -> str:
    """The dossier of a procedure in Cellar: ``2013/0449(COD)`` → ``…/resource/procedure/2013_449``."""
    ref = parse_procedure(reference)
    return f"{RESOURCE}/procedure/{ref.year}_{ref.number}"


def procedure_code(reference: str) -> str:
    """How Cellar writes a procedure: ``2022/0051(COD)`` → ``2022/0051/COD``."""
    ref = parse_procedure(reference)
    return f"{ref.year}/{ref.number:04d}/{ref.canonical[-4:-1]}"


__all__ = [
    "RELATIONS",
    "SPARQL_ENDPOINT",
    "Row",
    "celex_of_work",
    "dossier_url",
    "parse_answer",
    "parse_sparql",
    "procedure_code",
    "work_url",
]
