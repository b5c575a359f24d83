"""Load test of `policytrack serve` on 127.0.0.1, against a baseline measured in the same run.

    .venv/bin/python benchmarks/bench_app.py [--size 100000] [--clients 20] [--requests 50]
        [--think 1.0] [--rates 20,40] [--saturate] [--connections 4] [--reuse-index DIR]

* The app runs as a real `policytrack serve` process (uvicorn with httptools and uvloop) over
  the embedded index of ``--size`` generated items (``benchmarks/corpus.py`` with acts cut into
  parts, the 50-query mix of ``bench_index.py``; ``--reuse-index DIR`` shares its kept indexes).
  Its rate limit is off. Every run is bounded (a fixed number of requests, 30 s timeout each)
  and talks to 127.0.0.1 only.
* Load models, each stated in the table:
  - **closed loop with think time** (``--think``): ``--clients`` clients, one connection each,
    send a request, wait for the answer, pause uniformly 0.5–1.5 × ``--think`` seconds (a
    person reading the page), ``--requests`` times;
  - **open loop** (``--rates``): requests arrive at random (Poisson) at a fixed rate whatever
    the answers, served by at most ``--clients`` connections (a request that finds all of them
    busy waits on the client side: that wait is in the client time, not the server's);
  - **saturation** (``--saturate``): the clients back to back with no pause, to find the
    throughput ceiling (response times there are queueing: Little's law).
* Server time is the app's own ``Server-Timing`` (request reaching the app → answer's headers),
  split into waiting for a free backend of the pool, the search, and the rest (rendering the
  page, routing). Client time adds HTTP and the client's own queueing on the same two cores.
* Baseline: ``EmbeddedBackend.search`` (with facets, 20 hits) called directly, one at a time,
  for the same queries: the app's overhead is the difference.

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

from benchmarks.bench_index import pct, query_mix, stream
from indexer.embedded import EmbeddedBackend

console = Console(width=200)


def index_for(n: int, seed: int, folder: Path) -> tuple[Path, list[str]]:
    """The folder holding the index of ``n`` generated items (kept), and its query mix."""
    where, qpath = folder / f"emb-{n}", folder / f"emb-{n}.queries.json"
    if not ((where / "index.sqlite3").exists() and qpath.exists()):
        where.mkdir(parents=True, exist_ok=True)
        console.log(f"generating and indexing {n:,} items into {where}")
        with EmbeddedBackend(where / "index.sqlite3") as backend:
            backend.index(stream(n, seed), rebuild=True)
        qpath.write_text(json.dumps(query_mix(it for it, _ in stream(n, seed))))
    return where, json.loads(qpath.read_text())


def baseline(where: Path, queries: list[str], rounds: int) -> list[float]:
    with EmbeddedBackend(where / "index.sqlite3") as backend:
        for q in queries:
            backend.search(q, facets=True, per_page=20)
        times = []
        for _ in range(rounds):
            for q in queries:
                t = time.perf_counter()
                backend.search(q, facets=True, per_page=20)
                times.append((time.perf_counter() - t) * 1000)
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
    for _ in range(600):
        try:
            if httpx.get(url + "healthz").status_code == 200:
                return child, url
        except httpx.TransportError:
            time.sleep(0.1)
    child.kill()
    raise SystemExit("the app did not answer /healthz")


class Run:
    """What one load run saw."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.server: list[float] = []
        self.steps: dict[str, list[float]] = {"wait": [], "search": [], "rest": []}
        self.client: list[float] = []
        self.errors: list[str] = []
        self.took = 0.0

    def answer(self, r: httpx.Response, q: str, started: float) -> None:
        self.client.append((time.perf_counter() - started) * 1000)
        if r.status_code != 200:
            self.errors.append(f"{r.status_code} for {q!r}")
            return
        parts = dict(p.strip().split(";dur=") for p in r.headers["server-timing"].split(","))
        app = float(parts["app"])
        self.server.append(app)
        wait, search = float(parts.get("wait", 0)), float(parts.get("search", 0))
        self.steps["wait"].append(wait)
        self.steps["search"].append(search)
        self.steps["rest"].append(app - wait - search)


async def closed_loop(url: str, path: str, queries: list[str], clients: int, requests: int, think: float, run: Run):
    async def one_client(k: int) -> None:
        pause = random.Random(k)
        async with httpx.AsyncClient(base_url=url, timeout=30, limits=httpx.Limits(max_connections=1)) as c:
            for i in range(requests):
                q = queries[(k * 7 + i) % len(queries)]
                t = time.perf_counter()
                try:
                    r = await c.get(path, params={"q": q})
                except httpx.HTTPError as e:
                    run.errors.append(f"{type(e).__name__}: {e}")
                    continue
                run.answer(r, q, t)
                if think:
                    await asyncio.sleep(pause.uniform(0.5, 1.5) * think)

    started = time.perf_counter()
    await asyncio.gather(*(one_client(k) for k in range(clients)))
    run.took = time.perf_counter() - started


