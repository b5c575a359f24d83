"""Search indexing and query speed, each against a baseline measured in the same run.

    .venv/bin/python benchmarks/bench_index.py [--sizes 10000,100000,1000000] [--rebuild-sizes 1000000]
        [--es-sizes 100000,1000000] [--es-url URL | --no-es] [--memory-sizes 10000,100000]
        [--reuse-index DIR] [--tmp DIR]

The corpus comes from ``benchmarks/corpus.py`` (seeded; acts cut into recitals and articles, as
Cellar's texts are). Generation is not timed.

* **Embedded indexing** (``EmbeddedBackend.index(rebuild=True)``: records, docs, terms, facet
  codes, FTS5 rows of items and of sections, then FTS5 ``optimize`` and fsync) against raw
  ``executemany`` inserts of the same (title, body, meta) and (heading, text) rows into FTS5
  tables of the same definitions, with the same pragmas (no journal, one transaction). Target:
  ≥ 0.5× raw. **Peak disk** (catalog, generation files and their journals, sampled every
  0.2 s) during a first build and during a rebuild over an existing index.
* **Elasticsearch indexing** (``ElasticBackend.index(rebuild=True)``: records and JSON built in
  Python, sender threads (``indexer/es_bulk.py``) into a new versioned index, the alias swap) against raw ``_bulk``
  POSTs of the same documents, pre-serialised into NDJSON bodies, sent by several concurrent
  streams with refresh off and no replicas, into an index with the same mapping: the fastest
  plain way. Bulk size and streams are tuned on the raw side first and the backend uses the
  best. Target: ≥ 0.7× raw.
* **Query latency** p50/p95 over a fixed mix of 50 queries, each with facets, 3 rounds after a
  warm-up; per query, where its time goes (match, score, filter, facets, page, snippets,
  sections), and the same words through FTS5 alone (``ORDER BY rank LIMIT 20``, no filters, no
  facets) as a baseline. Target: embedded p95 ≤ 50 ms at 1 M documents.
* **Peak RSS** (and its anonymous part: RSS also counts the index pages SQLite maps) of a child
  process that streams N generated documents into the embedded index,
  next to one that only generates them: flat in N means indexing memory does not grow.

``--reuse-index DIR`` (latency only): keeps each size's index and query mix in DIR, building
them the first time, so query work can be iterated on without rebuilding a 1 M index.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

from rich.console import Console
from rich.table import Table

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import contextlib

from benchmarks.corpus import generate_documents, generate_procedures
from benchmarks.es_load import bench_es
from indexer.embedded import BATCH, SCHEMA, EmbeddedBackend
from indexer.fields import to_record
from indexer.fts_query import compile_fts
from indexer.query import parse

CHANGED = datetime(2025, 1, 6, tzinfo=UTC)
PHASES = ("match", "score", "filter", "facets", "page", "snippets", "sections")
console = Console(width=200)


def corpus(n: int, seed: int) -> list:
    procs = n // 50
    return list(generate_procedures(procs, seed)) + list(generate_documents(n - procs, seed, sections=True))


def stream(n: int, seed: int):
    procs = n // 50
    yield from ((p, CHANGED) for p in generate_procedures(procs, seed))
    yield from ((d, CHANGED) for d in generate_documents(n - procs, seed, sections=True))


def query_mix(items) -> list[str]:
    """50 queries a coalition analyst would type; identifiers are picked from the corpus."""
    docs = [(i.celex, i.procedure) for i in items if i.kind == "document"]
    celexes = [c for c, _ in docs if c][:: max(1, len(docs) // 7)][:4]
    procs = [p for _, p in docs if p][:: max(1, len(docs) // 5)][:3]
    fixed = [
        '"due diligence"',
        '"supply chain" downstream',
        "ecodesign",
        "ecodesign* type:regulation date:>=2022-01-01",
        '"forced labour" OR "child labour"',
        "batteries -lithium",
        "cobalt AND lithium AND nickel",
        'topic:due-diligence "human rights"',
        "type:directive repair",
        'author:"European Commission" recycling',
        "year:2020 ecodesign",
        "date:2015..2018 smelters",
        "(repair OR refurbishment) spare parts",
        '"right to repair"',
        "reparab* durability",
        'recycl* "critical raw materials"',
        "type:COD ecodesign",
        "procurement -topic:public-procurement",
        '"market surveillance" customs',
        "semiconductors chips",
        "smartphones OR tablets OR laptops",
        "gold tin tantalum tungsten",
        "grievance mechanism remediation",
        "type:regulation",
        "topic:circular-electronics year:2024",
        'type:"press release" date:>=2024-01-01',
        "",
        '"digital product passport"',
        "conformity assessment -type:report",
        "USB-C common charger",
        "destruction unsold consumer products",
        '"civil liability" directors',
        "sustainability reporting",
        'type:procedure "Vote in committee"',
        "type:CNS",
        "stockpiling strategic projects",
        "data centres servers",
        "microelectronics OR semiconductors",
        "harmonised standardisation delegated",
        "transposition penalties supervisory",
        "import export ban withdrawal",
        "refurbishment remanufacturing",
        "WEEE",
    ]
    out = fixed + [f"celex:{c}" for c in celexes] + [f"procedure:{p}" for p in procs]
    return (out + ["ecodesign"] * 50)[:50]


def pct(values: list[float], f: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, round(f * (len(s) - 1)))]


# --------------------------------------------------------------------------- disk


class PeakDisk:
    """The largest total size of the index's files (catalog, generations, journals) seen while
    it runs, sampled every 0.2 s."""

    def __init__(self, folder: Path, stem: str) -> None:
        self.folder, self.stem, self.peak = folder, stem, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def size(self) -> int:
        total = 0
        for p in self.folder.glob(f"{self.stem}*"):
            with contextlib.suppress(FileNotFoundError):
                total += p.stat().st_size
        return total

    def _watch(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self.size())
            self._stop.wait(0.2)

    def __enter__(self) -> PeakDisk:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self.size())


# --------------------------------------------------------------------------- embedded


def raw_fts(path: Path, rows: list[tuple], sections: list[tuple]) -> float:
    """The same FTS5 rows inserted by hand, with the build's pragmas: the plain way's speed."""
    conn = sqlite3.connect(path, isolation_level=None)
    for pragma in ("journal_mode=OFF", "synchronous=OFF", "temp_store=MEMORY", "cache_size=-65536"):
        conn.execute(f"PRAGMA {pragma}")
    for ddl in (s for s in SCHEMA.split(";") if "fts5(" in s):
        conn.execute(ddl)
    start = time.perf_counter()
    conn.execute("BEGIN")
    for i in range(0, len(rows), BATCH):
        conn.executemany("INSERT INTO fts (rowid, title, body, meta) VALUES (?,?,?,?)", rows[i : i + BATCH])
    for i in range(0, len(sections), BATCH * 4):
        conn.executemany("INSERT INTO sec (rowid, heading, body) VALUES (?,?,?)", sections[i : i + BATCH * 4])
    conn.execute("COMMIT")
    elapsed = time.perf_counter() - start
    conn.close()
    return elapsed


def _gb(n: int) -> str:
    return f"{n / 1e9:.2f}"


def bench_embedded(sizes: list[int], rebuild_sizes: set[int], seed: int, tmp: Path) -> list[Table]:
    idx = Table(title="Embedded indexing (SQLite FTS5) vs raw FTS5 inserts of the same rows, same pragmas")
    for col in (
        "docs",
        "sections",
        "raw docs/s",
        "embedded docs/s",
        "ratio (≥0.5)",
        "write s",
        "optimize s",
        "fsync s",
    ):
        idx.add_column(col, justify="right")
    disk = Table(title="Disk during the build (catalog + generation files + journals), GB")
    for col in ("docs", "index", "peak, first build", "peak, rebuild over it", "journal at peak"):
        disk.add_column(col, justify="right")
    lat = latency_table()
    per_query: list[Table] = []
    for n in sizes:
        console.log(f"embedded: generating {n:,} items")
        items = corpus(n, seed)
        records = [to_record(it, CHANGED) for it in items]
        rows = [(i + 1, r.title, r.body, r.meta) for i, r in enumerate(records)]
        secs = [(k + 1, s.heading, s.body) for k, s in enumerate(s for r in records for s in r.sections)]
        del records
        raw_path = tmp / f"raw-{n}.sqlite3"
        raw_s = raw_fts(raw_path, rows, secs)
        n_secs = len(secs)
        del rows, secs
        raw_path.unlink()
        console.log(f"embedded: raw {n / raw_s:,.0f} docs/s; indexing")
        folder = tmp / f"emb-{n}"
        folder.mkdir()
        path = folder / "index.sqlite3"
        backend = EmbeddedBackend(path)
        with PeakDisk(folder, "index") as first:
            start = time.perf_counter()
            backend.index(((it, CHANGED) for it in items), rebuild=True)
            emb_s = time.perf_counter() - start
        steps = backend.timings
        idx.add_row(
            f"{n:,}",
            f"{n_secs:,}",
            f"{n / raw_s:,.0f}",
            f"{n / emb_s:,.0f}",
            f"{raw_s / emb_s:.2f}×",
            f"{steps['write'] / 1000:.1f}",
            f"{steps['optimize'] / 1000:.1f}",
            f"{steps['sync'] / 1000:.1f}",
        )
        size = first.size()
        again = "-"
        journal = "-"
        if n in rebuild_sizes:
            console.log(f"embedded: rebuilding {n:,} items over the index")
            with PeakDisk(folder, "index") as second:
                backend.index(((it, CHANGED) for it in items), rebuild=True)
            again = _gb(second.peak)
            journal = _gb(sum(p.stat().st_size for p in folder.glob("*-wal")))
        disk.add_row(f"{n:,}", _gb(size), _gb(first.peak), again, journal)
        console.log(f"embedded: {n / emb_s:,.0f} docs/s; querying")
        queries = query_mix(items)
        del items
        per_query.append(latency(backend, queries, f"{n:,}", lat))
        backend.close()
        console.print(idx, disk, lat, per_query[-1])
    return [idx, disk, lat, *per_query]


def latency_table() -> Table:
    lat = Table(title="Embedded query latency, 50-query mix with facets (3 rounds after a warm-up)")
    for col in ("docs", "p50 ms", "p95 ms (≤50 at 1M)", "max ms", "mean hits", "FTS5 alone p50", "p95"):
        lat.add_column(col, justify="right")
    return lat


def fts5_alone(conn: sqlite3.Connection, query: str) -> float | None:
    """The query's words through FTS5 alone: its own ranked page of 20, no filters, no facets."""
    match = compile_fts(parse(query)).match
    if match is None:
        return None
    start = time.perf_counter()
    conn.execute("SELECT rowid, rank FROM fts WHERE fts MATCH ? ORDER BY rank LIMIT 20", (match,)).fetchall()
    return (time.perf_counter() - start) * 1000


