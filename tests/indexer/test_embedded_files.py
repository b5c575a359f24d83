"""The embedded index's files: a catalog naming one generation file, rebuilds that swap files,
crashes that leave the old index in place, an index of an older policytrack."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from index_corpus import corpus

from indexer.embedded import EmbeddedBackend
from indexer.errors import IndexerError

REPO = Path(__file__).resolve().parents[2]


def _files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def _generations(folder: Path) -> list[str]:
    return [n for n in _files(folder) if n.startswith("index.") and n.endswith(".sqlite3") and n != "index.sqlite3"]


def test_a_rebuild_writes_a_new_file_and_removes_the_old_one(tmp_path):
    backend = EmbeddedBackend(tmp_path / "index.sqlite3")
    backend.index(corpus())
    (first,) = _generations(tmp_path)
    backend.index(corpus()[:5], rebuild=True)
    (second,) = _generations(tmp_path)
    assert second != first and backend.count() == 5
    # Built without a journal, then switched to WAL for its readers and writers.
    with sqlite3.connect(tmp_path / second) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    # The catalog holds one name, nothing else.
    with sqlite3.connect(tmp_path / "index.sqlite3") as conn:
        assert conn.execute("SELECT name FROM generation").fetchall() == [(second,)]
        assert {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")} == {"generation"}
    backend.close()


def test_a_reader_follows_a_rebuild_made_by_another_connection(tmp_path):
    writer = EmbeddedBackend(tmp_path / "index.sqlite3")
    writer.index(corpus())
    reader = EmbeddedBackend(tmp_path / "index.sqlite3")
    assert reader.search("tantalum").total == 1
    old = _generations(tmp_path)
    writer.index(corpus()[:4], rebuild=True)
    assert _generations(tmp_path) != old  # the old file is gone, though the reader had it open
    assert reader.search("tantalum").total == 0 and reader.count() == 4
    reader.index(corpus()[4:6])  # an incremental write lands in the new file
    assert writer.count() == 6
    writer.close()
    reader.close()


CHILD = textwrap.dedent(
    """
    import sys, time
    sys.path.insert(0, {tests!r})
    from index_corpus import corpus
    from indexer.embedded import EmbeddedBackend

    def items():
        for n in range(10_000):
            for item, when in corpus():
                yield item.replace(id=f"{{item.id}}-{{n}}") if item.kind == "document" else item, when
            if n == 50:
                print("writing", flush=True)
                time.sleep(60)

    EmbeddedBackend({path!r}).index(items(), rebuild=True)
    """
)


def test_a_rebuild_killed_midway_leaves_the_old_index_and_its_file_is_cleared_next_time(tmp_path):
    path = tmp_path / "index.sqlite3"
    backend = EmbeddedBackend(path)
    backend.index(corpus())
    (old,) = _generations(tmp_path)
    code = CHILD.format(tests=str(Path(__file__).parent), path=str(path))
    child = subprocess.Popen([sys.executable, "-c", code], cwd=REPO, stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout.readline().strip() == "writing"
        os.kill(child.pid, signal.SIGKILL)
    finally:
        child.wait(30)
    left = [n for n in _generations(tmp_path) if n != old]
    assert len(left) == 1  # the half-built file, named by nobody
    assert backend.count() == 12 and backend.search("tantalum").total == 1
    fresh = EmbeddedBackend(path)  # a new process would see the same
    assert fresh.count() == 12
    fresh.index(corpus()[:3], rebuild=True)
    assert len(_generations(tmp_path)) == 1 and left[0] not in _files(tmp_path)
    assert backend.count() == 3
    fresh.close()
    backend.close()


def test_an_index_of_an_older_policytrack_asks_for_a_rebuild_and_gives_back_its_space(tmp_path):
    path = tmp_path / "index.sqlite3"
    with sqlite3.connect(path) as conn:  # the layout before generation files: tables in this file
        conn.execute("CREATE TABLE docs (rowid INTEGER PRIMARY KEY, id TEXT, lead BLOB)")
        conn.executemany("INSERT INTO docs (id, lead) VALUES ('x', zeroblob(100000))", [()] * 50)
        conn.execute("CREATE VIRTUAL TABLE fts USING fts5(title, body, meta)")
    backend = EmbeddedBackend(path)
    with pytest.raises(IndexerError, match=r"built by an older policytrack; run `policytrack index --rebuild`"):
        backend.search("repair")
    backend.index(corpus(), rebuild=True)
    assert backend.count() == 12 and not backend.stale
    with sqlite3.connect(path) as conn:
        assert {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")} == {"generation"}
    assert path.stat().st_size < 100_000  # the old tables' pages were given back
    backend.close()
