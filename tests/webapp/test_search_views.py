"""The search endpoints through Starlette's test client: HTML, JSON, Atom, CSV, facets, paging,
errors and limits. (Pages in a real browser: test_app_browser.py.)"""

from __future__ import annotations

import csv
import io
import re
from urllib.parse import parse_qs, urlsplit

import feedparser
import pytest
from app_corpus import FORMULA_TITLE, SITE_URL


def hits_of(html: str) -> list[str]:
    return re.findall(r'<li class="app-hit">.*?<p class="meta">([^<·]+)', html, re.S)


def test_search_page_lists_hits_with_links_and_marks(client):
    r = client.get("/search", params={"q": '"due diligence"'})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/html")
    ids = [i.strip() for i in hits_of(r.text)]
    assert "proc:2022/0051(COD)" in ids and "celex:32024L1760" in ids
    # results link to the static site's pages, and the source when it is http(s)
    assert f'href="{SITE_URL}dossiers/2022-0051-cod/"' in r.text
    assert f'href="{SITE_URL}documents/celex-32024l1760/"' in r.text
    assert 'href="https://eur-lex.europa.eu/legal-content/EN/TXT/?uri=CELEX:32024L1760"' in r.text
    # the passages: highlighted in <mark>, from the full text
    downstream = client.get("/search", params={"q": "downstream"})
    assert "<mark>downstream</mark>" in downstream.text
    # the page uses the site's layout and the app's own stylesheet
    assert '<link rel="stylesheet" href="/static/site.css">' in r.text
    assert client.get("/static/site.css").status_code == 200


def test_home_is_the_search_page_over_everything(client):
    r = client.get("/")
    assert r.status_code == 200
    assert "<strong>6</strong> results" in r.text


def test_facet_links_narrow_the_query(client):
    page = client.get("/search", params={"q": "due diligence"}).text
    links = dict(re.findall(r'<a href="(/search\?[^"]+)"[^>]*>([^<]+)</a> <span class="count">', page))
    by_label = {label: href for href, label in links.items()}
    assert {"directive", "report", "procedure", "Procedure completed"} <= set(by_label)
    total = int(re.search(r"<strong>(\d+)</strong> result", page).group(1))
    for label, term in [("directive", "type:directive"), ("Procedure completed", 'stage:"Procedure completed"')]:
        href = by_label[label].replace("&amp;", "&")
        q = parse_qs(urlsplit(href).query)["q"][0]
        assert q == f"due diligence {term}"
        narrowed = client.get(href)
        assert narrowed.status_code == 200
        n = int(re.search(r"<strong>(\d+)</strong> result", narrowed.text).group(1))
        assert 0 < n < total
        # the chosen value is marked, and its link takes the term out again
        active = re.search(r'<a href="([^"]+)" aria-current="true" class="active">', narrowed.text)
        assert active and parse_qs(urlsplit(active.group(1).replace("&amp;", "&")).query)["q"][0] == "due diligence"


def test_json_has_results_total_and_facets(client):
    r = client.get("/search.json", params={"q": '"due diligence"', "per_page": 2})
    assert r.status_code == 200 and r.headers["content-type"] == "application/json"
    data = r.json()
    assert data["total"] == 3 and len(data["results"]) == 2
    first = data["results"][0]
    assert set(first) >= {"id", "title", "type", "date", "snippet", "page_url", "source_url", "section", "anchor"}
    facets = data["facets"]
    assert set(facets) == {"topic", "type", "author", "player", "year", "procedure_type", "stage"}
    topic = facets["topic"][0]
    assert topic == {"value": "due-diligence", "count": 3, "query": '"due diligence" topic:due-diligence'}
    again = client.get("/search.json", params={"q": topic["query"]}).json()
    assert again["total"] == 3


def test_sort_and_paging(client):
    newest = client.get("/search.json", params={"q": "", "sort": "date"}).json()
    dates = [h["date"] for h in newest["results"] if h["date"]]
    assert dates == sorted(dates, reverse=True)
    page1 = client.get("/search.json", params={"q": "", "sort": "date", "per_page": 2}).json()
    page2 = client.get("/search.json", params={"q": "", "sort": "date", "per_page": 2, "page": 2}).json()
    assert [h["id"] for h in page1["results"] + page2["results"]] == [h["id"] for h in newest["results"][:4]]
    html = client.get("/search", params={"q": "", "sort": "date"}).text
    assert "Page 1 of 1" not in html  # 6 results, 20 a page: no pager
    assert '<option value="date" selected>' in html


