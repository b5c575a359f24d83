"""Static site: full build, no-change rebuild and one-change rebuild of a large generated corpus.

    .venv/bin/python benchmarks/bench_site.py [--dossiers 10000] [--documents 100000] [--no-pagefind]

The corpus comes from ``benchmarks/corpus.py`` (seeded: same numbers, same items) plus the sample
content of ``site/content``. Measured in one run:

* **baseline**: writing the same number of pages with a bare ``str.format`` template and no model
  (the file-system floor on this machine); the full build is reported as a ratio of it;
* **full build**: store → model → every page, feeds, calendar, sitemap, exports (targets ≥ 500 pages/s);
* **no-change rebuild**: same inputs again (target ≤ 2 s: the manifest's fingerprint stops it early);
* **one-change rebuild**: one dossier gains an event; only pages whose inputs changed are rendered;
* **Pagefind**: the client-side search index over all pages, measured on its own.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import sqlite3
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from rich.console import Console
from rich.progress import Progress
from rich.table import Table

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.corpus import generate_documents, generate_procedures
from policytrack import urls
from policytrack.config import load_settings
from policytrack.model import Event, Procedure
from policytrack.resources import site_dir
from policytrack.store import Store
from policytrack.website import BuildOptions, SiteError, build_site
from policytrack.website.incremental import Manifest
from policytrack.website.search import build_search_index

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
BASELINE_PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{title}</title></head>
<body><main><h1>{title}</h1><p>{summary}</p></main></body></html>"""


def fill(store_path: Path, dossiers: int, documents: int, seed: int) -> float:
    t0 = time.perf_counter()
    with Store(store_path) as store, Progress(transient=True) as bar:
        task = bar.add_task("filling the store", total=dossiers + documents)

        def counted(items):
            for n, item in enumerate(items, 1):
                if n % 2000 == 0:
                    bar.update(task, advance=2000)
                yield item

        store.upsert(counted(generate_procedures(dossiers, seed)), NOW - timedelta(days=3), batch_size=2000)
        store.upsert(counted(generate_documents(documents, seed)), NOW - timedelta(days=3), batch_size=2000)
    return time.perf_counter() - t0


def baseline(store_path: Path, out: Path, files: list[str]) -> float:
    """Write the same page files as the build (same paths, same count) with ``str.format``.

    An item's page gets its title and summary from the item's stored JSON (decoded, nothing
    else: no validation, no model, no cross-links, no Jinja, no hashing); the few other pages
    (lists, topics, notes) get their path as title. This is the floor of writing these pages."""
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


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--dossiers", type=int, default=10_000)
    ap.add_argument("--documents", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--no-pagefind", action="store_true", help="skip the search-index measurement")
    ap.add_argument("--keep", type=Path, help="work in this folder and keep it (default: a temporary folder)")
    ap.add_argument(
        "--reuse-store", action="store_true", help="with --keep: use the store already filled there (same sizes)"
    )
    args = ap.parse_args()
    console = Console(width=150)
    work = args.keep or Path(tempfile.mkdtemp(prefix="bench-site-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        store_path = work / "store.sqlite3"
        reuse = args.reuse_store and args.keep and store_path.exists()
        if store_path.exists() and not reuse:
            store_path.unlink()
        out = work / "public"
        shutil.rmtree(out, ignore_errors=True)
        shutil.rmtree(work / "baseline", ignore_errors=True)
        if not reuse:
            fill_s = fill(store_path, args.dossiers, args.documents, args.seed)
            console.print(
                f"store filled with {args.dossiers:,} dossiers and {args.documents:,} documents in {fill_s:.1f} s"
            )
        settings = load_settings(env={}, cwd=work)
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

        with Progress(console=console, transient=True) as bar:
            task = bar.add_task("full build", total=None)
            full = build_site(opts, progress=lambda d, t: bar.update(task, completed=d, total=t))
        pages = full.pages
        base_s = baseline(store_path, work / "baseline", sorted(Manifest.load(out).pages))
        again = build_site(opts)
        assert again.up_to_date, "the no-change rebuild should stop at the fingerprint"

        with Store(store_path) as store:
            proc = next(p for p in store.items("procedure", tracked=True) if isinstance(p, Procedure))
            store.upsert(
                [
                    proc.replace(
                        events=(
                            *proc.events,
                            Event(
                                date(2027, 1, 15),
                                f"Plenary vote {len(proc.events)}",  # a new event on every run
                                "European Parliament",
                                forecast=True,
                            ),
                        )
                    )
                ],
                NOW - timedelta(hours=1),
            )
        one = build_site(opts)

        search_s, search_note = None, ""
        if not args.no_pagefind:
            t0 = time.perf_counter()
            try:
                console.print(f"Pagefind: {build_search_index(out)}")
            except SiteError as e:  # e.g. killed by the kernel's OOM killer: report, don't hide
                search_note = f"FAILED: {e}"
            search_s = time.perf_counter() - t0
            # ru_maxrss of waited-for children, in KiB on Linux: Pagefind's peak memory.
            search_note = search_note or f"peak {resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024:,.0f} MB"

        full_s = full.timings["total"]
        table = Table(
            title=f"Site build: {args.dossiers:,} dossiers, {args.documents:,} documents, "
            f"{pages:,} pages ({os.cpu_count()} CPUs)"
        )
        for col in ("run", "pages rendered", "seconds", "pages/s", "vs baseline", "target", "met / note"):
            table.add_column(col, justify="right" if col not in ("run", "target") else "left")
        table.add_row(
            "baseline: str.format, no model", f"{pages:,}", f"{base_s:.2f}", f"{pages / base_s:,.0f}", "1.00×", "", ""
        )
        pps = pages / full_s
        table.add_row(
            "full build (all pages, feeds, ics, sitemap, exports)",
            f"{full.written:,}",
            f"{full_s:.2f}",
            f"{pps:,.0f}",
            f"{full_s / base_s:.2f}×",
            "≥ 500 pages/s",
            "yes" if pps >= 500 else "NO",
        )
        table.add_row("  of which: model (store → cross-links)", "", f"{full.timings['model']:.2f}", "", "", "", "")
        table.add_row(
            "  of which: render + write pages",
            "",
            f"{full.timings['render']:.2f}",
            f"{pages / full.timings['render']:,.0f}",
            "",
            "",
            "",
        )
        a_s = again.timings["total"]
        table.add_row(
            "no-change rebuild",
            f"{again.written:,}",
            f"{a_s:.2f}",
            "",
            f"{a_s / base_s:.3f}×",
            "≤ 2 s",
            "yes" if a_s <= 2 else "NO",
        )
        o_s = one.timings["total"]
        table.add_row("one dossier changed", f"{one.written:,}", f"{o_s:.2f}", "", f"{o_s / base_s:.2f}×", "", "")
        if search_s is not None:
            table.add_row(
                "Pagefind index (all pages)",
                f"{pages:,}",
                f"{search_s:.1f}",
                f"{pages / search_s:,.0f}",
                f"{search_s / base_s:.2f}×",
                "measured only",
                search_note,
            )
        console.print(table)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
