"""EUR-Lex pages, enrichment of what Cellar says: "Document information" pages of the watched
acts and of the items of EUR-Lex's RSS feeds.

- ``GET https://eur-lex.europa.eu/EN/display-feed.rss?rssId=162``: the predefined feed "All
  Parliament and Council legislation" (public clients use it; no account needed).
- ``GET https://eur-lex.europa.eu/EN/display-feed.rss?myRssId=<token>``: a My EUR-Lex
  saved-search feed, when ``[crawl] eurlex_rss_token`` is set; without a token the feed is
  skipped (``policytrack status`` says how to get one). No placeholder is ever asked.
- ``GET https://eur-lex.europa.eu/legal-content/EN/ALL/?uri=CELEX:<celex>`` for every watched act
  and every feed item (feed links ``/./legal-content/AUTO/?uri=…`` name the same documents);
  ``procedure/EN/<year>_<number>`` pages when a feed lists them.

EUR-Lex sits behind AWS WAF and asks crawlers for ``Crawl-delay: 10`` in its robots.txt: one
request at a time, ten seconds apart (CrawlDelayMiddleware); after a bot challenge the run stops
asking it and the dossiers come from Cellar and the EP API.
"""

from __future__ import annotations

import re
from typing import ClassVar
from urllib.parse import parse_qs, quote, urlsplit

from policytrack.config import EURLEX_TOKEN_HELP

from ..parsers.eurlex import document_url
from .base import PolicySpider

EURLEX = "https://eur-lex.europa.eu"
PREDEFINED_FEED = f"{EURLEX}/EN/display-feed.rss?rssId=162"
_URI = re.compile(r"^(CELEX|EP|OJ|COM|SWD):[^\s&#]+$")


def saved_search_feed(token: str) -> str:
    """The address of a My EUR-Lex feed from its token (or from its whole address)."""
    if token.startswith("http"):
        token = (parse_qs(urlsplit(token).query).get("myRssId") or [""])[0]
    return f"{EURLEX}/EN/display-feed.rss?myRssId={quote(token, safe='')}" if token.strip() else ""


def page_of(link: str) -> tuple[str, str] | None:
    """The page to read for a feed link, and its parser kind: ``legal-content/AUTO/?uri=CELEX:…``
    (``AUTO`` is the reader's language) → the English "Document information" page."""
    parts = urlsplit(link)
    if parts.hostname != "eur-lex.europa.eu":
        return None
    if re.search(r"/procedure/[A-Z]{2}/\d{4}_\d+", parts.path):
        return link, "eurlex-procedure"
    uri = (parse_qs(parts.query).get("uri") or [""])[0]
    if "/legal-content/" in parts.path and _URI.match(uri):
        return f"{EURLEX}/legal-content/EN/ALL/?uri={uri}", "eurlex-document"
    return None


class EurlexSpider(PolicySpider):
    name = "eurlex"
    allowed_domains: ClassVar[list[str]] = ["eur-lex.europa.eu"]

    def index_requests(self):
        settings = self.crawler.settings
        feeds = list(self.feeds) or [PREDEFINED_FEED]
        saved = saved_search_feed(settings.get("POLICYTRACK_EURLEX_RSS_TOKEN") or "")
        if saved and not self.feeds:
            feeds.append(saved)
        elif not self.feeds:
            self.note(f"My EUR-Lex saved-search feed skipped: no token. {EURLEX_TOKEN_HELP}")
        for url in feeds:
            yield self.index_request(url, self.parse_feed, index=url)
        # The watched acts' pages: asked every run, conditionally (a 304 costs nothing).
        for celex in settings.getlist("POLICYTRACK_WATCHED_CELEX"):
            request = self.page_request(
                document_url(celex), "eurlex-document", index="eurlex:watched-acts", watched=True
            )
            if request is not None:
                yield request

    def follow(self, entry, feed_url):
        target = page_of(entry.link)
        if target is None:
            return None
        url, kind = target
        return self.page_request(url, kind, parent=feed_url, entry_key=entry.key, index=feed_url)
