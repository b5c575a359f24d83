"""The built site in a real browser: Debian's chromium driven by Playwright, over HTTP on 127.0.0.1.

Screenshots of each page type land in test-output/screenshots/ for people to look at.
"""

from __future__ import annotations

import re
import textwrap
from datetime import date
from pathlib import Path

import pytest
from site_corpus import fill_store
from site_helpers import SCREENSHOTS, options

from policytrack.model import Document, Event, Procedure
from policytrack.website import build_site

pytestmark = pytest.mark.requires_browser


def _shot(page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 5_000
    return path


def test_navigate_home_topic_dossier_note(page, demo_site, serve):
    base = serve(demo_site)
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(base)
    assert page.title().startswith("Fair Electronics Policy Tracker")
    assert page.locator("main h1").inner_text() == "Fair Electronics Policy Tracker"
    assert page.locator("#upcoming ~ ul li").count() >= 1
    _shot(page, "home")

    page.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Human-rights and environmental due diligence"
    ).click()
    page.wait_for_url(re.compile(r"/topics/due-diligence/$"))
    assert page.locator("h1").inner_text() == "Human-rights and environmental due diligence"
    _shot(page, "topic")

    page.locator("table.list").get_by_role("link", name="2022/0051(COD)").click()
    page.wait_for_url(re.compile(r"/dossiers/2022-0051-cod/$"))
    assert page.locator("h1").inner_text() == "Corporate sustainability due diligence"
    assert page.locator(".timeline li").count() == 8
    assert page.locator(".timeline li.actor-council").count() >= 2
    _shot(page, "dossier")

    page.get_by_role("link", name="CSDDD: what transposition must get right for electronics supply chains").click()
    page.wait_for_url(re.compile(r"/notes/csddd-transposition/$"))
    assert "26 July 2027" in page.locator("article").inner_text()
    _shot(page, "note")
    assert errors == []


def test_other_page_types_render(page, demo_site, serve):
    base = serve(demo_site)
    page.goto(base + "notes/procurement-ict/")
    assert page.locator("table.asks tbody tr").count() == 4
    _shot(page, "recommendation")
    page.emulate_media(media="print")
    # Printing hides the navigation and keeps the asks.
    assert not page.locator(".site-header").is_visible()
    assert page.locator("table.asks").is_visible()
    _shot(page, "recommendation-print")
    page.emulate_media(media="screen")

    page.goto(base + "recommendations/")
    assert page.locator("table.asks tbody tr").count() == 13
    _shot(page, "recommendations-index")
    page.goto(base + "documents/celex-32024l1799/")
    assert (
        page.get_by_role("link", name=re.compile("Read the document at the source")).get_attribute("href")
        == "https://eur-lex.europa.eu/legal-content/EN/TXT/?uri=CELEX:32024L1799"
    )
    _shot(page, "document")
    page.goto(base + "dossiers/")
    _shot(page, "dossiers-index")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(base)
    # No horizontal scrolling on a phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    _shot(page, "home-phone")


def test_keyboard_skip_link_reaches_main(page, demo_site, serve):
    page.goto(serve(demo_site))
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent")
    assert focused == "Skip to content"
    assert page.locator(".skip-link").bounding_box()["y"] >= 0  # visible when focused
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"


def test_search_finds_results(page, demo_site, serve):
    base = serve(demo_site)
    page.goto(base)
    page.fill("#site-q", "repair")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/search/\?q=repair"))
    # Pagefind first draws placeholder rows (". . ."), then fills each from its fragment.
    page.wait_for_function(
        "[...document.querySelectorAll('.pagefind-ui__result-title')]"
        ".some(e => e.textContent.toLowerCase().includes('right to repair directive'))"
    )
    titles = page.locator(".pagefind-ui__result-title").all_inner_texts()
    assert any("right to repair directive" in t for t in titles), titles
    _shot(page, "search")
    page.fill(".pagefind-ui__search-input", "tantalum")
    page.wait_for_function(
        "[...document.querySelectorAll('.pagefind-ui__result-title')].some(e => e.textContent.includes('2017/821'))"
    )


