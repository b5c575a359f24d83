"""Markdown → safe HTML for the coalition's notes.

markdown-it-py renders CommonMark (tables, footnotes, heading anchors); raw HTML is allowed in
the source because authors paste it, so the result always goes through nh3 with a short
allow-list. Nothing a note says can add a script, an event handler or a ``javascript:`` link.
A link whose address is refused loses its ``<a>`` and keeps its text: an ``<a>`` left without
``href`` (but with the ``rel`` every link gets) is invalid HTML and reads as a dead link.
"""

from __future__ import annotations

import re
from functools import lru_cache

import nh3
from markdown_it import MarkdownIt
from mdit_py_plugins.anchors import anchors_plugin
from mdit_py_plugins.footnote import footnote_plugin

_TAGS = {
    "a",
    "abbr",
    "b",
    "blockquote",
    "br",
    "caption",
    "code",
    "dd",
    "del",
    "details",
    "dl",
    "dt",
    "em",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "i",
    "li",
    "ol",
    "p",
    "pre",
    "q",
    "s",
    "section",
    "small",
    "strong",
    "sub",
    "summary",
    "sup",
    "table",
    "tbody",
    "td",
    "tfoot",
    "th",
    "thead",
    "tr",
    "ul",
}
_ATTRIBUTES = {
    "a": {"href", "title", "id", "class"},
    "abbr": {"title"},
    "h2": {"id"},
    "h3": {"id"},
    "h4": {"id"},
    "li": {"id", "class"},
    "ol": {"start", "class"},
    "section": {"class"},
    "sup": {"class"},
    "hr": {"class"},
    "td": {"colspan", "rowspan", "style"},
    "th": {"colspan", "rowspan", "scope", "style"},
}


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": True, "linkify": False, "typographer": False})
    md.enable("table").enable("strikethrough")
    md.use(footnote_plugin)
    # A note's own headings start at h2: the page title is the h1.
    md.use(anchors_plugin, min_level=1, max_level=3)
    return md


# nh3 serialises attributes double-quoted and lower-case, and a link never holds another link:
# an <a> runs to the next </a>.
_LINK = re.compile(r'<a((?:\s+[a-z][a-z0-9_:.\-]*(?:="[^"]*")?)*)\s*>(.*?)</a>', re.DOTALL)
_HREF = re.compile(r'\shref="')


def _unwrap_dead_links(html: str) -> str:
    if "<a" not in html:
        return html
    return _LINK.sub(lambda m: m.group(0) if _HREF.search(m.group(1)) else m.group(2), html)


def sanitise(html: str) -> str:
    """Keep only harmless markup; links open nothing but http(s) and mailto."""
    return _unwrap_dead_links(_clean(html))


def _clean(html: str) -> str:
    return nh3.clean(
        html,
        tags=_TAGS,
        attributes=_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer",
        # Only table alignment survives from inline styles (markdown-it writes text-align).
        filter_style_properties={"text-align"},
    )


def render_markdown(text: str) -> str:
    """Render a note body. Top-level ``#`` headings are demoted to ``##`` (one h1 per page)."""
    tokens = _parser().parse(text or "")
    for tok in tokens:
        if tok.type in ("heading_open", "heading_close") and tok.tag == "h1":
            tok.tag = "h2"
    return sanitise(_parser().renderer.render(tokens, _parser().options, {}))
