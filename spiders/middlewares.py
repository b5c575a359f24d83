"""Downloader middlewares of the policytrack crawl.

- ``ConditionalRequestMiddleware``: send the ETag / Last-Modified seen last time; a 304 ends the
  request (the validators live in the spider's CrawlState, kept between runs).
- ``BotChallengeMiddleware``: a bot-challenge answer blocks its host for the rest of the run;
  nothing from it reaches the cache, the recording or the spider.
- ``CrawlDelayMiddleware``: honour a robots.txt ``Crawl-delay`` per host (Scrapy reads robots.txt
  for ``Disallow`` only): that host gets one request at a time, that many seconds apart.
- ``RetryMiddleware``: Scrapy's, except that a slow query that timed out is not asked again.
"""

from __future__ import annotations

from typing import Any

from scrapy import signals
from scrapy.downloadermiddlewares.retry import RetryMiddleware as ScrapyRetryMiddleware
from scrapy.exceptions import DownloadTimeoutError, IgnoreRequest
from scrapy.utils.httpobj import urlparse_cached
from twisted.internet import defer, error

from .challenge import WAF_HEADER, BlockedHosts, challenge_reason


class NotModified(IgnoreRequest):
    """The server answered 304: nothing changed since the last run."""


class BotChallenge(IgnoreRequest):
    """The host answered with a bot challenge: the page is not content."""

    def __init__(self, host: str, reason: str) -> None:
        super().__init__(f"{host}: blocked by a bot challenge ({reason})")
        self.host = host
        self.reason = reason


class HostBlocked(IgnoreRequest):
    """Not asked: the host answered this run with a bot challenge."""

    def __init__(self, host: str) -> None:
        super().__init__(f"{host}: not asked, the host is blocked by a bot challenge")
        self.host = host


def _host(request) -> str:
    return urlparse_cached(request).hostname or ""


def _header(response, name: str) -> str:
    return (response.headers.get(name) or b"").decode("latin-1").strip()


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
            state.remember_validators(
                request.url, _header(response, "ETag") or None, _header(response, "Last-Modified") or None
            )
        return response


class BotChallengeMiddleware:
    """Placed next to the download handler (its responses come here before the HTTP cache and the
    recorder see them); requests to a blocked host are refused before robots.txt is asked."""

    def __init__(self, crawler, hosts: BlockedHosts) -> None:
        self.crawler = crawler
        self.hosts = hosts

    @classmethod
    def from_crawler(cls, crawler):
        hosts = crawler.settings.get("POLICYTRACK_BLOCKED_HOSTS")
        return cls(crawler, hosts if isinstance(hosts, BlockedHosts) else BlockedHosts())

    def process_request(self, request):
        host = _host(request)
        if self.hosts.blocked(host):
            self.hosts.skip(host)
            self.crawler.stats.inc_value(f"policytrack/skipped_blocked/{host}")
            raise HostBlocked(host)
        return None

    def process_response(self, request, response):
        reason = challenge_reason(
            response.status,
            _header(response, WAF_HEADER),
            response.body,
            _header(response, "Content-Encoding"),
        )
        if reason is None:
            return response
        host = _host(request)
        if self.hosts.block(host, reason, request.url):
            self.crawler.stats.set_value(f"policytrack/blocked/{host}", reason)
        raise BotChallenge(host, reason)


class CrawlDelayMiddleware:
    """Reads ``Crawl-delay`` when Scrapy parses a host's robots.txt and gives that host's download
    slot the delay (times ``POLICYTRACK_CRAWL_DELAY_SCALE``: 1 live; tests shorten it), one
    request at a time, no random jitter, and no AutoThrottle shortening it."""

    def __init__(self, crawler) -> None:
        self.crawler = crawler
        self.scale = crawler.settings.getfloat("POLICYTRACK_CRAWL_DELAY_SCALE", 1.0)
        self.user_agent = crawler.settings.get("ROBOTSTXT_USER_AGENT") or crawler.settings.get("USER_AGENT")
        self.delays: dict[str, float] = {}

    @classmethod
    def from_crawler(cls, crawler):
        mw = cls(crawler)
        crawler.signals.connect(mw.robots_parsed, signal=signals.robots_parsed)
        return mw

    def robots_parsed(self, robotparser: Any, request) -> None:
        read = getattr(robotparser, "crawl_delay", None)
        delay = read(self.user_agent) if callable(read) else None
        if delay:
            host = _host(request)
            self.delays[host] = float(delay)
            self.crawler.stats.set_value(f"policytrack/crawl_delay/{host}", float(delay))
            self._apply(request)

    def _apply(self, request) -> None:
        downloader = self.crawler.engine.downloader
        key = downloader.get_slot_key(request)
        delay = self.delays[_host(request)] * self.scale
        # For a slot made later (Scrapy drops idle slots) and for the one that exists now.
        downloader.per_slot_settings[key] = {"concurrency": 1, "delay": delay, "jitter": 0}
        slot = downloader.slots.get(key)
        if slot is not None:
            slot.concurrency, slot.delay, slot.jitter = 1, delay, 0

    def process_request(self, request):
        if _host(request) in self.delays:
            request.meta["autothrottle_dont_adjust_delay"] = True
            self._apply(request)
        return None


class RetryMiddleware(ScrapyRetryMiddleware):
    """Requests with ``meta["retry_timeouts"] = False`` (slow queries: SPARQL, EP feeds) are not
    asked again after a timeout: the endpoint was busy, asking again at once only adds load."""

    TIMEOUTS = (DownloadTimeoutError, error.TimeoutError, defer.TimeoutError)

    def process_exception(self, request, exception, spider=None):
        if request.meta.get("retry_timeouts", True) is False and isinstance(exception, self.TIMEOUTS):
            return None
        return super().process_exception(request, exception)