def _search_ui(page, base: str, query: str) -> tuple[str, list[str]]:
    """The search page's own answer: its message ("N results for …") and every result's page
    (after "Load more results" until there is no more)."""
    page.goto(f"{base}search/?q={query}")
    page.wait_for_selector(".pagefind-ui__message")
    page.wait_for_function("!document.querySelector('.pagefind-ui__message').textContent.includes('Searching')")
    loaded = (
        "document.querySelectorAll('.pagefind-ui__result').length > 0"
        " && document.querySelectorAll('.pagefind-ui__loading').length === 0"  # results load their data
    )
    page.wait_for_function(loaded)
    while page.locator("button.pagefind-ui__button").count():
        page.locator("button.pagefind-ui__button").click()
        page.wait_for_function(loaded)
    links = page.locator(".pagefind-ui__result-title .pagefind-ui__result-link").evaluate_all(
        "els => els.map(e => e.getAttribute('href'))"
    )
    return page.locator(".pagefind-ui__message").inner_text(), links


def test_search_over_an_index_in_parts_finds_what_one_index_finds(page, serve, tmp_path, demo_store):
    from policytrack.resources import site_dir
    from policytrack.website.incremental import Manifest
    from policytrack.website.search import split

    content = site_dir() / "content"
    whole, parts = tmp_path / "whole", tmp_path / "parts"
    assert build_site(options(whole, demo_store, content, search=True)).ok
    assert build_site(options(parts, demo_store, content, search=True, search_part_pages=3)).ok
    assert (parts / "pagefind-5").is_dir()
    part_of = {
        "/" + rel.removesuffix("index.html"): n
        for n, part in enumerate(split({f: "" for f in Manifest.load(parts).searchable}, 3))
        for rel in part
    }
    for query in ("directive", "repair", "tantalum"):
        one_message, one_links = _search_ui(page, serve(whole), query)
        message, links = _search_ui(page, serve(parts), query)
        assert message == one_message and "result" in message, (message, one_message)
        # The same pages (in an order close to one index's: each part scores with its own counts).
        assert sorted(links) == sorted(one_links) and len(links) == len(set(links))
        if query == "directive":
            assert len({part_of[link.split("#")[0]] for link in links}) >= 3  # found in several parts, merged


# ----------------------------------------------------------------------------------- XSS

PAYLOADS = [
    '<script>window.__xss = "script"</script>',
    "<img src=x onerror=\"window.__xss = 'img'\">",
    '"><svg onload="window.__xss = \'svg\'">',
    "<iframe srcdoc=\"<script>parent.__xss='iframe'</script>\"></iframe>",
    "javascript:alert('xss')",
    "{{ 7*7 }} xsspayload",
]


def _xss_site(tmp: Path) -> Path:
    title = "xsspayload " + " ".join(PAYLOADS)
    proc = Procedure(
        id="proc:2024/0999(COD)",
        reference="2024/0999(COD)",
        title=title,
        source="oeil",
        eurovoc=("human rights",),  # in a topic: published
        stage=PAYLOADS[1],
        key_players=(PAYLOADS[0],),
        summary=title,
        events=(Event(date=date(2027, 1, 5), title=title, actor=PAYLOADS[2], forecast=True),),
    )
    doc = Document(
        id="celex:52024PC0999",
        title=title,
        source="eurlex",
        doc_type="proposal",
        celex="52024PC0999",
        procedure="2024/0999(COD)",
        summary=title,
        text=title,
        authors=(PAYLOADS[3],),
        dates={"consultation_end": date(2027, 2, 1)},
    )
    store = fill_store(tmp / "store.sqlite3", extra=[proc, doc])
    content = tmp / "content" / "briefings"
    content.mkdir(parents=True)
    body = "\n\n".join(
        [
            "# xsspayload heading <script>window.__xss='h1'</script>",
            *PAYLOADS,
            "[click me](javascript:window.__xss='link')",
            "<a href=\"javascript:window.__xss='a'\" onclick=\"window.__xss='onclick'\">raw link</a>",
            "<details open ontoggle=\"window.__xss='toggle'\"><summary>x</summary>y</details>",
            "<form action=\"javascript:window.__xss='form'\"><button>go</button></form>",
            "<style>body{display:none}</style><object data=\"javascript:window.__xss='object'\"></object>",
        ]
    )
    (content / "xss.md").write_text(
        textwrap.dedent("""\
        ---
        title: 'xsspayload <script>window.__xss="title"</script>'
        date: 2026-11-01
        summary: '<img src=x onerror="window.__xss=1"> xsspayload'
        procedures: ["2024/0999(COD)"]
        authors: ['<b onmouseover="window.__xss=1">author</b>']
        ---
        """)
        + body
        + "\n",
        "utf-8",
    )
    out = tmp / "public"
    result = build_site(options(out, store, tmp / "content", search=True))
    assert result.ok, result.errors
    return out