def latency(backend: EmbeddedBackend, queries: list[str], label: str, lat: Table, rounds: int = 3) -> Table:
    for q in queries:  # warm the caches once
        backend.search(q, facets=True)
    times: list[float] = []
    totals: list[int] = []
    runs: dict[str, list[tuple[float, dict[str, float]]]] = {q: [] for q in queries}
    alone: dict[str, list[float]] = {q: [] for q in queries}
    conn = backend.conn
    for _ in range(rounds):
        for q in queries:
            t = time.perf_counter()
            result = backend.search(q, facets=True)
            elapsed = (time.perf_counter() - t) * 1000
            times.append(elapsed)
            totals.append(result.total)
            runs[q].append((elapsed, dict(backend.timings)))
            plain = fts5_alone(conn, q)
            if plain is not None:
                alone[q].append(plain)
    plain_all = [t for ts in alone.values() for t in ts]
    lat.add_row(
        label,
        f"{pct(times, 0.5):.1f}",
        f"{pct(times, 0.95):.1f}",
        f"{max(times):.1f}",
        f"{statistics.mean(totals):,.0f}",
        f"{pct(plain_all, 0.5):.1f}",
        f"{pct(plain_all, 0.95):.1f}",
    )
    p95 = pct(times, 0.95)
    table = Table(title=f"Where each query's time goes, {label} docs (median of {rounds} runs, ms; slowest first)")
    for col in ("query", "total", *PHASES, "hits", "FTS5 alone", ""):
        table.add_column(col, justify="left" if col == "query" else "right")
    medians = []
    for q in dict.fromkeys(queries):
        ordered = sorted(runs[q], key=lambda r: r[0])
        total, phases = ordered[len(ordered) // 2]
        medians.append((total, q, phases))
    hits = {q: backend.search(q).total for q in dict.fromkeys(queries)}
    for total, q, phases in sorted(medians, key=lambda m: -m[0]):
        plain = statistics.median(alone[q]) if alone[q] else None
        table.add_row(
            q or "(everything)",
            f"{total:.1f}",
            *(f"{phases.get(p, 0.0):.1f}" for p in PHASES),
            f"{hits[q]:,}",
            "-" if plain is None else f"{plain:.1f}",
            "slow" if total >= p95 else "",
        )
    return table


def bench_latency_reused(sizes: list[int], seed: int, folder: Path) -> list[Table]:
    """Query latency only, on indexes kept in ``folder`` (built once with the same generator)."""
    lat = latency_table()
    tables = [lat]
    folder.mkdir(parents=True, exist_ok=True)
    for n in sizes:
        path, qpath = folder / f"emb-{n}" / "index.sqlite3", folder / f"emb-{n}.queries.json"
        if not (path.exists() and qpath.exists()):
            console.log(f"embedded: generating and indexing {n:,} items (kept in {folder})")
            path.parent.mkdir(parents=True, exist_ok=True)
            with EmbeddedBackend(path) as backend:
                backend.index(stream(n, seed), rebuild=True)
            qpath.write_text(json.dumps(query_mix(it for it, _ in stream(n, seed))))
        with EmbeddedBackend(path) as backend:
            console.log(f"embedded: querying {n:,} items ({path})")
            tables.append(latency(backend, json.loads(qpath.read_text()), f"{n:,}", lat))
        console.print(*tables)
    return tables


# --------------------------------------------------------------------------- memory


def _child(n: int, seed: int, path: str, index: bool) -> None:
    import tracemalloc

    tracemalloc.start()
    anon = _AnonPeak()
    anon.start()
    items = stream(n, seed)
    if index:
        with EmbeddedBackend(Path(path)) as backend:
            backend.index(items, rebuild=True)
    else:
        for _ in items:
            pass
    peak = tracemalloc.get_traced_memory()[1]
    anon.stop()
    print(json.dumps({"rss_mb": _peak_rss_mb(), "anon_mb": anon.peak_mb, "traced_mb": peak / 1e6}))


def _status_kb(field: str) -> int:
    """A size in kB from /proc/self/status (0: not there)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


class _AnonPeak(threading.Thread):
    """The peak of this process's anonymous memory (RssAnon), sampled every 20 ms. The peak RSS
    also counts pages of the index file that SQLite maps (``mmap_size``): shared with the page
    cache and given back by the kernel when it needs them, unlike anonymous memory."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.peak_mb = 0.0
        self._done = threading.Event()

    def run(self) -> None:
        while not self._done.wait(0.02):
            self.peak_mb = max(self.peak_mb, _status_kb("RssAnon") / 1024)

    def stop(self) -> None:
        self._done.set()
        self.join()
        self.peak_mb = max(self.peak_mb, _status_kb("RssAnon") / 1024)


def _peak_rss_mb() -> float:
    """This process's peak RSS. Not ru_maxrss: Linux carries that over fork+exec, so a child
    would report its parent's peak; VmHWM belongs to the new address space."""
    peak = _status_kb("VmHWM")
    return peak / 1024 if peak else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def bench_memory(sizes: list[int], seed: int, tmp: Path) -> Table:
    table = Table(title="Memory while indexing (child process streaming N generated items)")
    for col in (
        "docs",
        "generate only: peak RSS MB",
        "generate + index: peak RSS MB",
        "of which anonymous (not the mapped index file)",
        "index: tracemalloc peak MB",
    ):
        table.add_column(col, justify="right")
    for n in sizes:
        console.log(f"memory: {n:,} items")
        out = {}
        for index in (False, True):
            folder = tmp / f"mem-{n}-{index}"
            folder.mkdir()
            cmd = [sys.executable, __file__, "--child", str(n), "--seed", str(seed), "--child-path"]
            cmd.append(str(folder / "index.sqlite3"))
            if index:
                cmd.append("--child-index")
            res = subprocess.run(cmd, capture_output=True, text=True, check=True)
            out[index] = json.loads(res.stdout.strip().splitlines()[-1])
        table.add_row(
            f"{n:,}",
            f"{out[False]['rss_mb']:.0f}",
            f"{out[True]['rss_mb']:.0f}",
            f"{out[True]['anon_mb']:.0f}",
            f"{out[True]['traced_mb']:.1f}",
        )
    console.print(table)
    return table


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="10000,100000,1000000", help="embedded corpus sizes")
    ap.add_argument("--rebuild-sizes", default="1000000", help="sizes whose peak disk is also taken on a rebuild")
    ap.add_argument("--es-sizes", default="100000,1000000")
    ap.add_argument("--es-url", default=os.environ.get("POLICYTRACK_TEST_ES_URL", ""))
    ap.add_argument("--no-es", action="store_true")
    ap.add_argument("--no-embedded", action="store_true")
    ap.add_argument("--memory-sizes", default="10000,100000")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--tmp", default="", help="folder for the index files (default: a temporary one)")
    ap.add_argument("--reuse-index", default="", metavar="DIR", help="latency only, on indexes kept in DIR")
    ap.add_argument("--child", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--child-path", help=argparse.SUPPRESS)
    ap.add_argument("--child-index", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child is not None:
        _child(args.child, args.seed, args.child_path, args.child_index)
        return
    sizes = [int(s) for s in args.sizes.split(",") if s]
    if args.reuse_index:
        bench_latency_reused(sizes, args.seed, Path(args.reuse_index))
        return
    console.log(f"load average at start: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    tables: list[Table] = []
    with tempfile.TemporaryDirectory(dir=args.tmp or None) as tmp:
        if not args.no_embedded:
            rebuild = {int(s) for s in args.rebuild_sizes.split(",") if s}
            tables += bench_embedded(sizes, rebuild, args.seed, Path(tmp))
        if not args.no_es:
            if not args.es_url:
                raise SystemExit("no Elasticsearch URL: pass --es-url, run scripts/es-node start, or use --no-es")
            for n in (int(s) for s in args.es_sizes.split(",") if s):
                items = corpus(n, args.seed)
                tables += bench_es(args.es_url, items, query_mix(items), alias=f"bench-{uuid.uuid4().hex[:8]}")
                del items
        if args.memory_sizes:
            tables.append(bench_memory([int(s) for s in args.memory_sizes.split(",") if s], args.seed, Path(tmp)))
    console.rule(f"summary (load average at the end: {os.getloadavg()[0]:.1f})")
    for t in tables:
        console.print(t)


if __name__ == "__main__":
    main()
