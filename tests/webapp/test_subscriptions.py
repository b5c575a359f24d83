"""Subscribing with double opt-in, preferences, saved searches and their safety, through the test
client and a real SMTP server (aiosmtpd on 127.0.0.1)."""

from __future__ import annotations

import html
import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from app_corpus import SECRET

from policytrack.digest.tokens import make_token, sign_timed


def csrf(page_html: str) -> str:
    return html.unescape(re.search(r'name="csrf_token" value="([^"]+)"', page_html).group(1))


def path_of(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def subscribe(client, **fields):
    page = client.get("/subscribe", params={"q": fields.pop("q_page", "")})
    assert page.status_code == 200
    data = {"csrf_token": csrf(page.text), "language": "en", **fields}
    return client.post("/subscribe", data=data)


def confirm_from_mail(client, inbox, index: int = -1):
    link = inbox.link(index)
    assert link.startswith("http://testserver/confirm?token=")
    page = client.get(path_of(link))
    assert page.status_code == 200
    token = html.unescape(re.search(r'name="token" value="([^"]+)"', page.text).group(1))
    return client.post("/confirm", data={"csrf_token": csrf(page.text), "token": token}, follow_redirects=False)


def test_double_opt_in_then_preferences_and_saved_search(client, inbox):
    r = subscribe(
        client,
        email="ana@example.org",
        name="Ana",
        topic=["due-diligence"],
        q="downstream",
        query_name="CSDDD downstream",
    )
    assert r.status_code == 200 and "Check your inbox" in r.text
    # nothing is stored before the confirmation
    assert client.project.subscriber("ana@example.org") is None
    [mail] = inbox.wait(1)
    assert mail["To"].addresses[0].addr_spec == "ana@example.org"
    assert mail["Subject"] == "Confirm your subscription to Fair Electronics Policy Tracker"
    assert mail["Auto-Submitted"] == "auto-generated"
    body = mail.get_body(("plain",)).get_content()
    assert "Human-rights and environmental due diligence" in body and "CSDDD downstream (downstream)" in body

    # opening the link only shows a page (link scanners do not confirm anything)
    link = inbox.link()
    assert "Confirm your subscription" in client.get(path_of(link)).text
    assert client.project.subscriber("ana@example.org") is None
    done = confirm_from_mail(client, inbox)
    assert done.status_code == 303 and done.headers["location"] == "/preferences?done=welcome"
    sub = client.project.subscriber("ana@example.org")
    assert sub.active and sub.name == "Ana" and sub.topics == ("due-diligence",)
    assert sub.queries == ("downstream",) and sub.name_of("downstream") == "CSDDD downstream"

    prefs = client.get("/preferences?done=welcome")
    assert "You are subscribed" in prefs.text and 'value="CSDDD downstream"' in prefs.text
    assert prefs.headers["cache-control"] == "no-store"

    # "save this search" while signed in adds it straight away
    save = client.get("/save", params={"q": "type:directive repair"})
    assert save.status_code == 200
    r = client.post(
        "/save",
        data={"csrf_token": csrf(save.text), "q": "type:directive repair", "query_name": "Repair acts"},
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"] == "/preferences?done=added"
    sub = client.project.subscriber("ana@example.org")
    assert sub.queries == ("downstream", "type:directive repair")
    assert sub.name_of("type:directive repair") == "Repair acts"

    # the preferences form replaces what is followed: drop the first search, rename the second
    prefs = client.get("/preferences")
    r = client.post(
        "/preferences",
        data={
            "csrf_token": csrf(prefs.text),
            "name": "Ana B.",
            "topic": ["circular-electronics"],
            "search": ["ecodesign-cod"],
            "keep_1": "1",
            "query_name_0": "ignored",
            "query_name_1": "Repair directives",
            "language": "fr",
        },
        follow_redirects=False,
    )
    assert r.status_code == 303
    sub = client.project.subscriber("ana@example.org")
    assert (sub.name, sub.topics, sub.searches, sub.language) == (
        "Ana B.",
        ("circular-electronics",),
        ("ecodesign-cod",),
        "fr",
    )
    assert sub.queries == ("type:directive repair",) and sub.name_of(sub.queries[0]) == "Repair directives"
    assert len(inbox.messages) == 1  # signed in: no further email needed


def test_subscribing_again_adds_to_what_is_followed(client, inbox):
    subscribe(client, email="ben@example.org", topic=["due-diligence"])
    inbox.wait(1)
    confirm_from_mail(client, inbox)
    subscribe(client, email="Ben@Example.org", topic=["public-procurement"], q="downstream")
    inbox.wait(2)
    confirm_from_mail(client, inbox)
    sub = client.project.subscriber("ben@example.org")
    assert sub.topics == ("due-diligence", "public-procurement") and sub.queries == ("downstream",)


def test_the_answer_does_not_tell_who_is_subscribed(client, inbox):
    subscribe(client, email="ana@example.org", topic=["due-diligence"])
    inbox.wait(1)
    confirm_from_mail(client, inbox)
    known = subscribe(client, email="ana@example.org", topic=["due-diligence"])
    unknown = subscribe(client, email="nobody@example.org", topic=["due-diligence"])
    strip = lambda t: re.sub(r'name="csrf_token" value="[^"]+"', "", t)  # noqa: E731
    assert strip(known.text) == strip(unknown.text)
    page = client.get("/preferences")
    client.post("/signout", data={"csrf_token": csrf(page.text)})
    a = client.post(
        "/preferences/link", data={"csrf_token": csrf(client.get("/preferences").text), "email": "ana@example.org"}
    )
    b = client.post(
        "/preferences/link", data={"csrf_token": csrf(client.get("/preferences").text), "email": "x@example.org"}
    )
    assert a.status_code == b.status_code == 200 and strip(a.text) == strip(b.text)
    # ana's first confirmation, the two subscribe answers, ana's preferences link; the address
    # that is not subscribed gets no preferences link (the page said the same to both)
    messages = inbox.wait(4)
    assert len(messages) == 4
    assert [m["To"].addresses[0].addr_spec for m in messages[2:]] == ["nobody@example.org", "ana@example.org"]


def test_preferences_link_signs_in_and_leaves_the_address_bar(client, inbox):
    subscribe(client, email="ana@example.org", topic=["due-diligence"])
    inbox.wait(1)
    confirm_from_mail(client, inbox)
    client.cookies.clear()
    assert "Email me a link" in client.get("/preferences").text
    page = client.get("/preferences")
    client.post("/preferences/link", data={"csrf_token": csrf(page.text), "email": "ana@example.org"})
    inbox.wait(2)
    link = inbox.link()
    assert link.startswith("http://testserver/preferences?token=")
    r = client.get(path_of(link), follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/preferences"
    assert "ana@example.org" in client.get("/preferences").text


def test_expired_and_forged_links_are_refused(client, inbox):
    subscribe(client, email="ana@example.org", topic=["due-diligence"])
    inbox.wait(1)
    link = path_of(inbox.link())
    client.project.clock.now += timedelta(hours=49)  # confirm_hours = 48
    expired = client.get(link)
    assert expired.status_code == 400 and "This link has expired" in expired.text
    client.project.clock.now -= timedelta(hours=49)
    forged = link[:-3] + ("AAA" if not link.endswith("AAA") else "BBB")
    r = client.get(forged)
    assert r.status_code == 400 and "This link is not valid" in r.text
    # a confirmation token is no preferences token
    token = link.split("token=")[1]
    r = client.get("/preferences", params={"token": token})
    assert r.status_code == 400 and "not valid" in r.text
    assert client.project.subscriber("ana@example.org") is None


def test_forms_without_a_valid_csrf_token_are_refused(client, inbox):
    page = client.get("/subscribe")
    good = csrf(page.text)
    data = {"email": "ana@example.org", "topic": "due-diligence", "language": "en"}
    assert client.post("/subscribe", data=data).status_code == 403
    assert client.post("/subscribe", data={**data, "csrf_token": good + "x"}).status_code == 403
    # a genuine token, but for another browser's cookie
    other = sign_timed(SECRET, "csrf", "another-browser-session-value", client.project.clock())
    assert client.post("/subscribe", data={**data, "csrf_token": other}).status_code == 403
    cross = client.post("/subscribe", data={**data, "csrf_token": good}, headers={"sec-fetch-site": "cross-site"})
    assert cross.status_code == 403
    client.project.clock.now += timedelta(hours=9)
    stale = client.post("/subscribe", data={**data, "csrf_token": good})
    assert stale.status_code == 403 and "expired" in stale.text
    assert inbox.messages == []


@pytest.mark.parametrize(
    "fields, reason",
    [
        ({"email": "not-an-address", "topic": ["due-diligence"]}, "invalid email address"),
        ({"email": "ana@example.org", "topic": ["no-such-topic"]}, "unknown topic"),
        ({"email": "ana@example.org"}, "Choose at least one topic or search"),
        ({"email": "ana@example.org", "q": 'type:"unknown thing"'}, "unknown type"),
        ({"email": "ana@example.org", "topic": ["due-diligence"], "name": "Ana\r\nBcc: x@evil.example"}, "line breaks"),
    ],
)
def test_bad_input_gets_the_form_back_with_a_reason(client, inbox, fields, reason):
    r = subscribe(client, **fields)
    assert r.status_code == 400
    assert reason in html.unescape(r.text)
    assert 'value="ana@example.org"' in r.text or "not-an-address" in r.text  # what was typed stays
    assert inbox.messages == []


def test_subscribe_rate_limits(make_client, inbox):
    client = make_client(subscribe_per_hour=2)
    assert subscribe(client, email="a@example.org", topic=["due-diligence"]).status_code == 200
    assert subscribe(client, email="b@example.org", topic=["due-diligence"]).status_code == 200
    r = subscribe(client, email="c@example.org", topic=["due-diligence"])
    assert r.status_code == 429 and int(r.headers["retry-after"]) > 60
    # one address gets at most three emails an hour, whoever asks
    other = make_client(subscribe_per_hour=0)
    codes = [subscribe(other, email="victim@example.org", topic=["due-diligence"]).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    assert [m["To"].addresses[0].addr_spec for m in inbox.messages].count("victim@example.org") == 3


def test_oversized_bodies_are_413(client):
    page = client.get("/subscribe")
    big = {"csrf_token": csrf(page.text), "email": "a@example.org", "name": "x" * 20_000}
    assert client.post("/subscribe", data=big).status_code == 413

    def chunks():
        yield b"email=a%40example.org&name="
        for _ in range(40):
            yield b"x" * 1000

    r = client.post("/subscribe", content=chunks(), headers={"content-type": "application/x-www-form-urlencoded"})
    assert r.status_code == 413


def test_smtp_down_is_a_503_that_says_so(make_client, inbox, tmp_path):
    client = make_client()
    page = client.get("/subscribe")
    object.__setattr__(client.project.settings.digest, "smtp_port", 1)  # nothing listens there
    r = client.post(
        "/subscribe", data={"csrf_token": csrf(page.text), "email": "a@example.org", "topic": "due-diligence"}
    )
    assert r.status_code == 503 and "could not be sent" in r.text


def test_unsubscribe_token_from_the_digest_works_in_the_preferences_form(client, inbox):
    subscribe(client, email="ana@example.org", topic=["due-diligence"])
    inbox.wait(1)
    confirm_from_mail(client, inbox)
    sub = client.project.subscriber("ana@example.org")
    token = make_token(client.project.settings.digest.secret, sub.id, sub.email)
    assert f"/unsubscribe?token={token}" in html.unescape(client.get("/preferences").text)
