"""Each query and feed remembers its last successful run, and asks only for what changed since —
but only a run that completed it (the index answered, every page it led to was handled) moves
that mark. An EP feed's 204 means nothing changed. A slow query that timed out is not asked again."""

from __future__ import annotations

import json
from pathlib import Path

from crawl_fixtures import project_fixture  # noqa: F401 (pytest fixture `project`)
from recordings import SHIPPED, config, recording
from scrapy.exceptions import DownloadTimeoutError
from scrapy.http import Request
from scrapy.utils.test import get_crawler

from spiders.middlewares import RetryMiddleware
from spiders.spiders.ep_odp import EpOdpSpider
from spiders.summary import crawl

SPARQL = "https://publications.europa.eu/webapi/rdf/sparql"
WORK = "https://publications.europa.eu/resource/celex/32024L1760"
WATCH = '\n[[topics]]\nslug = "csddd"\ntitle = "CSDDD"\ncelex = ["32024L1760"]\n'


def answer(*celex: str) -> bytes:
    bindings = [
        {
            "celex": {"type": "typed-literal", "datatype": "http://www.w3.org/2001/XMLSchema#string", "value": c},
            "modified": {
                "type": "typed-literal",
                "datatype": "http://www.w3.org/2001/XMLSchema#dateTime",
                "value": "2025-04-17T10:00:00.000+02:00",
            },
        }
        for c in celex
    ]
    return json.dumps(
        {
            "head": {"link": [], "vars": ["celex", "modified"]},
            "results": {"distinct": False, "ordered": True, "bindings": bindings},
        }
    ).encode()


def cellar_recording(folder: Path, *, with_text: bool) -> Path:
    entries: list[dict] = [
        {
            "url": SPARQL,
            "match": "# policytrack: watched-acts",
            "content_type": "application/sparql-results+json",
            "body": answer("32024L1760"),
        },
        {
            "url": SPARQL,
            "match": "# policytrack: citing-or-amending",
            "content_type": "application/sparql-results+json",
            "body": answer(),
        },
        {"url": WORK, "notice": "branch", "gap": True},
    ]
    if with_text:
        entries.append(
            {
                "url": WORK,
                "accept": "application/xhtml+xml",
                "content_type": "application/xhtml+xml",
                "body": (SHIPPED / "real" / "cellar" / "32024L1760_EN_OJ_cellar.xhtml").read_bytes(),
            }
        )
    return recording(folder, *entries)


def queries_asked(log: Path) -> dict[str, str]:
    return {r["query"].split("\n", 1)[0]: r["query"] for r in json.loads(log.read_text("utf-8")) if r["query"]}


def test_the_watermark_moves_only_when_the_query_was_completed(project: Path):
    cfg = config(project, WATCH)
    log = project / "log.json"
    rec = project / "rec"  # one folder, one replay state: first without the act's text, then with it
    [failed] = crawl(
        config_file=cfg,
        replay=cellar_recording(rec, with_text=False),
        spiders=["cellar"],
        request_log=log,
    )
    assert failed["failed"] == 1 and f"{WORK}: HTTP 404" in failed["failures"][0]  # its text is missing
    state = json.loads(next((project / "data" / "crawl").glob("state-replay-*/cellar.json")).read_text())
    assert [k.split(":")[1] for k in state["last_success"]] == ["citing-or-amending"]  # not watched-acts

    cellar_recording(rec, with_text=True)
    [first] = crawl(config_file=cfg, replay=rec, spiders=["cellar"], request_log=log)
    asked = queries_asked(log)
    assert "FILTER" not in asked["# policytrack: watched-acts (offset 0)"]  # the failed run moved nothing
    assert "FILTER" in asked["# policytrack: citing-or-amending (offset 0)"]  # the complete one did
    assert first["new"] == 1 and first["failed"] == 0
    [second] = crawl(config_file=cfg, replay=rec, spiders=["cellar"], request_log=log)
    asked = queries_asked(log)
    assert 'FILTER (?modified >= "' in asked["# policytrack: watched-acts (offset 0)"]  # since the last one
    assert (second["pages"], second["not_modified"]) == (0, 1)  # the row was followed already


