"""The embedded store: upserts by id and hash, a change log, and crash safety."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from datetime import UTC, datetime, timedelta

import pytest

from policytrack.errors import StoreError, TimestampError
from policytrack.model import Document, Event, Procedure
from policytrack.store import Store, describe_changes

T0 = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)


def proc(stage: str = "Awaiting committee decision", events=()) -> Procedure:
    return Procedure(
        id="proc:2023/0083(COD)",
        reference="2023/0083(COD)",
        title="Right to repair",
        source="oeil",
        stage=stage,
        events=events,
    )


def doc(title: str = "Directive (EU) 2024/1799") -> Document:
    return Document(id="celex:32024L1799", title=title, source="eurlex", doc_type="directive", celex="32024L1799")


def test_upsert_counts_and_times(tmp_path):
    with Store(tmp_path / "s.sqlite3") as store:
        assert store.upsert([proc(), doc()], T0).new == 2
        stats = store.upsert([proc(), doc("Directive (EU) 2024/1799 on repair")], T0 + timedelta(days=1))
        assert (stats.new, stats.changed, stats.unchanged) == (0, 1, 1)
        rec = store.get_record("celex:32024L1799")
        assert rec.first_seen == T0 and rec.last_changed == T0 + timedelta(days=1)
        assert rec.item.title == "Directive (EU) 2024/1799 on repair"
        assert store.get_record("proc:2023/0083(COD)").last_changed == T0
        assert store.count() == 2 and store.count("procedure") == 1
        assert [r.item.id for r in store.records(changed_since=T0 + timedelta(hours=1))] == ["celex:32024L1799"]
        assert store.get("nope:1") is None


def test_change_log_names_stage_changes_and_new_events(tmp_path):
    with Store(tmp_path / "s.sqlite3") as store:
        store.upsert([proc()], T0)
        later = proc(
            "Awaiting Parliament's position in 1st reading",
            [
                Event("2024-04-23", "Decision by Parliament", "European Parliament"),
                Event("2026-12-01", "Indicative plenary sitting date", forecast=True),
            ],
        )
        store.upsert([later], T0 + timedelta(days=7))
        store.upsert([later], T0 + timedelta(days=8))  # unchanged: no new change rows
        changes = store.changes()
        assert [c.change for c in changes] == ["new", "stage", "event", "event"]
        assert changes[1].detail["to"] == "Awaiting Parliament's position in 1st reading"
        assert changes[3].detail == {
            "date": "2026-12-01",
            "title": "Indicative plenary sitting date",
            "actor": "",
            "forecast": True,
        }
        assert [c.change for c in store.changes(since=T0 + timedelta(days=1))] == ["stage", "event", "event"]
        assert [c.change for c in store.changes(until=T0 + timedelta(days=1))] == ["new"]


def test_changes_of_tracked_items_after_a_number_or_of_some_items(tmp_path):
    from policytrack.model import Topic

    repair = Topic(slug="repair", title="Repair", keywords=("repair",))
    other = Document(id="ep:A-9-2024-0001", title="Report on fisheries", source="ep-odp", doc_type="report")
    with Store(tmp_path / "s.sqlite3", topics=[repair]) as store:
        store.upsert([proc(), other], T0)
        store.upsert([proc("Awaiting Parliament's position in 1st reading")], T0 + timedelta(days=1))
        everything = store.changes()
        assert sorted((c.item_id, c.change) for c in everything) == [
            ("ep:A-9-2024-0001", "new"),
            ("proc:2023/0083(COD)", "new"),
            ("proc:2023/0083(COD)", "stage"),
        ]
        assert {c.item_id for c in store.changes(tracked=True)} == {"proc:2023/0083(COD)"}
        assert [c.item_id for c in store.changes(tracked=False)] == ["ep:A-9-2024-0001"]
        assert [c.change for c in store.changes(after_seq=everything[1].seq)] == ["stage"]  # the last one
        assert [c.seq for c in store.changes(items=["ep:A-9-2024-0001", "nope:1"])] == [
            c.seq for c in everything if c.item_id == "ep:A-9-2024-0001"
        ]
        assert store.changes(items=[]) == []


def test_describe_plain_document_change():
    assert describe_changes(doc(), doc("New title")) == [("changed", {"fields": ["title"]}, None)]
    # Where things came from, and their topics, are not changes of what happened.
    assert describe_changes(doc(), doc().replace(sources=("eurlex", "cellar"), topics=("x",))) == []


def test_naive_time_refused(tmp_path):
    with Store(tmp_path / "s.sqlite3") as store, pytest.raises(TimestampError, match="no time zone"):
        store.upsert([doc()], datetime(2025, 1, 1))


def test_readonly_missing_and_corrupt(tmp_path):
    with pytest.raises(StoreError, match="no store here yet"):
        Store(tmp_path / "missing.sqlite3", readonly=True)
    bad = tmp_path / "bad.sqlite3"
    bad.write_bytes(b"this is not a database" * 100)
    with pytest.raises(StoreError, match="cannot open store"):
        Store(bad)


def test_failed_batch_rolls_back_and_keeps_earlier_data(tmp_path):
    class Boom(Document):
        def to_json(self) -> str:  # a failure in the middle of a batch
            raise StoreError("simulated failure")

    with Store(tmp_path / "s.sqlite3") as store:
        store.upsert([doc()], T0)
        good = Document(id="celex:32024R1781", title="ESPR", source="eurlex")
        bad = Boom(id="celex:32024L1760", title="CSDDD", source="eurlex")
        with pytest.raises(StoreError, match="simulated"):
            store.upsert([good, bad], T0 + timedelta(days=1), batch_size=10)
        assert store.count() == 1 and store.get("celex:32024R1781") is None
        assert store.get("celex:32024L1799") == doc().replace(
            sources=("eurlex",), provenance={"title": ("eurlex",), "doc_type": ("eurlex",), "celex": ("eurlex",)}
        )
        assert [r.item_id for r in store.source_records()] == ["celex:32024L1799"]


CHILD = textwrap.dedent("""
    import sys
    from datetime import datetime, timezone
    from policytrack.model import Document
    from policytrack.store import Store

    def items():
        for i in range(10**7):
            if i and i % 200 == 0:
                # upsert() committed the previous batch before asking for this item
                print(i, flush=True)
            yield Document(id=f"test:{i}", title=f"Document {i} " + "x" * 200, source="test",
                           text="body " * 200)

    Store(sys.argv[1]).upsert(items(), datetime.now(timezone.utc), batch_size=200)
