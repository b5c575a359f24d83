"""One line per failure in the crawl's log: what failed and where, never a traceback.

Scrapy logs some failures itself, with the traceback and at ERROR level: a robots.txt that could
not be downloaded, an exception in a callback or a pipeline. The spiders report the failures
they handle in one line already (``spider failed: URL: reason``); this filter makes Scrapy's and
Twisted's own reports one line too, keeping the exception's type and message. With ``-vv``
(DEBUG) tracebacks are kept: that is when someone wants them.
"""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

ROBOTS = "scrapy.downloadermiddlewares.robotstxt"


def describe(exc: BaseException) -> str:
    """``ConnectionDone: Connection was closed cleanly.`` — the innermost reason of a failure,
    not the wrappers Scrapy and Twisted put around it."""
    seen = set()
    while id(exc) not in seen:
        seen.add(id(exc))
        reasons = getattr(exc, "reasons", None)  # Twisted's ResponseNeverReceived & co.
        inner = getattr(reasons[0], "value", None) if isinstance(reasons, list) and reasons else None
        if isinstance(inner, BaseException):
            exc = inner
        elif exc.__cause__ is not None and type(exc).__name__.endswith("Error") and "[<" in str(exc):
            exc = exc.__cause__
        else:
            break
    detail = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {detail}" if detail else type(exc).__name__


class OneLineFailures(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and record.exc_info[1] is not None:
            exc = record.exc_info[1]
            request = record.args.get("request") if isinstance(record.args, dict) else None
            if record.name == ROBOTS and request is not None:
                # Scrapy names the request that needed robots.txt, not robots.txt itself.
                host = urlsplit(getattr(request, "url", "")).netloc
                record.msg = f"robots.txt of {host} could not be read ({describe(exc)}); crawled as if it allowed all"
                record.levelno, record.levelname = logging.WARNING, "WARNING"
            else:
                record.msg = f"{record.getMessage()}: {describe(exc)}"
            record.args = None
            record.exc_info = None
            record.exc_text = None
        elif "Traceback (most recent call last)" in (message := record.getMessage()):
            # Twisted writes the traceback into the message ("Unhandled error in Deferred").
            lines = [line for line in message.splitlines() if line.strip()]
            record.msg = f"{lines[0]} {lines[-1].strip()}" if len(lines) > 1 else lines[0]
            record.args = None
        return True


def one_line_failures(level: str) -> None:
    """Make every record of this (crawl) process one line, from its creation on: Scrapy replaces
    the root handler for each crawler, so a filter on a handler would not last."""
    if level == "DEBUG":
        return
    make = logging.getLogRecordFactory()
    one_line = OneLineFailures()

    def factory(*args, **kwargs) -> logging.LogRecord:
        record = make(*args, **kwargs)
        one_line.filter(record)
        return record

    logging.setLogRecordFactory(factory)
