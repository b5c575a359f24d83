"""Every page of the search app (site/templates/app/) on a 320 px phone and under axe-core:
no sideways scrolling, no serious or critical violation."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.requires_browser

APP_PAGES = [
    "search?q=due+diligence",  # results, facets, snippets
    "search",  # the empty form
    "search?q=%22unbalanced",  # a query error
    "subscribe",
    "save?q=downstream",
    "preferences",  # no session: the form that mails a link
    "confirm?token=not-a-token",  # a message page
    "unsubscribe",
]


def test_app_pages_are_valid_html(browser, live, html_checker, tmp_path):
    context = browser.new_context()
    page = context.new_page()
    files = []
    try:
        for i, path in enumerate(APP_PAGES):
            response = page.goto(live + path)
            assert response is not None
            files.append(tmp_path / f"{i}-{path.split('?')[0]}.html")
            files[-1].write_text(response.text(), "utf-8")  # as served, not as the browser fixed it
    finally:
        context.close()
    assert html_checker(files) == []


@pytest.mark.parametrize("width", [320, 1280])
def test_app_pages_reflow_and_pass_axe(browser, live, axe, width):
    # (the app forbids every script: the test lets axe in, as a browser extension would be)
    context = browser.new_context(viewport={"width": width, "height": 700}, bypass_csp=True)
    page = context.new_page()
    wide, found = [], []
    try:
        for path in APP_PAGES:
            response = page.goto(live + path)
            assert response is not None and response.status in (200, 400), (path, response and response.status)
            assert page.locator("main h1").count() == 1, path  # one of the app's own pages
            scroll, room = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
            if scroll > room:
                wide.append(f"{path}: {scroll} px wide in {room} px")
            found += axe(page)
    finally:
        context.close()
    assert wide == []
    assert found == []
