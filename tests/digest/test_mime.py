"""The digest's bytes, written without the email package's generator, are the generator's bytes."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from email import message_from_bytes, policy

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from policytrack.digest.errors import DigestError
from policytrack.digest.mime import Assembled, TextPart
from policytrack.digest.render import Renderer
from policytrack.digest.selection import DigestContent, Selector
from policytrack.digest.subscribers import Subscriber
from policytrack.timeutil import Period

from .conftest import NOW, make_settings, notes

WEEK = Period(NOW - timedelta(days=7), NOW)
ANA = Subscriber(7, "ana@example.org", "Ana", topics=("due-diligence",))
POLICIES = [policy.default, policy.SMTP]


@pytest.fixture
def content(store, settings):
    return Selector(store, settings, now=NOW, notes=notes(NOW)).select(ANA, WEEK)


def both_ways(renderer: Renderer, sub: Subscriber, content: DigestContent, wire_policy) -> tuple[bytes, bytes]:
    ours = renderer.message_bytes(sub, content, NOW, policy=wire_policy)
    theirs = renderer.message(sub, content, NOW).as_bytes(policy=wire_policy)
    return ours, theirs


@pytest.mark.parametrize("wire_policy", POLICIES, ids=["default", "SMTP"])
@pytest.mark.parametrize(
    "sub",
    [
        ANA,
        replace(ANA, name=""),
        replace(ANA, name="Zoë Ünal-Łukasiewicz, MEP (Greens/EFA) " * 3, language="fr"),
        replace(ANA, name="Ana\r\nBcc: victim@example.org"),  # slipped past the book: still one To
        replace(ANA, email="a.very.long.local-part.of-an-address.that.needs.folding@lists.example.org"),
    ],
    ids=["ascii", "no-name", "long-non-ascii-french", "injection", "long-address"],
)
def test_the_same_bytes_as_the_email_package(settings, content, sub, wire_policy):
    ours, theirs = both_ways(Renderer(settings), sub, content, wire_policy)
    assert ours == theirs


def test_the_same_bytes_without_one_click_and_with_an_empty_digest(tmp_path, content):
    plain = make_settings(tmp_path, secret="s")
    plain = replace(plain, site=replace(plain.site, base_url="http://tracker.example.org/", title="Suivi « UE »"))
    renderer = Renderer(plain)
    for body in (content, DigestContent(WEEK)):
        ours, theirs = both_ways(renderer, ANA, body, policy.SMTP)
        assert ours == theirs
        assert b"List-Unsubscribe-Post" not in ours


@given(name=st.text(max_size=80), title=st.text(min_size=1, max_size=120))
@hsettings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
def test_any_name_and_site_title_give_the_same_bytes(settings, content, name, title):
    from policytrack.digest.subscribers import clean_name
    from policytrack.errors import PolicytrackError

    try:
        name = clean_name(name)
    except PolicytrackError:
        return
    renderer = Renderer(replace(settings, site=replace(settings.site, title=title)))
    ours, theirs = both_ways(renderer, replace(ANA, name=name), content, policy.SMTP)
    assert ours == theirs
    assert message_from_bytes(ours, policy=policy.default)["To"].addresses[0].addr_spec == "ana@example.org"


def test_a_header_that_would_become_two_is_refused():
    part = TextPart.of("hello\n", "plain")
    bad = Assembled((("X-Note", "one\nX-Evil: 1"),), "b", (part,), "<m@example.org>")
    with pytest.raises(DigestError, match="X-Note header would not be one header"):
        bad.as_bytes(policy.SMTP)
