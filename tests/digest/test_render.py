"""Rendering: parts, headers, escaping, no header injection, translations, CSS inlining."""

from __future__ import annotations

import itertools
import re
import sys
from dataclasses import replace
from datetime import timedelta
from email import message_from_bytes, policy
from email.header import decode_header, make_header
from email.message import EmailMessage
from email.utils import parsedate_to_datetime
from urllib.parse import parse_qs, urlparse

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from policytrack.digest import render as render_module
from policytrack.digest.errors import DigestError
from policytrack.digest.render import Renderer, _load_inliner
from policytrack.digest.selection import Selector
from policytrack.digest.subscribers import Subscriber
from policytrack.digest.tokens import verify_token
from policytrack.timeutil import Period

from .conftest import BASE_URL, NOW, SECRET, make_settings, notes

WEEK = Period(NOW - timedelta(days=7), NOW)
ANA = Subscriber(7, "ana@example.org", "Ana", topics=("due-diligence",))


@pytest.fixture
def content(store, settings):
    return Selector(store, settings, now=NOW, notes=notes(NOW)).select(ANA, WEEK)


def roundtrip(msg):
    """What a receiving system sees: the bytes on the wire, parsed again."""
    return message_from_bytes(msg.as_bytes(policy=policy.SMTP), policy=policy.default)


def test_multipart_alternative_with_text_and_inlined_html(settings, content):
    msg = roundtrip(Renderer(settings).message(ANA, content, NOW))
    assert msg.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in msg.iter_parts()] == ["text/plain", "text/html"]
    text = msg.get_body(("plain",)).get_content()
    html = msg.get_body(("html",)).get_content()
    assert "Hello Ana," in text and "2022/0051(COD) Corporate sustainability due diligence" in text
    assert "stage: Awaiting Council's 1st reading position → Awaiting Parliament's position in 2nd reading" in text
    assert BASE_URL + "dossiers/2022-0051-cod/" in text
    assert "<style" not in html and 'style="' in html  # css_inline moved the rules into attributes
    assert '<a href="https://tracker.example.org/notes/omnibus-briefing/"' in html


def test_scraped_text_is_escaped_in_html_and_plain_in_text(settings, content):
    msg = Renderer(settings).message(ANA, content, NOW)
    html = msg.get_body(("html",)).get_content()
    text = msg.get_body(("plain",)).get_content()
    assert "<script>" not in html
    # css_inline re-serialises the document: quotes in text need no escaping, < and & do
    assert "MEPs &lt;script&gt;alert('x')&lt;/script&gt; &amp; the \"omnibus\"" in html
    raw = Renderer(settings, inliner=False).render(ANA, content).html
    assert "MEPs &lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; the &#34;omnibus&#34;" in raw
    assert "MEPs <script>alert('x')</script> & the \"omnibus\"" in text


def test_headers(settings, content):
    msg = roundtrip(Renderer(settings).message(ANA, content, NOW))
    assert msg["From"].addresses[0].addr_spec == "digest@example.org"
    assert str(msg["To"]) == "Ana <ana@example.org>"
    assert parsedate_to_datetime(msg["Date"]) == NOW
    assert re.fullmatch(r"<digest\.20250310\.7\.[0-9a-f]{20}@example\.org>", msg["Message-ID"])
    assert msg["List-Id"] == "<weekly-digest.fair-electronics.example.org>"
    assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert msg["Subject"] == "Fair Electronics Policy Tracker digest, 2025-03-10: 4 updates"
    https, mailto = re.findall(r"<([^>]+)>", msg["List-Unsubscribe"])
    url = urlparse(https)
    assert https.startswith(BASE_URL + "unsubscribe/?token=")
    token = parse_qs(url.query)["token"][0]
    assert verify_token(SECRET, token, "ana@example.org") == 7
    assert mailto == f"mailto:digest@example.org?subject=unsubscribe%20{token}"
    assert https in msg.get_body(("html",)).get_content()


def test_with_the_search_app_the_link_is_its_one_click_endpoint(tmp_path, content):
    settings = make_settings(tmp_path, **{})
    settings = replace(settings, site=replace(settings.site, app_url="https://search.example.org/app/"))
    msg = roundtrip(Renderer(settings).message(ANA, content, NOW))
    https, mailto = re.findall(r"<([^>]+)>", msg["List-Unsubscribe"])
    assert https.startswith("https://search.example.org/app/unsubscribe?token=")
    assert verify_token(SECRET, parse_qs(urlparse(https).query)["token"][0], "ana@example.org") == 7
    assert mailto.startswith("mailto:digest@example.org?subject=unsubscribe%20")
    assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_message_id_is_stable_per_subscriber_and_period(settings, content):
    r = Renderer(settings)
    first = r.message(ANA, content, NOW)["Message-ID"]
    assert r.message(ANA, content, NOW + timedelta(minutes=5))["Message-ID"] == first
    assert r.message(replace(ANA, id=8), content, NOW)["Message-ID"] != first
    other = replace(content, period=Period(WEEK.start, NOW + timedelta(hours=1)))
    assert r.message(ANA, other, NOW)["Message-ID"] != first


