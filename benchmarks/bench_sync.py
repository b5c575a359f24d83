"""Incremental indexing (``policytrack index``) against a full rebuild of the same index, in one run.

    .venv/bin/python benchmarks/bench_sync.py [--sizes 10000,50000] [--es-url URL | --no-es]

A store is filled with a generated corpus (``benchmarks/corpus.py``; not timed) and tagged with
the shipped topics. Then, per backend, ``indexer.sync.sync_index``:

* a rebuild (``--rebuild``): every tracked item and note written again — the baseline;
* an incremental run with nothing changed: the target is that it writes no document and costs a
  small fraction of the rebuild;
* an incremental run after 1 % of the items changed in the store: it writes that 1 %.

"written" is what the backend's own bookkeeping says it wrote (embedded: rows whose rowid
changed; Elasticsearch: the index's ``indexing.index_total``), not what the code under test
reports.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from rich.console import Console
from rich.table import Table

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.corpus import generate_documents, generate_procedures
from indexer.embedded import EmbeddedBackend
from indexer.sync import sync_index
from policytrack.config import load_settings
from policytrack.store import Store

T0 = datetime(2025, 1, 6, tzinfo=UTC)
console = Console(width=150)


def fill(path: Path, n: int, seed: int) -> Store:
    topics = load_settings(env={}, cwd=path.parent).topics
    store = Store(path, topics=topics)
    procs = n // 50
    store.upsert(generate_procedures(procs, seed), T0)
    store.upsert(generate_documents(n - procs, seed), T0)
    return store


def change_some(store: Store, share: float, when: datetime) -> int:
    """Edit the summary of every ``1/share``-th tracked document; returns how many."""
    step = max(1, round(1 / share))
    edited = [
        rec.item.replace(summary=rec.item.summary + " Amended.")
        for n, rec in enumerate(store.records("document", tracked=True))
        if n % step == 0
    ]
    store.upsert(edited, when)
    return len(edited)


def written(backend) -> object:
    if backend.name == "embedded":
        return dict(backend.conn.execute("SELECT id, rowid FROM docs").fetchall())
    backend.es.indices.refresh(index=backend.alias)
    stats = backend.es.indices.stats(index=backend.alias, metric="indexing")["_all"]["primaries"]["indexing"]
    return stats["index_total"]


def delta(before: object, after: object) -> int:
    if isinstance(before, dict) and isinstance(after, dict):
        return sum(1 for i, r in after.items() if before.get(i) != r)
    assert isinstance(before, int) and isinstance(after, int)
    return after - before


def timed(fn) -> tuple[float, object]:
    start = time.perf_counter()
    out = fn()
    return time.perf_counter() - start, out


def bench(store: Store, backend, n: int, table: Table) -> None:
    tracked = store.count(tracked=True)
    rebuild_s, _ = timed(lambda: sync_index(store, backend, [], rebuild=True))
    before = written(backend)
    quiet_s, quiet = timed(lambda: sync_index(store, backend, []))
    quiet_written = delta(before, written(backend))
    edited = change_some(store, 0.01, T0 + timedelta(days=1))
    before = written(backend)
    some_s, some = timed(lambda: sync_index(store, backend, []))
    some_written = delta(before, written(backend))
    table.add_row(
        backend.name,
        f"{n:,}",
        f"{tracked:,}",
        f"{rebuild_s:.2f}",
        f"{quiet_s:.3f}",
        f"{quiet_s / rebuild_s:.3f}×",
        str(quiet_written),
        f"{some_s:.2f}",
        f"{some_s / rebuild_s:.3f}×",
        f"{some_written:,} ({edited:,} edited)",
    )
    assert quiet.indexed == 0 and quiet_written == 0, "an incremental run with nothing changed wrote documents"
    assert some.indexed == edited


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="10000,50000")
    ap.add_argument("--es-url", default=os.environ.get("POLICYTRACK_TEST_ES_URL", ""))
    ap.add_argument("--no-es", action="store_true")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    table = Table(title="policytrack index: incremental vs rebuild (seconds; ratio = run / rebuild)")
    for col in (
        "backend",
        "items",
        "tracked",
        "rebuild s",
        "nothing changed s",
        "ratio",
        "written",
        "1 % changed s",
        "ratio",
        "written",
    ):
        table.add_column(col, justify="right")
    with tempfile.TemporaryDirectory(prefix="bench-sync-") as tmp:
        for n in [int(s) for s in args.sizes.split(",") if s]:
            console.print(f"filling a store with {n:,} items…")
            store = fill(Path(tmp) / f"store-{n}.sqlite3", n, args.seed)
            backends = [EmbeddedBackend(Path(tmp) / f"index-{n}.sqlite3")]
            if args.es_url and not args.no_es:
                from indexer.elastic import ElasticBackend

                backends.append(ElasticBackend(args.es_url, f"bench-sync-{uuid.uuid4().hex[:8]}"))
            for backend in backends:
                try:
                    bench(store, backend, n, table)
                finally:
                    if backend.name == "elasticsearch":
                        backend.drop()  # type: ignore[attr-defined]
                    backend.close()
            store.close()
    console.print(table)


if __name__ == "__main__":
    main()
