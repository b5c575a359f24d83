"""Cellar (Publications Office machine interface): a SPARQL query for the watched acts and
procedures, then their XML notices — branch notices of works, tree notices of dossiers."""

from __future__ import annotations

from urllib.parse import urlencode

from ..parsers import cellar
from ..errors import ParseError
from .base import PolicySpider


def watch_query(celex: list[str], procedures: list[str]) -> str:
    """Works whose CELEX is watched, and dossiers whose procedure is watched, with their last change."""
    acts = " ".join(f'"{c}"' for c in sorted(celex))
    procs = " ".join(f'"{p[:9]}/{p[10:13]}"' for p in sorted(procedures))  # Cellar writes 2022/0051/COD
    return (
        "PREFIX cdm: <http://publications.europa.eu/ontology/cdm#>\n"
        "SELECT DISTINCT ?celex ?procedure ?modified WHERE {\n"
        f"  {{ VALUES ?celex {{ {acts} }} ?work cdm:resource_legal_id_celex ?celex . }}\n"
        f"  UNION {{ VALUES ?procedure {{ {procs} }} ?work cdm:procedure_code_interinstitutional_reference_procedure ?procedure . }}\n"
        "  ?work <http://publications.europa.eu/ontology/cdm#lastModificationDate> ?modified .\n"
        "}"
    )


class CellarSpider(PolicySpider):
    name = "cellar"
    allowed_domains = ["publications.europa.eu"]

    def index_requests(self):
        settings = self.crawler.settings
        query = watch_query(settings.getlist("POLICYTRACK_WATCHED_CELEX"), settings.getlist("POLICYTRACK_WATCHED_PROCEDURES"))
        url = f"{cellar.SPARQL_ENDPOINT}?{urlencode({'query': query, 'format': 'application/sparql-results+json'})}"
        yield self.index_request(url, self.parse_results)

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
            yield self.page_request(
                cellar.notice_url(kind, identifier), "cellar-notice", parent=response.url, entry_key=key,
                headers={"Accept": f"application/xml;notice={notice}", "Accept-Language": "eng"})
