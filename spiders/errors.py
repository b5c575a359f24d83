"""The exception family of the spiders package."""

from __future__ import annotations

from policytrack.errors import PolicytrackError


class SpiderError(PolicytrackError):
    """Base of the errors the spiders package reports."""


class ParseError(SpiderError):
    """A response is not of the expected kind, is a bot challenge, or is malformed.

    The message is one line naming the URL (or file) and the reason.
    """


class CrawlError(SpiderError):
    """A crawl could not be started or run (bad replay folder, child process died…)."""
