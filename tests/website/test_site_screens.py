"""Every page of the demo site on every screen, in Debian's chromium: it reflows at 320 px (no
sideways scrolling, WCAG 1.4.10), passes axe-core's default rules with no serious or critical
violation, and its search works under a sub-path and says what to do when opened from disk."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from site_corpus import fill_store
from site_helpers import SCREENSHOTS, options

from policytrack.resources import site_dir
from policytrack.website import build_site

pytestmark = pytest.mark.requires_browser

# One page of each type (the reflow test reads every page; these are the ones named in failures).
PAGE_TYPES = {
    "home": "",
    "topics": "topics/",
    "topic": "topics/due-diligence/",
    "dossiers": "dossiers/",
    "dossier": "dossiers/2022-0095-cod/",
    "document": "documents/celex-32024l1760/",
    "notes": "notes/",
    "note": "notes/un-guiding-principles/",
    "pasted note": "notes/pasted-links/",
    "recommendation": "notes/procurement-ict/",
    "recommendations": "recommendations/",
    "search": "search/?q=repair",
    "unsubscribe": "unsubscribe/",
    "404": "404.html",
}


@pytest.fixture(scope="module")
def full_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo site with every page type: search index and unsubscribe page included."""
    tmp = tmp_path_factory.mktemp("screens")
    store = fill_store(tmp / "store.sqlite3")
    content = tmp / "content"
    shutil.copytree(site_dir() / "content", content)
    # Hand-made: a note whose author pasted links the sanitiser must refuse.
    (content / "briefings" / "pasted-links.md").write_text(
        '---\ntitle: "Pasted links"\ndate: 2025-01-10\ntopics: [due-diligence]\n---\n'
        'Read <a href="javascript:alert(1)">the act</a>, [the text](javascript:void(0)) and '
        "<a href='data:text/html,x'>the annex</a> on https://eur-lex.europa.eu/legal-content/EN/TXT/"
        "?uri=CELEX:32024L1760&qid=1720000000000&from=EN&locale=en-and-a-long-address-without-breaks.\n",
        "utf-8",
    )
    out = tmp / "public"
    result = build_site(options(out, store, content, search=True, unsubscribe_address="digest@example.org"))
    assert result.ok, result.errors
    return out


def every_page(site: Path) -> list[str]:
    pages = sorted(str(p.relative_to(site)).removesuffix("index.html") for p in site.rglob("*.html"))
    pages = [p for p in pages if not p.startswith("pagefind/")]
    assert {re.sub(r"\?.*", "", p) for p in PAGE_TYPES.values()} <= set(pages)  # every type is built
    return pages


def open_page(page, url: str) -> None:
    page.goto(url)
    if "/search/?q=" in url:
        page.wait_for_selector(".pagefind-ui__result", timeout=15_000)


@pytest.mark.parametrize("width", [320, 375, 414])
def test_every_page_reflows_on_a_phone(browser, full_site, serve, width):
    base = serve(full_site)
    context = browser.new_context(viewport={"width": width, "height": 640})
    page = context.new_page()
    wide = []
    try:
        for path in [*every_page(full_site), PAGE_TYPES["search"]]:
            open_page(page, base + path)
            width, room = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
            if width > room:
                wide.append(f"{path or '/'}: {width} px wide in {room} px")
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        for name in ("dossier", "document", "note"):
            open_page(page, base + PAGE_TYPES[name])
            page.screenshot(path=str(SCREENSHOTS / f"phone-{width}-{name}.png"), full_page=True)
    finally:
        context.close()
    assert wide == []


@pytest.mark.parametrize("width", [320, 1280])
def test_every_page_type_passes_axe(browser, full_site, serve, axe, width):
    base = serve(full_site)
    context = browser.new_context(viewport={"width": width, "height": 800})
    page = context.new_page()
    found = []
    try:
        for path in PAGE_TYPES.values():
            open_page(page, base + path)
            found += axe(page)
    finally:
        context.close()
    assert found == []


def test_search_results_link_under_a_sub_path(page, full_site, serve, tmp_path):
    root = tmp_path / "host"
    shutil.copytree(full_site, root / "sub" / "path")
    base = serve(root) + "sub/path/"
    open_page(page, base + "search/?q=repair")
    hrefs = [a.get_attribute("href") for a in page.locator(".pagefind-ui__result-link").all()]
    assert hrefs and all(h.startswith("/sub/path/") for h in hrefs), hrefs
    page.locator(".pagefind-ui__result-link").first.click()
    page.wait_for_load_state()
    assert page.url.startswith(base) and page.title() != "" and "Page not found" not in page.title()
    assert page.locator("main h1").count() == 1


def test_search_opened_from_disk_says_to_serve_the_folder(page, full_site):
    page.goto((full_site / "search" / "index.html").as_uri())
    notice = page.locator("#search-file")
    assert notice.is_visible()
    assert "policytrack site serve" in notice.inner_text()
    assert page.locator(".pagefind-ui").count() == 0  # no search box that spins for ever


def test_search_box_has_a_label(page, full_site, serve):
    open_page(page, serve(full_site) + "search/?q=repair")
    labels = page.evaluate("[...document.getElementById('search-input').labels].map(l => l.textContent.trim())")
    assert labels == ["Search the site"]


def test_search_snippets_keep_labels_apart_from_values(page, full_site, serve):
    open_page(page, serve(full_site) + "search/?q=completed")
    excerpts = " ".join(e.inner_text() for e in page.locator(".pagefind-ui__result-excerpt").all())
    assert re.search(r"\b(Status|Topics|Dossiers|Authors): \S", excerpts), excerpts
    assert not re.search(r"\b(Status|Stage|Topics|Dossiers|Acts|Authors|ELI|Sources)[A-Za-z]", excerpts), excerpts


def test_no_link_without_an_address_is_left(full_site):
    """An <a> without href (what a refused javascript: link used to leave) is invalid with rel."""
    for path in full_site.rglob("*.html"):
        if "pagefind" in path.parts:
            continue
        tags = re.findall(r"<a\b[^>]*>", path.read_text("utf-8"))
        assert all(re.search(r"\shref=", t) for t in tags), (path, [t for t in tags if "href=" not in t])


def test_every_page_is_valid_html(full_site, html_checker):
    pages = [p for p in full_site.rglob("*.html") if "pagefind" not in p.parts]
    assert len(pages) > 20
    assert html_checker(pages) == []
