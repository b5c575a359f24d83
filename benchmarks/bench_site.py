"""Static site: full builds, rebuilds and the Pagefind index of a large generated corpus.

    .venv/bin/python benchmarks/bench_site.py [--dossiers 10000] [--documents 100000] [--rounds 3]
        [--repeat 5] [--tracked-share 0.13] [--no-pagefind] [--whole-pagefind] [--keep DIR [--reuse-store]]

The corpus comes from ``benchmarks/corpus.py`` (seeded: same numbers, same items; about one item
in eight is in a topic, i.e. tracked and published; ``--tracked-share 1`` publishes nearly all,
for a site ten times the size) plus the sample content of ``site/content``. Measured in one run:

* **baseline**: the same page files (same paths, same count) written with a bare ``str.format``
  template from each item's stored JSON (decoded, nothing else): the floor of writing these
  pages here. Every other time is also shown as a ratio of it;
* **full build**: store → model → every page, feeds, calendar, sitemap, exports, into an empty
  folder without the kept items (``published.py``), once in this process (``workers=1``) and
  once with a worker per CPU; ``--rounds`` alternates them with the baseline (best and spread
  shown). Target: ≤ 1.5× the baseline;
* **no-change rebuild** (target ≤ 2 s) and **one dossier changed** (a dossier gains an event,
  ``--repeat`` times; median and range; target ≤ 0.5 s);
* **Pagefind**: the search index of the searchable pages, in parts (``search.PART_PAGES``), with
  the peak memory of each part's Pagefind process; ``--whole-pagefind`` also indexes them in
  one run, as before parts, for comparison.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from rich.console import Console
from rich.progress import Progress
from rich.table import Table

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import corpus
from policytrack import urls
from policytrack.config import load_settings
from policytrack.model import Event, Procedure
from policytrack.resources import site_dir
from policytrack.store import Store
from policytrack.website import BuildOptions, SiteError, build_site
from policytrack.website.incremental import Manifest
from policytrack.website.pagewriter import workers_available
from policytrack.website.published import cache_path
from policytrack.website.search import PART_PAGES, build_search_index, split

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
BASELINE_PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{title}</title></head>
<body><main><h1>{title}</h1><p>{summary}</p></main></body></html>"""
TARGET_FULL = 1.5  # × the baseline
TARGET_NO_CHANGE = 2.0  # seconds
TARGET_ONE_CHANGE = 0.5  # seconds


def fill(store_path: Path, dossiers: int, documents: int, seed: int, topics) -> float:
    """Store the corpus as a crawl would: tagged with the configured topics as it is written
    (a store tagged with other topics is tagged again by the first build: not a build's work)."""
    t0 = time.perf_counter()
    with Store(store_path, topics=topics) as store, Progress(transient=True) as bar:
        task = bar.add_task("filling the store", total=dossiers + documents)

        def counted(items):
            for n, item in enumerate(items, 1):
                if n % 2000 == 0:
                    bar.update(task, advance=2000)
                yield item

        store.upsert(counted(corpus.generate_procedures(dossiers, seed)), NOW - timedelta(days=3), batch_size=2000)
        store.upsert(counted(corpus.generate_documents(documents, seed)), NOW - timedelta(days=3), batch_size=2000)
    return time.perf_counter() - t0


def baseline(store_path: Path, out: Path, files: list[str]) -> float:
    """Write the same page files as the build (same paths, same count) with ``str.format``.

    An item's page gets its title and summary from the item's stored JSON (decoded, nothing
    else: no validation, no model, no cross-links, no Jinja, no hashing); the few other pages
    (lists, topics, notes) get their path as title. This is the floor of writing these pages."""
    shutil.rmtree(out, ignore_errors=True)
    t0 = time.perf_counter()
    conn = sqlite3.connect(f"file:{store_path}?mode=ro", uri=True)
    try:
        rows = {
            urls.item_path(item_id) + "index.html": data
            for item_id, data in conn.execute("SELECT id, data FROM items WHERE tracked = 1")
        }
    finally:
        conn.close()
    for rel in files:
        data = rows.get(rel)
        if data is not None:
            item = json.loads(data)
            title, summary = item["title"], (item.get("summary") or "")[:500]
        else:
            title, summary = rel, ""
        target = out / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(BASELINE_PAGE.format(title=title, summary=summary), "utf-8")
    return time.perf_counter() - t0


