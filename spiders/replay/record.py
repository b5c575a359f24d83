"""Record a live crawl into a folder that ``policytrack crawl --replay DIR`` runs again."""

from __future__ import annotations

import hashlib
from pathlib import Path

from scrapy import signals

from . import manifest

_EXTENSIONS = {"html": ".html", "xml": ".xml", "json": ".json", "rss": ".xml", "atom": ".xml"}


class RecordMiddleware:
    """Downloader middleware: saves every 200 (and 204) response under the folder, decoded, under
    the address the spider asked for (a redirect — Cellar answers a work's text with a 303 to the
    manifestation — is recorded at its start) and with the variant the request asked for: the
    notice type or media type of its Accept header, the query of a SPARQL POST."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        self.entries: dict[tuple[str, str, str, str], manifest.Entry] = {}
        if (self.folder / manifest.MANIFEST).is_file():
            self.entries = {e.key(): e for e in manifest.load(self.folder)}

    @classmethod
    def from_crawler(cls, crawler):
        from scrapy.exceptions import NotConfigured

        folder = crawler.settings.get("POLICYTRACK_RECORD_DIR")
        if not folder:
            raise NotConfigured
        mw = cls(Path(folder))
        crawler.signals.connect(mw.spider_closed, signal=signals.spider_closed)
        return mw

    def process_response(self, request, response):
        if response.status not in (200, 204) or request.url.endswith("/robots.txt"):
            return response
        url = (request.meta.get("redirect_urls") or [request.url])[0]
        accept_header = request.headers.get("Accept", b"").decode("latin-1")
        notice = manifest.notice_of(accept_header)
        accept = "" if notice else manifest.media_type_of(accept_header)
        match = ""
        if request.method == "POST":
            # SPARQL queries all go to one address: the query's first line names it.
            match = manifest.query_of(request.body).split("\n", 1)[0]
        content_type = response.headers.get("Content-Type", b"").decode("latin-1") or "application/octet-stream"
        name = ""
        if response.status == 200:
            ext = next((e for k, e in _EXTENSIONS.items() if k in content_type), ".bin")
            digest = hashlib.sha1(f"{url}#{notice}#{accept}#{match}".encode()).hexdigest()[:20]
            name = f"files/{digest}{ext}"
            path = self.folder / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(response.body)
        entry = manifest.Entry(
            url=url,
            file=name,
            content_type=content_type,
            notice=notice,
            accept=accept,
            match=match,
            status=response.status,
            note="recorded by policytrack crawl --record",
        )
        self.entries[entry.key()] = entry
        return response

    def spider_closed(self, spider) -> None:
        manifest.save(
            self.folder,
            list(self.entries.values()),
            "Recorded by `policytrack crawl --record`; replay with `policytrack crawl --replay DIR`.",
        )
