"""A crawl where EUR-Lex and OEIL answer with AWS WAF challenges: it finishes, names each host once
as blocked with the requests it spared it, stores and records nothing from a challenge page, and
still builds dossiers from Cellar and the EP Open Data API."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from crawl_fixtures import project_fixture  # noqa: F401 (pytest fixture `project`)
from recordings import RSS, SHIPPED, config, recording, rss

from policytrack.model import Document
from policytrack.store import Store
from spiders.replay import manifest
from spiders.summary import crawl

# Hand-made, in the shape of AWS WAF challenge pages (tests/fixtures/real/SOURCES.md, facts).
CHALLENGE = (
    b'<!DOCTYPE html><html lang="en"><head><title></title><script>window.gokuProps = {"key":"AQID"};</script>'
    b'<script src="https://example.token.awswaf.com/challenge.js"></script></head>'
    b'<body><div id="challenge-container"></div><script>AwsWafIntegration.saveReferrer();</script></body></html>'
)
CSDDD_PAGE = "https://eur-lex.europa.eu/legal-content/EN/ALL/?uri=CELEX:32024L1760"
CSDDD_FILE = "https://oeil.europarl.europa.eu/oeil/en/procedure-file?reference=2022/0051(COD)"
WATCH = '\n[[topics]]\nslug = "csddd"\ntitle = "CSDDD"\ncelex = ["32024L1760"]\nprocedures = ["2022/0051(COD)"]\n'


def challenged_recording(folder: Path) -> Path:
    shipped = manifest.load(SHIPPED)
    entries = []
    # The EP Open Data API answers as recorded (feeds, records, the list of meetings, a meeting).
    for e in shipped:
        if e.url.startswith("https://data.europarl.europa.eu/") and not e.gap:
            entries.append({**e.__dict__, "body": (SHIPPED / e.file).read_bytes(), "file": ""})
    answer = json.loads((SHIPPED / "handmade" / "cellar_sparql_watched-acts.json").read_text("utf-8"))
    answer["results"]["bindings"] = [b for b in answer["results"]["bindings"] if b["celex"]["value"] == "32024L1760"]
    entries += [
        # Cellar: the watched act's row, its text (its notice is a gap of this recording).
        {
            "url": "https://publications.europa.eu/webapi/rdf/sparql",
            "match": "# policytrack: watched-acts",
            "content_type": "application/sparql-results+json",
            "body": json.dumps(answer).encode(),
        },
        {
            "url": "https://publications.europa.eu/resource/celex/32024L1760",
            "accept": "application/xhtml+xml",
            "content_type": "application/xhtml+xml",
            "body": (SHIPPED / "real" / "cellar" / "32024L1760_EN_OJ_cellar.xhtml").read_bytes(),
        },
        {"url": "https://publications.europa.eu/resource/celex/32024L1760", "notice": "branch", "gap": True},
        *(
            {
                "url": "https://publications.europa.eu/webapi/rdf/sparql",
                "match": f"# policytrack: {name}",
                "content_type": "application/sparql-results+json",
                "body": json.dumps({"head": {"link": [], "vars": []}, "results": {"bindings": []}}).encode(),
            }
            for name in ("citing-or-amending", "watched-procedures")
        ),
        # EUR-Lex challenges its robots.txt already (HTTP 202 + header); its pages are never asked.
        {
            "url": "https://eur-lex.europa.eu/robots.txt",
            "status": 202,
            "headers": {"x-amzn-waf-action": "challenge"},
            "body": CHALLENGE,
        },
        {
            "url": "https://eur-lex.europa.eu/EN/display-feed.rss?rssId=162",
            "content_type": RSS,
            "body": rss((CSDDD_PAGE, "Fri, 05 Jul 2024 00:00:00 GMT")),
        },
        {
            "url": CSDDD_PAGE,
            "body": (SHIPPED / "handmade" / "eurlex_legal-content_EN-ALL_CELEX-32024L1760.html").read_bytes(),
        },
        # OEIL answers the procedure file with a CAPTCHA (HTTP 405, markers, no header).
        {"url": CSDDD_FILE, "status": 405, "body": CHALLENGE.replace(b"<body>", b"<body>Solve the CAPTCHA")},
    ]
    return recording(folder, *entries)


def test_a_challenged_host_is_named_once_and_nothing_of_it_is_kept(project: Path):
    cfg = config(project, WATCH)
    rec = challenged_recording(project / "rec")
    log, recorded = project / "requests.json", project / "recorded"
    results = crawl(
        config_file=cfg, replay=rec, record=recorded, request_log=log, spiders=["cellar", "ep_odp", "eurlex", "oeil"]
    )
    rows = {r["spider"]: r for r in results}
    assert not any(r["outright"] or r["failed"] for r in results), results
    assert rows["eurlex"]["blocked_hosts"] == {
        "eur-lex.europa.eu": {"blocked": "HTTP 202 with x-amzn-waf-action: challenge", "skipped": 2}
    }
    assert rows["oeil"]["blocked_hosts"] == {
        "oeil.europarl.europa.eu": {"blocked": "HTTP 405 with 'awswafintegration' in the page", "skipped": 0}
    }
    assert rows["eurlex"]["failures"] == [] and rows["oeil"]["failures"] == []  # a blocked host is no failure list
    asked = [r["url"] for r in json.loads(log.read_text("utf-8"))]
    assert [u for u in asked if "eur-lex" in u] == ["https://eur-lex.europa.eu/robots.txt"]  # nothing after it
    assert [u for u in asked if "oeil" in u] == ["https://oeil.europarl.europa.eu/robots.txt", CSDDD_FILE]

    with Store(project / "data" / "store.sqlite3", readonly=True) as store:
        items = {i.id: i for i in store.items()}
    assert not any(getattr(i, "source", "") in ("eurlex", "oeil") for i in items.values())
    act = items["celex:32024L1760"]  # from Cellar, with its text
    assert isinstance(act, Document) and act.source == "cellar" and len(act.sections) > 100
    assert "proc:2025/0260(COD)" in items  # and the EP API's records
    recorded_urls = {e.url for e in manifest.load(recorded)}
    assert not any("eur-lex" in u or "oeil" in u for u in recorded_urls)  # no challenge page recorded

    # The same crawl from the command line: it finishes (exit 0) and names each host once.
    (project / "data").rename(project / "data-before")
    done = subprocess.run(
        [sys.executable, "-c", "from policytrack.cli import main; main()", "crawl", "--replay", str(rec)]
        + [arg for name in ("cellar", "ep_odp", "eurlex", "oeil") for arg in ("--spider", name)],
        capture_output=True,
        text=True,
        cwd=project,
        timeout=180,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    out = done.stdout
    assert out.count("eur-lex.europa.eu") == 1 and out.count("oeil.europarl.europa.eu") == 1, out
    assert out.count("blocked by a bot challenge") == 4  # two spider rows, two host rows
    assert "Traceback" not in done.stderr
