"""Parser throughput per kind against the raw parse of the same bytes, in the same run.

    .venv/bin/python benchmarks/bench_parse.py [--seconds 0.5] [--kinds eurlex-document,feed]

For every kind the recorded responses (the real ones in tests/fixtures/real, and the
shipped recording's hand-made feeds where no real one exists) are parsed repeatedly:

* raw: the bare parse a parser cannot avoid — ``lxml.etree.fromstring`` with lxml's HTML parser
  for HTML (the cheapest lxml parse of a page; ``lxml.html.document_fromstring`` is slower),
  ``lxml.etree.fromstring`` for XML and feeds, ``json.loads`` for JSON (the stdlib's, even where
  the parser decodes otherwise: ``ep-odp-procedure`` decodes with msgspec into the fields it
  reads, and the target is stated against ``json.loads``);
* extract: ``spiders.parsers.parse(kind, body, url)``, i.e. the raw parse plus extraction and
  validation of the items.

The ratio extract / raw is the price of extraction (target ≤ 1.5×). Feeds go through feedparser,
whose own parse is the cost: their ratio is reported against lxml all the same, and a second
baseline, ``feedparser ms`` — ``feedparser.parse`` of the same bytes with the parser's own
options, nothing else — shows where the time goes; ``× lib`` is extract / that baseline.

Every round times each side once, alternating which goes first (so that a busy machine, or a
warm cache left by the other side, favours neither), with the garbage collector off as timeit
does; a side's time is its fastest round. Times are the thread's CPU time (``time.thread_time``)
by default: on a shared machine the wall clock also counts the time other processes held the
core, which varied the ratios by a third from one run to the next; ``--clock wall`` measures
wall time instead. ``--collect-each-round`` adds a full collection
before every round, the cold start this benchmark used to measure (see ``timed``). The spread
column is the median round / fastest round of extract: above ~1.3× the machine was too busy
for that row to be trusted; run again.
"""

from __future__ import annotations

import argparse
import gc
import json
import statistics
import sys
import time
from pathlib import Path

import feedparser
import lxml.etree
from rich.console import Console
from rich.table import Table

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from spiders.parsers import parse  # noqa: E402
from spiders.replay import SHIPPED_RECORDING  # noqa: E402

REAL = ROOT / "tests" / "fixtures" / "real"
CASES = {
    "eurlex-document": [
        (
            "eurlex/legal-content_EN-ALL_CELEX-32017R2403.html",
            "https://eur-lex.europa.eu/legal-content/EN/ALL/?uri=CELEX:32017R2403",
        ),
        ("eurlex/document_EP-report_A9-2021-0270.html", ""),
    ],
    "eurlex-procedure": [("eurlex/procedure_2021-0106-COD.html", "https://eur-lex.europa.eu/procedure/EN/2021_106")],
    "cellar-notice": [
        ("cellar/branch-notice_32017R2403.xml", ""),
        ("cellar/tree-notice_procedure-2013-0449-COD.xml", ""),
    ],
    "oeil-procedure": [
        ("oeil/procedure-file_2024-0258-COD.html", ""),
        ("oeil/procedure-file_2022-0377-NLE.html", ""),
        ("oeil/procedure-file_2023-2019-INI_layout-2024-ep.html", ""),
        ("oeil/procedure-file_2022-2201-INI_layout-2024-25-erpl.html", ""),
    ],
    "oeil-summary": [
        (
            "oeil/document-summary_1864147.html",
            "https://oeil.europarl.europa.eu/oeil/en/document-summary?id=1864147",
        )
    ],
    "ep-odp-procedure": [("ep-odp/procedure_2025-0260.json", ""), ("ep-odp/procedure_2024-2006.json", "")],
    "ep-odp-document": [("ep-odp/document_A-9-2024-0163.json", "")],
    "ep-odp-meeting": [("ep-odp/meeting_MTG-PL-2024-07-16.xml", "")],
    "ep-press-release": [("ep/press-release_20241212IPR25960.html", "")],
    "ep-document": [("ep/document_A-9-2024-0163-EN.html", "")],
    "feed": [
        (str(SHIPPED_RECORDING / "handmade" / "ep_feed_press-releases.xml"), ""),
        (str(SHIPPED_RECORDING / "handmade" / "eurlex_feed_rssId-162.xml"), ""),
    ],
}
_XML_PARSER = lxml.etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)
_HTML_PARSER = lxml.etree.HTMLParser(no_network=True, huge_tree=True)


def raw_parse(kind: str, body: bytes) -> object:
    if kind.startswith("ep-odp") and kind != "ep-odp-meeting":
        return json.loads(body)
    if kind in ("cellar-notice", "ep-odp-meeting", "feed"):
        return lxml.etree.fromstring(body, _XML_PARSER)
    return lxml.etree.fromstring(body, _HTML_PARSER)


