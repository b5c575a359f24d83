"""Search indexing and query speed, each against a baseline measured in the same run.

    .venv/bin/python benchmarks/bench_index.py [--sizes 10000,100000,1000000] [--es-size 100000]
                                               [--es-url URL | --no-es] [--memory-sizes 10000,100000]
                                               [--reuse-index DIR]

``--reuse-index DIR`` (latency only): keeps each size's optimised index and its query mix in
DIR (``emb-<n>.sqlite3`` + ``emb-<n>.queries.json``), building them the first time, so query
work can be iterated on without rebuilding a 1 M index. Delete the files after a schema change.

* Embedded indexing (``EmbeddedBackend.index(rebuild=True)``: records, docs, terms and FTS5
  rows) against raw ``executemany`` inserts of the same (title, body, meta) rows into an FTS5
  table of the same definition. Target: ≥ 0.5× raw.
* Elasticsearch indexing (``ElasticBackend.index(rebuild=True)``: streaming_bulk into a new
  versioned index, then the alias swap) against raw ``_bulk`` POSTs of the same documents,
  pre-serialised, into an index with the same mapping. Target: ≥ 0.7× raw.
* Query latency p50/p95 over a fixed mix of 50 queries, each with facets. Target: embedded
  p95 ≤ 50 ms at 1 M documents.
* Peak RSS of a child process that streams N generated documents into the embedded index, next
  to one that only generates them: flat in N means indexing memory does not grow with the corpus.

The corpus comes from ``benchmarks/corpus.py`` (seeded). Generation is not timed.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import resource
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from urllib.parse import urlsplit

from rich.console import Console
from rich.table import Table

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.corpus import generate_documents, generate_procedures
from indexer.embedded import BATCH, SCHEMA, EmbeddedBackend
from indexer.fields import to_record

CHANGED = datetime(2025, 1, 6, tzinfo=UTC)
console = Console()


def corpus(n: int, seed: int) -> list:
    procs = n // 50
    return list(generate_procedures(procs, seed)) + list(generate_documents(n - procs, seed, sections=True))


def query_mix(items: list) -> list[str]:
    """50 queries a coalition analyst would type; identifiers are picked from the corpus."""
    docs = [i for i in items if i.kind == "document"]
    celexes = [d.celex for d in docs if d.celex][:: max(1, len(docs) // 7)][:4]
    procs = [d.procedure for d in docs if d.procedure][:: max(1, len(docs) // 5)][:3]
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


# --------------------------------------------------------------------------- embedded


def raw_fts(path: Path, rows: list[tuple]) -> float:
    conn = sqlite3.connect(path, isolation_level=None)
    for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "temp_store=MEMORY", "cache_size=-65536"):
        conn.execute(f"PRAGMA {pragma}")
    fts_ddl = next(s for s in SCHEMA.split(";") if "fts5" in s)
    conn.execute(fts_ddl)
    start = time.perf_counter()
    conn.execute("BEGIN")
    for i in range(0, len(rows), BATCH):
        conn.executemany("INSERT INTO fts (rowid, title, body, meta) VALUES (?,?,?,?)", rows[i : i + BATCH])
    conn.execute("COMMIT")
    elapsed = time.perf_counter() - start
    conn.close()
    return elapsed


def latency(search, queries: list[str], rounds: int = 3) -> tuple[float, float, float, float]:
    for q in queries:  # warm the caches once
        search(q)
    times, totals = [], []
    for _ in range(rounds):
        for q in queries:
            t = time.perf_counter()
            result = search(q)
            times.append((time.perf_counter() - t) * 1000)
            totals.append(result.total)
    times.sort()
    p = lambda f: times[min(len(times) - 1, round(f * (len(times) - 1)))]  # noqa: E731
    return p(0.5), p(0.95), times[-1], statistics.mean(totals)


def bench_embedded(sizes: list[int], seed: int, tmp: Path) -> tuple[Table, Table]:
    idx = Table(title="Embedded indexing (SQLite FTS5) vs raw FTS5 inserts of the same rows")
    for col in ("docs", "raw FTS5 docs/s", "embedded docs/s", "ratio (≥0.5)", "optimize s", "index MB"):
        idx.add_column(col, justify="right")
    lat = Table(title="Embedded query latency, 50-query mix with facets (3 rounds after a warm-up)")
    for col in ("docs", "p50 ms", "p95 ms (≤50 at 1M)", "max ms", "mean hits"):
        lat.add_column(col, justify="right")
    for n in sizes:
        console.log(f"embedded: generating {n:,} items")
        items = corpus(n, seed)
        rows = [(i + 1, r.title, r.body, r.meta) for i, r in enumerate(to_record(it, CHANGED) for it in items)]
        raw_s = raw_fts(tmp / f"raw-{n}.sqlite3", rows)
        del rows
        (tmp / f"raw-{n}.sqlite3").unlink()
        console.log(f"embedded: raw {n / raw_s:,.0f} docs/s; indexing")
        path = tmp / f"emb-{n}.sqlite3"
        backend = EmbeddedBackend(path)
        start = time.perf_counter()
        backend.index(((it, CHANGED) for it in items), rebuild=True)
        emb_s = time.perf_counter() - start
        start = time.perf_counter()
        backend.optimize()
        opt_s = time.perf_counter() - start
        backend.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        size_mb = path.stat().st_size / 1e6
        idx.add_row(
            f"{n:,}",
            f"{n / raw_s:,.0f}",
            f"{n / emb_s:,.0f}",
            f"{raw_s / emb_s:.2f}×",
            f"{opt_s:.1f}",
            f"{size_mb:,.0f}",
        )
        console.log(f"embedded: {n / emb_s:,.0f} docs/s; querying")
        queries = query_mix(items)
        del items
        p50, p95, mx, hits = latency(partial(backend.search, facets=True), queries)
        lat.add_row(f"{n:,}", f"{p50:.1f}", f"{p95:.1f}", f"{mx:.1f}", f"{hits:,.0f}")
        backend.close()
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
        console.print(idx, lat)
    return idx, lat


def bench_latency_reused(sizes: list[int], seed: int, folder: Path) -> Table:
    """Query latency only, on indexes kept in ``folder`` (built once with the same generator)."""
    lat = Table(title="Embedded query latency, 50-query mix with facets (3 rounds after a warm-up)")
    for col in ("docs", "p50 ms", "p95 ms (≤50 at 1M)", "max ms", "mean hits"):
        lat.add_column(col, justify="right")
    folder.mkdir(parents=True, exist_ok=True)
    for n in sizes:
        path, qpath = folder / f"emb-{n}.sqlite3", folder / f"emb-{n}.queries.json"
        if not (path.exists() and qpath.exists()):
            console.log(f"embedded: generating {n:,} items (kept in {folder})")
            items = corpus(n, seed)
            for suffix in ("", "-wal", "-shm"):
                Path(str(path) + suffix).unlink(missing_ok=True)
            backend = EmbeddedBackend(path)
            console.log(f"embedded: indexing {n:,} items")
            backend.index(((it, CHANGED) for it in items), rebuild=True)
            backend.optimize()
            backend.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            backend.close()
            qpath.write_text(json.dumps(query_mix(items)))
            del items
        backend = EmbeddedBackend(path)
        console.log(f"embedded: querying {n:,} items ({path})")
        p50, p95, mx, hits = latency(partial(backend.search, facets=True), json.loads(qpath.read_text()))
        lat.add_row(f"{n:,}", f"{p50:.1f}", f"{p95:.1f}", f"{mx:.1f}", f"{hits:,.0f}")
        backend.close()
        console.print(lat)
    return lat


# --------------------------------------------------------------------------- Elasticsearch


def raw_bulk(url: str, index: str, docs: list[dict], chunk: int) -> float:
    parts = urlsplit(url)
    bodies = []
    for i in range(0, len(docs), chunk):
        lines = []
        for d in docs[i : i + chunk]:
            lines.append(json.dumps({"index": {"_id": d["id"]}}))
            lines.append(json.dumps(d, ensure_ascii=False))
        bodies.append(("\n".join(lines) + "\n").encode())
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=300)
    start = time.perf_counter()
    for body in bodies:
        conn.request("POST", f"/{index}/_bulk", body=body, headers={"Content-Type": "application/x-ndjson"})
        resp = json.loads(conn.getresponse().read())
        if resp.get("errors"):
            raise SystemExit(f"raw bulk rejected documents: {str(resp)[:300]}")
    conn.request("POST", f"/{index}/_refresh")
    conn.getresponse().read()
    elapsed = time.perf_counter() - start
    conn.close()
    return elapsed


def bench_es(url: str, n: int, seed: int) -> tuple[Table, Table]:
    from indexer.elastic import CHUNK, FOLDING_ANALYSIS, ElasticBackend, mapping

    console.log(f"elasticsearch: generating {n:,} items")
    items = corpus(n, seed)
    sources = [to_record(it, CHANGED).as_source() for it in items]
    alias = f"bench-{uuid.uuid4().hex[:8]}"
    backend = ElasticBackend(url, alias, request_timeout=300)
    raw_index = f"{alias}-raw"
    settings = {"number_of_shards": 1, "number_of_replicas": 0, "refresh_interval": "-1"}
    if backend.analyzer() != "standard":
        settings["analysis"] = FOLDING_ANALYSIS
    backend.es.indices.create(index=raw_index, settings=settings, mappings=mapping(backend.analyzer()))
    try:
        raw_s = raw_bulk(url, raw_index, sources, CHUNK)
        backend.es.indices.delete(index=raw_index)
        del sources
        console.log(f"elasticsearch: raw {n / raw_s:,.0f} docs/s; indexing")
        start = time.perf_counter()
        backend.index(((it, CHANGED) for it in items), rebuild=True)
        es_s = time.perf_counter() - start
        version = next(iter(backend.es.nodes.info(filter_path="nodes.*.version")["nodes"].values()))["version"]
        idx = Table(title=f"Elasticsearch {version} indexing vs raw _bulk of the same docs")
        for col in ("docs", "raw _bulk docs/s", "backend docs/s", "ratio (≥0.7)", "analyzer"):
            idx.add_column(col, justify="right")
        idx.add_row(f"{n:,}", f"{n / raw_s:,.0f}", f"{n / es_s:,.0f}", f"{raw_s / es_s:.2f}×", backend.analyzer())
        backend.es.options(request_timeout=600).indices.forcemerge(index=alias, max_num_segments=1)
        queries = query_mix(items)
        del items
        p50, p95, mx, hits = latency(partial(backend.search, facets=True), queries)
        lat = Table(title="Elasticsearch query latency, same 50-query mix with facets (client round trip)")
        for col in ("docs", "p50 ms", "p95 ms", "max ms", "mean hits"):
            lat.add_column(col, justify="right")
        lat.add_row(f"{n:,}", f"{p50:.1f}", f"{p95:.1f}", f"{mx:.1f}", f"{hits:,.0f}")
    finally:
        backend.es.options(ignore_status=404).indices.delete(index=raw_index)
        backend.drop()
        backend.close()
    console.print(idx, lat)
    return idx, lat


# --------------------------------------------------------------------------- memory


def _child(n: int, seed: int, path: str, index: bool) -> None:
    import tracemalloc

    tracemalloc.start()
    stream = (
        (it, CHANGED) for g in (generate_procedures(n // 50, seed), generate_documents(n - n // 50, seed)) for it in g
    )
    if index:
        backend = EmbeddedBackend(Path(path))
        backend.index(stream, rebuild=True)
        backend.close()
    else:
        for _ in stream:
            pass
    peak = tracemalloc.get_traced_memory()[1]
    print(json.dumps({"rss_mb": _peak_rss_mb(), "traced_mb": peak / 1e6}))


def _peak_rss_mb() -> float:
    """This process's peak RSS. Not ru_maxrss: Linux carries that over fork+exec, so a child
    would report its parent's peak; VmHWM belongs to the new address space."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def bench_memory(sizes: list[int], seed: int, tmp: Path) -> Table:
    table = Table(title="Memory while indexing (child process streaming N generated items)")
    for col in ("docs", "generate only: peak RSS MB", "generate + index: peak RSS MB", "index: tracemalloc peak MB"):
        table.add_column(col, justify="right")
    for n in sizes:
        console.log(f"memory: {n:,} items")
        out = {}
        for index in (False, True):
            path = tmp / f"mem-{n}.sqlite3"
            cmd = [sys.executable, __file__, "--child", str(n), "--seed", str(seed), "--child-path", str(path)]
            if index:
                cmd.append("--child-index")
            res = subprocess.run(cmd, capture_output=True, text=True, check=True)
            out[index] = json.loads(res.stdout.strip().splitlines()[-1])
            for suffix in ("", "-wal", "-shm"):
                Path(str(path) + suffix).unlink(missing_ok=True)
        table.add_row(
            f"{n:,}", f"{out[False]['rss_mb']:.0f}", f"{out[True]['rss_mb']:.0f}", f"{out[True]['traced_mb']:.1f}"
        )
    console.print(table)
    return table


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="10000,100000,1000000", help="embedded corpus sizes")
    ap.add_argument("--es-size", type=int, default=100_000)
    ap.add_argument("--es-url", default=os.environ.get("POLICYTRACK_TEST_ES_URL", ""))
    ap.add_argument("--no-es", action="store_true")
    ap.add_argument("--memory-sizes", default="10000,100000")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--tmp", default="", help="folder for the index files (default: a temporary one)")
    ap.add_argument(
        "--reuse-index",
        default="",
        metavar="DIR",
        help="latency only, on indexes kept in DIR (built there the first time)",
    )
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
    with tempfile.TemporaryDirectory(dir=args.tmp or None) as tmp:
        tables = list(bench_embedded(sizes, args.seed, Path(tmp)))
        if not args.no_es:
            if not args.es_url:
                raise SystemExit("no Elasticsearch URL: pass --es-url, run scripts/es-node start, or use --no-es")
            tables += bench_es(args.es_url, args.es_size, args.seed)
        tables.append(bench_memory([int(s) for s in args.memory_sizes.split(",") if s], args.seed, Path(tmp)))
    console.rule("summary")
    for t in tables:
        console.print(t)


if __name__ == "__main__":
    main()
