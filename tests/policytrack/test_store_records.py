"""The store keeps every source's record, derives merged items, tags them, and knows what is news."""

from __future__ import annotations

import sqlite3
from datetime import UTC, date, datetime, timedelta

import pytest

from policytrack.config import load_settings
from policytrack.errors import StoreError
from policytrack.model import Document, Event, Procedure, Topic
from policytrack.store import NEWS_WINDOW, Store

T0 = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)
REF = "2022/0051(COD)"


@pytest.fixture
def topics(tmp_path):
    return load_settings(env={}, cwd=tmp_path).topics


def oeil(*events: Event, **changes) -> Procedure:
    return Procedure(
        id=f"proc:{REF}",
        reference=REF,
        title="Corporate sustainability due diligence",
        source="oeil",
        stage="Awaiting committee decision",
        events=events or (Event("2022-02-23", "Legislative proposal published"),),
        **changes,
    )


def act(**changes) -> Document:
    base = {
        "id": "celex:32024L1760",
        "title": "Directive (EU) 2024/1760",
        "source": "eurlex",
        "doc_type": "directive",
        "celex": "32024L1760",
        "procedure": REF,
        "date": "2024-06-13",
        "dates": {"publication": "2024-07-05"},
    }
    return Document(**{**base, **changes})


def test_each_source_keeps_its_record_and_recrawling_one_erases_nothing_of_another(tmp_path, topics):
    signed = Event("2024-06-13", "Final act signed")
    with Store(tmp_path / "s.sqlite3", topics=topics) as store:
        store.upsert([oeil(Event("2022-02-23", "Legislative proposal published"), signed)], T0)
        store.upsert([act()], T0 + timedelta(hours=1))
        merged = store.get(f"proc:{REF}")
        assert merged.sources == ("eurlex", "oeil")
        assert [(e.title, e.sources) for e in merged.events] == [
            ("Legislative proposal published", ("oeil",)),
            ("Final act signed", ("eurlex", "oeil")),
            ("Final act published in Official Journal", ("eurlex",)),
        ]
        assert (merged.final_act, merged.status) == ("32024L1760", "completed")
        # OEIL is crawled again and says less: what EUR-Lex gave stays.
        store.upsert([oeil(Event("2022-02-23", "Legislative proposal published"))], T0 + timedelta(days=1))
        again = store.get(f"proc:{REF}")
        assert again.final_act == "32024L1760" and len(again.events) == 3
        recs = [(r.item_id, r.source, r.origin) for r in store.source_records(f"proc:{REF}")]
        assert recs == [(f"proc:{REF}", "eurlex", "celex:32024L1760"), (f"proc:{REF}", "oeil", "")]
        assert [e.sources for e in again.events][1] == ("eurlex",)
        oeil_rec = store.source_records(f"proc:{REF}")[1]
        assert oeil_rec.first_fetched == T0 and oeil_rec.changed == T0 + timedelta(days=1)
        # The same record once more: fetched, not changed.
        store.upsert([oeil(Event("2022-02-23", "Legislative proposal published"))], T0 + timedelta(days=2))
        oeil_rec = store.source_records(f"proc:{REF}")[1]
        assert oeil_rec.fetched == T0 + timedelta(days=2) and oeil_rec.changed == T0 + timedelta(days=1)


def test_a_document_that_stops_naming_a_procedure_leaves_its_dossier(tmp_path, topics):
    with Store(tmp_path / "s.sqlite3", topics=topics) as store:
        store.upsert([oeil(), act()], T0)
        assert store.get(f"proc:{REF}").final_act == "32024L1760"
        store.upsert([act(procedure="2099/0001(COD)")], T0 + timedelta(days=1))
        proc = store.get(f"proc:{REF}")
        assert proc.final_act is None and proc.sources == ("oeil",)
        assert "celex:32024L1760" not in proc.documents


def test_tracked_is_in_a_topic_and_dossier_topics_reach_their_documents(tmp_path, topics):
    other = Procedure(id="proc:2024/0258(COD)", reference="2024/0258(COD)", title="Facility for Moldova", source="oeil")
    report = Document(id="ep:A-10-2025-0006", title="Report", source="ep-odp", procedure="2024/0258(COD)")
    with Store(tmp_path / "s.sqlite3", topics=topics) as store:
        store.upsert([other, report, oeil(), act(id="celex:52022PC0071", celex="52022PC0071", doc_type="proposal")], T0)
        assert {r.item.id for r in store.records(tracked=False)} == {"proc:2024/0258(COD)", "ep:A-10-2025-0006"}
        # The proposal is in the topic of its dossier (and on the watch list itself).
        assert store.get("celex:52022PC0071").topics == ("due-diligence",)
        assert store.count(tracked=True) == 2 and store.count("procedure", tracked=False) == 1
    # The coalition starts following the Moldova file: its report follows the dossier.
    watched = (*topics[:-1], Topic(**{**topics[-1].to_dict(), "procedures": ("2024/0258(COD)",)}))
    with Store(tmp_path / "s.sqlite3", readonly=True, topics=watched) as store:
        assert store.get("ep:A-10-2025-0006").topics == ("public-procurement",)
        assert store.count(tracked=False) == 0
        # Tagging is no change of what happened: nothing logged, last change unmoved.
        assert [c.item_id for c in store.changes() if c.at > T0] == []
        assert store.get_record("ep:A-10-2025-0006").last_changed == T0
    with Store(tmp_path / "s.sqlite3") as store:  # without topics: those it last tagged with
        assert store.topics == tuple(watched)


