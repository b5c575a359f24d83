"""Weekly digest: 10k subscribers' digests over a generated corpus (target: ``digest build`` ≤ 30 s).

    .venv/bin/python benchmarks/bench_digest.py [--subscribers 10000] [--documents 5000]

Measured in one run, each over every subscriber:

* baseline: the bare templates rendered with an empty digest (no selection, no MIME), with the
  same CSS inliner: the floor any digest costs;
* the phases of a digest, one pass each, each on the previous one's output: select (each
  subscriber's content: topics, saved searches through the embedded index, grouping by dossier,
  upcoming dates), render (text and HTML, CSS inlined; subscribers who follow the same things
  share one rendering), MIME (headers, quoted-printable parts, the message's bytes: what
  ``send`` hands to SMTP) and write (one .eml file each);
* ``digest build``: the whole command path (ledger look-ups, then all of the above), checked to
  write the same bytes as the phases.

The corpus comes from ``benchmarks/corpus.py`` when it provides ``generate_documents`` /
``generate_procedures``, else from the small seeded generator below.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from rich.console import Console
from rich.table import Table

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from policytrack.config import load_settings
from policytrack.digest.render import Renderer
from policytrack.digest.run import DigestRun, eml_name
from policytrack.digest.selection import DigestContent, Period, Selector
from policytrack.digest.subscribers import Subscribers
from policytrack.model import Document, Event, Note, Procedure
from policytrack.store import Store

TOPICS = ("due-diligence", "circular-electronics", "public-procurement")
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
    "tender",
    "downstream",
    "conflict",
    "minerals",
    "recycling",
]
QUERIES = ["battery", "repair", "tender", "forced labour", "recycling", "ecodesign*", '"supply chain"', "mineral"]
NEW_PER_WEEK = 100
NOW = datetime(2025, 3, 10, 9, 0, tzinfo=UTC)
TARGET_S = 30.0  # issue 15: 10,000 digests


def _own_corpus(n_docs: int, n_procs: int, rng: random.Random) -> tuple[list[Procedure], list[Document]]:
    procs = []
    for i in range(n_procs):
        ref = f"{2010 + i % 15}/{i + 1:04d}(COD)"
        events = [
            Event(date=date(2020, 1, 1) + timedelta(days=rng.randint(0, 1800)), title=" ".join(rng.choices(WORDS, k=5)))
            for _ in range(rng.randint(1, 6))
        ]
        events.append(Event(date=NOW.date() + timedelta(days=rng.randint(1, 60)), title="Plenary vote", forecast=True))
        procs.append(
            Procedure(
                id=f"proc:{ref}",
                reference=ref,
                title=" ".join(rng.choices(WORDS, k=8)).capitalize(),
                source="oeil",
                stage=rng.choice(["Awaiting committee decision", "Awaiting Council position"]),
                events=events,
                topics=tuple(rng.sample(TOPICS, k=rng.randint(1, 2))),
            )
        )
    docs = []
    for i in range(n_docs):
        proc = rng.choice(procs) if rng.random() < 0.7 else None
        dates = {"transposition": NOW.date() + timedelta(days=rng.randint(-400, 400))} if rng.random() < 0.1 else {}
        docs.append(
            Document(
                id=f"bench:{i}",
                title=" ".join(rng.choices(WORDS, k=rng.randint(6, 20))).capitalize(),
                source="eurlex",
                doc_type=rng.choice(["regulation", "directive", "report", "press release"]),
                procedure=proc.reference if proc else None,
                date=date(2024, 1, 1) + timedelta(days=rng.randint(0, 430)),
                summary=" ".join(rng.choices(WORDS, k=40)),
                dates=dates,
                topics=proc.topics if proc else (rng.choice(TOPICS),),
            )
        )
    return procs, docs


CORPUS_SOURCE = ["own seeded generator"]


def corpus(n_docs: int, n_procs: int, seed: int = 7) -> tuple[list[Procedure], list[Document]]:
    try:
        from benchmarks import corpus as shared  # type: ignore[import-not-found]

        out = list(shared.generate_procedures(n_procs)), list(shared.generate_documents(n_docs))
        CORPUS_SOURCE[0] = "benchmarks/corpus.py"
        return out
    except (ImportError, AttributeError, TypeError):
        return _own_corpus(n_docs, n_procs, random.Random(seed))


def fill(tmp: Path, n_docs: int, n_procs: int, n_subs: int, settings):
    rng = random.Random(11)
    procs, docs = corpus(n_docs, n_procs)
    store = Store(tmp / "data" / "store.sqlite3")
    store.upsert([*procs, *docs], NOW - timedelta(days=30))
    # a busy week: 1% of documents edited, a tenth of procedures moved on, NEW_PER_WEEK new documents
    week = [replace(d, summary=d.summary + " Amended.") for d in rng.sample(docs, k=len(docs) // 100)]
    week += [
        replace(p, stage="Awaiting Parliament's position in 2nd reading") for p in rng.sample(procs, k=len(procs) // 10)
    ]
    new = _own_corpus(NEW_PER_WEEK, 1, random.Random(3))[1]
    week += [replace(d, id=f"new:{i}", date=NOW.date() - timedelta(days=2)) for i, d in enumerate(new)]
    store.upsert(week, NOW - timedelta(days=2))
    book = Subscribers(store, settings)
    rows = ["email,name,topics,queries,language"]
    for i in range(n_subs):
        topics = ";".join(rng.sample(TOPICS, k=rng.randint(1, 3)))
        query = rng.choice(QUERIES) if rng.random() < 0.1 else ""
        rows.append(
            f'user{i}@example.org,User {i},{topics},"{query.replace(chr(34), chr(34) * 2)}",'
            f"{'fr' if rng.random() < 0.2 else 'en'}"
        )
    csv_file = tmp / "subs.csv"
    csv_file.write_text("\n".join(rows) + "\n", "utf-8")
    report = book.import_csv(csv_file, NOW - timedelta(days=40))
    assert not report.errors, report.errors[:3]
    notes = [
        Note(
            id=f"note:n{i}",
            slug=f"n{i}",
            note_type="briefing",
            title=f"Briefing {i}",
            date=NOW.date() - timedelta(days=i),
            topics=(TOPICS[i % 3],),
        )
        for i in range(10)
    ]
    return store, book, notes


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--subscribers", type=int, default=10_000)
    parser.add_argument("--documents", type=int, default=5_000)
    parser.add_argument("--procedures", type=int, default=300)
    args = parser.parse_args()
    console = Console()
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        settings = load_settings(
            env={},
            cwd=tmp,
            overrides={
                "project": {"data_dir": str(tmp / "data")},
                "site": {"content_dir": str(tmp / "content")},
                "digest": {"secret": "bench"},
            },
        )
        start = time.perf_counter()
        store, book, notes = fill(tmp, args.documents, args.procedures, args.subscribers, settings)
        import indexer

        backend = indexer.open_backend(settings)
        backend.index([(r.item, r.last_changed) for r in store.records()], rebuild=True)
        console.print(
            f"corpus: {args.procedures} procedures, {args.documents + NEW_PER_WEEK} documents, "
            f"{args.subscribers:,} subscribers from the {CORPUS_SOURCE[0]} "
            f"(set-up {time.perf_counter() - start:.1f} s)"
        )
        subs = list(book.all(active_only=True))
        period = Period(NOW - timedelta(days=7), NOW)
        renderer = Renderer(settings)
        bare = DigestContent(period)

        def baseline():
            fresh = Renderer(settings)  # no shared renderings: the templates run for everyone
            for s in subs:
                fresh._render_shared(s, bare, "subject")

        # One pass per phase over every subscriber, each phase on the previous one's output, so
        # that the phases add up to the work of `digest build` (whose own total is measured after).
        selector = Selector(store, settings, now=NOW, notes=notes, backend=backend)
        contents: list = []
        rendered: list = []
        messages: list[bytes] = []
        out_dir = tmp / "phases"
        out_dir.mkdir()

        def select():
            contents.extend(selector.select(s, period) for s in subs)

        def render():
            rendered.extend(renderer.render(s, c) for s, c in zip(subs, contents, strict=True))

        def mime():
            messages.extend(
                renderer.assemble(s, c, NOW, rendered=r).as_bytes()
                for s, c, r in zip(subs, contents, rendered, strict=True)
            )

        def write():
            for s, data in zip(subs, messages, strict=True):
                (out_dir / eml_name(s)).write_bytes(data)

        def build():
            DigestRun(store, settings, NOW, notes=notes, backend=backend).build(tmp / "out")

        base_s = timed(baseline)
        phases = [("select content", timed(select)), ("render (text + HTML, CSS inlined)", timed(render))]
        phases.append(("MIME (headers, quoted-printable, bytes)", timed(mime)))
        phases.append(("write .eml files", timed(write)))
        build_s = timed(build)
        results = [("baseline: bare templates", base_s), *phases, ("digest build (whole command path)", build_s)]
        items = sum(c.count for c in contents) / max(len(contents), 1)
        written = len(list((tmp / "out").glob("*.eml")))
        same = all((tmp / "out" / eml_name(s)).read_bytes() == (out_dir / eml_name(s)).read_bytes() for s in subs)
        backend.close()
        store.close()
    base = results[0][1]
    table = Table(
        title=f"Digest, {len(subs):,} subscribers, {items:.0f} items per digest on average "
        f"(target: digest build ≤ {TARGET_S:.0f} s)"
    )
    for col in ("phase", "total s", "ms / subscriber", "× baseline"):
        table.add_column(col, justify="right" if col != "phase" else "left")
    for name, seconds in results:
        table.add_row(name, f"{seconds:.1f}", f"{1000 * seconds / len(subs):.2f}", f"{seconds / base:.1f}×")
    console.print(table)
    console.print(f".eml files written: {written:,}; the phases wrote the same bytes: {'yes' if same else 'NO'}")
    build_s = results[-1][1]
    console.print(
        f"[{'green' if build_s <= TARGET_S else 'red'}]digest build: {build_s:.1f} s, {build_s / base:.1f}× the "
        f"baseline ({'within' if build_s <= TARGET_S else 'over'} the {TARGET_S:.0f} s target)[/]"
    )


if __name__ == "__main__":
    main()
