"""EP press service: the press-release feed, then the releases and the plenary documents they cite."""

from __future__ import annotations

from typing import ClassVar

from .base import PolicySpider


class EpPressSpider(PolicySpider):
    name = "ep_press"
    allowed_domains: ClassVar[list[str]] = ["www.europarl.europa.eu"]
    feeds = ("https://www.europarl.europa.eu/rss/doc/press-releases/en.xml",)

    def follow(self, entry, feed_url):
        if "/press-room/" in entry.link:
            kind = "ep-press-release"
        elif "/doceo/document/" in entry.link and entry.link.endswith(".html"):
            kind = "ep-document"
        else:
            return None
        return self.page_request(entry.link, kind, parent=feed_url, entry_key=entry.key)
