"""EP Open Data Portal API v2: the ``…/feed`` endpoints say what changed; then the procedures,
plenary documents and meetings they name (JSON-LD, meetings as RDF/XML)."""

from __future__ import annotations

from typing import ClassVar

from ..errors import ParseError
from ..parsers import ep_odp
from .base import PolicySpider

JSONLD = "format=application%2Fld%2Bjson"
# feed path → (record path, parser kind, format)
RESOURCES = {
    "procedures": ("procedures", "ep-odp-procedure", JSONLD),
    "plenary-documents": ("plenary-documents", "ep-odp-document", JSONLD),
    "meetings": ("meetings", "ep-odp-meeting", "format=application%2Frdf%2Bxml"),
}


class EpOdpSpider(PolicySpider):
    name = "ep_odp"
    allowed_domains: ClassVar[list[str]] = ["data.europarl.europa.eu"]
    feeds = tuple(f"{ep_odp.API}/{path}/feed?{JSONLD}" for path in RESOURCES)

    def index_requests(self):
        for url in self.feeds:
            resource = url.split("/api/v2/", 1)[-1].split("/", 1)[0]
            yield self.index_request(url, self.parse_api_feed, cb_kwargs={"resource": resource})

    def parse_api_feed(self, response, resource: str):
        self.fetched(response)
        try:
            records = ep_odp.parse_feed(response.body, response.url)
        except ParseError as e:
            self.fail(response.url, str(e), index=True)
            return
        path, kind, fmt = RESOURCES.get(resource, RESOURCES["procedures"])
        for identifier, stamp in records:
            key = f"{resource}:{identifier}#{stamp}"
            if self.state.seen(key):
                self.crawler.stats.inc_value("policytrack/skipped_seen")
                continue
            request = self.page_request(
                f"{ep_odp.API}/{path}/{identifier}?{fmt}", kind, parent=response.url, entry_key=key
            )
            if request is not None:
                yield request