def library_parse(kind: str, body: bytes) -> object:
    """The second baseline of feeds: feedparser alone, with the options ``feeds.entries`` uses."""
    return feedparser.parse(body, sanitize_html=False, resolve_relative_uris=False)


CLOCKS = {"cpu": time.thread_time, "wall": time.perf_counter}


def timed(
    sides: list, seconds: float, collect_each_round: bool = False, clock=time.thread_time
) -> list[tuple[float, float]]:
    """(fastest, median) seconds per call of each callable in ``sides``, measured in rounds that
    run every side once (so that a busy machine slows all alike), starting with a different side
    each round (so that no side always inherits the caches another one warmed).

    The collector is off while a side runs, as in timeit, and on between rounds, where it
    collects whenever its thresholds say. A full ``gc.collect()`` before every round
    (``collect_each_round``, how this benchmark measured before) empties CPython's free lists and
    walks every object, so each round's Python-heavy call starts cold: it bills the extraction
    side up to a quarter more (the C-only raw side hardly at all) than a parser running page
    after page pays."""
    times: list[list[float]] = [[] for _ in sides]
    start, rounds = time.perf_counter(), 0
    gc.collect()
    while time.perf_counter() - start < seconds or rounds < 15:
        order = list(range(len(sides)))
        order = order[rounds % len(order) :] + order[: rounds % len(order)]
        if collect_each_round:
            gc.collect()
        gc.disable()  # as timeit does: a collection triggered by one side would be billed to it
        try:
            for i in order:
                t0 = clock()
                sides[i]()
                times[i].append(clock() - t0)
        finally:
            gc.enable()
        rounds += 1
    return [(min(t), statistics.median(t)) for t in times]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=1.0, help="time spent per measurement")
    ap.add_argument("--kinds", default="", help="comma-separated kinds to measure (default: all)")
    ap.add_argument("--clock", choices=sorted(CLOCKS), default="cpu", help="what is timed (default: CPU time)")
    ap.add_argument(
        "--collect-each-round",
        action="store_true",
        help="run a full gc.collect() before every round (the old, cold-start method; see timed())",
    )
    args = ap.parse_args(argv)
    kinds = [k for k in args.kinds.split(",") if k] or list(CASES)
    unknown = [k for k in kinds if k not in CASES]
    if unknown:
        ap.error(f"unknown kind(s) {', '.join(unknown)}; known: {', '.join(CASES)}")
    table = Table(
        title=f"parse throughput per kind (best of rounds, same bytes, same run, {args.clock} time"
        + (", gc.collect() before every round)" if args.collect_each_round else ")")
    )
    for col in (
        "kind",
        "bytes",
        "items",
        "raw ms",
        "feedparser ms",
        "extract ms",
        "extract MB/s",
        "ratio",
        "× lib",
        "spread",
        "target ≤ 1.5×",
    ):
        table.add_column(col, justify="left" if col == "kind" else "right", no_wrap=True)
    worst = 0.0
    for kind in kinds:
        cases = CASES[kind]
        bodies = [((REAL / name) if not name.startswith("/") else Path(name)).read_bytes() for name, _ in cases]
        urls = [url for _, url in cases]
        items = sum(len(parse(kind, b, u)) for b, u in zip(bodies, urls))
        # Defaults bind this iteration's values: a closure would read the loop variables when called.
        sides = [
            lambda kind=kind, bodies=bodies: [raw_parse(kind, b) for b in bodies],
            lambda kind=kind, bodies=bodies, urls=urls: [parse(kind, b, u) for b, u in zip(bodies, urls)],
        ]
        if kind == "feed":
            sides.append(lambda kind=kind, bodies=bodies: [library_parse(kind, b) for b in bodies])
        measured = timed(sides, args.seconds, args.collect_each_round, CLOCKS[args.clock])
        (raw, _), (extract, extract_median) = measured[:2]
        library = measured[2][0] if kind == "feed" else None
        size = sum(len(b) for b in bodies)
        ratio = extract / raw
        worst = max(worst, ratio if kind != "feed" else 0)
        table.add_row(
            kind,
            f"{size:,}",
            str(items),
            f"{raw * 1000:.2f}",
            f"{library * 1000:.2f}" if library else "",
            f"{extract * 1000:.2f}",
            f"{size / extract / 1e6:.1f}",
            f"{ratio:.2f}×",
            f"{extract / library:.2f}×" if library else "",
            f"{extract_median / extract:.2f}×",
            "ok" if ratio <= 1.5 else "MISSED",
        )
    Console(width=max(Console().width, 150)).print(table)
    print(
        f"worst ratio outside feeds: {worst:.2f}× (feeds are parsed by feedparser, see the docstring"
        " and the × lib column)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
