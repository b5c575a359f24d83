"""The List-Unsubscribe endpoint: RFC 8058 one-click POST, the confirmation page, bad tokens."""

from __future__ import annotations

import pytest

from policytrack.digest.tokens import make_token
from policytrack.store import Store, SubscriberFields


@pytest.fixture
def ana(client):
    s = client.project.settings
    with Store(s.store_path) as store:
        sub = store.subscribers.insert(
            SubscriberFields("ana@example.org", topics=("due-diligence",)), client.project.clock()
        )
    return sub, make_token(s.digest.secret, sub.id, sub.email)


ONE_CLICK = {"List-Unsubscribe": "One-Click"}


@pytest.mark.parametrize("path", ["/unsubscribe", "/unsubscribe/"])
def test_one_click_post_unsubscribes_at_once(client, ana, path):
    _, token = ana
    r = client.post(path, params={"token": token}, data=ONE_CLICK)  # form-urlencoded, as mail providers send
    assert r.status_code == 200 and "You are unsubscribed" in r.text
    assert client.project.subscriber("ana@example.org").status == "unsubscribed"
    again = client.post(path, params={"token": token}, data=ONE_CLICK)
    assert again.status_code == 200


def test_multipart_and_bare_bodies_count_too(client, ana):
    sub, token = ana
    r = client.post("/unsubscribe", params={"token": token}, files={"List-Unsubscribe": (None, "One-Click")})
    assert r.status_code == 200
    assert not client.project.subscriber("ana@example.org").active
    with Store(client.project.settings.store_path) as store:
        store.subscribers.update(sub.id, SubscriberFields("ana@example.org"), client.project.clock())
    r = client.post("/unsubscribe", params={"token": token}, content=b"List-Unsubscribe=One-Click")
    assert r.status_code == 200 and not client.project.subscriber("ana@example.org").active


def test_get_shows_a_confirmation_page_and_changes_nothing(client, ana):
    _, token = ana
    r = client.get("/unsubscribe", params={"token": token})
    assert r.status_code == 200
    assert "a••@example.org" in r.text and "ana@example.org" not in r.text
    assert '<input type="hidden" name="List-Unsubscribe" value="One-Click">' in r.text
    assert r.headers["cache-control"] == "no-store"
    assert client.project.subscriber("ana@example.org").active


def test_a_post_without_the_one_click_body_changes_nothing(client, ana):
    _, token = ana
    r = client.post("/unsubscribe", params={"token": token}, data={"List-Unsubscribe": "Yes"})
    assert r.status_code == 400 and "List-Unsubscribe=One-Click" in r.text
    assert client.project.subscriber("ana@example.org").active


@pytest.mark.parametrize(
    "token",
    [
        "",
        "1.AAAAAAAAAAAAAAAAAAAAAA",
        "999.AAAAAAAAAAAAAAAAAAAAAA",
        "not a token",
        make_token("another-secret", 1, "ana@example.org"),
    ],
)
def test_forged_tokens_are_refused(client, ana, token):
    r = client.post("/unsubscribe", params={"token": token}, data=ONE_CLICK)
    assert r.status_code == 400
    assert client.project.subscriber("ana@example.org").active


def test_get_without_a_token_offers_a_preferences_link(client):
    r = client.get("/unsubscribe", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/preferences"