def test_a_procedure_that_gains_a_topic_retags_the_documents_linked_to_it(tmp_path):
    topic = Topic(slug="repair", title="Repair", keywords=("repair",))
    proc = Procedure(id="proc:2099/0001(COD)", reference="2099/0001(COD)", title="Rules", source="oeil")
    doc = Document(id="ep:A-9-2099-0001", title="Report", source="ep-odp", procedure="2099/0001(COD)")
    listed = Document(id="ep:A-9-2099-0002", title="Opinion", source="ep-odp")  # linked by the procedure only
    with Store(tmp_path / "s.sqlite3", topics=[topic]) as store:
        store.upsert([proc.replace(documents=("ep:A-9-2099-0002",)), doc, listed], T0)
        assert store.count(tracked=True) == 0
        before = store.revision()
        store.upsert([proc.replace(title="Rules on the repair of goods", documents=("ep:A-9-2099-0002",))], T0)
        assert {r.item.id: r.item.topics for r in store.records(after_rev=before)} == {
            "proc:2099/0001(COD)": ("repair",),
            "ep:A-9-2099-0001": ("repair",),
            "ep:A-9-2099-0002": ("repair",),
        }


def test_revisions_move_with_every_rewrite_only(tmp_path, topics):
    with Store(tmp_path / "s.sqlite3", topics=topics) as store:
        store.upsert([oeil()], T0)
        rev = store.revision()
        store.upsert([oeil()], T0 + timedelta(days=1))  # the same again
        assert store.revision() == rev and list(store.records(after_rev=rev)) == []
        store.upsert([act()], T0 + timedelta(days=2))
        assert {r.item.id for r in store.records(after_rev=rev)} == {f"proc:{REF}", "celex:32024L1760"}


def test_a_baseline_crawl_establishes_what_exists_and_is_not_news(tmp_path, topics):
    with Store(tmp_path / "s.sqlite3", topics=topics) as store:
        crawl, baseline = store.begin_crawl("eurlex", T0)
        assert baseline
        store.upsert([act()], T0, baseline=baseline)
        store.end_crawl(crawl, T0, items=1)
        assert [(c.change, c.baseline, c.news, c.happened) for c in store.changes()] == [
            ("new", True, False, date(2024, 7, 5))
        ]
        # A crawl that stored nothing establishes nothing for its spider.
        crawl, baseline = store.begin_crawl("oeil", T0)
        store.end_crawl(crawl, T0, items=0)
        assert store.begin_crawl("oeil", T0)[1] is True
        crawl, baseline = store.begin_crawl("eurlex", T0 + timedelta(days=7))
        assert not baseline
        later = T0 + timedelta(days=7)
        store.upsert([oeil(Event("2025-01-10", "Vote in committee, 1st reading"))], later, baseline=baseline)
        news = [(c.item_id, c.change, c.news, c.happened) for c in store.changes(since=later)]
        # A dossier new to the store whose latest step is recent is news, with its legislative date.
        assert news == [(f"proc:{REF}", "new", True, date(2025, 1, 10))]


def test_an_old_item_met_after_the_baseline_is_not_news_but_its_new_steps_are(tmp_path, topics):
    with Store(tmp_path / "s.sqlite3", topics=topics) as store:
        store.upsert([oeil()], T0)  # a 2022 dossier first met in 2025
        store.upsert(
            [oeil(Event("2022-02-23", "Legislative proposal published"), Event("2025-01-05", "Vote in committee"))], T0
        )
        assert [(c.change, c.news) for c in store.changes()] == [("new", False), ("event", True)]
    recent = T0 - NEWS_WINDOW + timedelta(days=1)
    with Store(tmp_path / "t.sqlite3", topics=topics) as store:
        store.upsert([oeil(Event(recent.date(), "Legislative proposal published"))], T0)
        assert [c.news for c in store.changes()] == [True]


def test_a_store_of_the_previous_schema_is_derived_again(tmp_path, monkeypatch):
    """A store written before per-source records: its items become records and are merged
    (read one record at a time here, so that every chunk boundary is crossed)."""
    from policytrack.store import db
    from policytrack.store.schema import MIGRATIONS

    monkeypatch.setattr(db, "DERIVE_CHUNK", 1)
    path = tmp_path / "v2.sqlite3"
    conn = sqlite3.connect(path)
    # The schema just before the migration that brought per-source records (found by name:
    # other migrations may come after it).
    before = next(i for i, (what, _) in enumerate(MIGRATIONS) if what.startswith("per-source records"))
    for _, sql in MIGRATIONS[:before]:
        conn.executescript(sql)
    conn.execute(f"PRAGMA user_version = {before}")
    stamp = T0.isoformat()
    proposal = act(id="celex:52022PC0071", celex="52022PC0071", doc_type="proposal", date="2022-02-23", dates={})
    for item in (oeil(), act(topics=("due-diligence",)), proposal):
        conn.execute(
            "INSERT INTO items VALUES (?, ?, 'h', ?, ?, ?, ?)",
            (item.id, item.kind, item.to_json(), stamp, stamp, stamp),
        )
    conn.commit()
    conn.close()
    with Store(path) as store:
        proc = store.get(f"proc:{REF}")
        assert proc.sources == ("eurlex", "oeil") and proc.final_act == "32024L1760"
        assert sorted(r.origin for r in store.source_records(f"proc:{REF}")) == [
            "",
            "celex:32024L1760",
            "celex:52022PC0071",
        ]
        assert store.get_record(f"proc:{REF}").first_seen == T0
        # Deriving again is no news.
        assert all(not c.news for c in store.changes())
        with pytest.raises(StoreError, match="only documents and procedures"):
            from policytrack.model import Note

            store.upsert([Note(id="note:n", slug="n", note_type="briefing", title="t", date="2025-01-01")], T0)
