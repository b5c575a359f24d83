"""The app on a real uvicorn server on 127.0.0.1, in Debian's chromium (Playwright): payloads in
the query, in scraped titles and in saved-search names stay text and never run; the forms work
with JavaScript off; a form posted from another site is refused; the pages fit a 320 px phone.

Screenshots land in test-output/screenshots/app-*.png for people to look at.
"""

from __future__ import annotations

import functools
import http.server
import re
import threading
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest
from app_corpus import XSS_TITLE

pytestmark = pytest.mark.requires_browser

SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-output" / "screenshots"
PAYLOADS = [
    "<script>window.__xss='q1'</script>",
    '"><img src=x onerror="window.__xss=\'q2\'">',
    "' autofocus onfocus='window.__xss=3",
    "</title><svg onload=window.__xss=4>",
    '"<img src=x onerror=window.__xss=5>',  # unterminated quote: the error page shows the query
]


def _shot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"app-{name}.png"), full_page=True)


def _watch(page) -> list[str]:
    """Dialogs and CSP violations seen by the page (either means something tried to run)."""
    seen: list[str] = []
    page.on("dialog", lambda d: (seen.append(f"dialog {d.message}"), d.dismiss()))
    page.on("console", lambda m: seen.append(m.text) if "Content Security Policy" in m.text else None)
    page.on("pageerror", lambda e: seen.append(str(e)))
    return seen


def _nothing_ran(page) -> None:
    assert page.evaluate("window.__xss === undefined")
    assert page.locator("script, img[src='x'], svg, [onerror], [onload], [onfocus]").count() == 0


@pytest.mark.parametrize("payload", PAYLOADS)
def test_payloads_in_the_query_stay_text(js_page, live, payload):
    seen = _watch(js_page)
    response = js_page.goto(f"{live}search?q={quote(payload)}")
    assert response.status in (200, 400)
    csp = response.headers["content-security-policy"]
    assert "script-src 'none'" in csp and "unsafe-inline" not in csp
    _nothing_ran(js_page)
    assert js_page.locator("#q").input_value() == payload
    assert seen == []


def test_scraped_titles_and_texts_stay_text(js_page, live):
    seen = _watch(js_page)
    js_page.goto(f"{live}search?q=omnibus")
    hit = js_page.locator(".app-hit").first
    assert hit.locator("h2 a").inner_text() == XSS_TITLE
    assert hit.locator(".app-snippet mark").first.inner_text().lower() == "omnibus"
    assert "<script>" in hit.locator(".app-snippet").inner_text()
    _nothing_ran(js_page)
    assert seen == []
    _shot(js_page, "search-xss")


def _subscribe_and_confirm(page, live, inbox, email: str) -> None:
    page.goto(f"{live}subscribe")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Human-rights and environmental due diligence").check()
    page.get_by_role("button", name="Send me the confirmation link").click()
    page.wait_for_url(re.compile(r"/subscribe$"))
    assert page.locator("h1").inner_text() == "Check your inbox"
    inbox.wait(1)
    link = inbox.link()
    assert link.startswith(live + "confirm?token=")
    page.goto(link)
    page.get_by_role("button", name="Confirm").click()
    page.wait_for_url(re.compile(r"/preferences\?done=welcome$"))
    assert "You are subscribed" in page.locator(".app-notice").inner_text()


def test_forms_work_without_javascript(page, live, inbox, project):
    _subscribe_and_confirm(page, live, inbox, "ana@example.org")
    _shot(page, "preferences")
    # search, then follow it in the digest
    page.get_by_role("banner").get_by_label("Search the site").fill('"due diligence"')
    page.get_by_role("banner").get_by_role("button", name="Search").click()
    page.wait_for_url(re.compile(r"/search\?q="))
    assert "2022/0051(COD)" in page.locator(".app-hits").inner_text()
    page.get_by_role("link", name="Follow this search in the weekly digest").click()
    page.get_by_label("Its name in your digest").fill("CSDDD")
    page.get_by_role("button", name="Add to my digest").click()
    page.wait_for_url(re.compile(r"/preferences\?done=added$"))
    assert project.subscriber("ana@example.org").queries == ('"due diligence"',)
    # facets and sorting are links and GET forms
    page.goto(f"{live}search?q=downstream")
    page.locator(".app-facets").get_by_role("link", name="directive").click()
    assert page.locator("#q").input_value() == "downstream type:directive"
    page.get_by_label("Sort by").select_option("date")
    page.get_by_role("button", name="Sort").click()
    assert "sort=date" in page.url
    # unsubscribe from the preferences page: the same one-click POST a mail client sends
    page.goto(f"{live}preferences")
    page.get_by_role("button", name="Unsubscribe from the digest").click()
    assert page.locator("h1").inner_text() == "You are unsubscribed"
    assert not project.subscriber("ana@example.org").active


def test_saved_search_names_stay_text(js_page, live, inbox, project):
    seen = _watch(js_page)
    _subscribe_and_confirm(js_page, live, inbox, "ben@example.org")
    name = "<img src=x onerror=\"window.__xss='name'\"><script>window.__xss='n2'</script>"
    js_page.goto(f"{live}save?q={quote('downstream')}")
    js_page.get_by_label("Its name in your digest").fill(name[:100])
    js_page.get_by_role("button", name="Add to my digest").click()
    js_page.wait_for_url(re.compile(r"/preferences\?done=added$"))
    assert js_page.locator("#query-name-0").input_value() == name[:100]
    _nothing_ran(js_page)
    assert seen == []
    assert project.subscriber("ben@example.org").name_of("downstream") == name[:100]


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002
        pass


def test_a_form_posted_from_another_site_is_refused(js_page, live, inbox, tmp_path):
    # The app's own page first, so that the browser holds its CSRF cookie.
    js_page.goto(f"{live}subscribe")
    token = js_page.locator("input[name=csrf_token]").get_attribute("value")
    # A page on another site ("localhost" is not the same site as "127.0.0.1") that posts to
    # the app, even with a token it copied.
    (tmp_path / "evil.html").write_text(
        f'<form method="post" action="{live}subscribe"><input name="csrf_token" value="{token}">'
        '<input name="email" value="victim@example.org"><input name="topic" value="due-diligence">'
        '<button type="submit">Win a prize</button></form>'
    )
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(tmp_path)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        js_page.goto(f"http://localhost:{server.server_address[1]}/evil.html")
        with js_page.expect_response(lambda r: urlsplit(r.url).path == "/subscribe") as answer:
            js_page.get_by_role("button", name="Win a prize").click()
        assert answer.value.status == 403
    finally:
        server.shutdown()
        server.server_close()
    assert inbox.messages == []


@pytest.mark.parametrize("path", ["search?q=due+diligence", "subscribe?q=downstream"])
def test_pages_fit_a_phone(browser, live, path):
    context = browser.new_context(viewport={"width": 320, "height": 640})
    try:
        page = context.new_page()
        page.goto(live + path)
        assert page.evaluate("document.documentElement.scrollWidth") <= 320
        _shot(page, "phone-" + path.split("?")[0])
    finally:
        context.close()
