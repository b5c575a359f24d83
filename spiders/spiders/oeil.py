"""The Legislative Observatory (OEIL), enrichment of the dossiers the EP API and Cellar know:
procedure files (key players, key events, forecasts, final act) and the summaries they link.

OEIL is asked on ``oeil.europarl.europa.eu`` (it left ``oeil.secure.europarl.europa.eu`` in
December 2025) and has no feed any evidence shows. Which files to read comes from the watch list
and from the backbone instead: every watched procedure (conditionally: a 304 costs nothing), and
every procedure the store holds under a topic that changed since OEIL's last successful run
(the EP API spider, which runs first, stores the procedures its feed says changed).

- ``GET https://oeil.europarl.europa.eu/oeil/en/procedure-file?reference=2022/0051(COD)``
- ``GET https://oeil.europarl.europa.eu/oeil/en/document-summary?id=1748647`` (each summary once)
"""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from typing import ClassVar

from policytrack.errors import PolicytrackError
from policytrack.model import Procedure
from policytrack.store import Store

from ..parsers.oeil import procedure_url, summary_url
from .base import PolicySpider

FIRST_RUN_WINDOW = timedelta(days=30)  # procedures changed in the store before a first OEIL run
_SUMMARY = re.compile(rb"document-summary\?id(?:=|%3D)(\d{1,12})")


class OeilSpider(PolicySpider):
    name = "oeil"
    allowed_domains: ClassVar[list[str]] = ["oeil.europarl.europa.eu"]

    def index_requests(self):
        references = list(dict.fromkeys(self.crawler.settings.getlist("POLICYTRACK_WATCHED_PROCEDURES")))
        references += [r for r in self._changed_in_store() if r not in references]
        if not references:
            self.note("nothing to ask: no watched procedures, none changed in the store under a topic")
        for reference in references:
            request = self.page_request(
                procedure_url(reference),
                "oeil-procedure",
                index="oeil:procedures",
                watched=True,
                callback=self.parse_procedure_file,
            )
            if request is not None:
                yield request

    def _changed_in_store(self) -> list[str]:
        """Procedures under a topic that changed in the store since OEIL's last successful run."""
        path = self.crawler.settings.get("POLICYTRACK_STORE_PATH")
        if not path or not Path(path).exists():
            return []
        since = self.state.last_success("oeil:procedures") or self.started - FIRST_RUN_WINDOW
        try:
            with Store(path, readonly=True) as store:
                records = list(store.records("procedure", changed_since=since))
        except PolicytrackError as e:  # a store that cannot be read only narrows the index
            self.note(f"changed procedures not read from the store: {e}")
            return []
        return [r.item.reference for r in records if isinstance(r.item, Procedure) and r.item.topics]

    def parse_procedure_file(self, response):
        changed = not self.state.unchanged(response.url, response.body)
        yield from self.parse_page(response)
        if not changed:
            return
        for summary_id in dict.fromkeys(m.decode() for m in _SUMMARY.findall(response.body)):
            key = f"oeil-summary:{summary_id}"
            if self.state.seen(key):
                continue  # a summary does not change once published
            request = self.page_request(
                summary_url(summary_id), "oeil-summary", parent=response.url, entry_key=key, index="oeil:procedures"
            )
            if request is not None:
                yield request