@pytest.mark.parametrize("name", ["Ana\r\nBcc: victim@example.org", "Ana\nX-Evil: 1", "Ana\rX-Evil: 1"])
def test_no_header_injection_from_names(settings, content, name):
    # The subscriber book refuses such names; a record that slipped past it must still be harmless.
    sub = replace(ANA, name=name)
    raw = Renderer(settings).message(sub, content, NOW).as_bytes(policy=policy.SMTP)
    head = raw.split(b"\r\n\r\n", 1)[0]
    assert not re.search(rb"^(Bcc|X-Evil):", head, re.M | re.I)
    parsed = message_from_bytes(raw, policy=policy.default)
    assert parsed["Bcc"] is None and parsed["X-Evil"] is None
    assert [a.addr_spec for a in parsed["To"].addresses] == ["ana@example.org"]


def test_no_header_injection_from_titles_or_configuration(tmp_path, store):
    settings = make_settings(tmp_path)
    settings = replace(settings, site=replace(settings.site, title="Tracker\r\nBcc: victim@example.org"))
    selector = Selector(store, settings, now=NOW, notes=notes(NOW))
    raw = Renderer(settings).message(ANA, selector.select(ANA, WEEK), NOW).as_bytes(policy=policy.SMTP)
    parsed = message_from_bytes(raw, policy=policy.default)
    assert parsed["Bcc"] is None
    assert parsed["Subject"].startswith("Tracker Bcc: victim@example.org digest")


def test_an_address_that_slipped_past_validation_is_refused(settings, content):
    with pytest.raises(DigestError, match="line breaks"):
        Renderer(settings).message(replace(ANA, email="ana@example.org\r\nBcc: x@example.org"), content, NOW)


@pytest.mark.parametrize(
    "digest, message",
    [
        ({"from_address": "a@example.org, b@example.org"}, "one address"),
        ({"list_id": "not a list id"}, "dotted name"),
        ({"secret": ""}, "POLICYTRACK_DIGEST_SECRET"),
    ],
)
def test_bad_digest_settings_are_clear_errors(tmp_path, content, digest, message):
    settings = make_settings(tmp_path, **digest)
    with pytest.raises(DigestError, match=message):
        Renderer(settings).message(ANA, content, NOW)


def test_french_subscriber_gets_french_text(settings, content):
    msg = Renderer(settings).message(replace(ANA, language="fr"), content, NOW)
    text = msg.get_body(("plain",)).get_content()
    assert "Bonjour Ana," in text and "Dossiers et documents" in text and "4 mises à jour" in text
    # exactly one space: CPython's own folding would give "mises \r\n =?utf-8?q?=C3=A0?= jour",
    # which reads "mises  à jour"
    assert roundtrip(msg)["Subject"] == "Fair Electronics Policy Tracker, lettre du 2025-03-10 : 4 mises à jour"
    assert '<html lang="fr">' in msg.get_body(("html",)).get_content()


def test_without_css_inline_the_style_block_stays(settings, content, monkeypatch):
    monkeypatch.setitem(sys.modules, "css_inline", None)  # the import fails as on a platform without a wheel
    assert _load_inliner() is None
    renderer = Renderer(settings)
    html = renderer.message(ANA, content, NOW).get_body(("html",)).get_content()
    assert "<style>" in html and ".wrap {" in html and 'style="' not in html
    assert render_module.inline_css("<p>x</p>", None) == "<p>x</p>"


def test_every_catalogue_translates_every_template_message():
    import json
    from importlib import resources

    from policytrack.digest.i18n import LANGUAGES

    folder = resources.files("policytrack.digest")
    sources = [
        folder.joinpath("templates", n).read_text("utf-8") for n in ("digest.html", "digest.txt", "_changes.txt")
    ]
    sources.append(folder.joinpath("render.py").read_text("utf-8"))
    msgids = {m for text in sources for m in re.findall(r'(?:\b_|ngettext)\(\s*"([^"]+)"', text)}
    assert len(msgids) > 15
    for language in LANGUAGES:
        if language == "en":
            continue
        catalogue = json.loads(folder.joinpath("locales", f"{language}.json").read_text("utf-8"))
        assert sorted(msgids - set(catalogue)) == [], language


