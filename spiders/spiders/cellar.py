"""Cellar (Publications Office machine interface): a SPARQL query for the watched acts and
procedures, then their XML notices — branch notices of works, tree notices of dossiers."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar
from urllib.parse import urlencode

from ..errors import ParseError
from ..parsers import cellar
from .base import PolicySpider


def watch_query(celex: Sequence[str], procedures: Sequence[str], eurovoc: Sequence[str] = ()) -> str:
    """Works that are watched acts, cite or amend a watched act, or are about a watched EuroVoc
    concept, and dossiers of watched procedures — each with its last change.

    Only the shape of the answer (SPARQL JSON with ?celex / ?procedure / ?modified) is tested
    offline; the query itself needs the live endpoint."""
    acts = " ".join(f'"{c}"' for c in sorted(celex)) or '""'
    procs = " ".join(f'"{p[:9]}/{p[10:13]}"' for p in sorted(procedures)) or '""'  # Cellar writes 2022/0051/COD
    concepts = " ".join(f'"{e}"@en' for e in sorted(eurovoc)) or '""@en'
    return (
        "PREFIX cdm: <http://publications.europa.eu/ontology/cdm#>\n"
        "PREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n"
        "SELECT DISTINCT ?celex ?procedure ?modified WHERE {\n"
        f"  {{ VALUES ?celex {{ {acts} }} ?work cdm:resource_legal_id_celex ?celex . }}\n"
        f"  UNION {{ VALUES ?watched {{ {acts} }} ?act cdm:resource_legal_id_celex ?watched .\n"
        "          ?work cdm:work_cites_work|cdm:resource_legal_amends_resource_legal ?act .\n"
        "          ?work cdm:resource_legal_id_celex ?celex . }\n"
        f"  UNION {{ VALUES ?label {{ {concepts} }} ?concept skos:prefLabel ?label .\n"
        "          ?work cdm:work_is_about_concept_eurovoc ?concept ; cdm:resource_legal_id_celex ?celex . }\n"
        f"  UNION {{ VALUES ?procedure {{ {procs} }} ?work cdm:procedure_code_interinstitutional_reference_procedure ?procedure . }}\n"
        "  OPTIONAL { ?work <http://publications.europa.eu/ontology/cdm/cmr#lastModificationDate> ?modified }\n"
        "} LIMIT 2000"
    )


class CellarSpider(PolicySpider):
    name = "cellar"
    allowed_domains: ClassVar[list[str]] = ["publications.europa.eu"]

    def index_requests(self):
        settings = self.crawler.settings
        query = watch_query(
            settings.getlist("POLICYTRACK_WATCHED_CELEX"),
            settings.getlist("POLICYTRACK_WATCHED_PROCEDURES"),
            settings.getlist("POLICYTRACK_WATCHED_EUROVOC"),
        )
        # POST, as SPARQL endpoints expect for long queries (a GET URL would pass 2 000 characters).
        yield self.index_request(
            cellar.SPARQL_ENDPOINT,
            self.parse_results,
            method="POST",
            body=urlencode({"query": query, "format": "application/sparql-results+json"}),
            headers={"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/sparql-results+json"},
        )

    def parse_results(self, response):
        self.fetched(response)
        try:
            rows = cellar.parse_sparql(response.body, response.url)
        except ParseError as e:
            self.fail(response.url, str(e), index=True)
            return
        for kind, identifier, stamp in rows:
            key = f"{kind}:{identifier}#{stamp}"
            if self.state.seen(key):
                self.crawler.stats.inc_value("policytrack/skipped_seen")
                continue
            notice = "branch" if kind == "celex" else "tree"
            request = self.page_request(
                cellar.notice_url(kind, identifier),
                "cellar-notice",
                parent=response.url,
                entry_key=key,
                headers={"Accept": f"application/xml;notice={notice}", "Accept-Language": "eng"},
            )
            if request is not None:
                yield request