async def open_loop(url: str, path: str, queries: list[str], clients: int, total: int, rate: float, run: Run):
    free: asyncio.Queue[httpx.AsyncClient] = asyncio.Queue()
    pool = [httpx.AsyncClient(base_url=url, timeout=30, limits=httpx.Limits(max_connections=1)) for _ in range(clients)]
    for c in pool:
        free.put_nowait(c)
    arrivals = random.Random(rate)

    async def one(i: int) -> None:
        q = queries[(i * 7) % len(queries)]
        t = time.perf_counter()  # the arrival: a wait for a free connection counts
        c = await free.get()
        try:
            r = await c.get(path, params={"q": q})
            run.answer(r, q, t)
        except httpx.HTTPError as e:
            run.errors.append(f"{type(e).__name__}: {e}")
        finally:
            free.put_nowait(c)

    started = time.perf_counter()
    tasks = []
    for i in range(total):
        tasks.append(asyncio.create_task(one(i)))
        await asyncio.sleep(arrivals.expovariate(rate))
    await asyncio.gather(*tasks)
    run.took = time.perf_counter() - started
    for c in pool:
        await c.aclose()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--size", type=int, default=100_000)
    ap.add_argument("--clients", type=int, default=20)
    ap.add_argument("--requests", type=int, default=50, help="requests per client (closed loop)")
    ap.add_argument("--think", type=float, default=1.0, help="mean pause in s between a client's requests (0: none)")
    ap.add_argument("--rates", default="20,40", help="open loop: requests per second, comma-separated ('' for none)")
    ap.add_argument("--open-requests", type=int, default=1000, help="requests per open-loop run")
    ap.add_argument("--saturate", action="store_true", help="also a closed loop with no pause")
    ap.add_argument("--connections", type=int, default=4, help="[app] search_connections")
    ap.add_argument("--path", default="search", help="search (HTML page) or search.json")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--reuse-index", type=Path, help="keep the generated index here (shared with bench_index.py)")
    args = ap.parse_args()
    if not 1 <= args.clients <= 200 or not 1 <= args.requests <= 10_000 or not 1 <= args.open_requests <= 20_000:
        raise SystemExit("--clients 1..200, --requests 1..10000, --open-requests 1..20000 (a bounded run)")

    runs: list[Run] = []
    with tempfile.TemporaryDirectory(prefix="bench-app-") as tmp:
        where, queries = index_for(args.size, args.seed, args.reuse_index or Path(tmp) / "indexes")
        project = Path(tmp) / "project"
        project.mkdir()
        (project / "policytrack.toml").write_text(
            f'[project]\ndata_dir = "{where}"\n[app]\nsearch_per_minute = 0\nsearch_connections = {args.connections}\n'
        )
        console.log(f"baseline: EmbeddedBackend.search over {args.size:,} items")
        base = baseline(where, queries, rounds=3)
        load_before = os.getloadavg()[0]
        child, url = start_app(project)
        try:
            asyncio.run(closed_loop(url, args.path, queries, args.clients, 2, 0, Run("warm-up")))
            if args.think:
                run = Run(f"closed loop, {args.clients} clients, {args.think:g} s mean pause")
                console.log(run.label)
                asyncio.run(closed_loop(url, args.path, queries, args.clients, args.requests, args.think, run))
                runs.append(run)
            for rate in (float(r) for r in args.rates.split(",") if r):
                run = Run(f"open loop, {rate:g} req/s (Poisson), ≤ {args.clients} connections")
                console.log(run.label)
                asyncio.run(open_loop(url, args.path, queries, args.clients, args.open_requests, rate, run))
                runs.append(run)
            if args.saturate:
                run = Run(f"closed loop, {args.clients} clients back to back (saturation)")
                console.log(run.label)
                asyncio.run(closed_loop(url, args.path, queries, args.clients, args.requests, 0, run))
                runs.append(run)
        finally:
            child.terminate()
            child.wait(15)

    table = Table(
        title=f"`policytrack serve`, embedded index of {args.size:,} items, /{args.path}, {args.connections} "
        f"search connections, 127.0.0.1 (load average {load_before:.1f} on {os.cpu_count()} cores before the runs)"
    )
    for col in (
        "load",
        "requests",
        "req/s",
        "server p50",
        "p95",
        "max",
        "wait p95",
        "search p95",
        "rest p95",
        "client p95",
        "errors",
    ):
        table.add_column(col, justify="left" if col == "load" else "right")
    table.add_row(
        "baseline: backend.search, direct, one at a time",
        f"{len(base):,}",
        "-",
        f"{pct(base, 0.5):.1f}",
        f"{pct(base, 0.95):.1f}",
        f"{max(base):.1f}",
        "-",
        "-",
        "-",
        "-",
        "-",
    )
    for run in runs:
        if not run.server:
            table.add_row(run.label, "0", "-", "-", "-", "-", "-", "-", "-", "-", str(len(run.errors)))
            continue
        table.add_row(
            run.label,
            f"{len(run.client):,}",
            f"{len(run.client) / run.took:.0f}",
            f"{pct(run.server, 0.5):.1f}",
            f"{pct(run.server, 0.95):.1f}",
            f"{max(run.server):.1f}",
            *(f"{pct(run.steps[s], 0.95):.1f}" for s in ("wait", "search", "rest")),
            f"{pct(run.client, 0.95):.1f}",
            str(len(run.errors)),
        )
    console.print(table)
    for run in runs:
        verdict = "met" if run.server and pct(run.server, 0.95) <= 50 and not run.errors else "MISSED"
        console.print(f"{run.label}: target p95 server time ≤ 50 ms and 0 errors: {verdict}")
        for e in run.errors[:3]:
            console.print(f"  error: {e}")


if __name__ == "__main__":
    main()