def full_build(opts: BuildOptions, workers: int, console: Console):
    """A build into an empty folder, without the items kept by an earlier build."""
    shutil.rmtree(opts.out_dir, ignore_errors=True)
    if opts.store_path:
        cache_path(opts.store_path).unlink(missing_ok=True)
    opts.workers = workers
    with Progress(console=console, transient=True) as bar:
        task = bar.add_task(f"full build, {workers} worker(s)", total=None)
        return build_site(opts, progress=lambda d, t: bar.update(task, completed=d, total=t))


def change_one_dossier(store_path: Path) -> None:
    with Store(store_path) as store:
        proc = next(p for p in store.items("procedure", tracked=True) if isinstance(p, Procedure))
        vote = Event(date(2027, 1, 15), f"Plenary vote {len(proc.events)}", "European Parliament", forecast=True)
        store.upsert([proc.replace(events=(*proc.events, vote))], NOW - timedelta(hours=1))


def spread(values: list[float], fmt: str = "{:.2f}") -> str:
    return fmt.format(min(values)) if len(values) == 1 else f"{fmt.format(min(values))}–{fmt.format(max(values))}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--dossiers", type=int, default=10_000)
    ap.add_argument("--documents", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--tracked-share", type=float, default=corpus.TRACKED_SHARE, help="items on a tracked subject")
    ap.add_argument("--rounds", type=int, default=1, help="full builds and baselines, alternated")
    ap.add_argument("--repeat", type=int, default=5, help="one-dossier changes")
    ap.add_argument("--no-pagefind", action="store_true", help="skip the search-index measurement")
    ap.add_argument("--whole-pagefind", action="store_true", help="also index every page in one Pagefind run")
    ap.add_argument("--keep", type=Path, help="work in this folder and keep it (default: a temporary folder)")
    ap.add_argument("--reuse-store", action="store_true", help="with --keep: the store already filled there")
    args = ap.parse_args()
    corpus.TRACKED_SHARE = args.tracked_share
    console = Console(width=160)
    work = args.keep or Path(tempfile.mkdtemp(prefix="bench-site-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        store_path = work / "store.sqlite3"
        reuse = args.reuse_store and args.keep and store_path.exists()
        if store_path.exists() and not reuse:
            store_path.unlink()
        out = work / "public"
        settings = load_settings(env={}, cwd=work)
        if not reuse:
            fill_s = fill(store_path, args.dossiers, args.documents, args.seed, settings.topics)
            console.print(
                f"store filled with {args.dossiers:,} dossiers and {args.documents:,} documents in {fill_s:.1f} s"
            )
        with Store(store_path, topics=settings.topics):
            pass  # a reused store tagged with other topics: tagged again now, not in the first build
        load = os.getloadavg()
        console.print(f"load average before: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} ({os.cpu_count()} CPUs)")
        opts = BuildOptions(
            out_dir=out,
            content_dir=site_dir() / "content",
            store_path=store_path,
            now=NOW,
            title=settings.site.title,
            base_url="https://policy.example.org/",
            topics=settings.topics,
            search=False,
        )
        cpus = workers_available()
        single, multi, bases = [], [], []
        for _ in range(args.rounds):
            single.append(full_build(opts, 1, console))
            files = sorted(Manifest.load(out).pages)
            bases.append(baseline(store_path, work / "baseline", files))
            if cpus > 1:
                multi.append(full_build(opts, cpus, console))
        last = (multi or single)[-1]
        pages = last.pages
        base_s = min(bases)
        again = build_site(opts)
        assert again.up_to_date, "the no-change rebuild should stop at the fingerprint"
        ones = []
        for _ in range(args.repeat):
            change_one_dossier(store_path)
            ones.append(build_site(opts))

        table = Table(
            title=f"Site build: {args.dossiers:,} dossiers, {args.documents:,} documents, {pages:,} pages "
            f"({os.cpu_count()} CPUs, load before {load[0]:.1f})"
        )
        for col in ("run", "pages rendered", "seconds", "pages/s", "× baseline", "target", "met"):
            table.add_column(col, justify="left" if col in ("run", "target") else "right")
        table.add_row(
            f"baseline: str.format, same pages (best of {len(bases)}: {spread(bases)} s)",
            f"{pages:,}",
            f"{base_s:.2f}",
            f"{pages / base_s:,.0f}",
            "1.00×",
            "",
            "",
        )
        for label, runs in (("full build, 1 process", single), (f"full build, {cpus} workers", multi)):
            if not runs:
                continue
            totals = [r.timings["total"] for r in runs]
            best = min(runs, key=lambda r: r.timings["total"])
            ratios = [t / b for t, b in zip(totals, bases, strict=True)]
            table.add_row(
                f"{label} (feeds, ics, sitemap, exports; {spread(totals)} s)",
                f"{best.written:,}",
                f"{best.timings['total']:.2f}",
                f"{pages / best.timings['total']:,.0f}",
                spread(ratios, "{:.2f}×"),
                f"≤ {TARGET_FULL}×",
                "yes" if min(ratios) <= TARGET_FULL else "NO",
            )
            for phase, what in (("model", "model: store → items, cross-links"), ("render", "render + write pages")):
                table.add_row(f"  of which: {what}", "", f"{best.timings[phase]:.2f}", "", "", "", "")
        a_s = again.timings["total"]
        table.add_row(
            "no-change rebuild",
            "0",
            f"{a_s:.2f}",
            "",
            f"{a_s / base_s:.3f}×",
            f"≤ {TARGET_NO_CHANGE:.0f} s",
            "yes" if a_s <= TARGET_NO_CHANGE else "NO",
        )
        one_s = [r.timings["total"] for r in ones]
        med = statistics.median(one_s)
        table.add_row(
            f"one dossier changed (median of {len(ones)}: {spread(one_s)} s)",
            spread([float(r.written) for r in ones], "{:.0f}"),
            f"{med:.2f}",
            "",
            f"{med / base_s:.3f}×",
            f"≤ {TARGET_ONE_CHANGE} s",
            "yes" if med <= TARGET_ONE_CHANGE else "NO",
        )
        phases = {k: statistics.median(r.timings.get(k, 0.0) for r in ones) for k in ("model", "render", "files")}
        table.add_row(
            "  of which (medians): " + ", ".join(f"{k} {v:.2f} s" for k, v in phases.items()), "", "", "", "", "", ""
        )
        if not args.no_pagefind:
            searchable = {f: "" for f in Manifest.load(out).searchable}
            runs = [("Pagefind, in parts", PART_PAGES)]
            if args.whole_pagefind:
                runs.insert(0, ("Pagefind, one run (before parts)", len(searchable) + 1))
            for label, part_pages in runs:
                t0 = time.perf_counter()
                try:
                    found = build_search_index(out, searchable, {}, part_pages=part_pages)
                    note = ""
                except SiteError as e:  # e.g. killed by the kernel's OOM killer: report, don't hide
                    found, note = None, f"FAILED: {e}"
                search_s = time.perf_counter() - t0
                if found is not None:
                    peak = max(found.peak_mb.values(), default=0.0)
                    biggest = max(len(p) for p in split(searchable, part_pages))
                    note = (
                        f"{len(found.parts)} part(s) of ≤ {biggest:,} pages; peak {peak:,.0f} MB "
                        f"= {peak / biggest * 10_000:,.0f} MB per 10k pages"
                    )
                table.add_row(
                    label,
                    f"{len(searchable):,}",
                    f"{search_s:.1f}",
                    f"{len(searchable) / search_s:,.0f}",
                    f"{search_s / base_s:.1f}×",
                    "flat memory",
                    note,
                )
        console.print(table)
        load = os.getloadavg()
        console.print(f"load average after: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
