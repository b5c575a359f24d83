"""Markdown rendering: CommonMark plus tables and footnotes, and nothing executable survives."""

from __future__ import annotations

import re

import pytest

from policytrack.website.markdown import render_markdown, sanitise


def test_renders_commonmark_tables_and_footnotes():
    html = render_markdown("# Title\n\nSome *text*[^1].\n\n| a | b |\n|---|--:|\n| 1 | 2 |\n\n[^1]: A note.\n")
    assert '<h2 id="title">Title</h2>' in html  # the page's h1 is the note title
    assert "<em>text</em>" in html
    assert '<td style="text-align:right">2</td>' in html
    assert 'class="footnotes"' in html and 'href="#fn1"' in html


def test_links_keep_http_and_relative_targets():
    html = render_markdown("[eur-lex](https://eur-lex.europa.eu/) [ours](../espr-electronics/) [mail](mailto:a@b.eu)")
    assert 'href="https://eur-lex.europa.eu/"' in html
    assert 'href="../espr-electronics/"' in html
    assert 'href="mailto:a@b.eu"' in html
    assert 'rel="noopener noreferrer"' in html


@pytest.mark.parametrize(
    "payload",
    [
        "<script>alert(1)</script>",
        "<img src=x onerror=alert(1)>",
        "<svg onload=alert(1)>",
        "<iframe src=javascript:alert(1)></iframe>",
        "[x](javascript:alert(1))",
        "[x](JaVaScRiPt:alert(1))",
        "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
        '<a href="javascript:alert(1)">x</a>',
        '<a href="http://x" onclick="alert(1)">x</a>',
        "<details open ontoggle=alert(1)>x</details>",
        "<style>*{display:none}</style>",
        "<form action=javascript:alert(1)><button>x</button></form>",
        "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
        '<p style="background:url(javascript:alert(1))">x</p>',
        '<object data="javascript:alert(1)"></object>',
    ],
)
def test_payloads_are_neutralised(payload):
    html = render_markdown(f"Before\n\n{payload}\n\nAfter")
    # Harmless leftovers may show as text; no tag may carry them.
    low = " ".join(re.findall(r"<[^>]*>", html.lower()))
    for bad in (
        "<script",
        "onerror",
        "onload",
        "onclick",
        "ontoggle",
        "javascript:",
        "<iframe",
        "<svg",
        "<style",
        "<form",
        "<object",
        "data:text/html",
        "<img",
    ):
        assert bad not in low, (payload, html)
    assert "Before" in html


def test_sanitise_keeps_allowed_markup():
    assert (
        sanitise('<p><strong>a</strong> <abbr title="x">b</abbr></p>')
        == '<p><strong>a</strong> <abbr title="x">b</abbr></p>'
    )


@pytest.mark.parametrize(
    "source, text",
    [
        ('<a href="javascript:alert(1)">the <em>act</em></a>', "the <em>act</em>"),
        ('<a href="vbscript:x" title="a&gt;b">old</a>', "old"),
        ("<a href='data:text/html,x'>data</a>", "data"),
        ('<a onclick="x()">no address</a>', "no address"),
    ],
)
def test_a_link_whose_address_is_refused_is_unwrapped(source, text):
    html = render_markdown(f"Read {source} and [the source](https://eur-lex.europa.eu/).")
    assert f"Read {text} and" in html
    assert re.findall(r"<a\b[^>]*>", html) == ['<a href="https://eur-lex.europa.eu/" rel="noopener noreferrer">']
