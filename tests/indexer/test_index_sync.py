"""Incremental indexing: a watermark in the store, only what changed since, on both backends."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from index_corpus import make_backend

from indexer.sync import WATERMARK, sync_index
from policytrack.config import load_settings
from policytrack.model import Document, Note, Procedure, Topic
from policytrack.store import Store

T0 = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)


def corpus() -> list[Document | Procedure]:
    return [
        Procedure(id="proc:2022/0051(COD)", reference="2022/0051(COD)", title="Due diligence", source="oeil"),
        Document(id="celex:32024L1760", title="Directive (EU) 2024/1760", source="eurlex", celex="32024L1760"),
        Document(id="ep:A-9-2023-0184", title="Report", source="ep-odp", procedure="2022/0051(COD)"),
        Document(id="celex:32014L0024", title="Directive 2014/24/EU", source="eurlex", celex="32014L0024"),
        Procedure(id="proc:2024/0258(COD)", reference="2024/0258(COD)", title="Facility for Moldova", source="oeil"),
    ]


def note(body: str = "Why it matters.") -> Note:
    return Note(
        id="note:why",
        slug="why",
        note_type="briefing",
        title="Why due diligence",
        date="2025-02-01",
        procedures=("2022/0051(COD)",),
        body=body,
    )


class Touches:
    """What a backend wrote between two moments: by the backend's own bookkeeping, not ours."""

    def __init__(self, backend) -> None:
        self.backend = backend

    def snapshot(self) -> object:
        if self.backend.name == "embedded":
            # Every (re)indexed record gets a new rowid; a deleted one loses its row.
            return sorted(self.backend.conn.execute("SELECT id, rowid FROM docs").fetchall())
        es = self.backend.es
        es.indices.refresh(index=self.backend.alias)
        stats = es.indices.stats(index=self.backend.alias, metric="indexing")["_all"]["primaries"]["indexing"]
        return (stats["index_total"], stats["delete_total"])


@pytest.fixture(params=["embedded", pytest.param("elasticsearch", marks=pytest.mark.requires_es)])
def setup(request, tmp_path, es_index_name):
    topics = load_settings(env={}, cwd=tmp_path).topics
    store = Store(tmp_path / "store.sqlite3", topics=topics)
    store.upsert(corpus(), T0)
    backend = make_backend(request.param, tmp_path, es_index_name)
    yield store, backend
    if request.param == "elasticsearch":
        backend.drop()
    backend.close()
    store.close()


def test_a_second_run_with_nothing_changed_touches_no_document(setup):
    store, backend = setup
    first = sync_index(store, backend, [note()])
    assert (first.rebuilt, first.reason, first.indexed) == (True, "first run", 5)  # 4 tracked items + the note
    assert backend.count() == 5 and "proc:2024/0258(COD)" not in set(backend.ids(""))
    touches = Touches(backend)
    before = touches.snapshot()
    again = sync_index(store, backend, [note()])
    assert (again.rebuilt, again.indexed, again.deleted) == (False, 0, 0)
    assert touches.snapshot() == before


def test_only_what_changed_is_indexed_and_what_left_is_removed(setup):
    store, backend = setup
    sync_index(store, backend, [note()])
    touches = Touches(backend)
    before = touches.snapshot()
    store.upsert([corpus()[2].replace(title="Report on due diligence downstream")], T0 + timedelta(days=1))
    report = sync_index(store, backend, [note("Edited.")])
    assert (report.rebuilt, report.indexed, report.deleted) == (False, 2, 0)  # the report and the note
    assert set(backend.ids("downstream")) == {"ep:A-9-2023-0184"} and set(backend.ids("edited")) == {"note:why"}
    if backend.name == "embedded":
        after = dict(touches.snapshot())
        unchanged = {i: r for i, r in dict(before).items() if i not in ("ep:A-9-2023-0184", "note:why")}
        assert {i: after[i] for i in unchanged} == unchanged
    # The note is gone from the content folder; the coalition stops following procurement.
    topics = tuple(t for t in store.topics if t.slug != "public-procurement")
    store.use_topics(topics)
    gone = sync_index(store, backend, [])
    assert set(backend.ids("")) == {"proc:2022/0051(COD)", "celex:32024L1760", "ep:A-9-2023-0184"}
    assert gone.deleted == 2 and gone.indexed == 0


def test_a_dossier_newly_in_a_topic_brings_its_documents_into_the_index(setup):
    store, backend = setup
    sync_index(store, backend, [])
    moldova = Topic(slug="neighbours", title="Neighbours", procedures=("2024/0258(COD)",))
    store.upsert([Document(id="ep:A-10-2025-0006", title="Report", source="ep-odp", procedure="2024/0258(COD)")], T0)
    assert "ep:A-10-2025-0006" not in set(backend.ids(""))
    store.use_topics((*store.topics, moldova))
    report = sync_index(store, backend, [])
    assert report.indexed == 2 and not report.rebuilt
    assert set(backend.ids("topic:neighbours")) == {"proc:2024/0258(COD)", "ep:A-10-2025-0006"}


def test_it_rebuilds_when_asked_when_the_format_changed_or_the_index_is_gone(setup, tmp_path):
    store, backend = setup
    sync_index(store, backend, [note()])
    assert sync_index(store, backend, [note()], rebuild=True).reason == "asked"
    key = WATERMARK + backend.target
    saved = json.loads(store.get_meta(key))
    store.set_meta(key, json.dumps({**saved, "fields": saved["fields"] - 1}))
    assert sync_index(store, backend, [note()]).reason == "new record format"
    if backend.name == "embedded":
        backend.conn.execute("DELETE FROM docs")
    else:
        backend.drop()
    again = sync_index(store, backend, [note()])
    assert (again.reason, again.indexed) == ("index empty", 5)
