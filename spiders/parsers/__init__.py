"""Pure parsers: response bytes (+ URL) in, validated items out. No Scrapy needed.

``parse(kind, body, url)`` is the one entry point the spiders and ``policytrack parse`` use. It
guarantees that the only exception leaving it is ``ParseError``: a page that is not of that kind,
a bot challenge, a truncated or malformed response all become one-line ParseErrors naming the URL.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

import lxml.etree

from policytrack.errors import PolicytrackError
from policytrack.model import Document, Procedure

from ..errors import ParseError
from . import cellar, cellar_text, ep_odp, ep_press, eurlex, feeds, oeil
from .common import Body

Item = Document | Procedure

# Each parser returns a list of one item type; a list is invariant in its item type, so the
# table holds them as read-only sequences and ``parse`` hands out a list of its own.
PARSERS: dict[str, Callable[[Body, str], Sequence[Item]]] = {
    "eurlex-document": eurlex.parse_document,
    "eurlex-procedure": eurlex.parse_procedure,
    "cellar-notice": cellar.parse_notice,
    "cellar-text": cellar_text.parse_text,
    "oeil-procedure": oeil.parse_procedure,
    "oeil-summary": oeil.parse_summary,
    "ep-odp-procedure": ep_odp.parse_procedure,
    "ep-odp-document": ep_odp.parse_document,
    "ep-odp-meeting": ep_odp.parse_meeting,
    "ep-press-release": ep_press.parse_press_release,
    "ep-document": ep_press.parse_document,
    "feed": feeds.parse_feed,
}
KINDS = tuple(PARSERS)

_WEB = re.compile(r"^https?://\S+$")
# Errors that mean "this input is malformed" when raised while extracting from untrusted bytes.
_MALFORMED = (
    PolicytrackError,
    ValueError,
    LookupError,
    TypeError,
    AttributeError,
    UnicodeError,
    RecursionError,
    lxml.etree.LxmlError,
)


def parse(kind: str, body: Body, url: str = "") -> list[Item]:
    """Parse a response of ``kind``; raises ParseError (one line) and nothing else on bad input."""
    try:
        parser = PARSERS[kind]
    except KeyError:
        raise ParseError(f"unknown kind {kind!r}; known: {', '.join(KINDS)}") from None
    # Only a web address is an item's URL (and a source of ids); anything else (a file name)
    # is only used to say where an error is.
    web = url if isinstance(url, str) and _WEB.match(url) else ""
    try:
        return list(parser(body, web))
    except ParseError as e:
        where = _where(url)
        if web or where == "(no url)":
            raise
        raise ParseError(str(e).replace("(no url)", where, 1)) from None
    except _MALFORMED as e:
        first = str(e).splitlines()[0] if str(e) else type(e).__name__
        raise ParseError(f"{_where(url)}: malformed {kind}: {first[:300]}") from e


def _where(url: object) -> str:
    """Where an error is: the URL or file name, on one line."""
    return " ".join(str(url or "").split()) or "(no url)"


__all__ = ["KINDS", "PARSERS", "ParseError", "parse"]
