"""Load test of `policytrack serve` on 127.0.0.1, against a baseline measured in the same run.

    .venv/bin/python benchmarks/bench_app.py [--size 100000] [--clients 20] [--requests 100]
                                             [--connections 4] [--reuse-index DIR] [--path search]

* The app runs as a real `policytrack serve` process (uvicorn) over the embedded index of
  ``--size`` generated items (``benchmarks/corpus.py``, the same corpus and 50-query mix as
  ``bench_index.py``; ``--reuse-index DIR`` shares its kept indexes). Its rate limit is off.
* ``--clients`` concurrent clients (asyncio + httpx2, one connection each) send ``--requests``
  requests each, back to back or with a pause like a person's (``--think``), cycling through the query mix from different offsets: a bounded
  run (a fixed number of requests, a 30 s timeout each) to 127.0.0.1 only.
* Server time is what the app reports in ``Server-Timing`` (from the request reaching the app to
  its answer's headers: search, facets, rendering, waiting for a free backend). Client time adds
  the HTTP round trip and the client's own queueing on the shared cores.
* Baseline: ``EmbeddedBackend.search`` (with facets, 20 hits) called directly, one at a time, for
  the same queries: the app's overhead is the difference.

Target (issue 13): p95 server time ≤ 50 ms with 20 concurrent clients at 100k documents, 0 errors.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx2 as httpx
from rich.console import Console
from rich.table import Table

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.bench_index import CHANGED, corpus, query_mix
from indexer.embedded import EmbeddedBackend

console = Console()


def pct(values: list[float], f: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, round(f * (len(s) - 1)))]


def index_for(n: int, seed: int, folder: Path) -> tuple[Path, list[str]]:
    """The optimised index of ``n`` generated items and its query mix, built once in ``folder``."""
    path, qpath = folder / f"emb-{n}.sqlite3", folder / f"emb-{n}.queries.json"
    if not (path.exists() and qpath.exists()):
        folder.mkdir(parents=True, exist_ok=True)
        console.log(f"generating and indexing {n:,} items into {path}")
        items = corpus(n, seed)
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
        backend = EmbeddedBackend(path)
        backend.index(((it, CHANGED) for it in items), rebuild=True)
        backend.optimize()
        backend.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        backend.close()
        qpath.write_text(json.dumps(query_mix(items)))
        del items
    return path, json.loads(qpath.read_text())


def baseline(path: Path, queries: list[str], rounds: int) -> list[float]:
    backend = EmbeddedBackend(path)
    for q in queries:
        backend.search(q, facets=True, per_page=20)
    times = []
    for _ in range(rounds):
        for q in queries:
            t = time.perf_counter()
            backend.search(q, facets=True, per_page=20)
            times.append((time.perf_counter() - t) * 1000)
    backend.close()
    return times


def start_app(project: Path) -> tuple[subprocess.Popen, str]:
    env = {**os.environ, "POLICYTRACK_DIGEST_SECRET": "bench-only-not-secret"}
    child = subprocess.Popen(
        [sys.executable, "-c", "from policytrack.cli import main; main()", "serve", "--port", "0"],
        cwd=project,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    line = child.stdout.readline()
    found = re.search(r"at (http://127\.0\.0\.1:\d+/)", line)
    if not found:
        child.kill()
        raise SystemExit(f"the app did not start: {line}{child.stdout.read()}")
    url = found.group(1)
    for _ in range(300):
        try:
            if httpx.get(url + "healthz").status_code == 200:
                return child, url
        except httpx.TransportError:
            time.sleep(0.1)
    child.kill()
    raise SystemExit("the app did not answer /healthz")


async def load(url: str, path: str, queries: list[str], clients: int, requests: int, think: float = 0.0):
    server: list[float] = []
    client_ms: list[float] = []
    errors: list[str] = []

    async def one_client(k: int) -> None:
        pause = random.Random(k)
        async with httpx.AsyncClient(base_url=url, timeout=30, limits=httpx.Limits(max_connections=1)) as c:
            for i in range(requests):
                q = queries[(k * 7 + i) % len(queries)]
                t = time.perf_counter()
                try:
                    r = await c.get(path, params={"q": q})
                except httpx.HTTPError as e:
                    errors.append(f"{type(e).__name__}: {e}")
                    continue
                client_ms.append((time.perf_counter() - t) * 1000)
                if r.status_code != 200:
                    errors.append(f"{r.status_code} for {q!r}")
                    continue
                server.append(float(r.headers["server-timing"].split("dur=")[1]))
                if think:
                    await asyncio.sleep(pause.uniform(0.5, 1.5) * think)

    started = time.perf_counter()
    await asyncio.gather(*(one_client(k) for k in range(clients)))
    return server, client_ms, errors, time.perf_counter() - started


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--size", type=int, default=100_000)
    ap.add_argument("--clients", type=int, default=20)
    ap.add_argument("--requests", type=int, default=100, help="requests per client")
    ap.add_argument("--connections", type=int, default=4, help="[app] search_connections")
    ap.add_argument("--path", default="search", help="search (HTML page) or search.json")
    ap.add_argument(
        "--think",
        type=float,
        default=0.0,
        help="mean pause in seconds between a client's requests (uniform 0.5-1.5×); 0: back to back",
    )
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--reuse-index", type=Path, help="keep the generated index here (shared with bench_index.py)")
    args = ap.parse_args()
    if not 1 <= args.clients <= 200 or not 1 <= args.requests <= 10_000:
        raise SystemExit("--clients must be 1..200 and --requests 1..10000 (a bounded run)")

    with tempfile.TemporaryDirectory(prefix="bench-app-") as tmp:
        folder = args.reuse_index or Path(tmp) / "indexes"
        path, queries = index_for(args.size, args.seed, folder)
        project = Path(tmp) / "project"
        (project / "data").mkdir(parents=True)
        os.link(path, project / "data" / "index.sqlite3")
        (project / "policytrack.toml").write_text(
            f'[project]\ndata_dir = "data"\n[app]\nsearch_per_minute = 0\nsearch_connections = {args.connections}\n'
        )
        console.log(f"baseline: EmbeddedBackend.search over {args.size:,} items")
        base = baseline(path, queries, rounds=3)
        child, url = start_app(project)
        try:
            console.log(f"load: {args.clients} clients × {args.requests} requests to {url}{args.path}")
            asyncio.run(load(url, args.path, queries[:5], args.clients, 1))  # warm-up
            server, client_ms, errors, took = asyncio.run(
                load(url, args.path, queries, args.clients, args.requests, args.think)
            )
        finally:
            child.terminate()
            child.wait(15)

    table = Table(
        title=f"`policytrack serve`, embedded index of {args.size:,} items, {args.clients} concurrent clients, "
        f"{args.clients * args.requests:,} requests to /{args.path}, "
        + (f"{args.think:g} s mean pause between a client's requests" if args.think else "back to back")
        + " (bounded run on 127.0.0.1)"
    )
    for col in ("measure", "requests", "p50 ms", "p95 ms", "max ms", "errors", "req/s"):
        table.add_column(col, justify="right")
    table.add_row(
        "baseline: backend.search, direct, one at a time",
        f"{len(base):,}",
        f"{pct(base, 0.5):.1f}",
        f"{pct(base, 0.95):.1f}",
        f"{max(base):.1f}",
        "-",
        "-",
    )
    for label, values in (("app: server time (Server-Timing)", server), ("app: client round trip", client_ms)):
        table.add_row(
            label,
            f"{len(values):,}",
            f"{pct(values, 0.5):.1f}",
            f"{pct(values, 0.95):.1f}",
            f"{max(values):.1f}",
            str(len(errors)),
            f"{len(client_ms) / took:.0f}",
        )
    console.print(table)
    target = "met" if server and pct(server, 0.95) <= 50 and not errors else "MISSED"
    console.print(f"target p95 server time ≤ 50 ms and 0 errors: {target}")
    for e in errors[:5]:
        console.print(f"error: {e}")


if __name__ == "__main__":
    main()