""")


def test_sigkill_during_large_upsert_keeps_committed_items(tmp_path):
    path = tmp_path / "crash.sqlite3"
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(path)],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    committed = 0
    try:
        for line in child.stdout:
            committed = int(line)
            if committed >= 3000:
                break
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
    assert child.returncode == -signal.SIGKILL
    assert committed >= 3000
    with Store(path) as store:
        assert store.check() == "ok"
        n = store.count()
        assert n >= committed and n % 200 == 0  # whole batches only
        for i in range(n):
            item = store.get(f"test:{i}")
            assert item is not None and item.title.startswith(f"Document {i} ")
        assert len([c for c in store.changes() if c.change == "new"]) == n
        # The store stays writable after the crash.
        assert store.upsert([doc()], T0).new == 1


def _first_release_store(path):
    """A store as the first release wrote it: its tables, a meta row, no user_version."""
    import sqlite3

    from policytrack.store.schema import MIGRATIONS

    conn = sqlite3.connect(path)
    conn.executescript(MIGRATIONS[0][1])
    conn.execute("INSERT INTO meta VALUES ('schema_version', '1')")
    conn.execute(
        "INSERT INTO items VALUES ('proc:2022/0051(COD)', 'procedure', 'h', ?, ?, ?, ?)",
        (
            '{"events": [], "id": "proc:2022/0051(COD)", "kind": "procedure", "reference": "2022/0051(COD)",'
            ' "source": "oeil", "title": "CSDDD"}',
            *["2025-01-01T00:00:00+00:00"] * 3,
        ),
    )
    conn.commit()
    conn.close()


def test_a_store_of_the_first_release_is_migrated_and_keeps_its_items(tmp_path):
    import sqlite3

    from policytrack.store import SCHEMA_VERSION

    path = tmp_path / "old.sqlite3"
    _first_release_store(path)
    with Store(path, readonly=True) as store:  # even a reader upgrades it, once
        assert store.get("proc:2022/0051(COD)").title == "CSDDD"
        assert list(store.subscribers.all()) == []
        # What it held became the record of the source that wrote it, and was merged again.
        assert [(r.item_id, r.source) for r in store.source_records()] == [("proc:2022/0051(COD)", "oeil")]
        assert store.get("proc:2022/0051(COD)").sources == ("oeil",)
    assert sqlite3.connect(path).execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION


def test_a_store_from_a_newer_policytrack_is_refused(tmp_path):
    import sqlite3

    from policytrack.store import SCHEMA_VERSION

    path = tmp_path / "new.sqlite3"
    Store(path).close()
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.commit()
    conn.close()
    for readonly in (False, True):
        with pytest.raises(StoreError, match="newer than this policytrack knows"):
            Store(path, readonly=readonly)


def test_a_failed_migration_rolls_back_whole(tmp_path, monkeypatch):
    import sqlite3

    from policytrack.store import schema

    path = tmp_path / "s.sqlite3"
    Store(path).close()
    broken = (*schema.MIGRATIONS, ("a broken step", "CREATE TABLE extra (x); CREATE TABLE extra (x);"))
    monkeypatch.setattr(schema, "MIGRATIONS", broken)
    monkeypatch.setattr(schema, "SCHEMA_VERSION", len(broken))
    with pytest.raises(StoreError, match=f"migration {len(broken)} .a broken step. failed and was rolled back"):
        Store(path)
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == len(broken) - 1
    assert conn.execute("SELECT name FROM sqlite_master WHERE name = 'extra'").fetchone() is None