def test_left_out_documents_link_to_the_dossier(settings, store):
    from policytrack.digest.selection import DigestContent, Dossier, Entry

    entries = tuple(Entry(f"ep:d{i}", "document", f"Doc {i}", f"{BASE_URL}documents/ep-d{i}/") for i in range(2))
    content = DigestContent(
        WEEK, (Dossier("2022/0051(COD)", "CSDDD", f"{BASE_URL}dossiers/2022-0051-cod/", entries=entries, more=7),)
    )
    rendered = Renderer(settings).render(ANA, content)
    assert f"… and 7 more documents: {BASE_URL}dossiers/2022-0051-cod/" in rendered.text
    assert re.search(
        r'<a href="https://tracker.example.org/dossiers/2022-0051-cod/"[^>]*>… and 7 more documents</a>', rendered.html
    )
    assert rendered.subject.endswith(": 9 updates")


def test_no_header_injection_from_scraped_titles(tmp_path, settings):
    from policytrack.model import Document
    from policytrack.store import Store

    with Store(tmp_path / "evil.sqlite3") as store:
        store.upsert(
            [
                Document(
                    id="press:evil",
                    title="Report\r\nBcc: victim@example.org\r\n\r\n<b>x</b>",
                    source="ep-press",
                    procedure="2022/0051(COD)",  # a watched dossier: tracked
                )
            ],
            NOW - timedelta(days=1),
        )
        content = Selector(store, settings, now=NOW, notes=[]).select(ANA, WEEK)
        raw = Renderer(settings).message(ANA, content, NOW).as_bytes(policy=policy.SMTP)
    parsed = message_from_bytes(raw, policy=policy.default)
    assert parsed["Bcc"] is None
    assert "Report Bcc: victim@example.org <b>x</b>" in parsed.get_body(("plain",)).get_content()
    assert "Report Bcc: victim@example.org &lt;b&gt;x&lt;/b&gt;" in parsed.get_body(("html",)).get_content()


@given(name=st.text(max_size=60))
@hsettings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_any_name_is_refused_or_stays_inside_the_to_header(settings, content, name):
    from policytrack.digest.subscribers import clean_name
    from policytrack.errors import PolicytrackError

    try:
        name = clean_name(name)
    except PolicytrackError:
        return
    raw = Renderer(settings).message(replace(ANA, name=name), content, NOW).as_bytes(policy=policy.SMTP)
    parsed = message_from_bytes(raw, policy=policy.default)
    assert [a.addr_spec for a in parsed["To"].addresses] == ["ana@example.org"]
    # The same name, give or take a space: CPython may fold a long non-ASCII name into several
    # encoded words and decoding can then add a space between them (a stdlib quirk).
    assert "".join(parsed["To"].addresses[0].display_name.split()) == "".join(name.split())
    assert sorted(set(parsed.keys())) == sorted(
        [
            "Subject",
            "From",
            "To",
            "Date",
            "Message-ID",
            "List-Id",
            "List-Unsubscribe",
            "List-Unsubscribe-Post",
            "Auto-Submitted",
            "MIME-Version",
            "Content-Type",
        ]
    )


def test_subscribers_sharing_a_rendering_get_their_own_name_and_link(settings, content):
    renderer = Renderer(settings)
    ben = replace(ANA, id=8, email="ben@example.org", name="Ben & <Co>")
    first, second = renderer.render(ANA, content), renderer.render(ben, content)
    assert "Hello Ana," in first.text and "Hello Ben & <Co>," in second.text
    assert "Hello Ben &amp; &lt;Co&gt;," in second.html and "Ana" not in second.html
    token = renderer.unsubscribe_token(ben)
    assert token in second.html and token in second.text
    assert renderer.unsubscribe_token(ANA) not in second.html
    assert not re.search(r"PTSLOT", first.html + first.text + second.html + second.text)


# ---------------------------------------------------------------- French digests, headers, one-click


def _decoded(raw_value: str) -> str:
    """A header value as an RFC 2047 reader sees it (the standard library's older decoder,
    which joins adjacent encoded words as the RFC says)."""
    return str(make_header(decode_header(raw_value.replace("\r\n", ""))))


@pytest.mark.parametrize(
    "subject",
    [
        "Fair Electronics Policy Tracker, lettre du 2025-03-10 : 4 mises à jour",
        "Suivi des politiques « électronique équitable », lettre du 2025-03-10 : 128 mises à jour sur vos sujets",
        "Fair Electronics Policy Tracker digest, 2025-03-10: 13 updates on everything you follow and a little more",
        "Écoconception : réparabilité, durabilité et \u00e9quité – 2025-03-10",
    ],
)
def test_subjects_fold_without_extra_spaces(subject):
    msg = EmailMessage(policy=policy.default)
    msg.set_raw("Subject", render_module.fold_subject(subject))
    msg.set_content("x")
    wire = msg.as_bytes(policy=policy.SMTP)
    head = wire.split(b"\r\n\r\n")[0].decode("ascii").split("\r\n")
    first = next(i for i, line in enumerate(head) if line.startswith("Subject: "))
    rest = list(itertools.takewhile(lambda line: line.startswith(" "), head[first + 1 :]))
    assert all(len(line) <= 78 for line in [head[first], *rest]), head
    assert _decoded("\r\n".join([head[first][len("Subject: ") :], *rest])) == subject
    assert message_from_bytes(wire, policy=policy.default)["Subject"] == subject


