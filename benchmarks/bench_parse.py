"""Parser throughput per kind against the raw parse of the same bytes, in the same run.

    .venv/bin/python benchmarks/bench_parse.py [--seconds 0.5]

For every kind the recorded responses (the real ones in ../shared/fixtures/real, and the
shipped recording's hand-made feeds where no real one exists) are parsed repeatedly:

* raw: the bare parse a parser cannot avoid — ``lxml.etree.fromstring`` with lxml's HTML parser
  for HTML (the cheapest lxml parse of a page; ``lxml.html.document_fromstring`` is slower),
  ``lxml.etree.fromstring`` for XML and feeds, ``json.loads`` for JSON;
* extract: ``spiders.parsers.parse(kind, body, url)``, i.e. the raw parse plus extraction and
  validation of the items.

The ratio extract / raw is the price of extraction (target ≤ 1.5×). Feeds go through feedparser,
whose own parse is the cost: their ratio is reported against lxml all the same.
"""

from __future__ import annotations

import argparse
import gc
import json
import sys
import time
from pathlib import Path

import lxml.etree
from rich.console import Console
from rich.table import Table

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from spiders.parsers import parse  # noqa: E402
from spiders.replay import SHIPPED_RECORDING  # noqa: E402

REAL = ROOT.parent / "shared" / "fixtures" / "real"
CASES = {
    "eurlex-document": [("eurlex/legal-content_EN-ALL_CELEX-32017R2403.html", "https://eur-lex.europa.eu/legal-content/EN/ALL/?uri=CELEX:32017R2403"),
                        ("eurlex/document_EP-report_A9-2021-0270.html", "")],
    "eurlex-procedure": [("eurlex/procedure_2021-0106-COD.html", "https://eur-lex.europa.eu/procedure/EN/2021_106")],
    "cellar-notice": [("cellar/branch-notice_32017R2403.xml", ""), ("cellar/tree-notice_procedure-2013-0449-COD.xml", "")],
    "oeil-procedure": [("oeil/procedure-file_2024-0258-COD.html", ""), ("oeil/procedure-file_2022-0377-NLE.html", "")],
    "oeil-summary": [("oeil/document-summary_1864147.html", "https://oeil.secure.europarl.europa.eu/oeil/en/document-summary?id=1864147")],
    "ep-odp-procedure": [("ep-odp/procedure_2025-0260.json", ""), ("ep-odp/procedure_2024-2006.json", "")],
    "ep-odp-document": [("ep-odp/document_A-9-2024-0163.json", "")],
    "ep-odp-meeting": [("ep-odp/meeting_MTG-PL-2024-07-16.xml", "")],
    "ep-press-release": [("ep/press-release_20241212IPR25960.html", "")],
    "ep-document": [("ep/document_A-9-2024-0163-EN.html", "")],
    "feed": [(str(SHIPPED_RECORDING / "handmade" / "oeil_feed_procedures.xml"), ""),
             (str(SHIPPED_RECORDING / "handmade" / "eurlex_feed_saved-search_watched-acts.xml"), "")],
}
_XML_PARSER = lxml.etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)
_HTML_PARSER = lxml.etree.HTMLParser(no_network=True, huge_tree=True)


def raw_parse(kind: str, body: bytes) -> object:
    if kind.startswith("ep-odp") and kind != "ep-odp-meeting":
        return json.loads(body)
    if kind in ("cellar-notice", "ep-odp-meeting", "feed"):
        return lxml.etree.fromstring(body, _XML_PARSER)
    return lxml.etree.fromstring(body, _HTML_PARSER)


def timed_pair(raw, extract, seconds: float) -> tuple[float, float]:
    """Seconds per call of ``raw`` and ``extract``, measured in alternating rounds (so that a busy
    machine slows both alike) and keeping each one's fastest round."""
    best_raw = best_extract = float("inf")
    start, rounds = time.perf_counter(), 0
    while time.perf_counter() - start < seconds or rounds < 15:
        gc.collect()
        gc.disable()  # as timeit does: a collection triggered by one side would be billed to it
        try:
            t0 = time.perf_counter()
            raw()
            t1 = time.perf_counter()
            extract()
            t2 = time.perf_counter()
        finally:
            gc.enable()
        best_raw, best_extract = min(best_raw, t1 - t0), min(best_extract, t2 - t1)
        rounds += 1
    return best_raw, best_extract


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=1.0, help="time spent per measurement")
    args = ap.parse_args(argv)
    table = Table(title="parse throughput per kind (best of rounds, same bytes, same run)")
    for col in ("kind", "bytes", "items", "raw ms", "extract ms", "extract MB/s", "ratio", "target ≤ 1.5×"):
        table.add_column(col, justify="left" if col == "kind" else "right")
    worst = 0.0
    for kind, cases in CASES.items():
        bodies = [((REAL / name) if not name.startswith("/") else Path(name)).read_bytes() for name, _ in cases]
        urls = [url for _, url in cases]
        items = sum(len(parse(kind, b, u)) for b, u in zip(bodies, urls))
        raw, extract = timed_pair(lambda: [raw_parse(kind, b) for b in bodies],
                                  lambda: [parse(kind, b, u) for b, u in zip(bodies, urls)], args.seconds)
        size = sum(len(b) for b in bodies)
        ratio = extract / raw
        worst = max(worst, ratio if kind != "feed" else 0)
        table.add_row(kind, f"{size:,}", str(items), f"{raw * 1000:.2f}", f"{extract * 1000:.2f}",
                      f"{size / extract / 1e6:.1f}", f"{ratio:.2f}×", "ok" if ratio <= 1.5 else "MISSED")
    Console(width=max(Console().width, 110)).print(table)
    print(f"worst ratio outside feeds: {worst:.2f}× (feeds are parsed by feedparser, see the docstring)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