def test_a_204_from_an_ep_feed_means_nothing_changed(project: Path):
    rec = recording(
        project / "rec",
        {"url": "https://data.europarl.europa.eu/api/v2/procedures/feed", "any_query": True, "status": 204},
        {"url": "https://data.europarl.europa.eu/api/v2/plenary-documents/feed", "status": 204},
        {
            "url": "https://data.europarl.europa.eu/api/v2/meetings",
            "any_query": True,
            "content_type": "application/ld+json",
            "body": b'{"data": []}',
        },
    )
    [row] = crawl(config_file=project / "policytrack.toml", replay=rec, spiders=["ep_odp"])
    assert (row["outright"], row["failed"], row["pages"], row["not_modified"]) == (False, 0, 0, 2)
    state = json.loads(next((project / "data" / "crawl").glob("state-replay-*/ep_odp.json")).read_text())
    assert set(state["last_success"]) == {"ep-odp:procedures/feed", "ep-odp:plenary-documents/feed", "ep-odp:meetings"}


def test_a_slow_query_that_timed_out_is_not_asked_again():
    crawler = get_crawler(EpOdpSpider, {"RETRY_TIMES": 3})
    crawler.spider = EpOdpSpider.from_crawler(crawler)
    retry = RetryMiddleware.from_crawler(crawler)
    timeout = DownloadTimeoutError("Getting it took longer than 240 seconds.")
    slow = Request(SPARQL, meta={"retry_timeouts": False})
    assert retry.process_exception(slow, timeout) is None
    page = Request("https://data.europarl.europa.eu/api/v2/procedures/2025-0260")
    again = retry.process_exception(page, timeout)
    assert isinstance(again, Request) and again.meta["retry_times"] == 1  # a page is still asked again


def test_a_full_page_is_followed_by_the_next_one(project: Path):
    """A page of LIMIT bindings (here none of them rows of ours) means another page: asked with
    OFFSET, until a short one."""
    cfg = config(project, '\n[[topics]]\nslug = "x"\ntitle = "X"\nprocedures = ["2013/0449(COD)"]\n')
    stamp = {
        "type": "typed-literal",
        "datatype": "http://www.w3.org/2001/XMLSchema#dateTime",
        "value": "2018-10-05T19:40:13.362+02:00",
    }
    full = {
        "head": {"link": [], "vars": ["procedure", "modified"]},
        "results": {"bindings": [{"modified": stamp}] * 1000},
    }
    last = {
        "head": {"link": [], "vars": ["procedure", "modified"]},
        "results": {
            "bindings": [
                {
                    "procedure": {
                        "type": "typed-literal",
                        "datatype": "http://www.w3.org/2001/XMLSchema#string",
                        "value": "2013/0449/COD",
                    },
                    "modified": stamp,
                }
            ]
        },
    }
    rec = recording(
        project / "rec",
        {
            "url": SPARQL,
            "match": "# policytrack: watched-procedures (offset 0)",
            "content_type": "application/sparql-results+json",
            "body": json.dumps(full).encode(),
        },
        {
            "url": SPARQL,
            "match": "# policytrack: watched-procedures (offset 1000)",
            "content_type": "application/sparql-results+json",
            "body": json.dumps(last).encode(),
        },
        {
            "url": "https://publications.europa.eu/resource/procedure/2013_449",
            "notice": "tree",
            "content_type": "application/xml",
            "body": (SHIPPED / "real" / "cellar" / "tree-notice_procedure-2013-0449-COD.xml").read_bytes(),
        },
    )
    log = project / "log.json"
    [row] = crawl(config_file=cfg, replay=rec, spiders=["cellar"], request_log=log)
    assert (row["new"], row["failed"]) == (1, 0)
    assert list(queries_asked(log)) == [
        "# policytrack: watched-procedures (offset 0)",
        "# policytrack: watched-procedures (offset 1000)",
    ]
