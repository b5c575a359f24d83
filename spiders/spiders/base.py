"""What every policytrack spider shares: index requests (feeds, queries) that are always asked
for, page requests that are only made for entries not seen before, and honest failure counting.

Incremental behaviour, in order:
1. every request carries the ETag / Last-Modified of the last run (ConditionalRequestMiddleware);
   a 304 ends it;
2. a page whose body hashes as last time is not parsed again;
3. feed entries already followed (link + updated stamp) are not requested again.
A failed page also makes its feed forget its validators, so the next run retries the page.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import scrapy
from scrapy.exceptions import IgnoreRequest
from scrapy.spidermiddlewares.httperror import HttpError

from ..errors import ParseError
from ..middlewares import NotModified
from ..parsers import feeds, parse
from ..parsers.feeds import FeedEntry  # `feeds` in the class body is the index URLs, not the module
from ..state import CrawlState

log = logging.getLogger(__name__)


class PolicySpider(scrapy.Spider):
    """Subclasses set ``name``, ``feeds`` (index URLs) and implement ``follow(entry)``."""

    feeds: tuple[str, ...] = ()

    def __init__(self, *args: Any, feeds: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if feeds:  # `scrapy crawl NAME -a feeds=URL1,URL2` replaces the default index
            self.feeds = tuple(u.strip() for u in feeds.split(",") if u.strip())
        self.failures: list[str] = []
        self.state = CrawlState(Path("."))
        self.pending: dict[str, list[str]] = {}  # page URL → the feed entries waiting for it

    @classmethod
    def from_crawler(cls, crawler, *args: Any, **kwargs: Any):
        spider = super().from_crawler(crawler, *args, **kwargs)
        state_dir = Path(crawler.settings.get("POLICYTRACK_STATE_DIR") or ".policytrack-state")
        spider.state = CrawlState(state_dir / f"{spider.name}.json")
        crawler.signals.connect(spider._save_state, signal=scrapy.signals.spider_closed)
        return spider

    def _save_state(self, spider=None, reason: str = "") -> None:
        self.state.save()

    # ------------------------------------------------------------------ requests
    async def start(self):
        for request in self.index_requests():
            yield request

    def index_requests(self) -> Iterable[scrapy.Request]:
        for url in self.feeds:
            yield self.index_request(url, self.parse_feed)

    def index_request(self, url: str, callback, **kwargs: Any) -> scrapy.Request:
        meta = {"role": "index", **kwargs.pop("meta", {})}
        return scrapy.Request(url, callback=callback, errback=self.on_error, meta=meta, dont_filter=True, **kwargs)

    def page_request(
        self, url: str, kind: str, *, parent: str = "", entry_key: str = "", **kwargs: Any
    ) -> scrapy.Request | None:
        """A request for a page, or None when this run already asked for it (two feeds listing
        the same page): the entry is then marked seen together with the first one."""
        if url in self.pending:
            self.pending[url].append(entry_key)
            return None
        self.pending[url] = [entry_key]
        meta = {
            "role": "page",
            "kind": kind,
            "parent": parent,
            "entry_key": entry_key,
            "pending_key": url,
            **kwargs.pop("meta", {}),
        }
        self.crawler.stats.inc_value("policytrack/page_requests")
        return scrapy.Request(
            url, callback=self.parse_page, errback=self.on_error, meta=meta, dont_filter=True, **kwargs
        )

    # ------------------------------------------------------------------ responses
    def fetched(self, response) -> None:
        self.crawler.stats.inc_value("policytrack/fetched")
        self.crawler.stats.inc_value(f"policytrack/fetched_{response.meta.get('role', 'page')}")

    def parse_feed(self, response):
        self.fetched(response)
        try:
            entries = feeds.entries(response.body, response.url)
        except ParseError as e:
            self.fail(response.url, str(e), index=True)
            return
        for entry in entries:
            if self.state.seen(entry.key):
                self.crawler.stats.inc_value("policytrack/skipped_seen")
                continue
            request = self.follow(entry, response.url)
            if request is not None:
                yield request

    def follow(self, entry: FeedEntry, feed_url: str) -> scrapy.Request | None:
        raise NotImplementedError

    def parse_page(self, response):
        self.fetched(response)
        meta = response.meta
        if self.state.unchanged(response.url, response.body):
            self.crawler.stats.inc_value("policytrack/not_modified")
            self._done(meta)
            return
        try:
            items = parse(meta["kind"], response.body, response.url)
        except ParseError as e:
            self.fail(response.url, str(e), parent=meta.get("parent", ""))
            return
        yield from items
        self.state.remember_content(response.url, response.body)
        self._done(meta)

    def _done(self, meta: dict) -> None:
        """Mark seen every feed entry that was waiting for this page (survives redirects: the
        key travels in the request's meta)."""
        keys = self.pending.get(meta.get("pending_key", ""), [meta.get("entry_key")])
        for key in keys:
            if key:
                self.state.mark_seen(key)

    # ------------------------------------------------------------------ failures
    def on_error(self, failure) -> None:
        request = failure.request
        if failure.check(NotModified):
            if request.meta.get("role") == "index":
                self.crawler.stats.inc_value("policytrack/index_not_modified")
            self._done(request.meta)
            return
        if failure.check(HttpError):
            reason = f"HTTP {failure.value.response.status}"
        elif failure.check(IgnoreRequest):
            reason = str(failure.value) or "request ignored (robots.txt)"
        else:
            reason = f"{type(failure.value).__name__}: {failure.value}"
        self.fail(request.url, reason, parent=request.meta.get("parent", ""), index=request.meta.get("role") == "index")

    def fail(self, url: str, reason: str, *, parent: str = "", index: bool = False) -> None:
        """A counted, logged failure naming the URL and the reason; the crawl goes on."""
        reason = " ".join(reason.split())
        message = reason if reason.startswith(url) else f"{url}: {reason}"
        log.warning("%s failed: %s", self.name, message)
        self.failures.append(message)
        self.crawler.stats.inc_value("policytrack/failed")
        if index:
            self.crawler.stats.inc_value("policytrack/failed_index")
        self.state.forget(url)
        if parent:
            self.state.forget(parent)  # so that the next run reads the feed again and retries
