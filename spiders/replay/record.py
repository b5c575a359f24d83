"""Record a live crawl into a folder that ``policytrack crawl --replay DIR`` runs again."""

from __future__ import annotations

import hashlib
from pathlib import Path

from scrapy import signals

from . import manifest

_EXTENSIONS = {"html": ".html", "xml": ".xml", "json": ".json", "rss": ".xml", "atom": ".xml"}


class RecordMiddleware:
    """Downloader middleware: saves every 200 response (body + content type) under the folder."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        self.entries: dict[tuple[str, str], manifest.Entry] = {}
        if (self.folder / manifest.MANIFEST).is_file():
            self.entries = manifest.load(self.folder)

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
        if response.status != 200 or request.url.endswith("/robots.txt"):
            return response
        content_type = response.headers.get("Content-Type", b"").decode("latin-1") or "application/octet-stream"
        ext = next((e for k, e in _EXTENSIONS.items() if k in content_type), ".bin")
        notice = manifest.notice_of(request.headers.get("Accept", b"").decode("latin-1"))
        name = "files/" + hashlib.sha1(f"{request.url}#{notice}".encode()).hexdigest()[:20] + ext
        path = self.folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(response.body)
        entry = manifest.Entry(
            url=request.url,
            file=name,
            content_type=content_type,
            notice=notice,
            handmade=False,
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