@given(st.text(alphabet="abcdeéèàçœ€« »:-,0123456789 ", min_size=1, max_size=150))
@hsettings(max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_any_subject_unfolds_to_itself(text):
    subject = " ".join(text.split())
    if not subject:
        return
    folded = render_module.fold_subject(subject)
    assert all(len(line) <= 78 for line in folded.split("\n"))
    assert _decoded(folded.replace("\n", "\r\n")) == subject


def test_french_digest_names_stages_and_topics_in_french(settings, content):
    fr = replace(ANA, language="fr", searches=("csddd-downstream",), queries=("repair AND batteries",))
    rendered = Renderer(settings).render(fr, content)
    assert "Étape actuelle : En attente de la position du Parlement en deuxième lecture" in rendered.text
    assert (
        "étape : En attente de la position du Conseil en première lecture → "
        "En attente de la position du Parlement en deuxième lecture"
    ) in rendered.text
    assert "Awaiting" not in rendered.text and "Awaiting" not in rendered.html
    assert (
        "Vous recevez cette lettre parce que vous suivez : Devoir de vigilance en matière de droits humains "
        "et d'environnement, Devoir de vigilance en aval, “repair AND batteries”."
    ) in rendered.text
    english = Renderer(settings).render(replace(fr, language="en"), content)
    assert (
        "You receive this digest because you follow: Human-rights and environmental due diligence, "
        "Due diligence downstream, “repair AND batteries”."
    ) in english.text
    assert "csddd-downstream" not in english.text + english.html  # the saved search's title, not its name


def test_an_unknown_stage_is_shown_as_the_source_wrote_it():
    from policytrack.digest.i18n import catalogue

    fr = catalogue("fr")
    assert fr.term("Procedure completed") == "Procédure terminée"
    assert fr.term("Awaiting a stage nobody translated") == "Awaiting a stage nobody translated"
    assert fr.term("100% done") == "100% done"  # data is never a format string
    assert catalogue("en").term("Procedure completed") == "Procedure completed"


def test_one_click_unsubscribe_only_with_an_https_link(tmp_path, content):
    https = Renderer(make_settings(tmp_path)).message(ANA, content, NOW)
    assert https["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    plain = make_settings(tmp_path, port=25)
    from dataclasses import replace as dc_replace

    plain = dc_replace(plain, site=dc_replace(plain.site, base_url="http://tracker.example.org/"))
    renderer = Renderer(plain)
    assert renderer.one_click_problem == (
        "unsubscribe links start with 'http://tracker.example.org/unsubscribe/': RFC 8058 one-click unsubscribe "
        "needs https, so mail providers will not offer it (set [site] base_url to an https:// address)"
    )
    msg = renderer.message(ANA, content, NOW)
    assert msg["List-Unsubscribe-Post"] is None  # not promised without https
    assert msg["List-Unsubscribe"].startswith("<http://tracker.example.org/unsubscribe/?token=")


def test_scraped_change_lines_are_escaped_in_html(settings):
    from policytrack.digest.selection import ChangeLine, DigestContent, Dossier, Entry

    lines = (
        ChangeLine("event", {"date": "2025-03-09", "title": "<script>alert(1)</script>"}),
        ChangeLine("stage", {"from": "<b>old</b>", "to": "Procedure completed"}),
    )
    entry = Entry("proc:2022/0051(COD)", "procedure", "CSDDD", f"{BASE_URL}dossiers/2022-0051-cod/", changes=lines)
    content = DigestContent(WEEK, (Dossier("2022/0051(COD)", "CSDDD", entry.url, "<i>stage</i>", (entry,)),))
    rendered = Renderer(settings, inliner=False).render(ANA, content)
    assert "<script>" not in rendered.html and "<b>old</b>" not in rendered.html and "<i>stage" not in rendered.html
    assert "new step: 2025-03-09 &lt;script&gt;alert(1)&lt;/script&gt;" in rendered.html
    assert "stage: &lt;b&gt;old&lt;/b&gt; → Procedure completed" in rendered.html
    assert "new step: 2025-03-09 <script>alert(1)</script>" in rendered.text  # plain text stays plain