def test_atom_feed_of_a_search(client):
    r = client.get("/search.atom", params={"q": '"due diligence"'})
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/atom+xml")
    feed = feedparser.parse(r.content)
    assert not feed.bozo, feed.bozo_exception
    assert feed.feed.title == 'Fair Electronics Policy Tracker: "due diligence"'
    self_link = next(link.href for link in feed.feed.links if link.rel == "self")
    assert self_link.startswith("http://testserver/search.atom?q=")
    links = [e.link for e in feed.entries]
    assert f"{SITE_URL}dossiers/2022-0051-cod/" in links
    updated = [e.updated for e in feed.entries]
    assert updated == sorted(updated, reverse=True)  # newest first, whatever the sort asked
    # the page advertises the feed to feed readers
    page = client.get("/search", params={"q": "downstream"}).text
    assert '<link rel="alternate" type="application/atom+xml"' in page


def test_csv_export_keeps_formulas_as_text(client):
    r = client.get("/search.csv", params={"q": "downstream"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.text)))
    titles = {row["id"]: row["title"] for row in rows}
    assert titles["ep:A-9-2023-0184"] == "'" + FORMULA_TITLE
    assert "«" not in r.text and "»" not in r.text
    assert {row["page_url"] for row in rows} >= {f"{SITE_URL}documents/celex-32024l1760/"}


@pytest.mark.parametrize("path", ["/search", "/search.json", "/search.atom", "/search.csv"])
def test_malformed_query_is_a_400_that_says_where(client, path):
    r = client.get(path, params={"q": 'procedure:"2022/0051(COD) downstream'})
    assert r.status_code == 400
    assert "unterminated quote" in r.text
    if path == "/search.json":
        assert r.json()["position"] == 10
    if path == "/search":
        assert 'aria-invalid="true"' in r.text


@pytest.mark.parametrize(
    "params, reason",
    [
        ({"q": "x" * 1001}, "longer than 1000 characters"),
        ({"q": "a", "sort": "best"}, "sort must be one of"),
        ({"q": "a", "page": "0"}, "page must be"),
        ({"q": "a", "page": "two"}, "page must be"),
        ({"q": "a", "page": "600"}, "first 10000 results"),
    ],
)
def test_out_of_bounds_parameters_are_400(client, params, reason):
    r = client.get("/search.json", params=params)
    assert r.status_code == 400
    assert reason in r.json()["error"]


def test_too_long_address_is_414(client):
    r = client.get("/search?q=" + "a" * 5000)
    assert r.status_code == 414


def test_search_rate_limit_answers_429_with_retry_after(make_client):
    client = make_client(search_per_minute=3)
    assert [client.get("/search.json", params={"q": "a"}).status_code for _ in range(3)] == [200, 200, 200]
    r = client.get("/search.json", params={"q": "a"})
    assert r.status_code == 429
    assert 1 <= int(r.headers["retry-after"]) <= 60
    assert "Too many requests" in r.json()["error"]
    assert client.get("/search", params={"q": "a"}).status_code == 429


def test_security_headers_on_every_answer(client):
    for path in ("/search?q=a", "/search.json?q=a", "/static/site.css", "/nowhere", "/subscribe"):
        r = client.get(path)
        csp = r.headers["content-security-policy"]
        assert "default-src 'self'" in csp and "script-src 'none'" in csp and "unsafe-inline" not in csp
        assert "frame-ancestors 'none'" in csp
        assert r.headers["x-content-type-options"] == "nosniff"
        assert r.headers["referrer-policy"] == "no-referrer"
        assert r.headers["x-frame-options"] == "DENY"
        timing = r"app;dur=\d+\.\d\d" + (r", wait;dur=\d+\.\d\d, search;dur=\d+\.\d\d" if "q=" in path else "")
        assert re.fullmatch(timing, r.headers["server-timing"])
        assert "strict-transport-security" not in r.headers  # plain http here
    assert client.get("/nowhere").status_code == 404


def test_hsts_over_https(client):
    r = client.get("https://testserver/search?q=a")
    assert r.headers["strict-transport-security"] == "max-age=31536000"


def test_under_a_root_path_links_stay_inside_it(project):
    from starlette.testclient import TestClient

    from policytrack.webapp import create_app

    with TestClient(create_app(project.services()), root_path="/app") as client:
        r = client.get("/app/search", params={"q": "downstream"})
        assert r.status_code == 200
        assert '<link rel="stylesheet" href="/app/static/site.css">' in r.text
        assert 'action="/app/search"' in r.text
        assert 'href="/app/subscribe?q=downstream"' in r.text
        assert client.get("/app/static/site.css").status_code == 200
