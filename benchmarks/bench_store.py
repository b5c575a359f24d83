"""Embedded store: upsert throughput against raw SQLite inserts of the same rows, in one run.

    .venv/bin/python benchmarks/bench_store.py [--sizes 10000,100000]

Three runs per size: a first upsert into an empty store (all new), a second identical upsert
(all unchanged: the nightly re-crawl case) and, as the baseline, a raw ``executemany`` INSERT of
the same JSON rows into a table of the same shape, without hashing or change detection.
"""

from __future__ import annotations

import argparse
import json
import random
import sqlite3
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from functools import partial
from pathlib import Path

from rich.console import Console
from rich.table import Table

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from policytrack.model import Document
from policytrack.store import Store

WORDS = [
    "due",
    "diligence",
    "supply",
    "chain",
    "ecodesign",
    "repair",
    "battery",
    "charger",
    "procurement",
    "waste",
    "mineral",
    "forced",
    "labour",
    "regulation",
    "directive",
    "amendment",
    "article",
    "Member",
    "States",
    "Commission",
]


def documents(n: int, seed: int = 1) -> list[Document]:
    rng = random.Random(seed)
    out = []
    for i in range(n):
        year = rng.randint(2005, 2025)
        out.append(
            Document(
                id=f"celex:3{year}R{i % 10000:04d}" if i < 10000 else f"bench:{i}",
                title=" ".join(rng.choices(WORDS, k=12)),
                source="eurlex",
                doc_type="regulation",
                date=date(year, 1, 1) + timedelta(days=rng.randint(0, 360)),
                summary=" ".join(rng.choices(WORDS, k=60)),
                text=" ".join(rng.choices(WORDS, k=400)),
                topics=rng.sample(["due-diligence", "circular-electronics", "public-procurement"], k=1),
            )
        )
    return out


def raw_insert(path: Path, rows: list[Document]) -> None:
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute(
        "CREATE TABLE items (id TEXT PRIMARY KEY, kind TEXT, hash TEXT, data TEXT, "
        "first_seen TEXT, last_changed TEXT, last_seen TEXT)"
    )
    now = datetime.now(UTC).isoformat()
    with conn:
        conn.executemany(
            "INSERT INTO items VALUES (?, ?, '', ?, ?, ?, ?)",
            ((d.id, d.kind, json.dumps(d.to_dict()), now, now, now) for d in rows),
        )
    conn.close()


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="10000,50000")
    args = parser.parse_args()
    table = Table(title="Embedded store upsert (docs/s; ratio = store / raw insert)")
    for col in ("docs", "raw insert", "upsert, all new", "ratio", "upsert, all unchanged", "ratio"):
        table.add_column(col, justify="right")
    for n in (int(s) for s in args.sizes.split(",")):
        rows = documents(n)
        with tempfile.TemporaryDirectory() as tmp:
            raw = timed(partial(raw_insert, Path(tmp) / "raw.sqlite3", rows))
            store = Store(Path(tmp) / "store.sqlite3")
            now = datetime.now(UTC)
            first = timed(partial(store.upsert, rows, now))
            second = timed(partial(store.upsert, rows, now))
            store.close()
        table.add_row(
            f"{n:,}",
            f"{n / raw:,.0f}",
            f"{n / first:,.0f}",
            f"{raw / first:.2f}×",
            f"{n / second:,.0f}",
            f"{raw / second:.2f}×",
        )
    Console().print(table)


if __name__ == "__main__":
    main()
