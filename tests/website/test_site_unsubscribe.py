"""The page behind the digest's List-Unsubscribe link: a static page that prepares an email."""

from __future__ import annotations

from urllib.parse import unquote

import pytest
from site_helpers import options

from policytrack.digest.tokens import make_token
from policytrack.website import build_site


@pytest.fixture
def site(tmp_path):
    out = tmp_path / "public"
    result = build_site(options(out, None, None, unsubscribe_address="digest@example.org"))
    assert result.ok, result.errors
    return out


def test_page_built_only_with_an_address(site, tmp_path):
    html = (site / "unsubscribe" / "index.html").read_text()
    assert 'href="mailto:digest@example.org?subject=unsubscribe"' in html
    plain = tmp_path / "plain"
    assert build_site(options(plain, None, None)).ok
    assert not (plain / "unsubscribe").exists()
    assert "unsubscribe" not in (site / "sitemap.xml").read_text()


@pytest.mark.requires_browser
def test_token_goes_into_the_prepared_email(page, site, serve):
    base = serve(site)
    token = make_token("s3cret", 42, "ana@example.org")
    page.goto(f"{base}unsubscribe/?token={token}")
    href = page.locator("#unsubscribe-mail").get_attribute("href")
    assert href.startswith("mailto:digest@example.org?subject=")
    assert unquote(href.split("subject=")[1]) == f"unsubscribe {token}"
    assert page.locator("#unsubscribe-ready").is_visible()
    # Anything that is not a token is ignored, not echoed into the page or the mail.
    page.goto(f"{base}unsubscribe/?token=%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E")
    assert page.locator("#unsubscribe-mail").get_attribute("href") == "mailto:digest@example.org?subject=unsubscribe"
    assert page.locator("#unsubscribe-ready").is_hidden()


def test_with_the_search_app_the_page_points_to_it(tmp_path):
    out = tmp_path / "public"
    app = "https://search.example.org/"
    result = build_site(options(out, None, None, unsubscribe_address="digest@example.org", app_url=app))
    assert result.ok, result.errors
    html = (out / "unsubscribe" / "index.html").read_text()
    assert f'id="unsubscribe-app" class="button" href="{app}unsubscribe" data-app="{app}"' in html
    assert 'href="mailto:digest@example.org?subject=unsubscribe"' in html  # the email way stays
    assert f'href="{app}search"' in (out / "search" / "index.html").read_text()
    # without the app, neither page mentions it
    plain = tmp_path / "plain"
    assert build_site(options(plain, None, None, unsubscribe_address="digest@example.org")).ok
    assert "unsubscribe-app" not in (plain / "unsubscribe" / "index.html").read_text()
    assert 'id="search-app"' not in (plain / "search" / "index.html").read_text()


@pytest.mark.requires_browser
def test_the_token_goes_into_the_app_link(page, tmp_path, serve):
    out = tmp_path / "public"
    app = "https://search.example.org/"
    assert build_site(options(out, None, None, unsubscribe_address="digest@example.org", app_url=app)).ok
    token = make_token("s3cret", 42, "ana@example.org")
    page.goto(f"{serve(out)}unsubscribe/?token={token}")
    assert page.locator("#unsubscribe-app").get_attribute("href") == f"{app}unsubscribe?token={token}"
