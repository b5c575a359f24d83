"""What every policytrack spider shares: index requests (feeds, queries, watch lists) that are
always asked, page requests that are only made for entries not seen before, and honest failure
counting.

Incremental behaviour, in order:
1. every request carries the ETag / Last-Modified of the last run (ConditionalRequestMiddleware);
   a 304 ends it;
2. a page whose body hashes as last time is not parsed again;
3. entries already followed (link + updated stamp, Cellar row + change stamp) are not requested
   again;
4. each named index (a query, a feed) remembers the start of its last *successful* run — it
   answered and every page it led to was handled — and asks only for what changed since.
A failed page also makes its feed forget its validators and keeps its index's watermark where
it was, so the next run retries the page.

The state advances only for what was stored: an item the store refuses (``item_failed``, from
the pipeline) undoes, before the state is saved, what its page did — the page's content hash and
validators are forgotten, its feed entries are unseen again, its index keeps its watermark — so
the next run fetches it again. Which page an item came from is known from Scrapy's
``item_scraped`` signal (the response, or the failure of an errback, with its request's meta).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import scrapy
from scrapy.exceptions import IgnoreRequest
from scrapy.spidermiddlewares.httperror import HttpError

from ..errors import ParseError
from ..logs import describe
from ..middlewares import BotChallenge, HostBlocked, NotModified
from ..parsers import feeds, parse
from ..parsers.feeds import FeedEntry  # `feeds` in the class body is the index URLs, not the module
from ..replay.handler import NotRecorded
from ..state import CrawlState

log = logging.getLogger(__name__)
# What the crawl state needs to know of the page an item came from, to undo it.
_ORIGIN_KEYS = ("index", "parent", "pending_key", "entry_key")


class PolicySpider(scrapy.Spider):
    """Subclasses set ``name``, ``feeds`` (index URLs) and implement ``follow(entry)``, or
    override ``index_requests``."""

    feeds: tuple[str, ...] = ()

    def __init__(self, *args: Any, feeds: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if feeds:  # `scrapy crawl NAME -a feeds=URL1,URL2` replaces the default index
            self.feeds = tuple(u.strip() for u in feeds.split(",") if u.strip())
        self.failures: list[str] = []
        self.notes: list[str] = []  # what a person should know that is not a failure
        self.state = CrawlState(Path("."))
        self.pending: dict[str, list[str]] = {}  # page URL → the feed entries waiting for it
        self.started = datetime.now(UTC)
        self.asked: set[str] = set()  # indexes asked this run (queries, feeds, watch lists)
        self.answered: set[str] = set()  # indexes that answered in full this run
        self.incomplete: set[str] = set()  # indexes with a failure (their own or a page's)
        # (item id, source) → the request metas of the pages that gave it; the items the store
        # refused, with the reason. Joined when the spider closes, after the pipeline's last write.
        self.origins: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self.refused: dict[tuple[str, str], tuple[Any, str]] = {}

    @classmethod
    def from_crawler(cls, crawler, *args: Any, **kwargs: Any):
        spider = super().from_crawler(crawler, *args, **kwargs)
        state_dir = Path(crawler.settings.get("POLICYTRACK_STATE_DIR") or ".policytrack-state")
        spider.state = CrawlState(state_dir / f"{spider.name}.json")
        crawler.signals.connect(spider._closed, signal=scrapy.signals.spider_closed)
        crawler.signals.connect(spider._scraped, signal=scrapy.signals.item_scraped)
        return spider

    def _scraped(self, item=None, response=None, spider=None) -> None:
        item_id, source = getattr(item, "id", None), getattr(item, "source", None)
        # A response, or the failure an errback yielded the item from: both carry the request.
        request = getattr(response, "request", None)
        if isinstance(item_id, str) and isinstance(source, str) and request is not None:
            meta = {k: request.meta[k] for k in _ORIGIN_KEYS if request.meta.get(k)}
            self.origins.setdefault((item_id, source), []).append({"url": request.url, **meta})

    def item_failed(self, item: Any, reason: str) -> None:
        """The store refused ``item`` (the pipeline says why): counted now, named in the summary
        and undone in the crawl state when the spider closes (``_undo_refused``)."""
        self.crawler.stats.inc_value("policytrack/failed")
        self.refused[(item.id, item.source)] = (item, reason)

    def _undo_refused(self) -> None:
        for key, (item, reason) in self.refused.items():
            origins = self.origins.get(key) or [{"url": getattr(item, "url", "") or ""}]
            pages = ", ".join(dict.fromkeys(o["url"] for o in origins if o.get("url"))) or "(no page)"
            message = f"{item.id} ({pages}): {' '.join(reason.split())}"
            log.warning("%s failed: %s", self.name, message)
            self.failures.append(message)
            for meta in origins:
                if meta.get("index"):
                    self.incomplete.add(meta["index"])
                for url in (meta.get("url"), meta.get("pending_key"), meta.get("parent")):
                    if url:
                        self.state.forget(url)
                for entry in self.pending.get(meta.get("pending_key", ""), [meta.get("entry_key")]):
                    if entry:
                        self.state.unsee(entry)

    def _closed(self, spider=None, reason: str = "") -> None:
        self._undo_refused()
        if reason == "finished":
            for name in self.answered - self.incomplete:
                self.state.succeeded(name, self.started)
        self.state.save()

    # ------------------------------------------------------------------ requests
    async def start(self):
        for request in self.index_requests():
            yield request

    def index_requests(self) -> Iterable[scrapy.Request]:
        for url in self.feeds:
            yield self.index_request(url, self.parse_feed, index=url)

    def index_request(self, url: str, callback, *, index: str, slow: float = 0, **kwargs: Any) -> scrapy.Request:
        """A request for an index named ``index`` (its watermark's key). ``slow``: a timeout in
        seconds for a slow endpoint, and no retry after a timeout."""
        self._asked(index)
        meta: dict[str, Any] = {"role": "index", "index": index, **kwargs.pop("meta", {})}
        if slow:
            meta.update(download_timeout=slow, retry_timeouts=False)
        errback = kwargs.pop("errback", self.on_error)
        return scrapy.Request(url, callback=callback, errback=errback, meta=meta, dont_filter=True, **kwargs)

    def page_request(
        self,
        url: str,
        kind: str,
        *,
        parent: str = "",
        entry_key: str = "",
        index: str = "",
        watched: bool = False,
        **kwargs: Any,
    ) -> scrapy.Request | None:
        """A request for a page, or None when this run already asked for it (two feeds listing
        the same page): the entry is then marked seen together with the first one.

        ``watched``: the page of a watched item, asked every run (conditionally: a 304 costs
        nothing) like a feed; it is counted with the feeds, not as a new page request."""
        if url in self.pending:
            self.pending[url].append(entry_key)
            return None
        self.pending[url] = [entry_key]
        meta = {
            "role": "watched" if watched else "page",
            "kind": kind,
            "parent": parent,
            "entry_key": entry_key,
            "pending_key": url,
            "index": index,
            **kwargs.pop("meta", {}),
        }
        if watched:
            self._asked(index)
        else:
            self.crawler.stats.inc_value("policytrack/page_requests")
        callback = kwargs.pop("callback", self.parse_page)
        errback = kwargs.pop("errback", self.on_error)
        return scrapy.Request(url, callback=callback, errback=errback, meta=meta, dont_filter=True, **kwargs)

    def _asked(self, index: str) -> None:
        if index and index not in self.asked:
            self.asked.add(index)
            self.crawler.stats.inc_value("policytrack/indexes_asked")

    # ------------------------------------------------------------------ responses
    def fetched(self, response) -> None:
        self.crawler.stats.inc_value("policytrack/fetched")
        self.crawler.stats.inc_value(f"policytrack/fetched_{response.meta.get('role', 'page')}")

    def index_answered(self, name: str) -> None:
        """The index ``name`` answered in full (every page of it, for paged queries)."""
        if name not in self.answered:
            self.answered.add(name)
            self.crawler.stats.inc_value("policytrack/indexes_answered")

    def parse_feed(self, response):
        self.fetched(response)
        index = response.meta.get("index", response.url)
        try:
            entries = feeds.entries(response.body, response.url)
        except ParseError as e:
            self.fail(response.url, str(e), index=index, is_index=True)
            return
        self.index_answered(index)
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
        if meta.get("role") == "watched":
            self.index_answered(meta["index"])  # a watch list answers with its pages
        items = self.page_items(response)
        if items is None:
            return
        yield from items
        self.state.remember_content(response.url, response.body)
        self._done(meta)

    def page_items(self, response) -> list | None:
        """The items of a fetched page of ``meta["kind"]``; None when its content is the one the
        last run stored (counted, its feed entries marked seen) or it does not parse (a failure,
        said as one)."""
        meta = response.meta
        if self.state.unchanged(response.url, response.body):
            self.crawler.stats.inc_value("policytrack/not_modified")
            self._done(meta)
            return None
        try:
            return parse(meta["kind"], response.body, response.url)
        except ParseError as e:
            self.fail(response.url, str(e), parent=meta.get("parent", ""), index=meta.get("index", ""))
            return None

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
        meta = request.meta
        index, is_index = meta.get("index", ""), meta.get("role") == "index"
        if failure.check(NotModified):
            if is_index:
                self.crawler.stats.inc_value("policytrack/index_not_modified")
            if is_index or meta.get("role") == "watched":
                self.index_answered(index)
            self._done(meta)
            return
        if failure.check(NotRecorded):
            # A gap of a replayed recording: nothing to fetch, nothing failed.
            self.crawler.stats.inc_value("policytrack/not_recorded")
            if meta.get("role") == "watched":
                self.index_answered(index)
            self._done(meta)
            return
        if failure.check(BotChallenge, HostBlocked):
            # Counted per host (summary); the entry stays unseen and the index incomplete.
            self.crawler.stats.inc_value("policytrack/blocked_requests")
            self.incomplete.add(index)
            if meta.get("parent"):
                self.state.forget(meta["parent"])
            return
        if failure.check(HttpError):
            reason = f"HTTP {failure.value.response.status}"
        elif failure.check(IgnoreRequest):
            reason = str(failure.value) or "request ignored (robots.txt)"
        else:
            reason = describe(failure.value)
        self.fail(request.url, reason, parent=meta.get("parent", ""), index=index, is_index=is_index)

    def fail(self, url: str, reason: str, *, parent: str = "", index: str = "", is_index: bool = False) -> None:
        """A counted, logged failure naming the URL and the reason; the crawl goes on."""
        reason = " ".join(reason.split())
        message = reason if reason.startswith(url) else f"{url}: {reason}"
        log.warning("%s failed: %s", self.name, message)
        self.failures.append(message)
        self.crawler.stats.inc_value("policytrack/failed")
        if is_index:
            self.crawler.stats.inc_value("policytrack/failed_index")
        if index:
            self.incomplete.add(index)
        self.state.forget(url)
        if parent:
            self.state.forget(parent)  # so that the next run reads the feed again and retries

    def note(self, text: str) -> None:
        """Something a person reading the summary should know (a skipped feed and why)."""
        if text not in self.notes:
            self.notes.append(text)
            log.info("%s: %s", self.name, text)
