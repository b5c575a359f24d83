"""What the spiders ask for, address by address."""

from spiders.parsers import parse
from spiders.parsers.oeil import procedure_url, summary_url
from spiders.spiders.eurlex import page_of, saved_search_feed


def test_eurlex_feed_links_lead_to_the_english_document_pages():
    assert page_of("https://eur-lex.europa.eu/legal-content/AUTO/?uri=CELEX:32026L1472") == (
        "https://eur-lex.europa.eu/legal-content/EN/ALL/?uri=CELEX:32026L1472",
        "eurlex-document",
    )
    assert page_of("https://eur-lex.europa.eu/procedure/EN/2021_106") == (
        "https://eur-lex.europa.eu/procedure/EN/2021_106",
        "eurlex-procedure",
    )
    assert page_of("https://eur-lex.europa.eu/legal-content/AUTO/?uri=CELLAR:86beade5-741e") is None
    assert page_of("https://elsewhere.example.org/legal-content/AUTO/?uri=CELEX:32026L1472") is None


def test_the_saved_search_feed_is_built_from_a_token_or_its_address():
    assert saved_search_feed("") == ""  # no token: no feed, no placeholder
    token = "e1Wry6/ANeUpe1f1+CToXcHk31CTyaJK"
    expected = "https://eur-lex.europa.eu/EN/display-feed.rss?myRssId=e1Wry6%2FANeUpe1f1%2BCToXcHk31CTyaJK"
    assert saved_search_feed(token) == expected
    assert saved_search_feed(expected) == expected  # the whole address copied from My EUR-Lex


def test_oeil_is_asked_on_its_current_host():
    assert procedure_url("2022/0051(COD)") == (
        "https://oeil.europarl.europa.eu/oeil/en/procedure-file?reference=2022/0051(COD)"
    )
    assert summary_url("1748647") == "https://oeil.europarl.europa.eu/oeil/en/document-summary?id=1748647"


def test_oeil_items_carry_the_current_address_whatever_address_the_page_came_from(real_fixtures):
    """One base for the spider's requests and the items' URLs: a page read from the old host (or
    the old popup address) gives items on the current one, its events too."""
    page = (real_fixtures / "oeil" / "procedure-file_2024-0258-COD.html").read_bytes()
    old = "https://oeil.secure.europarl.europa.eu/oeil/popups/ficheprocedure.do?lang=en&reference=2024/0258(COD)"
    for url in (old, "", procedure_url("2024/0258(COD)")):
        [proc] = parse("oeil-procedure", page, url)
        assert proc.url == procedure_url("2024/0258(COD)")
        assert {e.url for e in proc.events if not e.forecast} == {proc.url}
    summary = (real_fixtures / "oeil" / "document-summary_1864147.html").read_bytes()
    [doc] = parse("oeil-summary", summary, "https://oeil.secure.europarl.europa.eu/oeil/en/document-summary?id=1864147")
    assert doc.url == summary_url("1864147")
