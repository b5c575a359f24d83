"""Elasticsearch side of ``bench_index.py``: the backend against the fastest plain bulk load.

The raw side gets every advantage the backend could have and more: documents (items and their
sections) serialised before the clock starts, into NDJSON ``_bulk`` bodies, sent over several
keep-alive connections at once by threads that do nothing else, into an index with the same
mapping, one shard, no replica and refresh off until the end (Elastic's tuning advice for
indexing speed). Bulk size and the number of streams are tuned on a sample first; the backend
then uses the best pair. Both end with the index refreshed and searchable.
"""

from __future__ import annotations

import http.client
import json
import queue
import threading
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from functools import partial
from urllib.parse import urlsplit

from rich.console import Console
from rich.table import Table

from indexer.elastic import FOLDING_ANALYSIS, ElasticBackend, mapping
from indexer.fields import to_record

CHANGED = datetime(2025, 1, 6, tzinfo=UTC)
CHUNKS = (500, 1000, 2000)
STREAMS = (1, 2, 3)
console = Console(width=200)


def serialise(items: Sequence) -> list[tuple[str, str]]:
    """(id, JSON) of every document the backend would write: items and their sections."""
    out = []
    for item in items:
        rec = to_record(item, CHANGED)
        out.append((rec.id, json.dumps(rec.as_source(), ensure_ascii=False)))
        for order, section in enumerate(rec.sections):
            source = section.as_source(rec.id, order, "bench")
            out.append((source["id"], json.dumps(source, ensure_ascii=False)))
    return out


def bodies(docs: list[tuple[str, str]], chunk: int) -> list[bytes]:
    out = []
    for i in range(0, len(docs), chunk):
        lines = []
        for doc_id, source in docs[i : i + chunk]:
            lines.append(json.dumps({"index": {"_id": doc_id}}))
            lines.append(source)
        out.append(("\n".join(lines) + "\n").encode())
    return out


def raw_load(url: str, index: str, payloads: list[bytes], streams: int) -> float:
    """POST the bodies with ``streams`` concurrent connections; then refresh. Seconds."""
    parts = urlsplit(url)
    work: queue.Queue[bytes | None] = queue.Queue()
    for body in payloads:
        work.put(body)
    errors: list[str] = []

    def sender() -> None:
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=600)
        while (body := work.get()) is not None:
            conn.request("POST", f"/{index}/_bulk", body=body, headers={"Content-Type": "application/x-ndjson"})
            answer = json.loads(conn.getresponse().read())
            if answer.get("errors"):
                errors.append(str(answer)[:300])
        conn.close()

    threads = [threading.Thread(target=sender) for _ in range(streams)]
    start = time.perf_counter()
    for t in threads:
        work.put(None)
        t.start()
    for t in threads:
        t.join()
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=600)
    conn.request("POST", f"/{index}/_refresh")
    conn.getresponse().read()
    elapsed = time.perf_counter() - start
    conn.close()
    if errors:
        raise SystemExit(f"raw bulk rejected documents: {errors[0]}")
    return elapsed


def _fresh_index(backend: ElasticBackend, name: str) -> None:
    settings = {"number_of_shards": 1, "number_of_replicas": 0, "refresh_interval": "-1"}
    if backend.analyzer() != "standard":
        settings["analysis"] = FOLDING_ANALYSIS
    backend.es.options(ignore_status=404).indices.delete(index=name)
    backend.es.indices.create(index=name, settings=settings, mappings=mapping(backend.analyzer()))


def tune(url: str, backend: ElasticBackend, docs: list[tuple[str, str]], name: str) -> tuple[int, int, Table]:
    table = Table(title=f"Raw _bulk tuning on {len(docs):,} documents (docs/s)")
    table.add_column("docs per _bulk", justify="right")
    for s in STREAMS:
        table.add_column(f"{s} stream{'s' if s > 1 else ''}", justify="right")
    best = (0.0, CHUNKS[0], STREAMS[0])
    for chunk in CHUNKS:
        payloads = bodies(docs, chunk)
        row = [f"{chunk:,}"]
        for streams in STREAMS:
            _fresh_index(backend, name)
            rate = len(docs) / raw_load(url, name, payloads, streams)
            row.append(f"{rate:,.0f}")
            best = max(best, (rate, chunk, streams))
        table.add_row(*row)
    backend.es.options(ignore_status=404).indices.delete(index=name)
    console.print(table)
    return best[1], best[2], table


def bench_es(url: str, items: list, queries: list[str], *, alias: str) -> list[Table]:
    from benchmarks.bench_index import pct

    n = len(items)
    backend = ElasticBackend(url, alias, request_timeout=600)
    raw_index = f"{alias}-raw"
    try:
        console.log(f"elasticsearch: serialising {n:,} items")
        docs = serialise(items)
        sample = docs[: max(20_000, len(docs) // 10)]
        chunk, streams, tuning = tune(url, backend, sample, raw_index)
        payloads = bodies(docs, chunk)
        del sample
        _fresh_index(backend, raw_index)
        console.log(f"elasticsearch: raw _bulk of {len(docs):,} documents ({chunk} a request, {streams} streams)")
        raw_s = raw_load(url, raw_index, payloads, streams)
        del payloads
        backend.es.indices.delete(index=raw_index)
        console.log(f"elasticsearch: raw {n / raw_s:,.0f} items/s; the backend")
        backend.bulk_chunk, backend.bulk_threads = chunk, streams
        start = time.perf_counter()
        backend.index(((it, CHANGED) for it in items), rebuild=True)
        es_s = time.perf_counter() - start
        info = next(iter(backend.es.nodes.stats(metric="jvm")["nodes"].values()))
        heap = info["jvm"]["mem"]["heap_max_in_bytes"] / 2**20
        version = next(iter(backend.es.nodes.info(filter_path="nodes.*.version")["nodes"].values()))["version"]
        idx = Table(
            title=f"Elasticsearch {version} ({heap:,.0f} MB heap) indexing vs raw _bulk of the same "
            f"{len(docs):,} pre-serialised documents ({chunk} a request, {streams} streams)"
        )
        for col in ("items", "documents", "raw _bulk items/s", "backend items/s", "ratio (≥0.7)", "analyzer"):
            idx.add_column(col, justify="right")
        ratio = raw_s / es_s
        idx.add_row(
            f"{n:,}", f"{len(docs):,}", f"{n / raw_s:,.0f}", f"{n / es_s:,.0f}", f"{ratio:.2f}×", backend.analyzer()
        )
        backend.es.options(request_timeout=1800).indices.forcemerge(index=alias, max_num_segments=1)
        search = partial(backend.search, facets=True)
        for q in queries:
            search(q)
        times, totals = [], []
        for _ in range(3):
            for q in queries:
                t = time.perf_counter()
                totals.append(search(q).total)
                times.append((time.perf_counter() - t) * 1000)
        lat = Table(title="Elasticsearch query latency, same 50-query mix with facets (client round trip)")
        for col in ("items", "p50 ms", "p95 ms", "max ms", "mean hits"):
            lat.add_column(col, justify="right")
        lat.add_row(
            f"{n:,}",
            f"{pct(times, 0.5):.1f}",
            f"{pct(times, 0.95):.1f}",
            f"{max(times):.1f}",
            f"{sum(totals) / len(totals):,.0f}",
        )
    finally:
        backend.es.options(ignore_status=404).indices.delete(index=raw_index)
        backend.drop()
        backend.close()
    console.print(tuning, idx, lat)
    return [tuning, idx, lat]
