"""Legislative Observatory: its RSS feed, then procedure files and document summaries."""

from __future__ import annotations

from typing import ClassVar

from .base import PolicySpider


class OeilSpider(PolicySpider):
    name = "oeil"
    allowed_domains: ClassVar[list[str]] = ["oeil.secure.europarl.europa.eu", "oeil.europarl.europa.eu"]
    feeds = ("https://oeil.secure.europarl.europa.eu/oeil/en/rss/procedures.xml",)

    def follow(self, entry, feed_url):
        if "procedure-file" in entry.link:
            kind = "oeil-procedure"
        elif "document-summary" in entry.link:
            kind = "oeil-summary"
        else:
            return None
        return self.page_request(entry.link, kind, parent=feed_url, entry_key=entry.key)
