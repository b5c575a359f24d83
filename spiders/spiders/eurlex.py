"""EUR-Lex: predefined and saved-search RSS feeds, then document and procedure pages."""

from __future__ import annotations

import re
from typing import ClassVar

from .base import PolicySpider


class EurlexSpider(PolicySpider):
    name = "eurlex"
    allowed_domains: ClassVar[list[str]] = ["eur-lex.europa.eu"]
    # A saved search on the watched acts (RSS), and EUR-Lex's "Legislation" feed.
    feeds = (
        "https://eur-lex.europa.eu/EN/display-feed.rss?myRssId=policytrack-watched-acts",
        "https://eur-lex.europa.eu/EN/display-feed.rss?rssId=162",
    )

    def follow(self, entry, feed_url):
        if re.search(r"/procedure/[A-Z]{2}/\d{4}_\d+", entry.link):
            kind = "eurlex-procedure"
        elif "/legal-content/" in entry.link:
            kind = "eurlex-document"
        else:
            return None
        return self.page_request(entry.link, kind, parent=feed_url, entry_key=entry.key)