def test_xss_payloads_do_not_execute(page, serve, tmp_path):
    out = _xss_site(tmp_path)
    html = (out / "notes/xss/index.html").read_text("utf-8") + (out / "dossiers/2024-0999-cod/index.html").read_text(
        "utf-8"
    )
    assert "<script>window.__xss" not in html
    assert "onerror=" not in html.replace("onerror=&#34;", "").replace("onerror=&quot;", "")
    assert "javascript:" not in re.sub(r">[^<]*<", "><", html)  # never inside a tag
    base = serve(out)
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    for path in (
        "",
        "notes/xss/",
        "dossiers/2024-0999-cod/",
        "documents/celex-52024pc0999/",
        "topics/due-diligence/",
        "dossiers/",
        "recommendations/",
        "notes/",
    ):
        page.goto(base + path)
        page.wait_for_load_state("load")
        for link in page.locator("main a").all()[:40]:
            link.hover()
        assert page.evaluate("typeof window.__xss") == "undefined", path
        assert page.locator("main script, main iframe, main svg, main object, main form, main img").count() == 0, path
        assert page.locator("body").is_visible()
    page.goto(base + "notes/xss/")
    # The escaped payload is shown as text, not dropped.
    assert "xsspayload <script>" in page.locator("h1").inner_text()
    page.get_by_text("click me").click()
    page.goto(base + "search/?q=xsspayload")
    page.wait_for_selector(".pagefind-ui__result")
    page.wait_for_timeout(300)
    assert page.evaluate("typeof window.__xss") == "undefined"
    _shot(page, "xss-search")
    assert dialogs == []


# ------------------------------------------------------------------------------ ranking


def _same_words_site(tmp: Path, *, weighted: bool) -> Path:
    """A document and a briefing that say the same sentence; ``weighted=False`` builds with a
    copy of the templates whose note page lacks the weighting, for comparison."""
    from datetime import UTC, datetime
    from shutil import copytree, ignore_patterns

    from policytrack.config import load_settings
    from policytrack.resources import site_dir
    from policytrack.store import Store

    templates = tmp / "site"
    copytree(site_dir(), templates, ignore=ignore_patterns("content"))
    if not weighted:
        note_page = templates / "templates" / "note.html"
        note_page.write_text(note_page.read_text("utf-8").replace(' data-pagefind-weight="2"', ""), "utf-8")
    sentence = "Repairability of electronics: spare parts for smartphones."
    store = tmp / "store.sqlite3"
    with Store(store, topics=load_settings(env={}, cwd=tmp).topics) as s:
        doc = Document(
            id="celex:32024L1799",
            title="Directive (EU) 2024/1799 on the repair of goods",
            source="eurlex",
            doc_type="directive",
            celex="32024L1799",
            summary=sentence,
        )
        s.upsert([doc], datetime(2026, 1, 1, tzinfo=UTC))
    folder = tmp / "content" / "briefings"
    folder.mkdir(parents=True)
    (folder / "repair.md").write_text(
        f"---\ntitle: Right to repair for electronics\ndate: 2026-01-01\n---\n{sentence}\n", "utf-8"
    )
    out = tmp / "public"
    result = build_site(options(out, store, tmp / "content", search=True, site_dir=templates))
    assert result.ok, result.errors
    return out


def _pagefind_scores(page, base: str, query: str) -> dict[str, float]:
    """Pagefind's own ranking, from its JavaScript API in the browser (what the search page uses)."""
    page.goto(base + "search/")
    results = page.evaluate(
        """async (q) => {
            const pagefind = await import('/pagefind/pagefind.js');
            const found = await pagefind.search(q);
            return Promise.all(found.results.map(async r => [(await r.data()).url, r.score]));
        }""",
        query,
    )
    return dict(results)


def test_the_coalitions_notes_rank_above_documents_at_equal_relevance(page, serve, tmp_path):
    plain = _pagefind_scores(page, serve(_same_words_site(tmp_path / "plain", weighted=False)), "smartphones")
    weighted = _pagefind_scores(page, serve(_same_words_site(tmp_path / "weighted", weighted=True)), "smartphones")
    note, doc = "/notes/repair/", "/documents/celex-32024l1799/"
    assert set(weighted) == {note, doc}
    assert list(weighted) == [note, doc]  # best first
    # The same words: without the weighting the two are about level; with it the note is well ahead.
    assert weighted[doc] == pytest.approx(plain[doc])
    assert weighted[note] / weighted[doc] > 1.25 * (plain[note] / plain[doc])
