"""Bot challenges: the one rule that says a response is a challenge rather than content, and the
run's list of hosts that answered with one.

EUR-Lex, OEIL and www.europarl.europa.eu sit behind AWS WAF. A challenge comes back as a small
HTML page — whether HTML, XML or JSON was asked for — on europarl with HTTP 202 (405 for a
CAPTCHA), often with an ``x-amzn-waf-action: challenge`` header, and ``awswaf``,
``AwsWafIntegration`` or ``gokuProps`` in its body. After the first challenge from a host the run
stops asking that host (more requests would only prolong the block), and nothing from a challenge
page is ever stored, cached or recorded. The parsers, which see only a body (``policytrack parse
FILE``, a recording), ask the same rule without a status.
"""

from __future__ import annotations

import gzip
import zlib
from dataclasses import dataclass, field

CHALLENGE_STATUSES = (202, 405)
WAF_HEADER = "x-amzn-waf-action"
# Lower-case signatures of AWS WAF challenge and CAPTCHA pages.
MARKERS = ("awswafintegration", "gokuprops", "awswaf", "aws-waf-token", "captcha")
# Challenge pages are small; a 500 kB act that quotes "captcha" is not one.
_SMALL = 20_000


def challenge_reason(status: int | None, waf_action: str, body: bytes, content_encoding: str = "") -> str | None:
    """Why a response is a bot challenge (one line), or None when it is not one.

    ``status`` is None when only the body is known (a parser's input); ``waf_action`` is the
    value of the ``x-amzn-waf-action`` header ("" when absent); ``body`` may still be compressed
    (``content_encoding``): small bodies are decoded here to be read.
    """
    said = f"HTTP {status} with " if status is not None else ""
    if waf_action:
        return f"{said}{WAF_HEADER}: {waf_action}"
    text = _small_text(body, content_encoding)
    marker = next((m for m in MARKERS if m in text), None) if text is not None else None
    if status in CHALLENGE_STATUSES and (marker or _looks_like_html(text)):
        return f"HTTP {status}" + (f" with {marker!r} in the page" if marker else " with an HTML page")
    if marker and marker != "captcha":
        return f"{said}{marker!r} in the page"
    return None


def _small_text(body: bytes, content_encoding: str) -> str | None:
    if len(body) >= _SMALL:
        return None
    encoding = content_encoding.strip().lower()
    try:
        if encoding in ("gzip", "x-gzip"):
            body = gzip.decompress(body)[:_SMALL]
        elif encoding == "deflate":
            body = zlib.decompressobj().decompress(body, _SMALL)
        elif encoding == "br":
            import brotli  # Scrapy asks for br only when a brotli module is installed

            body = brotli.decompress(body)[:_SMALL]
    except Exception:  # noqa: BLE001  # (OSError, zlib.error, brotli.error…) a body that does not decode is no page
        return None
    return body[:6000].decode("utf-8", "replace").lower()


def _looks_like_html(text: str | None) -> bool:
    return text is not None and text.lstrip().startswith(("<!doctype html", "<html"))


@dataclass
class BlockedHost:
    reason: str  # how the first challenge looked ("HTTP 202 with x-amzn-waf-action: challenge")
    url: str  # the request it answered
    skipped: int = 0  # requests to the host not made after it


@dataclass
class BlockedHosts:
    """Hosts that answered with a challenge during this run, shared by every crawler of the run
    (one crawler per spider, one after the other, in one process)."""

    hosts: dict[str, BlockedHost] = field(default_factory=dict)

    def block(self, host: str, reason: str, url: str) -> bool:
        """Remember a challenge; True when it is the host's first in this run."""
        if host in self.hosts:
            return False
        self.hosts[host] = BlockedHost(reason, url)
        return True

    def blocked(self, host: str) -> bool:
        return host in self.hosts

    def skip(self, host: str) -> None:
        self.hosts[host].skipped += 1

    # Scrapy copies its settings for every crawler; the run's list must stay one list.
    def __copy__(self) -> BlockedHosts:
        return self

    def __deepcopy__(self, memo: dict) -> BlockedHosts:
        return self
