"""What the spiders ask for, address by address."""

from spiders.spiders.eurlex import page_of, saved_search_feed
from spiders.spiders.oeil import procedure_file, summary


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
    assert procedure_file("2022/0051(COD)") == (
        "https://oeil.europarl.europa.eu/oeil/en/procedure-file?reference=2022/0051(COD)"
    )
    assert summary("1748647") == "https://oeil.europarl.europa.eu/oeil/en/document-summary?id=1748647"
