"""Conditional requests: send the ETag / Last-Modified seen last time; a 304 ends the request.

The validators live in the spider's CrawlState (kept in the data dir between runs).
"""

from __future__ import annotations

from scrapy.exceptions import IgnoreRequest


class NotModified(IgnoreRequest):
    """The server answered 304: nothing changed since the last run."""


class ConditionalRequestMiddleware:
    def __init__(self, crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def _state(self):
        return getattr(self.crawler.spider, "state", None)

    def process_request(self, request):
        state = self._state()
        if state is None or not request.meta.get("conditional", True) or request.url.endswith("/robots.txt"):
            return None
        known = state.validators_for(request.url)
        if known.get("etag"):
            request.headers.setdefault("If-None-Match", known["etag"])
        if known.get("last_modified"):
            request.headers.setdefault("If-Modified-Since", known["last_modified"])
        return None

    def process_response(self, request, response):
        state = self._state()
        if state is None or request.url.endswith("/robots.txt"):
            return response
        if response.status == 304:
            self.crawler.stats.inc_value("policytrack/not_modified")
            raise NotModified(f"{request.url}: not modified since the last run")
        if response.status == 200:
            header = response.headers.get
            state.remember_validators(
                request.url,
                (header("ETag") or b"").decode("latin-1") or None,
                (header("Last-Modified") or b"").decode("latin-1") or None,
            )
        return response
