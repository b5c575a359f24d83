"""Saved searches run through the real embedded search index (indexer.open_backend)."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

import indexer
from policytrack.digest.run import DigestRun, backend_for
from policytrack.digest.smtp import Mailer, SmtpOptions
from policytrack.digest.subscribers import Subscribers
from policytrack.model import Document

from .conftest import NOW, make_settings, notes

GUIDANCE = Document(
    id="press:20250306IPR9",
    title="Guidance on due diligence for downstream companies",
    source="ep-press",
    doc_type="press release",
    date="2025-03-06",
)
OLD_GUIDANCE = Document(
    id="press:20240101IPR1",
    title="Earlier note on due diligence downstream",
    source="ep-press",
    doc_type="press release",
    date="2024-01-01",
)


@pytest.fixture
def indexed(tmp_path, store, smtp_server):
    settings = make_settings(tmp_path, port=smtp_server.port)
    store.upsert([OLD_GUIDANCE], NOW - timedelta(days=30))
    store.upsert([GUIDANCE], NOW - timedelta(days=1))
    with indexer.open_backend(settings) as backend:
        backend.index([(r.item, r.last_changed) for r in store.records()], rebuild=True)
    return settings


def test_saved_search_and_own_query_select_changed_matches(indexed, store, smtp_server):
    settings = indexed
    book = Subscribers(store, settings)
    book.add(NOW, email="sam@example.org", searches=["csddd-downstream"])
    book.add(NOW, email="quinn@example.org", queries=["tenders"])
    book.add(NOW, email="bad@example.org", queries=['"unclosed phrase'], topics=["public-procurement"])
    backend, why = backend_for(store, settings, lambda: indexer.open_backend(settings))
    assert backend is not None and why == ""
    try:
        digest_run = DigestRun(store, settings, NOW, notes=notes(NOW), backend=backend)
        with Mailer(SmtpOptions.from_settings(settings.digest)) as mailer:
            report = digest_run.send(mailer)
    finally:
        backend.close()
    assert [r.status for r in report.results] == ["sent", "sent", "sent"]
    assert "query '\"unclosed phrase' failed: bad query" in report.results[2].detail
    got = {m.rcpt[0]: m.message.get_body(("plain",)).get_content() for m in smtp_server.messages}
    sam = got["sam@example.org"]
    assert "Guidance on due diligence for downstream companies" in sam
    assert "Earlier note" not in sam  # matches the query, but did not change in the period
    assert "2022/0051(COD)" not in sam  # no topics followed: only the search's matches
    assert "Proposal on socially responsible tenders" in got["quinn@example.org"]
    # a malformed own query is reported, and the rest of that digest still goes out
    assert "Proposal on socially responsible tenders" in got["bad@example.org"]


def test_saved_searches_without_an_index_fail_those_digests_only(tmp_path, store, smtp_server):
    settings = make_settings(tmp_path, port=smtp_server.port)
    # an Elasticsearch node that is not there
    settings = replace(settings, index=replace(settings.index, backend="elasticsearch", es_url="http://127.0.0.1:9"))
    book = Subscribers(store, settings)
    book.add(NOW, email="sam@example.org", searches=["csddd-downstream"])
    book.add(NOW, email="ana@example.org", topics=["due-diligence"])
    backend, why = backend_for(store, settings, lambda: indexer.open_backend(settings))
    digest_run = DigestRun(store, settings, NOW, notes=notes(NOW), backend=backend, backend_error=why)
    with Mailer(SmtpOptions.from_settings(settings.digest)) as mailer:
        report = digest_run.send(mailer)
    statuses = {r.subscriber.email: r for r in report.results}
    assert statuses["ana@example.org"].status == "sent"
    assert statuses["sam@example.org"].status == "failed"
    assert "search" in statuses["sam@example.org"].detail, statuses["sam@example.org"].detail
    assert "cannot reach Elasticsearch" in statuses["sam@example.org"].detail
    # the failed digest stays open in the ledger: the next run sends it with its period
    assert store.ledger.open_entry(statuses["sam@example.org"].subscriber.id).state == "failed"
    assert [m.rcpt[0] for m in smtp_server.messages] == ["ana@example.org"]
